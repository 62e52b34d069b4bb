"""The complaints app's part of the demo estate, called from seed_demo: each part seeds its own.
The figures part goes first (it gives the departments their members, whom the handling part
routes to), then filing (the complaints the others handle, talk about and count)."""

from accounts.models import Community

from .conversation import demo as conversation
from .figures import demo as figures
from .filing import demo as filing
from .handling import demo as handling
from .suggestions import demo as suggestions


def seed_complaints(community: Community) -> None:
    for part in (figures, filing, handling, conversation, suggestions):
        part.seed(community)

"""The complaints app's part of the demo estate, called from seed_demo: each part seeds its own,
filing first (the complaints the others handle, talk about and count)."""

from accounts.models import Community

from .conversation import demo as conversation
from .figures import demo as figures
from .filing import demo as filing
from .handling import demo as handling
from .suggestions import demo as suggestions


def seed_complaints(community: Community) -> None:
    for part in (filing, handling, conversation, suggestions, figures):
        part.seed(community)

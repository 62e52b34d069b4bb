"""The filing part's demo data."""

from accounts.models import Community


def seed(community: Community) -> None:
    pass

"""Shared set-up of the activity tests: households of one community and a helper to sign up
through the service."""

from accounts.models import Residency
from services.activities import services
from tests.factories import ResidencyFactory, RoomFactory


def household(community, *, building=None, name="住户", mobile=None) -> Residency:
    room = (
        RoomFactory(building=building) if building else RoomFactory(building__community=community)
    )
    extra = {"user__mobile": mobile} if mobile else {}
    return ResidencyFactory(room=room, user__display_name=name, **extra)


def sign_up(activity, home: Residency, *, people: int = 1, answers=None):
    """Sign `home` up with its head and people-1 others by name."""
    return services.signup_create(
        activity=activity,
        household=home,
        user=home.user,
        member_ids=[home.user_id],
        other_names=[f"孩子{n}" for n in range(people - 1)],
        answers=answers or {},
    )

"""Who may see a resident's private images: the proof photo of a residency and an avatar.

Each `get_*_for_viewer` returns the row whose image `viewer` may see, or None when there is
no such image or they may not see it (the views answer 404 either way).
"""

from staff import selectors as staff_selectors
from staff.access import has_perm_in_community

from . import selectors
from .models import Residency, User


def may_see_proof(user: User, residency: Residency) -> bool:
    """The resident who sent it; staff of the room's community who may see residents there (by
    the position held there or by a duty granted for that community); a platform operator who
    may."""
    if residency.user_id == user.pk:
        return True
    member = staff_selectors.active_staff_member(user)
    if member is None:
        return user.is_staff and user.has_perm("accounts.view_residency")
    community = residency.room.building.community
    if community not in staff_selectors.communities_served(member):
        return False
    return has_perm_in_community(user, "accounts.view_residency", community)


def may_see_avatar(user: User, person: User) -> bool:
    """The person themselves and the members of a household they share."""
    return person.pk == user.pk or selectors.shares_household(user, person)


def get_residency_proof_for_viewer(viewer: User, residency_id: int) -> Residency | None:
    residency = (
        Residency.objects.select_related("room__building__community")
        .filter(pk=residency_id)
        .exclude(proof="")
        .first()
    )
    if residency is None or not may_see_proof(viewer, residency):
        return None
    return residency


def get_avatar_owner_for_viewer(viewer: User, user_id: int) -> User | None:
    if user_id == viewer.pk:
        person = viewer
    else:
        person = User.objects.filter(pk=user_id).first()
        if person is None or not may_see_avatar(viewer, person):
            return None
    return person if person.avatar else None

"""Who may see a resident's private images: the proof photo of a residency and an avatar.

Each `get_*_for_viewer` returns the row whose image `viewer` may see, or None when there is
no such image or they may not see it (the views answer 404 either way).
"""

from collections.abc import Callable

from . import selectors
from .models import Residency, User

# Who else may see a proof photo, asked in turn: each rule answers True or False for the
# people it knows about and None for the others (staff: a staff member of the room's
# community who may see residents there). Registered from AppConfig.ready of the apps above.
ProofRule = Callable[[User, Residency], bool | None]
_PROOF_RULES: list[ProofRule] = []


def register_proof_rule(rule: ProofRule) -> None:
    if rule not in _PROOF_RULES:
        _PROOF_RULES.append(rule)


def may_see_proof(user: User, residency: Residency) -> bool:
    """The resident who sent it; whom a registered rule allows (staff of the room's
    community who may see residents there); otherwise a platform operator who may."""
    if residency.user_id == user.pk:
        return True
    for rule in _PROOF_RULES:
        verdict = rule(user, residency)
        if verdict is not None:
            return verdict
    return user.is_staff and user.has_perm("accounts.view_residency")


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

from django.contrib.auth.models import Group
from django.db.models import Prefetch, QuerySet

from accounts.models import Community, User

from .models import StaffInvitation, StaffMember


def active_staff_member(user: User) -> StaffMember | None:
    return (
        StaffMember.objects.select_related("company", "position")
        .filter(user=user, is_active=True)
        .first()
    )


def communities_served(member: StaffMember) -> list[Community]:
    return list(member.communities.order_by("name"))


def staff_of_community(community: Community) -> QuerySet[StaffMember]:
    return (
        StaffMember.objects.filter(communities=community)
        .select_related("user", "position")
        .order_by("-is_active", "position__name", "user__display_name")
    )


def staff_of_community_with_communities(community: Community) -> QuerySet[StaffMember]:
    """The team list: each member with every community they serve, in two queries."""
    return staff_of_community(community).prefetch_related(
        Prefetch("communities", queryset=Community.objects.order_by("name"))
    )


def positions_grantable_by(user: User) -> list[Group]:
    """Positions whose every permission the user holds: what they may hand out. A platform
    operator (superuser) may hand out any."""
    positions = list(Group.objects.prefetch_related("permissions__content_type").order_by("name"))
    if user.is_superuser:
        return positions
    held = user.get_all_permissions()
    return [
        position
        for position in positions
        if {f"{p.content_type.app_label}.{p.codename}" for p in position.permissions.all()} <= held
    ]


def pending_invitations(community: Community) -> QuerySet[StaffInvitation]:
    """Invitations to this community not yet answered (expired ones too: they can be resent)."""
    return (
        StaffInvitation.objects.filter(communities=community, status=StaffInvitation.Status.PENDING)
        .select_related("position")
        .order_by("-created_at")
    )


def invitation_by_token(token: str) -> StaffInvitation | None:
    return (
        StaffInvitation.objects.select_related("company", "position", "invited_by")
        .filter(token_hash=StaffInvitation.hash_token(token))
        .first()
    )

from django.contrib.auth.models import Group, Permission
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from accounts.models import Community, User

from .models import StaffAssignment, StaffInvitation, StaffMember


def active_staff_member(user: User) -> StaffMember | None:
    return StaffMember.objects.select_related("company").filter(user=user, is_active=True).first()


def communities_served(member: StaffMember) -> list[Community]:
    return list(member.communities.order_by("name"))


def assignments_of(member: StaffMember) -> list[StaffAssignment]:
    """The member's position in each community they serve, by community name."""
    return list(
        StaffAssignment.objects.filter(member=member)
        .select_related("community", "position")
        .order_by("community__name", "community_id")
    )


def position_in_community(user: User, community: Community) -> Group | None:
    """The position `user` holds in `community` as an active staff member, if any."""
    assignment = (
        StaffAssignment.objects.filter(
            member__user=user, member__is_active=True, community=community
        )
        .select_related("position")
        .first()
    )
    return assignment.position if assignment else None


def permissions_of(position: Group) -> frozenset[str]:
    """The position's permissions as "app_label.codename"."""
    return frozenset(
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.filter(group=position).values_list(
            "content_type__app_label", "codename"
        )
    )


def staff_of_community(community: Community) -> QuerySet[StaffMember]:
    """The staff serving `community`, each with `position_name`: the position held there."""
    position_here = StaffAssignment.objects.filter(
        member=OuterRef("pk"), community=community
    ).values("position__name")[:1]
    return (
        StaffMember.objects.filter(communities=community)
        .select_related("user")
        .annotate(position_name=Subquery(position_here))
        .order_by("-is_active", "position_name", "user__display_name")
    )


def staff_of_community_with_communities(community: Community) -> QuerySet[StaffMember]:
    """The team list: each member with the position they hold in every community they serve,
    in two queries."""
    return staff_of_community(community).prefetch_related(
        Prefetch(
            "assignments",
            queryset=StaffAssignment.objects.select_related("community", "position").order_by(
                "community__name", "community_id"
            ),
        )
    )


def positions_with_permissions() -> list[Group]:
    return list(Group.objects.prefetch_related("permissions__content_type").order_by("name"))


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

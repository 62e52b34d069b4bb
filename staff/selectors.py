from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from accounts.models import Community, PropertyCompany, User
from kit.pagecache import cached_on_tables

from .models import StaffAssignment, StaffInvitation, StaffMember


def active_staff_member(user: User) -> StaffMember | None:
    return StaffMember.objects.select_related("company").filter(user=user, is_active=True).first()


# The tables the staff portal's per-request lookups read: cached values built on them are made
# again when one is written (kit.pagecache moves their generations on at commit).
STAFF_TABLES = (StaffMember, StaffAssignment, Community, PropertyCompany, Group)
PERMISSION_TABLES = (Permission, Group.permissions.through, ContentType)


def staff_member_with_assignments(user: User) -> tuple[StaffMember | None, list[StaffAssignment]]:
    """What every staff portal request starts from (staff.middleware), from the cache: the
    active staff member of `user` and the assignments (active_staff_member, assignments_of)."""

    def look_up():
        member = active_staff_member(user)
        return member, (assignments_of(member) if member is not None else [])

    return cached_on_tables(f"staff:member:{user.pk}", STAFF_TABLES, look_up)


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
    """The position's permissions as "app_label.codename" (cached until a permission, a
    position's permissions or a content type changes)."""
    return cached_on_tables(
        f"staff:permissions:{position.pk}", PERMISSION_TABLES, lambda: _permissions_of(position)
    )


def _permissions_of(position: Group) -> frozenset[str]:
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


def holds_position_with(user: User, perms: tuple[str, ...]) -> bool:
    """Whether the user's active staff membership holds, in some community, a position that
    has any of `perms` ("app_label.codename")."""
    wanted = Q()
    for perm in perms:
        app_label, codename = perm.split(".", 1)
        wanted |= Q(
            position__permissions__content_type__app_label=app_label,
            position__permissions__codename=codename,
        )
    return StaffAssignment.objects.filter(
        wanted, member__user=user, member__is_active=True
    ).exists()


def staff_with_permission(community: Community, perm: str) -> QuerySet[User]:
    """The active accounts of the active staff who hold, in `community`, a position with `perm`
    ("app_label.codename"): whom an alert of that duty reaches. By permission, never by the
    position's name, which operators may change in the admin."""
    app_label, codename = perm.split(".", 1)
    return User.objects.filter(
        staff_member__assignments__in=StaffAssignment.objects.filter(
            community=community,
            position__permissions__content_type__app_label=app_label,
            position__permissions__codename=codename,
        ),
        staff_member__is_active=True,
        is_active=True,
    ).distinct()


# The manager's duties: adding and changing the company's staff (who may then do anything).
MANAGER_PERMISSIONS = ("staff.add_staffmember", "staff.change_staffmember")


def holds_manager_duties(user: User) -> bool:
    """Whether the user holds the manager's duties in any community they serve (these need a
    second factor: accounts.mfa). One query: the manager's duties come only with a position
    (django-guardian's community-local grants do not include them)."""
    return holds_position_with(user, MANAGER_PERMISSIONS)


def positions_with_permissions() -> list[Group]:
    return list(Group.objects.prefetch_related("permissions__content_type").order_by("name"))


def positions_with_duties() -> list[tuple[Group, list[str]]]:
    """Each position with the duties it holds, in Chinese (staff.duties), for the team page."""
    from . import duties

    return [
        (position, [str(d.label) for d in duties.duties_held(
            duties.permission_name(p) for p in position.permissions.all()
        )])
        for position in positions_with_permissions()
    ]  # fmt: skip


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

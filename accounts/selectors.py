from django.db.models import Case, Count, Prefetch, Q, QuerySet, When

from .models import Building, Community, Residency, Room, User


def rooms_of_user(user: User) -> QuerySet[Residency]:
    """The user's active residencies (pending and verified) with room, building and community."""
    return (
        Residency.objects.filter(user=user, status__in=Residency.ACTIVE_STATUSES)
        .select_related("room__building__community__company", "room__unit")
        .order_by("status", "room__building__community__name", "room_id")
    )


def verified_rooms_of_user(user: User) -> QuerySet[Room]:
    return Room.objects.filter(
        residencies__user=user, residencies__status=Residency.Status.VERIFIED
    ).distinct()


def households_for_rooms(room_ids: list[int]) -> dict[int, list[Residency]]:
    """Verified members of each room, one query for all rooms."""
    members: dict[int, list[Residency]] = {room_id: [] for room_id in room_ids}
    for residency in (
        Residency.objects.filter(room_id__in=room_ids, status=Residency.Status.VERIFIED)
        .select_related("user")
        .order_by("room_id", "relation", "created_at")
    ):
        members[residency.room_id].append(residency)
    return members


def household_of_room(room: Room) -> list[Residency]:
    return households_for_rooms([room.pk])[room.pk]


def pending_residency_count(community: Community | None) -> int:
    if community is None:
        return 0
    return Residency.objects.filter(
        room__building__community=community, status=Residency.Status.PENDING
    ).count()


def residencies_for_community(community: Community) -> QuerySet[Residency]:
    """Pending requests first (they need someone), then the newest."""
    return (
        Residency.objects.filter(room__building__community=community)
        .select_related("user", "room__building", "room__unit", "verified_by")
        .annotate(waiting=Case(When(status=Residency.Status.PENDING, then=0), default=1))
        .order_by("waiting", "-created_at", "-pk")
    )


def rooms_for_community(community: Community) -> QuerySet[Room]:
    return (
        Room.objects.filter(building__community=community)
        .select_related("building", "unit")
        .annotate(
            household_size=Count(
                "residencies", filter=Q(residencies__status=Residency.Status.VERIFIED)
            ),
            pending_count=Count(
                "residencies", filter=Q(residencies__status=Residency.Status.PENDING)
            ),
        )
    )


def buildings_for_community(community: Community) -> QuerySet[Building]:
    return Building.objects.filter(community=community).order_by("sort_order", "name")


def room_with_history(room: Room) -> Room:
    return (
        Room.objects.select_related("building__community", "unit")
        .prefetch_related(
            Prefetch(
                "residencies",
                queryset=Residency.objects.select_related("user", "verified_by").order_by(
                    "-created_at"
                ),
            )
        )
        .get(pk=room.pk)
    )


def community_counts(community: Community) -> dict[str, int]:
    """The figures on the staff home page, in three queries."""
    rooms = Room.objects.filter(building__community=community).aggregate(
        rooms=Count("id", distinct=True),
        occupied=Count(
            "id",
            filter=Q(residencies__status=Residency.Status.VERIFIED),
            distinct=True,
        ),
    )
    residents = Residency.objects.filter(room__building__community=community).aggregate(
        residents=Count("user", filter=Q(status=Residency.Status.VERIFIED), distinct=True),
        pending=Count("id", filter=Q(status=Residency.Status.PENDING)),
        owners=Count(
            "user",
            filter=Q(status=Residency.Status.VERIFIED, relation=Residency.Relation.OWNER),
            distinct=True,
        ),
    )
    buildings = Building.objects.filter(community=community).count()
    return {"buildings": buildings, **rooms, **residents}

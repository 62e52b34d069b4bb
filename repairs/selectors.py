"""Who sees which repair orders, and the querysets the pages are built on."""

import datetime as dt

from django.conf import settings
from django.db.models import Case, CharField, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Concat

from accounts.models import Community, Residency, Room, User
from accounts.selectors import household_ids_of_user, room_order, room_place
from kit import service_levels
from kit.pagecache import cached_on_tables
from staff.models import StaffAssignment, StaffMember

from . import geo
from .models import (
    RepairAttachment,
    RepairCallback,
    RepairCategory,
    RepairCharge,
    RepairEscalation,
    RepairEvent,
    RepairOrder,
    TimeSlot,
)

Status = RepairOrder.Status


def orders_for_user(user: User) -> QuerySet[RepairOrder]:
    """Every order of the user's households, newest first: what 报修 lists."""
    return (
        RepairOrder.objects.filter(household__in=household_ids_of_user(user))
        .select_related("category", "room__building", "room__unit", "technician__user")
        .order_by("-created_at", "-pk")
    )


def get_order_for_user(user: User, order_id: int) -> RepairOrder | None:
    return orders_for_user(user).select_related("community", "reporter").filter(pk=order_id).first()


def household_may_see(user: User, order: RepairOrder) -> bool:
    return household_ids_of_user(user).filter(pk=order.household_id).exists()


def household_user_ids(order: RepairOrder) -> list[int]:
    """The people who follow the order: the head and the verified members of its household."""
    return list(
        Residency.objects.filter(status=Residency.Status.VERIFIED)
        .filter(Q(pk=order.household_id) | Q(head_id=order.household_id))
        .values_list("user_id", flat=True)
        .distinct()
    )


def reportable_residencies(user: User) -> QuerySet[Residency]:
    """The user's verified residencies: the rooms they may report for."""
    return (
        Residency.objects.filter(user=user, status=Residency.Status.VERIFIED)
        .select_related("room__building__community", "room__unit", "head")
        .order_by("room__building__community__name", "room_id")
    )


def categories_for(community: Community) -> QuerySet[RepairCategory]:
    return RepairCategory.objects.filter(community=community, is_active=True).order_by(
        "sort_order", "pk"
    )


def time_slots_for(community: Community) -> QuerySet[TimeSlot]:
    return TimeSlot.objects.filter(community=community, is_active=True).order_by("start")


def timeline(order: RepairOrder, *, include_internal: bool = False) -> list[RepairEvent]:
    events = order.events.select_related("actor").prefetch_related(
        Prefetch("attachments", queryset=RepairAttachment.objects.order_by("pk"))
    )
    if not include_internal:
        events = events.filter(internal=False)
    return list(events)


def order_media(order: RepairOrder) -> dict[str, list[RepairAttachment]]:
    grouped: dict[str, list[RepairAttachment]] = {stage: [] for stage in RepairAttachment.Stage}
    for attachment in order.attachments.order_by("pk"):
        grouped[attachment.stage].append(attachment)
    return grouped


def technician_position_for_display(order: RepairOrder) -> dict | None:
    """The technician's last position, converted for the configured map tiles; only while the
    order is 维修中 and the technician shares it."""
    if order.status != Status.IN_PROGRESS or not order.share_location:
        return None
    position = getattr(order, "technician_position", None)
    if position is None:
        return None
    lat, lng = geo.for_display(
        float(position.latitude), float(position.longitude), settings.MAP_TILE_CRS
    )
    return {
        "lat": round(lat, 6),
        "lng": round(lng, 6),
        "accuracy": position.accuracy_m,
        "recorded_at": position.recorded_at,
    }


# --- Staff -----------------------------------------------------------------------------------------


def technicians_of(community: Community) -> QuerySet[StaffMember]:
    """Active staff serving `community` whose position there carries out repairs and does not
    dispatch them: a manager may hold the technician's duty without being sent jobs."""

    def holding(codename: str) -> QuerySet[StaffAssignment]:
        return StaffAssignment.objects.filter(
            community=community,
            position__permissions__codename=codename,
            position__permissions__content_type__app_label="repairs",
        ).values("member_id")

    return (
        StaffMember.objects.filter(
            pk__in=holding("work_repairorder"), is_active=True, user__is_active=True
        )
        .exclude(pk__in=holding("dispatch_repairorder"))
        .select_related("user")
        .order_by("user__display_name", "pk")
    )


def technicians_who_worked_in(community: Community) -> list[int]:
    """The staff members who have had an order in `community`, kept until an order is written:
    one pass over all its orders (40 ms for 100,000 on PostgreSQL; an EXISTS per staff member
    is a scan for each one)."""

    def look_up() -> list[int]:
        return list(
            RepairOrder.objects.filter(community=community, technician__isnull=False)
            .order_by()
            .values_list("technician_id", flat=True)
            .distinct()
        )

    return cached_on_tables(f"repairs:worked-in:{community.pk}", [RepairOrder], look_up)


def overdue_annotation(now: dt.datetime) -> Case:
    """1 when the order is past its service level (not accepted / not finished in time)."""
    return Case(
        When(status=Status.PENDING, accept_due_at__lt=now, then=Value(1)),
        When(status__in=RepairOrder.OPEN_STATUSES, finish_due_at__lt=now, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def orders_for_community(community: Community) -> QuerySet[RepairOrder]:
    return RepairOrder.objects.filter(community=community).select_related(
        "category", "room__building", "room__unit", "technician__user", "reporter"
    )


def overdue_without_escalation(now: dt.datetime) -> dict[str, list[RepairOrder]]:
    """Orders past a service level that have not been escalated at that level yet."""
    related = ("community", "category", "room__building")
    return service_levels.overdue_without_escalation(
        {
            RepairEscalation.Level.ACCEPT: RepairOrder.objects.filter(
                status=Status.PENDING, accept_due_at__lt=now
            ).select_related(*related),
            RepairEscalation.Level.FINISH: RepairOrder.objects.filter(
                status__in=RepairOrder.OPEN_STATUSES, finish_due_at__lt=now
            ).select_related(*related),
        },
        RepairEscalation.objects.all(),
        "order",
    )


# --- Technician ------------------------------------------------------------------------------------


def jobs_of_technician(member: StaffMember, community: Community) -> QuerySet[RepairOrder]:
    """The technician's own open orders in the current community, soonest appointment first."""
    return (
        orders_for_community(community)
        .filter(technician=member, status__in=(Status.ASSIGNED, Status.IN_PROGRESS))
        .order_by("appointment_start", "pk")
    )


def pool_for_technician(community: Community) -> QuerySet[RepairOrder]:
    """Accepted orders nobody has taken yet: what technicians may grab."""
    return (
        orders_for_community(community)
        .filter(status=Status.ACCEPTED)
        .order_by("appointment_start", "pk")
    )


def get_job_for_technician(request, order_id: int) -> RepairOrder:
    """An order of the current community that is the technician's own, or in the pool;
    anything else is a 404."""
    from django.http import Http404

    member = request.staff_member
    order = (
        orders_for_community(request.community)
        .select_related("community")
        .filter(pk=order_id)
        .filter(Q(technician=member) | Q(status=Status.ACCEPTED))
        .first()
    )
    if order is None:
        raise Http404
    return order


# --- The desk: orders taken for residents, charges, call-backs -------------------------------------

FIND_LIMIT = 30


def desk_rooms(community: Community, text: str) -> list[Room]:
    """Rooms of the community for what the desk typed, as people write a room: 1201, 2单元1201,
    3栋1201 or 3栋2单元1201 (spaces and dashes ignored)."""
    text = "".join((text or "").split()).replace("-", "")
    if not text:
        return []
    rooms = (
        Room.objects.filter(building__community=community)
        .select_related("building", "unit")
        .annotate(
            place=room_place(""),
            unit_number=Concat(
                Coalesce("unit__name", Value("")), "number", output_field=CharField()
            ),
            building_number=Concat("building__name", "number", output_field=CharField()),
        )  # fmt: skip
        .filter(
            Q(number__iexact=text)
            | Q(unit_number__iexact=text)
            | Q(place__iexact=text)
            | Q(building_number__iexact=text)
            | Q(place__iendswith=text)
        )  # fmt: skip
    )
    return list(rooms.order_by(*room_order(prefix=""))[:FIND_LIMIT])


def desk_room(community: Community, room_id) -> Room | None:
    if not str(room_id or "").isdigit():
        return None
    return (
        Room.objects.filter(building__community=community, pk=int(room_id))
        .select_related("building__community", "unit")
        .first()
    )


def people_of_room(room: Room) -> list[Residency]:
    """The room's verified residents: heads of household first, then family members."""
    return list(
        Residency.objects.filter(room=room, status=Residency.Status.VERIFIED)
        .select_related("user")
        .order_by(F("head").asc(nulls_first=True), "relation", "pk")
    )


def charge_of(order: RepairOrder) -> RepairCharge | None:
    return (
        RepairCharge.objects.filter(order=order)
        .select_related("proposed_by", "agreement_recorded_by")
        .prefetch_related("lines")
        .first()
    )


def callbacks_of(order: RepairOrder) -> list[RepairCallback]:
    return list(order.callbacks.select_related("called_by").order_by("created_at", "pk"))


def reached_callbacks() -> QuerySet[RepairCallback]:
    return RepairCallback.objects.filter(reached=True)

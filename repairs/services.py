"""Everything that changes a repair order. Each status change is one call here: it locks the
order, checks the move against `TRANSITIONS`, writes the timeline and the audit log and tells
the household through the notification spine (`repair.status_changed`)."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import limits
from accounts.models import Community, Residency, Room, User
from kit import service_levels, uploads
from kit.audit import log_action
from kit.charges import ChargeLine, RoomCharge, charge_room
from notices.notify import notify
from staff.models import StaffMember
from staff.selectors import staff_with_permission

from . import rollup, selectors
from .models import (
    RepairAttachment,
    RepairCallback,
    RepairCategory,
    RepairCharge,
    RepairChargeLine,
    RepairEscalation,
    RepairEvent,
    RepairOrder,
    RepairRating,
    TechnicianPosition,
    TimeSlot,
)

Status = RepairOrder.Status
Kind = RepairEvent.Kind

# (from, to) pairs a service may make; anything else is refused.
TRANSITIONS: set[tuple[str, str]] = {
    (Status.PENDING, Status.ACCEPTED),  # accepted into the pool technicians grab from
    (Status.PENDING, Status.ASSIGNED),  # accepted and dispatched at once
    (Status.ACCEPTED, Status.ASSIGNED),  # dispatched, or grabbed by a technician
    (Status.ASSIGNED, Status.ASSIGNED),  # dispatched to another technician
    (Status.IN_PROGRESS, Status.ASSIGNED),  # taken off a technician mid-repair
    (Status.ASSIGNED, Status.IN_PROGRESS),
    (Status.ASSIGNED, Status.ACCEPTED),  # declined by the technician: back to the queue
    (Status.IN_PROGRESS, Status.COMPLETED),
    (Status.PENDING, Status.CANCELLED),
    (Status.ACCEPTED, Status.CANCELLED),
    (Status.ASSIGNED, Status.CANCELLED),
    (Status.IN_PROGRESS, Status.CANCELLED),  # by staff only; residents cancel before work starts
}

# Who hears of an overdue order or a low rating: the staff who oversee the service (the
# manager's position by default). By permission: operators may rename positions.
ALERT_PERMISSION = "repairs.view_repair_performance"
# Who hears that a technician declined a job: the community's dispatchers.
DISPATCH_PERMISSION = "repairs.dispatch_repairorder"

DEFAULT_CATEGORIES = [
    # name, icon, examples, accept within (minutes), finish within (hours)
    ("水电故障", "droplet", "漏水、停水、跳闸、插座不通电", 30, 24),
    ("门窗损坏", "door-open", "门锁、合页、窗户关不严、玻璃破损", 60, 48),
    ("电梯问题", "building-up", "电梯停运、异响、按钮失灵", 15, 4),
    ("公共设施", "tree", "路灯、门禁、健身器材、绿化", 120, 72),
    ("管道疏通", "bricks", "下水道、马桶、地漏堵塞", 30, 24),
    ("燃气暖气", "fire", "燃气异味、暖气不热", 15, 8),
    ("其他", "tools", "以上都不是", 120, 72),
]
DEFAULT_SLOTS = [(dt.time(9), dt.time(12)), (dt.time(14), dt.time(18)), (dt.time(18), dt.time(20))]
BOOKING_DAYS = 7


def ensure_defaults(community: Community) -> None:
    """A new community starts with the usual categories and time slots; staff edit them."""
    if not RepairCategory.objects.filter(community=community).exists():
        RepairCategory.objects.bulk_create(
            RepairCategory(
                community=community,
                name=name,
                icon=icon,
                hint=hint,
                accept_within_minutes=accept,
                finish_within_hours=finish,
                sort_order=index * 10,
            )
            for index, (name, icon, hint, accept, finish) in enumerate(DEFAULT_CATEGORIES)
        )
    if not TimeSlot.objects.filter(community=community).exists():
        TimeSlot.objects.bulk_create(
            TimeSlot(community=community, start=start, end=end) for start, end in DEFAULT_SLOTS
        )


# --- Resident -----------------------------------------------------------------------------------


def appointment_window(slot: TimeSlot, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(day, slot.start, tzinfo=tz),
        dt.datetime.combine(day, slot.end, tzinfo=tz),
    )


def bookable_days(now: dt.datetime | None = None) -> list[dt.date]:
    today = timezone.localdate(now or timezone.now())
    return [today + dt.timedelta(days=n) for n in range(BOOKING_DAYS)]


def check_slot(slot: TimeSlot, day: dt.date, community: Community, now: dt.datetime) -> None:
    if slot.community_id != community.pk or not slot.is_active:
        raise ValidationError({"slot": _("Please choose one of the time slots offered.")})
    if day not in bookable_days(now):
        raise ValidationError({"day": _("Please choose a day within the next 7 days.")})
    start, end = appointment_window(slot, day)
    if end <= now:
        raise ValidationError({"slot": _("This time slot has already passed today.")})
    if slot.capacity is not None:
        taken = RepairOrder.objects.filter(
            community=community,
            appointment_start=start,
            appointment_end=end,
            status__in=RepairOrder.OPEN_STATUSES,
        ).count()
        if taken >= slot.capacity:
            raise ValidationError(
                {"slot": _("This time slot is fully booked. Please choose another one.")}
            )


@transaction.atomic
def order_create(
    *,
    reporter: User,
    residency: Residency,
    category: RepairCategory,
    description: str,
    contact_name: str,
    contact_phone: str,
    day: dt.date,
    slot: TimeSlot,
    in_room: bool = True,
    public_area: str = "",
    photos: Iterable[UploadedFile] = (),
    videos: Iterable[UploadedFile] = (),
    request: HttpRequest | None = None,
) -> RepairOrder:
    """Report a fault in `residency`'s room (or, with in_room=False, in a public area of its
    community). `residency` must be one of the reporter's verified residencies."""
    if residency.user_id != reporter.pk or residency.status != Residency.Status.VERIFIED:
        raise PermissionDenied
    room: Room = residency.room
    community = room.building.community
    if category.community_id != community.pk or not category.is_active:
        raise ValidationError({"category": _("Please choose one of the categories offered.")})
    public_area = public_area.strip()
    if not in_room and not public_area:
        raise ValidationError({"public_area": _("Please say where in the community it is.")})
    if not description.strip():
        raise ValidationError({"description": _("Please describe the fault.")})
    now = timezone.now()
    check_slot(slot, day, community, now)
    if request is not None:
        # Before any photo is decoded: a refused report costs no CPU.
        limits.throttle_request("repair_report", request, user=reporter)
    media = uploads.media_from_uploads(list(photos), list(videos))
    start, end = appointment_window(slot, day)
    order = RepairOrder.objects.create(
        community=community,
        household=residency.head or residency,
        room=room if in_room else None,
        public_area="" if in_room else public_area,
        category=category,
        description=description.strip(),
        reporter=reporter,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        appointment_start=start,
        appointment_end=end,
        created_at=now,
        accept_due_at=now + dt.timedelta(minutes=category.accept_within_minutes),
        finish_due_at=now + dt.timedelta(hours=category.finish_within_hours),
    )
    rollup.order_reported(order)
    event = _event(order, Kind.REPORTED, reporter)
    _store_media(order, media, RepairAttachment.Stage.REPORT, reporter, event)
    log_action(
        actor=reporter, action="repair.reported", target=order, community=community,
        data={"category": category.name, "place": order.place}, request=request,
    )  # fmt: skip
    return order


@transaction.atomic
def order_cancel_by_resident(
    *, order: RepairOrder, user: User, reason: str, request: HttpRequest | None = None
) -> RepairOrder:
    if not selectors.household_may_see(user, order):
        raise PermissionDenied
    order = _locked(order)
    if order.status not in RepairOrder.CANCELLABLE_STATUSES:
        raise ValidationError(_("Work has started on this order; please call the service desk."))
    return _cancel(order, user, reason, request)


@transaction.atomic
def order_rate(
    *,
    order: RepairOrder,
    user: User,
    speed: int,
    quality: int,
    attitude: int,
    comment: str = "",
    request: HttpRequest | None = None,
) -> RepairRating:
    """The household rates a completed order, once. A low score reaches the managers."""
    if not selectors.household_may_see(user, order):
        raise PermissionDenied
    order = _locked(order)
    if order.status != Status.COMPLETED:
        raise ValidationError(_("Only a completed repair can be rated."))
    if RepairRating.objects.filter(order=order).exists():
        raise ValidationError(_("This repair has already been rated."))
    for score in (speed, quality, attitude):
        if score not in range(1, 6):
            raise ValidationError(_("Please give 1 to 5 stars for each item."))
    rating = RepairRating.objects.create(
        order=order, speed=speed, quality=quality, attitude=attitude,
        comment=comment.strip(), rated_by=user,
    )  # fmt: skip
    rollup.order_changed(order)
    _event(order, Kind.RATED, user, note=comment.strip()[:500])
    log_action(
        actor=user, action="repair.rated", target=order, community=order.community,
        data={"speed": speed, "quality": quality, "attitude": attitude}, request=request,
    )  # fmt: skip
    if rating.is_low:
        notify(
            "repair.low_rating",
            staff_with_permission(order.community, ALERT_PERMISSION),
            obj=order,
            context={"order": order, "rating": rating},
            url=reverse("repairs_staff:detail", args=[order.pk]),
        )
    return rating


# --- Staff ----------------------------------------------------------------------------------------


@transaction.atomic
def order_accept(
    *, order: RepairOrder, actor: User, request: HttpRequest | None = None
) -> RepairOrder:
    """Accept into the pool: technicians of the community may now take it."""
    order = _locked(order)
    now = timezone.now()
    return _move(order, Status.ACCEPTED, Kind.ACCEPTED, actor, request, accepted_at=now)


@transaction.atomic
def order_assign(
    *,
    order: RepairOrder,
    technician: StaffMember,
    actor: User,
    note: str = "",
    request: HttpRequest | None = None,
) -> RepairOrder:
    """Dispatch (or re-dispatch) to a technician who serves the order's community."""
    order = _locked(order)
    if not selectors.technicians_of(order.community).filter(pk=technician.pk).exists():
        raise ValidationError({"technician": _("Choose a technician who works in this community.")})
    if order.technician_id == technician.pk and order.status == Status.ASSIGNED:
        raise ValidationError({"technician": _("The order is already with this technician.")})
    now = timezone.now()
    reassigning = order.technician_id is not None
    fields = {"technician": technician, "assigned_at": now, "technician_accepted_at": None}
    if order.accepted_at is None:
        fields["accepted_at"] = now
    if order.status == Status.IN_PROGRESS:
        fields.update(started_at=None, share_location=False)
    kind = Kind.REASSIGNED if reassigning else Kind.ASSIGNED
    order = _move(
        order, Status.ASSIGNED, kind, actor, request,
        note=note or technician.user.get_full_name(), **fields,
    )  # fmt: skip
    notify(
        "repair.assigned",
        [technician.user_id],
        obj=order,
        key=f"assigned-{now.timestamp():.0f}",
        context={"order": order},
        url=reverse("repairs_tech:detail", args=[order.pk]),
    )
    return order


@transaction.atomic
def order_cancel_by_staff(
    *, order: RepairOrder, actor: User, reason: str, request: HttpRequest | None = None
) -> RepairOrder:
    order = _locked(order)
    if order.status not in RepairOrder.OPEN_STATUSES:
        raise ValidationError(_("This order is already closed."))
    return _cancel(order, actor, reason, request)


# --- Technician ----------------------------------------------------------------------------------


@transaction.atomic
def order_grab(
    *, order: RepairOrder, technician: StaffMember, request: HttpRequest | None = None
) -> RepairOrder:
    """Take an accepted order from the pool. Two technicians tapping at once: the first wins,
    the second is told it is gone (the row lock orders them)."""
    order = _locked(order)
    if order.status != Status.ACCEPTED:
        raise ValidationError(_("Someone else has already taken this order."))
    if not selectors.technicians_of(order.community).filter(pk=technician.pk).exists():
        raise PermissionDenied
    now = timezone.now()
    return _move(
        order, Status.ASSIGNED, Kind.GRABBED, technician.user, request,
        note=technician.user.get_full_name(), technician=technician, assigned_at=now,
        technician_accepted_at=now, technician_response_seconds=0,
    )  # fmt: skip


@transaction.atomic
def order_technician_accept(
    *, order: RepairOrder, technician: StaffMember, request: HttpRequest | None = None
) -> RepairOrder:
    order = _locked_for_technician(order, technician)
    if order.status != Status.ASSIGNED or order.technician_accepted_at is not None:
        raise ValidationError(_("This order cannot be confirmed now."))
    now = timezone.now()
    order.technician_accepted_at = now
    order.technician_response_seconds = _seconds(order.assigned_at, now)
    order.save(update_fields=["technician_accepted_at", "technician_response_seconds"])
    _event(order, Kind.TECHNICIAN_ACCEPTED, technician.user)
    _log(order, "repair.technician_accepted", technician.user, request)
    return order


@transaction.atomic
def order_start(
    *,
    order: RepairOrder,
    technician: StaffMember,
    share_location: bool,
    request: HttpRequest | None = None,
) -> RepairOrder:
    order = _locked_for_technician(order, technician)
    now = timezone.now()
    fields: dict = {"started_at": now, "share_location": share_location}
    if order.technician_accepted_at is None:
        fields["technician_accepted_at"] = now
        fields["technician_response_seconds"] = _seconds(order.assigned_at, now)
    return _move(order, Status.IN_PROGRESS, Kind.STARTED, technician.user, request, **fields)


@transaction.atomic
def order_note(
    *,
    order: RepairOrder,
    technician: StaffMember,
    note: str,
    photos: Iterable[UploadedFile] = (),
    request: HttpRequest | None = None,
) -> RepairEvent:
    order = _locked_for_technician(order, technician)
    if order.status not in (Status.ASSIGNED, Status.IN_PROGRESS):
        raise ValidationError(_("Notes can be added while the order is open."))
    photos = list(photos)
    if not note.strip() and not photos:
        raise ValidationError({"note": _("Write a note or add a photo.")})
    media = uploads.media_from_uploads(photos, [])
    event = _event(order, Kind.NOTE, technician.user, note=note.strip()[:500])
    _store_media(order, media, RepairAttachment.Stage.PROGRESS, technician.user, event)
    _log(order, "repair.note_added", technician.user, request)
    return event


@transaction.atomic
def order_finish(
    *,
    order: RepairOrder,
    technician: StaffMember,
    result_note: str,
    photos: Iterable[UploadedFile] = (),
    request: HttpRequest | None = None,
) -> RepairOrder:
    order = _locked_for_technician(order, technician)
    photos = list(photos)
    if not result_note.strip():
        raise ValidationError({"result_note": _("Please say what was done.")})
    if not photos:
        raise ValidationError({"photos": _("Please add at least one photo after the repair.")})
    if (order.status, Status.COMPLETED) not in TRANSITIONS:
        _refuse(order, Status.COMPLETED)
    media = uploads.media_from_uploads(photos, [])
    now = timezone.now()
    order = _move(
        order, Status.COMPLETED, Kind.COMPLETED, technician.user, request,
        note=result_note.strip()[:500], completed_at=now, result_note=result_note.strip(),
        technician_finish_seconds=_seconds(order.assigned_at, now),
        finished_on_time=now <= order.finish_due_at, share_location=False,
    )  # fmt: skip
    event = order.events.order_by("-pk").first()
    _store_media(order, media, RepairAttachment.Stage.RESULT, technician.user, event)
    return order


def position_record(
    *,
    order: RepairOrder,
    technician: StaffMember,
    latitude: object,
    longitude: object,
    accuracy: object = None,
) -> TechnicianPosition | None:
    """Keep the technician's latest position while the order is 维修中 and they agreed to share.
    Returns None (and stores nothing) otherwise, so the page can stop sending."""
    if order.technician_id != technician.pk:
        raise PermissionDenied
    try:
        lat, lng = Decimal(str(latitude)), Decimal(str(longitude))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("The position could not be read.")) from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationError(_("The position could not be read."))
    try:
        accuracy_m = max(0, min(int(float(accuracy)), 100_000)) if accuracy is not None else None
    except (TypeError, ValueError):
        accuracy_m = None
    with transaction.atomic():
        current = RepairOrder.objects.select_for_update().get(pk=order.pk)
        if current.status != Status.IN_PROGRESS or not current.share_location:
            return None
        position, _created = TechnicianPosition.objects.update_or_create(
            order=current,
            defaults={
                "latitude": lat.quantize(Decimal("0.000001")),
                "longitude": lng.quantize(Decimal("0.000001")),
                "accuracy_m": accuracy_m,
                "recorded_at": timezone.now(),
            },
        )
    return position


@transaction.atomic
def location_sharing_set(
    *, order: RepairOrder, technician: StaffMember, share: bool
) -> RepairOrder:
    order = _locked_for_technician(order, technician)
    if order.status != Status.IN_PROGRESS:
        raise ValidationError(_("The position is shared only while repairing."))
    order.share_location = share
    order.save(update_fields=["share_location"])
    if not share:
        TechnicianPosition.objects.filter(order=order).delete()
    return order


# --- Service levels -------------------------------------------------------------------------------


def escalate_overdue(now: dt.datetime | None = None) -> int:
    """Flag orders past their service level and tell the community's managers, once per order
    and level. Safe to run from several workers at once (the unique escalation row decides:
    kit.service_levels)."""
    now = now or timezone.now()
    return service_levels.escalate(
        selectors.overdue_without_escalation(now),
        escalation_model=RepairEscalation,
        owner_field="order",
        now=now,
        on_escalated=_escalated,
    )


def _escalated(order: RepairOrder, level: str) -> None:
    label = RepairEscalation.Level(level).label
    _event(order, Kind.ESCALATED, None, internal=True, note=str(label))
    log_action(
        actor=None, action="repair.escalated", target=order, community=order.community,
        data={"level": level},
    )  # fmt: skip
    notify(
        "repair.overdue",
        staff_with_permission(order.community, ALERT_PERMISSION),
        obj=order,
        key=level,
        context={"order": order, "level": label},
        url=reverse("repairs_staff:detail", args=[order.pk]),
    )


# --- Internals -------------------------------------------------------------------------------------


def _locked(order: RepairOrder) -> RepairOrder:
    return (
        RepairOrder.objects.select_for_update(of=("self",))
        .select_related("community", "category", "technician__user", "room__building")
        .get(pk=order.pk)
    )


def _locked_for_technician(order: RepairOrder, technician: StaffMember) -> RepairOrder:
    order = _locked(order)
    if order.technician_id != technician.pk:
        raise PermissionDenied
    return order


def _refuse(order: RepairOrder, to: str) -> None:
    raise ValidationError(
        _("A repair order that is “%(current)s” cannot become “%(target)s”.")
        % {"current": order.get_status_display(), "target": Status(to).label},
        code="illegal_transition",
    )


def _move(
    order: RepairOrder,
    to: str,
    kind: str,
    actor: User | None,
    request: HttpRequest | None,
    *,
    note: str = "",
    **fields,
) -> RepairOrder:
    if (order.status, to) not in TRANSITIONS:
        _refuse(order, to)
    before = order.status
    days_before = rollup.order_days(order)
    if to != Status.IN_PROGRESS:
        # Positions exist only while repairing: gone the moment the order leaves 维修中.
        TechnicianPosition.objects.filter(order=order).delete()
    order.status = to
    for name, value in fields.items():
        setattr(order, name, value)
    order.save(update_fields=["status", *fields])
    if to in RepairOrder.CLOSED_STATUSES or before in RepairOrder.CLOSED_STATUSES:
        # Completed and cancelled orders are what the daily figures count.
        rollup.order_changed(order, days_before)
    _event(order, kind, actor, note=note)
    _log(order, f"repair.{kind}", actor, request, {"from": before, "to": to, "note": note})
    notify(
        "repair.status_changed",
        selectors.household_user_ids(order),
        obj=order,
        key=f"{kind}-{order.events.count()}",
        context={"order": order, "note": note},
        url=reverse("repairs:detail", args=[order.pk]),
    )
    return order


def _cancel(
    order: RepairOrder, actor: User, reason: str, request: HttpRequest | None
) -> RepairOrder:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Please give a reason for cancelling.")})
    return _move(
        order, Status.CANCELLED, Kind.CANCELLED, actor, request, note=reason[:200],
        cancelled_at=timezone.now(), cancel_reason=reason[:200], share_location=False,
    )  # fmt: skip


def _event(
    order: RepairOrder, kind: str, actor: User | None, *, note: str = "", internal: bool = False
) -> RepairEvent:
    return RepairEvent.objects.create(
        order=order, kind=kind, status=order.status, actor=actor, note=note, internal=internal
    )


def _log(
    order: RepairOrder, action: str, actor: User | None, request: HttpRequest | None,
    data: dict | None = None,
) -> None:  # fmt: skip
    log_action(
        actor=actor, action=action, target=order, community=order.community, data=data,
        request=request,
    )  # fmt: skip


def _store_media(
    order: RepairOrder,
    media: list[uploads.StoredMedia],
    stage: str,
    user: User,
    event: RepairEvent | None,
) -> None:
    for item in media:
        attachment = RepairAttachment(
            order=order, stage=stage, kind=item.kind, content_type=item.content_type,
            original_name=item.original_name, size=item.size, uploaded_by=user, event=event,
        )  # fmt: skip
        attachment.file.save(item.file.name, item.file, save=False)
        if item.thumbnail is not None:
            attachment.thumbnail.save(item.thumbnail.name, item.thumbnail, save=False)
        attachment.save()


def _seconds(start: dt.datetime | None, end: dt.datetime) -> int | None:
    if start is None:
        return None
    return max(0, int((end - start).total_seconds()))


# --- Categories and time slots --------------------------------------------------------------------


@transaction.atomic
def category_save(
    *, category: RepairCategory, actor: User, request: HttpRequest | None = None
) -> RepairCategory:
    """Create or change a category of `category.community`. Categories are switched off, never
    deleted: orders keep pointing at theirs."""
    category.name = category.name.strip()
    if not category.name:
        raise ValidationError({"name": _("Please give the category a name.")})
    same_name = RepairCategory.objects.filter(community=category.community, name=category.name)
    if same_name.exclude(pk=category.pk).exists():
        raise ValidationError({"name": _("This community already has a category of that name.")})
    creating = category.pk is None
    category.save()
    log_action(
        actor=actor, action="repair.category_saved", target=category,
        community=category.community, request=request,
        data={
            "created": creating, "active": category.is_active,
            "accept_within_minutes": category.accept_within_minutes,
            "finish_within_hours": category.finish_within_hours,
        },
    )  # fmt: skip
    return category


@transaction.atomic
def slot_save(*, slot: TimeSlot, actor: User, request: HttpRequest | None = None) -> TimeSlot:
    """Create or change a time slot residents may ask for. Existing orders keep the window
    they were booked for."""
    if slot.start is None or slot.end is None or slot.end <= slot.start:
        raise ValidationError({"end": _("The end time must be later than the start time.")})
    same_window = TimeSlot.objects.filter(community=slot.community, start=slot.start, end=slot.end)
    if same_window.exclude(pk=slot.pk).exists():
        raise ValidationError({"start": _("This community already has this time slot.")})
    creating = slot.pk is None
    slot.save()
    log_action(
        actor=actor, action="repair.slot_saved", target=slot, community=slot.community,
        data={"created": creating, "active": slot.is_active, "capacity": slot.capacity},
        request=request,
    )  # fmt: skip
    return slot


# --- Orders the desk takes for residents (代客报修) ------------------------------------------------


def _household_for_desk(room: Room, reporter: User | None) -> Residency:
    """The household the order belongs to: the chosen resident's, or (for a visitor or a
    patrol) the room's verified head of household."""
    residencies = Residency.objects.filter(room=room, status=Residency.Status.VERIFIED)
    if reporter is not None:
        residency = residencies.filter(user=reporter).select_related("head").first()
        if residency is None:
            raise ValidationError({"reporter": _("Please choose a resident of this room.")})
        return residency.head or residency
    head = residencies.filter(head__isnull=True).order_by("pk").first()
    if head is None:
        raise ValidationError(
            _("Nobody verified lives in this room: an order is kept for a household.")
        )
    return head


@transaction.atomic
def order_take(
    *,
    actor: User,
    community: Community,
    room: Room,
    reporter: User | None,
    channel: str,
    category: RepairCategory,
    description: str,
    contact_name: str,
    contact_phone: str,
    day: dt.date | None = None,
    slot: TimeSlot | None = None,
    in_room: bool = True,
    public_area: str = "",
    photos: Iterable[UploadedFile] = (),
    request: HttpRequest | None = None,
) -> RepairOrder:
    """The service desk takes an order for a resident who phoned or came in (or that a patrol
    found): the room's household owns it and follows it in the app as its own, and is told.
    `reporter` is the resident who reported it, or None for a visitor (the contact given)."""
    if room.building.community_id != community.pk:
        raise PermissionDenied
    if channel not in RepairOrder.STAFF_CHANNELS:
        raise ValidationError({"channel": _("Please choose how the order came in.")})
    household = _household_for_desk(room, reporter)
    if category.community_id != community.pk or not category.is_active:
        raise ValidationError({"category": _("Please choose one of the categories offered.")})
    public_area = public_area.strip()
    if not in_room and not public_area:
        raise ValidationError({"public_area": _("Please say where in the community it is.")})
    if not description.strip():
        raise ValidationError({"description": _("Please describe the fault.")})
    if not contact_name.strip() or not contact_phone.strip():
        raise ValidationError({"contact_phone": _("Please give a contact person and phone.")})
    now = timezone.now()
    accept_due = now + dt.timedelta(minutes=category.accept_within_minutes)
    finish_due = now + dt.timedelta(hours=category.finish_within_hours)
    if slot is not None:
        if day is None:
            raise ValidationError({"day": _("Please choose a day within the next 7 days.")})
        check_slot(slot, day, community, now)
        start, end = appointment_window(slot, day)
    else:
        start, end = now, finish_due
    media = uploads.media_from_uploads(list(photos), [])
    order = RepairOrder.objects.create(
        community=community, household=household, room=room if in_room else None,
        public_area="" if in_room else public_area, category=category,
        description=description.strip(), reporter=reporter or actor,
        contact_name=contact_name.strip(), contact_phone=contact_phone.strip(),
        appointment_start=start, appointment_end=end, appointment_flexible=slot is None,
        channel=channel, taken_by=actor, created_at=now, accept_due_at=accept_due,
        finish_due_at=finish_due,
    )  # fmt: skip
    rollup.order_reported(order)
    note = _("Reported for you by the service desk (%(channel)s).") % {
        "channel": order.get_channel_display()
    }
    event = _event(order, Kind.REPORTED, actor, note=note)
    _store_media(order, media, RepairAttachment.Stage.REPORT, actor, event)
    log_action(
        actor=actor, action="repair.taken", target=order, community=community,
        data={"category": category.name, "place": order.place, "channel": channel,
              "reporter": reporter.get_full_name() if reporter else ""},
        request=request,
    )  # fmt: skip
    notify(
        "repair.status_changed",
        selectors.household_user_ids(order),
        obj=order,
        key="reported",
        context={"order": order, "note": note},
        url=reverse("repairs:detail", args=[order.pk]),
    )
    return order


# --- A technician declines a job ------------------------------------------------------------------


@transaction.atomic
def order_decline(
    *, order: RepairOrder, technician: StaffMember, reason: str, request: HttpRequest | None = None
) -> RepairOrder:
    """The technician hands a job back before starting it, with a reason: the order returns to
    the queue (accepted, nobody on it) and the dispatchers are told, the one who dispatched it
    first among them."""
    order = _locked_for_technician(order, technician)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Please say why you cannot take this job.")})
    if order.status != Status.ASSIGNED:
        raise ValidationError(
            _("Work has started on this job; ask the service desk to dispatch it again."),
            code="illegal_transition",
        )
    dispatched_by = (
        order.events.filter(kind__in=(Kind.ASSIGNED, Kind.REASSIGNED))
        .order_by("-pk")
        .values_list("actor_id", flat=True)
        .first()
    )
    name = technician.user.get_full_name()
    order.status = Status.ACCEPTED
    order.technician = None
    order.assigned_at = None
    order.technician_accepted_at = None
    order.technician_response_seconds = None
    order.save(update_fields=["status", "technician", "assigned_at", "technician_accepted_at",
                              "technician_response_seconds"])  # fmt: skip
    note = f"{name}: {reason[:400]}"
    _event(order, Kind.DECLINED, technician.user, note=note, internal=True)
    _log(order, "repair.declined", technician.user, request,
         {"from": Status.ASSIGNED, "to": Status.ACCEPTED, "reason": reason[:400]})  # fmt: skip
    recipients = set(
        staff_with_permission(order.community, DISPATCH_PERMISSION).values_list("pk", flat=True)
    )
    if dispatched_by is not None:
        recipients.add(dispatched_by)
    notify(
        "repair.declined",
        sorted(recipients),
        obj=order,
        key=f"declined-{order.events.count()}",
        context={"order": order, "reason": reason, "technician": name},
        url=reverse("repairs_staff:detail", args=[order.pk]),
    )
    return order


# --- Paid repairs ---------------------------------------------------------------------------------

CENT = Decimal("0.01")
MAX_LINES = 20


def _charge_lines(lines: Iterable[dict]) -> list[RepairChargeLine]:
    built = []
    for line in lines:
        quantity, price = Decimal(line["quantity"]), Decimal(line["unit_price"])
        if quantity <= 0 or price < 0:
            raise ValidationError(_("Quantities must be above zero and prices not negative."))
        built.append(
            RepairChargeLine(
                kind=line.get("kind") or RepairChargeLine.Kind.MATERIAL,
                item=line["item"].strip()[:60],
                quantity=quantity,
                unit=(line.get("unit") or "").strip()[:10],
                unit_price=price,
                amount=(quantity * price).quantize(CENT),
            )  # fmt: skip
        )
    if not built:
        raise ValidationError(_("Please enter at least one line of materials or labour."))
    if len(built) > MAX_LINES:
        raise ValidationError(_("At most 20 lines, please."))
    if sum((line.amount for line in built), Decimal(0)) <= 0:
        raise ValidationError(_("The total must be above ¥0.00."))
    return built


@transaction.atomic
def charge_propose(
    *,
    order: RepairOrder,
    actor: User,
    lines: Iterable[dict],
    technician: StaffMember | None = None,
    request: HttpRequest | None = None,
) -> RepairCharge:
    """Record (or correct) the materials and labour of a paid repair; the household is asked to
    agree. `technician` when the order's technician does it on the phone. Once agreed, the
    charge is billed and no longer changes."""
    order = _locked(order) if technician is None else _locked_for_technician(order, technician)
    if order.room_id is None:
        raise ValidationError(_("A repair in a public area is not charged to a household."))
    if order.status in (Status.PENDING, Status.CANCELLED):
        raise ValidationError(_("Charges are recorded once the order is dispatched."))
    charge = RepairCharge.objects.select_for_update().filter(order=order).first()
    if charge is not None and charge.is_agreed:
        raise ValidationError(_("The resident has agreed to these charges; they cannot change."))
    built = _charge_lines(lines)
    total = sum((line.amount for line in built), Decimal("0.00"))
    if charge is None:
        charge = RepairCharge(order=order)
    charge.total, charge.proposed_by, charge.proposed_at = total, actor, timezone.now()
    charge.save()
    charge.lines.all().delete()
    for line in built:
        line.charge = charge
    RepairChargeLine.objects.bulk_create(built)
    note = _("Total ¥%(total)s, awaiting the resident's agreement.") % {"total": total}
    _event(order, Kind.CHARGE_PROPOSED, actor, note=note)
    _log(order, "repair.charge_proposed", actor, request,
         {"total": str(total), "lines": len(built)})  # fmt: skip
    notify(
        "repair.charge_proposed",
        selectors.household_user_ids(order),
        obj=order,
        key=f"charge-{order.events.count()}",
        context={"order": order, "total": total},
        url=reverse("repairs:detail", args=[order.pk]),
    )
    return charge


@transaction.atomic
def charge_agree(
    *,
    order: RepairOrder,
    via: str,
    resident: User | None = None,
    actor: User | None = None,
    agreed_by_name: str = "",
    request: HttpRequest | None = None,
) -> RepairCharge:
    """The household agrees to the charges: on its phone (`resident`), or the staff record
    who agreed in person or by phone (`actor`, `agreed_by_name`). Billing then raises the bill."""
    if resident is not None and not selectors.household_may_see(resident, order):
        raise PermissionDenied
    order = _locked(order)
    charge = RepairCharge.objects.select_for_update().filter(order=order).first()
    if charge is None:
        raise ValidationError(_("No charges have been recorded for this order."))
    if charge.is_agreed:
        raise ValidationError(_("These charges have already been agreed."))
    if resident is not None:
        via, agreed_by_name = RepairCharge.Agreement.APP, resident.get_full_name()
    elif via not in RepairCharge.STAFF_AGREEMENTS:
        raise ValidationError({"via": _("Please say how the resident agreed.")})
    agreed_by_name = agreed_by_name.strip()
    if not agreed_by_name:
        raise ValidationError({"agreed_by_name": _("Please give the name of who agreed.")})
    lines = list(charge.lines.order_by("pk"))
    billed = charge_room(
        RoomCharge(
            room=order.room,
            title=_("Repair charges %(number)s") % {"number": order.number},
            lines=tuple(
                ChargeLine(
                    description=line.item,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    unit=line.unit,
                )
                for line in lines
            ),  # fmt: skip
            source=order,
            actor=resident or actor,
        )
    )
    now = timezone.now()
    charge.status = RepairCharge.Status.AGREED
    charge.agreed_via, charge.agreed_by_name, charge.agreed_at = via, agreed_by_name[:50], now
    charge.agreed_by = resident
    charge.agreement_recorded_by = actor
    charge.bill_id, charge.bill_number = billed.bill_id, billed.bill_number
    charge.save()
    note = _("%(name)s agreed (%(via)s); bill %(bill)s, ¥%(total)s.") % {
        "name": agreed_by_name, "via": charge.get_agreed_via_display(),
        "bill": billed.bill_number, "total": charge.total,
    }  # fmt: skip
    _event(order, Kind.CHARGE_AGREED, resident or actor, note=note)
    _log(order, "repair.charge_agreed", resident or actor, request,
         {"total": str(charge.total), "bill": billed.bill_number, "via": via,
          "agreed_by": agreed_by_name})  # fmt: skip
    return charge


# --- Call-backs and replies to ratings ------------------------------------------------------------


@transaction.atomic
def callback_record(
    *,
    order: RepairOrder,
    actor: User,
    reached: bool,
    satisfaction: str = "",
    note: str = "",
    request: HttpRequest | None = None,
) -> RepairCallback:
    """The desk called the household after the repair (回访): reached or not, how satisfied."""
    order = _locked(order)
    if order.status != Status.COMPLETED:
        raise ValidationError(_("Call-backs are made on completed orders."))
    if reached and satisfaction not in RepairCallback.Satisfaction.values:
        raise ValidationError({"satisfaction": _("Please choose how satisfied the resident is.")})
    if not reached:
        satisfaction = ""
    callback = RepairCallback.objects.create(
        order=order, reached=reached, satisfaction=satisfaction, note=note.strip()[:500],
        called_by=actor,
    )  # fmt: skip
    summary = callback.get_satisfaction_display() if reached else _("Could not reach the resident")
    text = f"{summary}{' · ' + callback.note if callback.note else ''}"
    _event(order, Kind.CALLBACK, actor, note=text[:500], internal=True)
    _log(order, "repair.callback", actor, request,
         {"reached": reached, "satisfaction": satisfaction})  # fmt: skip
    return callback


@transaction.atomic
def rating_reply(
    *, order: RepairOrder, actor: User, reply: str, request: HttpRequest | None = None
) -> RepairRating:
    """The property answers a household's rating; the household sees it on its order."""
    rating = RepairRating.objects.select_for_update().filter(order=order).first()
    if rating is None:
        raise ValidationError(_("This order has not been rated."))
    reply = reply.strip()
    if not reply:
        raise ValidationError({"reply": _("Please write the reply.")})
    rating.reply, rating.replied_by, rating.replied_at = reply[:500], actor, timezone.now()
    rating.save(update_fields=["reply", "replied_by", "replied_at"])
    _log(order, "repair.rating_replied", actor, request)
    notify(
        "repair.rating_replied",
        selectors.household_user_ids(order),
        obj=order,
        key=f"reply-{rating.replied_at.timestamp():.0f}",
        context={"order": order, "reply": rating.reply},
        url=reverse("repairs:detail", args=[order.pk]),
    )
    return rating

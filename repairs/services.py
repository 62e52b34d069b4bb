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
from notices.notify import notify
from staff.models import StaffMember
from staff.selectors import staff_with_permission

from . import selectors
from .models import (
    RepairAttachment,
    RepairCategory,
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
    (Status.IN_PROGRESS, Status.COMPLETED),
    (Status.PENDING, Status.CANCELLED),
    (Status.ACCEPTED, Status.CANCELLED),
    (Status.ASSIGNED, Status.CANCELLED),
    (Status.IN_PROGRESS, Status.CANCELLED),  # by staff only; residents cancel before work starts
}

# Who hears of an overdue order or a low rating: the staff who oversee the service (the
# manager's position by default). By permission: operators may rename positions.
ALERT_PERMISSION = "repairs.view_repair_performance"

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
    if to != Status.IN_PROGRESS:
        # Positions exist only while repairing: gone the moment the order leaves 维修中.
        TechnicianPosition.objects.filter(order=order).delete()
    order.status = to
    for name, value in fields.items():
        setattr(order, name, value)
    order.save(update_fields=["status", *fields])
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

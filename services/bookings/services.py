"""Everything that changes a booking. A slot's places are taken with one conditional UPDATE
of its `BookingSlot` row (never past its capacity; the check constraint is the backstop) and
given back when a booking is cancelled or missed. Each status change locks the booking, checks
the move, writes the audit log and tells the household (all its members) and the provider's
people through the notification spine."""

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import limits
from accounts.models import Residency, User
from kit.audit import log_action
from kit.cache import invalidate
from notices.notify import notify

from ..models import Booking, BookingSlot, ProviderListing, ProviderMember, ServiceItem
from . import selectors

Status = Booking.Status
CancelledBy = Booking.CancelledBy

# (from, to) pairs a service may make; anything else is refused.
TRANSITIONS: set[tuple[str, str]] = {
    (Status.REQUESTED, Status.CONFIRMED),
    (Status.CONFIRMED, Status.IN_SERVICE),
    (Status.IN_SERVICE, Status.DONE),
    (Status.REQUESTED, Status.CANCELLED),
    (Status.CONFIRMED, Status.CANCELLED),
    (Status.IN_SERVICE, Status.CANCELLED),  # by the provider or staff only
    (Status.REQUESTED, Status.NO_SHOW),
    (Status.CONFIRMED, Status.NO_SHOW),
}


def new_booking_number(when: dt.datetime) -> str:
    """YY + date + 6 random hex digits: sortable by day, not guessable, unique by constraint."""
    return f"YY{timezone.localtime(when):%y%m%d}{uuid.uuid4().hex[:6].upper()}"


def take_place(slot_id: int) -> None:
    """One place of the slot, or "该时段已约满": a single conditional UPDATE, so concurrent
    bookings queue on the row and the last place goes to exactly one of them."""
    taken = BookingSlot.objects.filter(pk=slot_id, booked__lt=F("capacity")).update(
        booked=F("booked") + 1
    )
    if not taken:
        raise ValidationError({"slot": _("This slot is fully booked.")}, code="full")


def give_place_back(slot_id: int) -> None:
    BookingSlot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


@transaction.atomic
def booking_create(
    *,
    user: User,
    residency: Residency,
    item: ServiceItem,
    slot: str,
    address: str,
    contact_phone: str,
    note: str = "",
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Book `item` for the slot named `slot` ("YYYY-MM-DDTHH:MM") at `residency`'s room."""
    if residency.user_id != user.pk or residency.status != Residency.Status.VERIFIED:
        raise PermissionDenied
    provider = item.provider
    community = residency.room.building.community
    if not item.is_active or not selectors.may_book(residency, provider):
        raise PermissionDenied
    address, contact_phone = address.strip(), contact_phone.strip()
    if not address:
        raise ValidationError({"address": _("Please give the address.")})
    if not contact_phone:
        raise ValidationError({"contact_phone": _("Please give a phone number.")})
    now = now or timezone.now()
    chosen = selectors.find_slot(provider, slot, now=now)
    if chosen is None:
        raise ValidationError({"slot": _("Please choose one of the times offered.")})
    if chosen.closed == "soon":
        raise ValidationError({"slot": _("This time is too soon to book; please choose another.")})
    if request is not None:
        limits.throttle_request("service_booking", request, user=user)
    row, _created = BookingSlot.objects.get_or_create(
        provider=provider,
        date=chosen.date,
        start=chosen.start,
        defaults={"end": chosen.end, "capacity": provider.slot_capacity},
    )
    take_place(row.pk)
    invalidate(f"household:{residency.room_id}")  # the household's open bookings badge
    booking = Booking.objects.create(
        number=new_booking_number(now),
        provider=provider,
        item=item,
        slot=row,
        community=community,
        household=residency.head or residency,
        room=residency.room,
        booked_by=user,
        address=address[:200],
        contact_phone=contact_phone[:30],
        note=note.strip()[:300],
        price=item.price,
        unit=item.unit,
        created_at=now,
    )
    _log(booking, "booking.created", user, request, {"slot": chosen.value, "item": item.name})
    context = {"booking": booking}
    notify(
        "booking.created",
        selectors.household_user_ids(booking),
        obj=booking,
        key="created",
        context=context,
        url=reverse("services:booking_detail", args=[booking.pk]),
    )
    notify(
        "booking.requested",
        selectors.provider_user_ids(provider.pk),
        obj=booking,
        key="requested",
        context=context,
        url=reverse("services_provider:booking_detail", args=[booking.pk]),
    )
    return booking


# --- The provider ----------------------------------------------------------------------------


@transaction.atomic
def booking_confirm(
    *, booking: Booking, member: ProviderMember, request: HttpRequest | None = None
) -> Booking:
    booking = _locked_for_provider(booking, member)
    return _move(booking, Status.CONFIRMED, member.user, request, confirmed_at=timezone.now())


@transaction.atomic
def booking_start(
    *, booking: Booking, member: ProviderMember, request: HttpRequest | None = None
) -> Booking:
    booking = _locked_for_provider(booking, member)
    return _move(booking, Status.IN_SERVICE, member.user, request, started_at=timezone.now())


@transaction.atomic
def booking_finish(
    *, booking: Booking, member: ProviderMember, request: HttpRequest | None = None
) -> Booking:
    booking = _locked_for_provider(booking, member)
    booking = _move(booking, Status.DONE, member.user, request, finished_at=timezone.now())
    # "Used by N neighbours": the community's listing counts finished bookings.
    ProviderListing.objects.filter(
        provider_id=booking.provider_id, community_id=booking.community_id
    ).update(bookings_done=F("bookings_done") + 1)
    return booking


@transaction.atomic
def booking_no_show(
    *, booking: Booking, member: ProviderMember, request: HttpRequest | None = None
) -> Booking:
    booking = _locked_for_provider(booking, member)
    if timezone.now() < slot_start(booking):
        raise ValidationError(_("A no-show can be recorded only once the slot has begun."))
    booking = _move(booking, Status.NO_SHOW, member.user, request, closed_at=timezone.now())
    give_place_back(booking.slot_id)
    return booking


@transaction.atomic
def booking_cancel_by_provider(
    *, booking: Booking, member: ProviderMember, reason: str, request: HttpRequest | None = None
) -> Booking:
    booking = _locked_for_provider(booking, member)
    return _cancel(booking, member.user, CancelledBy.PROVIDER, reason, request)


# --- The household and staff -----------------------------------------------------------------


def cancel_deadline(booking: Booking) -> dt.datetime:
    """Until when the household may cancel: the provider's cutoff before the slot."""
    return slot_start(booking) - dt.timedelta(hours=booking.provider.cancel_cutoff_hours)


def resident_may_cancel(booking: Booking, now: dt.datetime | None = None) -> bool:
    return booking.status in (Status.REQUESTED, Status.CONFIRMED) and (
        now or timezone.now()
    ) < cancel_deadline(booking)


@transaction.atomic
def booking_cancel_by_resident(
    *, booking: Booking, user: User, reason: str = "", request: HttpRequest | None = None
) -> Booking:
    if not selectors.household_may_see(user, booking):
        raise PermissionDenied
    booking = _locked(booking)
    if booking.status not in (Status.REQUESTED, Status.CONFIRMED):
        _refuse(booking, Status.CANCELLED)
    if timezone.now() >= cancel_deadline(booking):
        raise ValidationError(
            _(
                "Bookings can be cancelled here only until %(hours)s hours before the slot; "
                "please call the provider."
            )
            % {"hours": booking.provider.cancel_cutoff_hours}
        )
    return _cancel(booking, user, CancelledBy.RESIDENT, reason, request, reason_required=False)


@transaction.atomic
def booking_cancel_by_staff(
    *, booking: Booking, actor: User, reason: str, request: HttpRequest | None = None
) -> Booking:
    booking = _locked(booking)
    return _cancel(booking, actor, CancelledBy.STAFF, reason, request)


# --- Reminders -------------------------------------------------------------------------------


def send_reminders(*, now: dt.datetime | None = None) -> int:
    """The day-before reminder, once per confirmed booking (`reminded_at`)."""
    now = now or timezone.now()
    sent = 0
    for booking in selectors.due_reminders(now)[:1000]:
        sent += _remind(booking.pk, now)
    return sent


@transaction.atomic
def _remind(booking_id: int, now: dt.datetime) -> int:
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("provider", "item", "slot", "community")
        .filter(pk=booking_id, status=Status.CONFIRMED, reminded_at__isnull=True)
        .first()
    )
    if booking is None:
        return 0
    booking.reminded_at = now
    booking.save(update_fields=["reminded_at"])
    recipients = selectors.household_user_ids(booking) + selectors.provider_user_ids(
        booking.provider_id
    )
    notify(
        "booking.reminder",
        recipients,
        obj=booking,
        key="reminder",
        context={"booking": booking},
        url=reverse("services:booking_detail", args=[booking.pk]),
    )
    return 1


# --- Helpers ---------------------------------------------------------------------------------


def slot_start(booking: Booking) -> dt.datetime:
    return selectors.slot_starts_at(booking.slot.date, booking.slot.start)


def _locked(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("provider", "item", "slot", "community")
        .get(pk=booking.pk)
    )


def _locked_for_provider(booking: Booking, member: ProviderMember) -> Booking:
    if not member.is_active or booking.provider_id != member.provider_id:
        raise PermissionDenied
    return _locked(booking)


def _refuse(booking: Booking, to: str) -> None:
    raise ValidationError(
        _("A booking that is “%(current)s” cannot become “%(target)s”.")
        % {"current": booking.get_status_display(), "target": Status(to).label},
        code="illegal_transition",
    )


def _cancel(
    booking: Booking,
    actor: User,
    by: str,
    reason: str,
    request: HttpRequest | None,
    *,
    reason_required: bool = True,
) -> Booking:
    reason = reason.strip()
    if reason_required and not reason:
        raise ValidationError({"reason": _("Please give a reason for cancelling.")})
    booking = _move(
        booking, Status.CANCELLED, actor, request,
        cancelled_by=by, cancel_reason=reason[:200], closed_at=timezone.now(),
    )  # fmt: skip
    give_place_back(booking.slot_id)
    return booking


def _move(booking: Booking, to: str, actor: User, request: HttpRequest | None, **fields) -> Booking:
    if (booking.status, to) not in TRANSITIONS:
        _refuse(booking, to)
    before = booking.status
    booking.status = to
    for name, value in fields.items():
        setattr(booking, name, value)
    booking.save(update_fields=["status", *fields])
    invalidate(f"household:{booking.room_id}")  # the household's open bookings badge
    _log(booking, f"booking.{to}", actor, request, {"from": before, "to": to,
                                                    "reason": booking.cancel_reason})  # fmt: skip
    context = {"booking": booking}
    notify(
        "booking.status_changed",
        selectors.household_user_ids(booking),
        obj=booking,
        key=to,
        context=context,
        url=reverse("services:booking_detail", args=[booking.pk]),
    )
    notify(
        "booking.status_changed",
        [pk for pk in selectors.provider_user_ids(booking.provider_id) if pk != actor.pk],
        obj=booking,
        key=f"provider-{to}",
        context=context,
        url=reverse("services_provider:booking_detail", args=[booking.pk]),
    )
    return booking


def _log(
    booking: Booking, action: str, actor: User | None, request: HttpRequest | None,
    data: dict | None = None,
) -> None:  # fmt: skip
    log_action(
        actor=actor, action=action, target=booking, community=booking.community, data=data,
        request=request,
    )  # fmt: skip

"""Demo data of the bookings part, called from services.demo.seed_services: bookings in
several states for the demo resident 张伟's household with the demo providers (seeded by the
providers part first; without any, nothing). Idempotent, and right on any date: upcoming
bookings use the providers' open slots, finished ones their past slots."""

import datetime as dt
import uuid

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Residency

from ..models import Booking, BookingSlot, Provider, ProviderHours, ProviderListing
from ..providers.selectors import approved_providers
from . import selectors

FEATURED_MOBILE = "13900000001"  # 张伟
# (status, when: "next" open slot, or "past"), one per provider in turn.
PLAN = [
    ("confirmed", "next"),
    ("requested", "next"),
    ("done", "past"),
    ("cancelled", "past"),
    ("done", "past"),
]


@transaction.atomic
def seed(community) -> None:
    _seed_featured(community)
    _seed_provider_day(community)


def _seed_featured(community) -> None:
    home = (
        Residency.objects.filter(
            user__mobile=FEATURED_MOBILE,
            status=Residency.Status.VERIFIED,
            head__isnull=True,
            room__building__community=community,
        )
        .select_related("room__building", "room__unit", "user")
        .first()
    )
    providers = list(approved_providers(community).filter(items__is_active=True).distinct()[:5])
    if home is None or not providers:
        return
    if Booking.objects.filter(household=home).exists():
        return
    now = timezone.now()
    for index, (status, when) in enumerate(PLAN):
        provider = providers[index % len(providers)]
        slot = _slot(provider, when, now, skip=index // len(providers))
        if slot is not None:
            _booking(home, provider, slot, status, now)


PROVIDER_MOBILE = "13700000001"  # the demo provider login (its owner)
# The provider's own day: other households' bookings of its next open slots.
PROVIDER_PLAN = ["confirmed", "requested", "requested"]


def _seed_provider_day(community) -> None:
    """The demo provider login finds work on its home: bookings of three other households for
    its next open slots (today's when the day is not over)."""
    provider = (
        approved_providers(community)
        .filter(members__user__mobile=PROVIDER_MOBILE, members__is_active=True)
        .first()
    )
    homes = list(
        Residency.objects.filter(
            status=Residency.Status.VERIFIED, head__isnull=True, room__building__community=community
        )
        .exclude(user__mobile=FEATURED_MOBILE)
        .select_related("room__building", "room__unit", "user")
        .order_by("-pk")[: len(PROVIDER_PLAN)]
    )
    if provider is None or not homes:
        return
    if Booking.objects.filter(provider=provider, household__in=homes).exists():
        return
    now = timezone.now()
    open_slots = [s for s in selectors.provider_slots(provider, now=now) if not s.closed]
    for home, status, slot in zip(homes, PROVIDER_PLAN, open_slots, strict=False):
        _booking(home, provider, slot, status, now)


def _slot(provider: Provider, when: str, now: dt.datetime, *, skip: int):
    if when == "next":
        open_slots = [s for s in selectors.provider_slots(provider, now=now) if not s.closed]
        # Tomorrow's first, when there is one: the reminder has something to say.
        open_slots.sort(key=lambda s: (s.date <= timezone.localdate(now), s.date, s.start))
        return open_slots[skip] if len(open_slots) > skip else None
    hours = list(ProviderHours.objects.filter(provider=provider))
    today = timezone.localdate(now)
    past = [
        (date, start, end)
        for days in range(3, 30)
        for date in [today - dt.timedelta(days=days)]
        for start, end in selectors.cut_slots(provider, hours, date)
    ]
    return past[skip * 5] if len(past) > skip * 5 else None


def _booking(home: Residency, provider: Provider, slot, status: str, now: dt.datetime) -> None:
    date, start, end = (slot.date, slot.start, slot.end) if hasattr(slot, "date") else slot
    row, _created = BookingSlot.objects.get_or_create(
        provider=provider, date=date, start=start,
        defaults={"end": end, "capacity": provider.slot_capacity},
    )  # fmt: skip
    holds = status != "cancelled"
    if holds and not BookingSlot.objects.filter(pk=row.pk, booked__lt=F("capacity")).update(
        booked=F("booked") + 1
    ):
        return
    starts = selectors.slot_starts_at(date, start)
    booked_at = min(now, starts) - dt.timedelta(days=2)
    item = provider.items.filter(is_active=True).order_by("sort_order", "pk").first()
    room = home.room
    fields = {}
    if status in ("confirmed", "done"):
        fields["confirmed_at"] = booked_at + dt.timedelta(hours=1)
    if status == "done":
        fields.update(started_at=starts, finished_at=starts + dt.timedelta(minutes=90))
    if status == "cancelled":
        fields.update(cancelled_by="resident", cancel_reason="临时有事", closed_at=booked_at
                      + dt.timedelta(hours=3))  # fmt: skip
    Booking.objects.create(
        number=f"YY{timezone.localtime(booked_at):%y%m%d}{uuid.uuid4().hex[:6].upper()}",
        provider=provider, item=item, slot=row, community=room.building.community,
        household=home, room=room, booked_by=home.user,
        address=f"{room.building.community.name} {room.label}", contact_phone=home.user.mobile,
        note="家里有小孩，请轻声" if status == "requested" else "",
        price=item.price, unit=item.unit, status=status, created_at=booked_at, **fields,
    )  # fmt: skip
    if status == "done":
        ProviderListing.objects.filter(provider=provider, community=room.building.community).update(
            bookings_done=F("bookings_done") + 1
        )

"""Reads of the bookings part: the slots a provider offers, and who sees which bookings
(the household on the resident side, the provider's own people, the community's staff)."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import Community, Residency, User
from accounts.selectors import household_ids_of_user

from ..models import (
    Booking,
    BookingSlot,
    Provider,
    ProviderHours,
    ProviderMember,
    ServiceItem,
    ServiceReview,
)
from ..providers.selectors import is_approved_in

# How far ahead a resident may book.
BOOKING_DAYS = 14


@dataclass(frozen=True)
class Slot:
    date: dt.date
    start: dt.time
    end: dt.time
    capacity: int
    booked: int
    # Why it cannot be booked ("" when it can): full, or too soon.
    closed: str

    @property
    def left(self) -> int:
        return max(0, self.capacity - self.booked)

    @property
    def value(self) -> str:
        return f"{self.date.isoformat()}T{self.start:%H:%M}"


def slot_starts_at(date: dt.date, start: dt.time) -> dt.datetime:
    """A slot's start as an aware moment in the site's time zone."""
    return timezone.make_aware(dt.datetime.combine(date, start))


def cut_slots(provider: Provider, hours: list[ProviderHours], date: dt.date):
    """(start, end) of every slot of `date`, cut from the provider's hours by `slot_minutes`;
    a remainder shorter than a slot is not offered."""
    length = dt.timedelta(minutes=provider.slot_minutes)
    for block in hours:
        if block.weekday != date.weekday():
            continue
        cursor = dt.datetime.combine(date, block.start)
        until = dt.datetime.combine(date, block.end)
        while cursor + length <= until:
            yield cursor.time(), (cursor + length).time()
            cursor += length


def provider_slots(provider: Provider, *, now: dt.datetime | None = None) -> list[Slot]:
    """The next BOOKING_DAYS days of the provider's slots (today included), each with its
    places left; past slots and those starting within the cancel cutoff are closed. Two
    queries whatever the number of slots."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    last = today + dt.timedelta(days=BOOKING_DAYS - 1)
    hours = list(ProviderHours.objects.filter(provider=provider).order_by("weekday", "start"))
    taken = {
        (row.date, row.start): row
        for row in BookingSlot.objects.filter(provider=provider, date__range=(today, last))
    }
    earliest = now + dt.timedelta(hours=provider.cancel_cutoff_hours)
    slots = []
    for offset in range(BOOKING_DAYS):
        date = today + dt.timedelta(days=offset)
        for start, end in cut_slots(provider, hours, date):
            row = taken.get((date, start))
            capacity = row.capacity if row else provider.slot_capacity
            booked = row.booked if row else 0
            closed = ""
            if slot_starts_at(date, start) <= earliest:
                closed = "soon"
            elif booked >= capacity:
                closed = "full"
            slots.append(Slot(date, start, end, capacity, booked, closed))
    return slots


def find_slot(provider: Provider, value: str, *, now: dt.datetime | None = None) -> Slot | None:
    return next((s for s in provider_slots(provider, now=now) if s.value == value), None)


def bookable_residencies(user: User, provider: Provider) -> list[Residency]:
    """The user's verified residencies in communities where the provider is approved: the
    rooms they may book for."""
    residencies = (
        Residency.objects.filter(user=user, status=Residency.Status.VERIFIED)
        .select_related("room__building__community", "room__unit", "head")
        .order_by("room__building__community__name", "room_id")
    )
    approved = set(
        provider.listings.filter(status="approved", provider__is_active=True).values_list(
            "community_id", flat=True
        )
    )
    return [r for r in residencies if r.room.building.community_id in approved]


def get_item_for_booking(item_id: int) -> ServiceItem | None:
    return (
        ServiceItem.objects.select_related("provider", "category")
        .filter(pk=item_id, is_active=True, provider__is_active=True)
        .first()
    )


def may_book(residency: Residency, provider: Provider) -> bool:
    return is_approved_in(provider.pk, residency.room.building.community_id)


# --- The household ---------------------------------------------------------------------------


def bookings_for_user(user: User) -> QuerySet[Booking]:
    """Every booking of the user's households, newest first: what 我的预约 lists."""
    return (
        Booking.objects.filter(household__in=household_ids_of_user(user))
        .select_related("provider", "item", "slot")
        .order_by("-created_at", "-pk")
    )


def get_booking_for_user(user: User, booking_id: int) -> Booking | None:
    return (
        bookings_for_user(user)
        .select_related("community", "booked_by", "room__building", "room__unit")
        .filter(pk=booking_id)
        .first()
    )


def open_booking_count(user: User) -> int:
    return (
        Booking.objects.filter(
            household__in=household_ids_of_user(user), status__in=Booking.OPEN_STATUSES
        )
        .order_by()
        .count()
    )


def household_user_ids(booking: Booking) -> list[int]:
    """The people who follow the booking: the head and the verified members of its household."""
    return list(
        Residency.objects.filter(status=Residency.Status.VERIFIED)
        .filter(Q(pk=booking.household_id) | Q(head_id=booking.household_id))
        .values_list("user_id", flat=True)
        .distinct()
    )


def household_may_see(user: User, booking: Booking) -> bool:
    return household_ids_of_user(user).filter(pk=booking.household_id).exists()


def provider_user_ids(provider_id: int) -> list[int]:
    return list(
        ProviderMember.objects.filter(
            provider_id=provider_id, is_active=True, user__is_active=True
        ).values_list("user_id", flat=True)
    )


# --- The provider ----------------------------------------------------------------------------


def bookings_for_provider(provider: Provider) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(provider=provider)
        .select_related("item", "slot", "room__building", "room__unit", "community")
        .order_by("slot__date", "slot__start", "pk")
    )


def provider_agenda(provider: Provider, *, today: dt.date | None = None, size: int = 5) -> dict:
    """The provider home's "today" box: how many open bookings fall today and from today on,
    and the next few of them (two queries whatever the number of bookings)."""
    today = today or timezone.localdate()
    open_ahead = bookings_for_provider(provider).filter(
        status__in=Booking.OPEN_STATUSES, slot__date__gte=today
    )
    counts = open_ahead.aggregate(
        today=Count("pk", filter=Q(slot__date=today)), upcoming=Count("pk")
    )
    tomorrow = today + dt.timedelta(days=1)
    return {**counts, "next": list(open_ahead[:size]), "date": today, "tomorrow": tomorrow}


def get_booking_for_provider(provider: Provider, booking_id: int) -> Booking | None:
    return bookings_for_provider(provider).filter(pk=booking_id).first()


# --- Staff -----------------------------------------------------------------------------------


def bookings_for_community(community: Community) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(community=community)
        .select_related("provider", "item", "slot", "room__building", "room__unit", "booked_by")
        .order_by("-created_at", "-pk")
    )


def providers_booked_in(community: Community) -> QuerySet[Provider]:
    return (
        Provider.objects.filter(Q(listings__community=community) | Q(bookings__community=community))
        .distinct()
        .order_by("name", "pk")
    )


# --- Reminders -------------------------------------------------------------------------------


def due_reminders(now: dt.datetime) -> QuerySet[Booking]:
    """Confirmed bookings whose slot is tomorrow (the site's day) and that have not been
    reminded yet."""
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    return (
        Booking.objects.filter(
            status=Booking.Status.CONFIRMED, slot__date=tomorrow, reminded_at__isnull=True
        )
        .select_related("provider", "item", "slot", "community")
        .order_by("pk")
    )


# --- The platform statistics (PSTA-2) ------------------------------------------------------------


@dataclass(frozen=True)
class BookingFigures:
    community_id: int
    bookings: int = 0  # booked in the period
    completed: int = 0  # of those, done
    reviews: int = 0  # visible reviews written in the period
    rating_sum: int = 0

    @property
    def rating(self) -> Decimal | None:
        """The mean of the period's visible reviews, 1–5, to two places (None without any)."""
        if not self.reviews:
            return None
        return (Decimal(self.rating_sum) / self.reviews).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )


def booking_figures(
    communities: Iterable[Community | int], start: dt.date, end: dt.date
) -> dict[int, BookingFigures]:
    """Per community (by id, every community asked for, zeros included): the bookings made
    between `start` and `end` (dates, both included), how many of them are done, and the
    reviews residents wrote then (hidden ones left out, as the provider's page leaves them
    out). Two aggregate queries whatever the number of communities or bookings."""
    ids = [getattr(community, "pk", community) for community in communities]
    if not ids:
        return {}
    zone = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    within = {"community_id__in": ids, "created_at__gte": since, "created_at__lt": until}
    bookings = {
        row["community_id"]: row
        for row in Booking.objects.filter(**within)
        .values("community_id")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(status=Booking.Status.DONE)))
        .order_by()
    }
    reviews = {
        row["community_id"]: row
        for row in ServiceReview.objects.filter(is_hidden=False, **within)
        .values("community_id")
        .annotate(n=Count("pk"), total=Sum("rating"))
        .order_by()
    }
    return {
        pk: BookingFigures(
            community_id=pk,
            bookings=bookings.get(pk, {}).get("n", 0),
            completed=bookings.get(pk, {}).get("done", 0),
            reviews=reviews.get(pk, {}).get("n", 0),
            rating_sum=reviews.get(pk, {}).get("total") or 0,
        )
        for pk in ids
    }

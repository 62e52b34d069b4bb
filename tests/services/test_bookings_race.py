"""Fifty households book the last places of one slot at the same moment: the slot's
conditional update gives exactly `capacity` of them a place and refuses the rest clearly."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from services.bookings import services
from services.models import Booking, BookingSlot
from tests.factories import ResidencyFactory, RoomFactory, bookable_provider
from tests.races import at_once, postgres_only

from .bookings_support import slot_value

pytestmark = [pytest.mark.req("SVC-1")]

HOUSEHOLDS = 50
CAPACITY = 3


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_fifty_concurrent_bookings_of_a_slot_with_three_places(community):
    provider = bookable_provider(community, slot_capacity=CAPACITY)
    item = provider.items.first()
    value = slot_value(timezone.localdate() + dt.timedelta(days=3), 10)
    households = [
        ResidencyFactory(room=RoomFactory(building__community=community)) for _ in range(HOUSEHOLDS)
    ]

    def book(residency):
        def call():
            try:
                booking = services.booking_create(
                    user=residency.user, residency=residency, item=item, slot=value,
                    address=residency.room.label, contact_phone="13900000001",
                )  # fmt: skip
            except ValidationError as refusal:
                return ("refused", refusal.messages[0])
            return ("booked", booking.pk)

        return call

    results = at_once([book(residency) for residency in households])
    booked = [r for r in results if r[0] == "booked"]
    refused = [r for r in results if r[0] == "refused"]
    assert (len(booked), len(refused)) == (CAPACITY, HOUSEHOLDS - CAPACITY), results
    assert {message for _kind, message in refused} == {"该时段已约满，请选择其他时段。"}
    slot = BookingSlot.objects.get()
    assert (slot.booked, slot.capacity) == (CAPACITY, CAPACITY)
    assert Booking.objects.filter(slot=slot).count() == CAPACITY
    assert connection.vendor == "postgresql"

"""The entry grid's badges of parcels and bookings are cached (kit.cache) and follow the
services: a parcel logged, handed over or returned; a booking made and cancelled (issue 21)."""

import datetime as dt

import pytest
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import User
from services.bookings import services as bookings
from services.bookings.setup import open_bookings_badge
from services.parcels import services as parcels
from services.parcels.setup import waiting_badge
from tests.factories import bookable_provider

from .bookings_support import PINNED, head_of, slot_value

pytestmark = pytest.mark.django_db


def badge(function, user) -> int:
    request = RequestFactory().get("/")
    request.user = User.objects.get(pk=user.pk)  # a new request's user
    return function(request)


def test_the_parcels_badge_follows_the_desk(resident, family_member, room, staff_user, outsider):
    assert badge(waiting_badge, family_member) == 0
    first = parcels.parcel_log(room=room, actor=staff_user, carrier="sf", shelf="A1")
    second = parcels.parcel_log(room=room, actor=staff_user, carrier="sf", shelf="A2")
    assert badge(waiting_badge, family_member) == 2
    assert badge(waiting_badge, outsider) == 0
    parcels.parcel_hand_over(parcel=first, actor=staff_user, collector_name="张伟")
    assert badge(waiting_badge, family_member) == 1
    parcels.parcel_return(parcel=second, actor=staff_user, reason="超期未取")
    assert badge(waiting_badge, resident) == 0


def test_the_bookings_badge_follows_booking_and_cancelling(resident, room, community, time_machine):
    time_machine.move_to(PINNED, tick=False)
    provider = bookable_provider(community, slot_capacity=2, cancel_cutoff_hours=2)
    assert badge(open_bookings_badge, resident) == 0
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    booking = bookings.booking_create(
        user=resident, residency=head_of(resident, room), item=provider.items.first(),
        slot=slot_value(tomorrow, 10), address="翠湖花园 3栋1201", contact_phone="13900000001",
    )  # fmt: skip
    assert badge(open_bookings_badge, resident) == 1
    bookings.booking_cancel_by_resident(booking=booking, user=resident, reason="改期")
    assert badge(open_bookings_badge, resident) == 0

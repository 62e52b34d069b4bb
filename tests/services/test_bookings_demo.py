"""The demo estate's bookings: several states for 张伟's household, idempotent, on any date."""

import pytest

from services.bookings import demo
from services.models import Booking, BookingSlot
from tests.factories import bookable_provider

pytestmark = [pytest.mark.req("SVC-1"), pytest.mark.dates]


def test_demo_bookings_for_the_featured_household(community, resident, family_member):
    providers = [bookable_provider(community, name=f"演示家政{n}") for n in range(3)]
    demo.seed(community)
    bookings = Booking.objects.all()
    assert set(bookings.values_list("status", flat=True)) >= {"requested", "confirmed", "done",
                                                              "cancelled"}  # fmt: skip
    assert {b.household.user for b in bookings} == {resident}
    for slot in BookingSlot.objects.all():
        holding = slot.bookings.exclude(status__in=["cancelled", "no_show"]).count()
        assert slot.booked == holding <= slot.capacity
    done = sum(p.listings.get().bookings_done for p in providers)
    assert done == bookings.filter(status="done").count()
    count = bookings.count()
    demo.seed(community)
    assert Booking.objects.count() == count


def test_without_providers_nothing_happens(community, resident):
    demo.seed(community)
    assert not Booking.objects.exists()

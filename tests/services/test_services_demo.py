"""The services demo as seed_demo runs it (providers, catalogue, bookings, parcels, activities,
attendance in turn): every part leaves its data, 张伟's household gets bookings in several
states and reviews, the demo provider can log in, and seeding twice adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Residency
from services.bookings.selectors import provider_agenda
from services.models import (
    Activity,
    ActivityParticipant,
    ActivitySignup,
    Booking,
    Parcel,
    Provider,
    ProviderMember,
    ServiceReview,
)

pytestmark = [pytest.mark.dates, pytest.mark.django_db]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", rooms=40, stdout=out)
    return out.getvalue()


def census() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (
            Provider, ProviderMember, Booking, ServiceReview, Parcel, Activity, ActivitySignup,
            ActivityParticipant,
        )
    )  # fmt: skip


@pytest.mark.req("SVC-1")
def test_every_part_of_the_services_demo_leaves_its_data():
    output = seed()
    zhang = Residency.objects.get(user__mobile="13900000001", head__isnull=True)
    bookings = Booking.objects.filter(household=zhang)
    assert set(bookings.values_list("status", flat=True)) >= {
        "requested", "confirmed", "done", "cancelled"
    }  # fmt: skip
    # Reviewed and one still to review: both sides of the review box show.
    done = bookings.filter(status="done")
    assert done.filter(review__isnull=False).exists()
    assert done.filter(review__isnull=True).exists()
    assert ServiceReview.objects.exclude(booking__household=zhang).exists()
    member = ProviderMember.objects.get(user__mobile="13700000001")
    agenda = provider_agenda(member.provider)
    assert agenda["upcoming"] >= 3
    assert {b.household_id for b in agenda["next"]} - {zhang.pk}
    assert "13700000001" in output
    assert Parcel.objects.filter(room=zhang.room, status="waiting").exists()
    assert Activity.objects.filter(status="published").count() >= 2
    assert ActivitySignup.objects.filter(status="waitlisted").exists()
    assert ActivityParticipant.objects.filter(checked_in_at__isnull=False).exists()

    counts = census()
    seed()
    assert census() == counts

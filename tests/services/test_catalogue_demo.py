"""The catalogue's demo data: reviews with photos and a reply for the approved providers,
idempotent, counters consistent (robust on every date)."""

import pytest
from django.db.models import Sum

from services.catalogue import demo
from services.models import Booking, Provider, ProviderListing, ServiceReview, ServiceReviewPhoto
from tests.factories import catalogue_provider, household_in

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def test_seed_is_idempotent_and_consistent(community, room, resident, provider_user):
    for _ in range(3):
        household_in(community)
    second = catalogue_provider(community, name="第二家")
    catalogue_provider(community, name="待审核", status=ProviderListing.Status.PENDING)
    demo.seed(community)
    counts = (Booking.objects.count(), ServiceReview.objects.count())
    demo.seed(community)
    assert counts == (Booking.objects.count(), ServiceReview.objects.count())
    assert counts[1] >= 6
    assert ServiceReviewPhoto.objects.count() >= 2
    assert ServiceReview.objects.exclude(reply="").exists()
    for provider in Provider.objects.filter(
        pk__in=[provider_user.provider_memberships.get().provider_id, second.pk]
    ):
        visible = ServiceReview.objects.filter(provider=provider, is_hidden=False)
        assert provider.rating_count == visible.count() > 0
        assert provider.rating_sum == visible.aggregate(s=Sum("rating"))["s"]
        listing = ProviderListing.objects.get(provider=provider, community=community)
        assert listing.bookings_done == Booking.objects.filter(provider=provider).count()
    assert not ServiceReview.objects.filter(provider__name="待审核").exists()


def test_nothing_without_providers(community, resident):
    demo.seed(community)
    assert not ServiceReview.objects.exists()

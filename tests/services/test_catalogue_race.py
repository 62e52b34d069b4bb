"""Two members of a household review the same booking at once, and two managers hide the same
review at once: one review, one hiding, the provider's counters moved once (PostgreSQL)."""

import pytest
from django.core.exceptions import ValidationError

from services.catalogue import services
from services.models import Provider, ServiceReview
from tests.factories import service_review
from tests.races import at_once, postgres_only

WORKERS = 6


def _attempt(call):
    def run():
        try:
            call()
        except ValidationError:
            return "refused"
        return "done"

    return run


@pytest.mark.req("SVC-1")
@pytest.mark.django_db(transaction=True)
@postgres_only
def test_concurrent_reviews_of_one_booking(resident, family_member, booking, provider):
    users = [resident, family_member] * (WORKERS // 2)
    outcomes = at_once(
        [
            _attempt(lambda user=user, n=n: services.review_create(
                booking=booking, user=user, rating=n % 5 + 1, text=f"第{n}条"
            ))
            for n, user in enumerate(users)
        ]
    )  # fmt: skip
    assert sorted(outcomes) == ["done"] + ["refused"] * (WORKERS - 1)
    review = ServiceReview.objects.get(booking=booking)
    provider = Provider.objects.get(pk=provider.pk)
    assert (provider.rating_count, provider.rating_sum) == (1, review.rating)


@pytest.mark.req("SSVC-1")
@pytest.mark.django_db(transaction=True)
@postgres_only
def test_concurrent_hiding(booking, provider, manager, staff_user):
    review = service_review(booking, rating=2)
    actors = [manager, staff_user] * (WORKERS // 2)
    outcomes = at_once(
        [
            _attempt(lambda actor=actor: services.review_hide(
                review=review, actor=actor, reason="辱骂"
            ))
            for actor in actors
        ]
    )  # fmt: skip
    assert sorted(outcomes) == ["done"] + ["refused"] * (WORKERS - 1)
    provider = Provider.objects.get(pk=provider.pk)
    assert (provider.rating_count, provider.rating_sum) == (0, 0)

"""Two reviewers deciding the same listing at once, and the daily licence job running twice:
the row lock makes one decision win and the other see the page as out of date; each warning
and each suspension happens once (services.providers.services)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kit.models import AuditEntry
from notices.models import Message
from services.models import ProviderListing
from services.providers import services
from tests.factories import ProviderListingFactory, ProviderMemberFactory, StaffMemberFactory
from tests.races import at_once, postgres_only

pytestmark = [pytest.mark.req("SSVC-1")]


def attempt(call):
    def run():
        try:
            call()
        except ValidationError:
            return "refused"
        return "done"

    return run


@pytest.mark.django_db(transaction=True)
@postgres_only
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_two_reviewers_at_once_one_decision_wins(community, manager, positions, decision):
    """(Approving after a rejection is a legitimate second look, so the race is between two
    reviewers making the same decision from one page: the second must see it is out of date.)"""
    other = StaffMemberFactory(communities=[community], position_name="经理").user
    listing = ProviderListingFactory(community=community)
    ProviderMemberFactory(provider=listing.provider)

    def decide(actor):
        if decision == "approve":
            return lambda: services.listing_approve(listing=listing, actor=actor)
        return lambda: services.listing_reject(listing=listing, actor=actor, reason="照片模糊")

    outcomes = at_once([attempt(decide(manager)), attempt(decide(other))])
    assert sorted(outcomes) == ["done", "refused"]
    expected = "approved" if decision == "approve" else "rejected"
    assert AuditEntry.objects.filter(action=f"provider.{expected}").count() == 1
    assert ProviderListing.objects.get(pk=listing.pk).status == expected
    assert Message.objects.filter(event="provider.listing_decided").count() == 1


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_the_licence_job_twice_at_once_warns_and_suspends_once(community, manager):
    today = timezone.localdate()
    warned = ProviderListingFactory(
        community=community, status="approved",
        provider__licence_expires_on=today + dt.timedelta(days=10),
    )  # fmt: skip
    expired = ProviderListingFactory(
        community=community, status="approved",
        provider__licence_expires_on=today - dt.timedelta(days=1),
    )  # fmt: skip
    results = at_once([services.licence_check] * 3)
    assert sum(r["warned"] for r in results) == 1
    assert sum(r["suspended"] for r in results) == 1
    assert AuditEntry.objects.filter(action="provider.licence_suspended").count() == 1
    assert Message.objects.filter(event="provider.licence_expiring", recipient=manager).count() == 1
    assert ProviderListing.objects.get(pk=expired.pk).status == "suspended"
    assert ProviderListing.objects.get(pk=warned.pk).status == "approved"

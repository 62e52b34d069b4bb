"""The business licence's expiry (SSVC-1): a daily job warns 30 days ahead, once per licence,
the provider's members and the reviewers of its communities; the day after the expiry every
approved listing is suspended (audited with no actor, told to the provider); a renewed licence
sends those listings back to the reviewers. The clock is pinned."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from kit.models import AuditEntry
from notices.models import Message
from services.models import Provider, ProviderListing
from services.providers import services
from services.providers.tasks import licence_check_task

from ..factories import ProviderListingFactory, ProviderMemberFactory, photo_upload

NOON = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def pinned():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def provider(pinned, community, other_community):
    listing = ProviderListingFactory(
        community=community,
        status="approved",
        provider__licence_expires_on=TODAY + dt.timedelta(days=30),
    )
    ProviderListingFactory(provider=listing.provider, community=other_community, status="pending")
    ProviderMemberFactory(provider=listing.provider)
    return listing.provider


def warnings():
    return Message.objects.filter(event="provider.licence_expiring")


@pytest.mark.req("SSVC-1")
def test_the_warning_goes_out_once_30_days_ahead(provider, manager, outsider_staff, pinned):
    Provider.objects.filter(pk=provider.pk).update(licence_expires_on=TODAY + dt.timedelta(31))
    assert services.licence_check(TODAY) == {"warned": 0, "suspended": 0}
    Provider.objects.filter(pk=provider.pk).update(licence_expires_on=TODAY + dt.timedelta(30))
    assert services.licence_check(TODAY) == {"warned": 1, "suspended": 0}
    owner = provider.members.get().user
    assert set(warnings().values_list("recipient_id", flat=True)) == {
        owner.pk,
        manager.pk,
        outsider_staff.pk,
    }
    assert "30天后到期" in warnings().filter(recipient=owner).get().title
    provider.refresh_from_db()
    assert provider.licence_warned_on == TODAY
    assert services.licence_check(TODAY + dt.timedelta(days=1))["warned"] == 0
    assert warnings().count() == 3


@pytest.mark.req("SSVC-1")
def test_on_expiry_every_approved_listing_is_suspended(provider, manager, pinned):
    # The last valid day: warned, not suspended.
    assert services.licence_check(TODAY + dt.timedelta(days=30)) == {"warned": 1, "suspended": 0}
    pinned.move_to(NOON + dt.timedelta(days=31))
    assert licence_check_task.run() == {"warned": 0, "suspended": 1}
    statuses = dict(provider.listings.values_list("status", "suspended_for_licence"))
    assert statuses == {"suspended": True, "pending": False}
    suspended = provider.listings.get(status="suspended")
    assert "营业执照已于2026-07-15到期" in suspended.reason
    entry = AuditEntry.objects.get(action="provider.licence_suspended")
    assert entry.actor is None and entry.community == suspended.community
    assert Message.objects.filter(
        event="provider.listing_decided", recipient=provider.members.get().user
    ).exists()
    assert licence_check_task.run() == {"warned": 0, "suspended": 0}
    # Staff may not reinstate it while the licence is expired.
    response = client_reinstate(manager, suspended)
    assert "须服务商先更新执照" in response.content.decode()


def client_reinstate(user, listing):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.post(
        reverse("services_staff:provider_listing_reinstate", args=[listing.pk]), follow=True
    )


@pytest.mark.req("SSVC-1", "SVC-2")
def test_a_renewed_licence_goes_back_to_the_reviewers(
    provider, client_for, manager, pinned, community
):
    pinned.move_to(NOON + dt.timedelta(days=31))
    services.licence_check()
    owner = provider.members.get().user
    client = client_for(owner)
    renewal = {
        "l-licence_image": photo_upload(),
        "l-licence_number": "91330106MA2RENEW1",
        "l-licence_expires_on": "2031-07-14",
    }
    response = client.post(reverse("services_provider:provider_licence_renew"), renewal)
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.licence_warned_on is None
    assert provider.licence_expires_on == dt.date(2031, 7, 14)
    listing = provider.listings.get(community=community)
    assert (listing.status, listing.suspended_for_licence) == ("pending", False)
    assert Message.objects.filter(event="provider.resubmitted", recipient=manager).exists()
    assert AuditEntry.objects.filter(action="provider.licence_renewed", actor=owner).exists()
    assert AuditEntry.objects.filter(action="provider.resubmitted").count() == 1


@pytest.mark.req("SSVC-1")
def test_a_listing_suspended_by_staff_stays_suspended_after_a_renewal(provider, client_for):
    ProviderListing.objects.filter(provider=provider).update(status="suspended", reason="投诉")
    services.licence_renew(
        provider=provider,
        actor=provider.members.get().user,
        image=photo_upload(),
        number="91330106MA2RENEW1",
        expires_on=TODAY + dt.timedelta(days=700),
    )
    assert set(provider.listings.values_list("status", flat=True)) == {"suspended"}


@pytest.mark.req("SVC-2")
def test_a_renewal_must_be_valid_and_keeps_what_was_typed(provider, client_for):
    client = client_for(provider.members.get().user)
    response = client.post(
        reverse("services_provider:provider_licence_renew"),
        {"l-licence_number": "91330106MA2RENEW1", "l-licence_expires_on": "2026-06-15"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "营业执照须在有效期内" in html and "请上传营业执照照片" in html
    assert "91330106MA2RENEW1" in html


def test_the_job_is_registered_daily():
    from kit.periodic import Crontab, registered_periodic_tasks

    (entry,) = [
        e
        for e in registered_periodic_tasks()
        if e.task == "services.providers.tasks.licence_check_task"
    ]
    assert entry.schedule == Crontab(minute="10", hour="6")

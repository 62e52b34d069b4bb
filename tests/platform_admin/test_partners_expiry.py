"""The daily expiry check (PPAR-2), with the clock pinned: operators are alerted N days ahead
(LINLI_AGREEMENT_EXPIRY_ALERT_DAYS), once per threshold, and once when an agreement has ended;
a service provider whose agreement ended with nothing else in force has its listings
suspended through the services module (residents cannot book it, staff see why and are told,
the provider is told), once however often the job runs, and listed again when a new agreement
starts. A payment institution's ended agreement only alerts."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from kit.models import AuditEntry
from notices.models import Message
from platform_admin.partners import services
from platform_admin.partners.models import AgreementAlert
from platform_admin.partners.tasks import agreement_expiry_task
from services.models import Provider, ProviderListing
from services.providers import services as provider_services
from services.providers.selectors import approved_providers, is_approved_in
from tests.races import at_once, postgres_only

from ..factories import (
    AgreementFactory,
    PartnerFactory,
    ProviderListingFactory,
    ProviderMemberFactory,
    UserFactory,
    provider_partner,
)

NOON = dt.datetime(2026, 6, 15, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai
TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def pinned():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def alert_days(settings):
    settings.LINLI_AGREEMENT_EXPIRY_ALERT_DAYS = [30, 7]


@pytest.fixture
def provider(pinned, community, other_community):
    listing = ProviderListingFactory(community=community, status="approved")
    ProviderListingFactory(provider=listing.provider, community=other_community, status="approved")
    ProviderListingFactory(community=community, status="approved")  # another provider
    ProviderMemberFactory(provider=listing.provider)
    return listing.provider


@pytest.fixture
def partner(provider):
    return provider_partner(provider)


def alerts(event="partner.agreement_expiring"):
    return Message.objects.filter(event=event)


@pytest.mark.req("PPAR-2")
def test_operators_are_alerted_30_and_7_days_ahead_once_each(
    pinned, alert_days, operator, manager, resident
):
    agreement = AgreementFactory(end=TODAY + dt.timedelta(days=31))
    assert services.expiry_check(TODAY)["alerted"] == 0
    pinned.move_to(NOON + dt.timedelta(days=1))
    assert agreement_expiry_task.run()["alerted"] == 1
    assert list(alerts().values_list("recipient_id", flat=True)) == [operator.pk]
    message = alerts().get()
    assert "30天后到期" in message.title and agreement.number in message.title
    assert "支付不会被自动停用" in message.body
    for day in range(2, 24):  # no repeat until the next threshold
        pinned.move_to(NOON + dt.timedelta(days=day))
        assert agreement_expiry_task.run()["alerted"] == 0
    pinned.move_to(NOON + dt.timedelta(days=24))
    assert agreement_expiry_task.run()["alerted"] == 1
    assert agreement_expiry_task.run()["alerted"] == 0
    assert alerts().count() == 2
    assert "7天后到期" in alerts().latest("pk").title


@pytest.mark.req("PPAR-2")
def test_an_agreement_entered_late_gets_one_alert_not_two(pinned, alert_days, operator, settings):
    AgreementFactory(end=TODAY + dt.timedelta(days=5))
    assert services.expiry_check(TODAY)["alerted"] == 1
    assert set(AgreementAlert.objects.values_list("days", flat=True)) == {30, 7}
    assert services.expiry_check(TODAY)["alerted"] == 0
    assert alerts().count() == 1
    settings.LINLI_AGREEMENT_EXPIRY_ALERT_DAYS = [10]
    assert services.expiry_check(TODAY)["alerted"] == 1  # a new threshold alerts once more


@pytest.mark.req("PPAR-2")
def test_a_renewed_agreement_does_not_alert(pinned, alert_days, operator):
    first = AgreementFactory(end=TODAY + dt.timedelta(days=7))
    AgreementFactory(
        partner=first.partner, start=first.end + dt.timedelta(days=1), end=None,
        supersedes=first, root=first, version=2,
    )  # fmt: skip
    assert services.expiry_check(TODAY)["alerted"] == 0


@pytest.mark.req("PPAR-2")
def test_an_ended_provider_agreement_suspends_its_listings_once(
    pinned,
    alert_days,
    partner,
    provider,
    community,
    operator,
    manager,
    outsider_staff,
    resident,
    client_for,
):
    agreement = AgreementFactory(
        partner=partner, kind="service", start=TODAY - dt.timedelta(days=365),
        end=TODAY - dt.timedelta(days=1),
    )  # fmt: skip
    assert is_approved_in(provider.pk, community.pk)
    client = client_for(resident)
    assert provider.name in client.get(reverse("services:provider_list")).content.decode()
    result = agreement_expiry_task.run()
    assert result == {"alerted": 1, "held": 1, "released": 0}
    # Residents can no longer book it; the other provider is untouched.
    assert not is_approved_in(provider.pk, community.pk)
    assert list(approved_providers(community)) != [] and provider not in approved_providers(
        community
    )
    assert provider.name not in client.get(reverse("services:provider_list")).content.decode()
    item = provider.items.first()
    assert client.get(reverse("services:booking_create", args=[item.pk])).status_code == 404
    listings = provider.listings.all()
    assert {(x.status, x.suspended_for_agreement) for x in listings} == {("suspended", True)}
    # Staff see why; the provider and each community's reviewers are told.
    reason = listings.first().reason
    assert agreement.number in reason and "2026-06-14" in reason
    assert AuditEntry.objects.filter(action="provider.agreement_suspended").count() == 2
    assert AuditEntry.objects.filter(action="provider.agreement_suspended", actor=None).count() == 2
    owner = provider.members.get().user
    assert Message.objects.filter(event="provider.listing_decided", recipient=owner).count() == 2
    staff_told = Message.objects.filter(event="provider.agreement_suspended")
    assert set(staff_told.values_list("recipient_id", flat=True)) == {manager.pk, outsider_staff.pk}
    assert "已暂停" in staff_told.first().title
    ended = alerts("partner.agreement_ended").get()
    assert ended.recipient == operator and "暂停" in ended.body
    # The job again (the next day too): nothing more.
    before = Message.objects.count(), AuditEntry.objects.count()
    assert agreement_expiry_task.run() == {"alerted": 0, "held": 0, "released": 0}
    pinned.move_to(NOON + dt.timedelta(days=1))
    assert agreement_expiry_task.run() == {"alerted": 0, "held": 0, "released": 0}
    assert (Message.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.req("PPAR-2")
def test_staff_cannot_reinstate_while_no_agreement_is_in_force(
    pinned, partner, provider, community, manager, client_for
):
    AgreementFactory(partner=partner, end=TODAY - dt.timedelta(days=1))
    services.expiry_check(TODAY)
    listing = provider.listings.get(community=community)
    with pytest.raises(ValidationError) as error:
        provider_services.listing_reinstate(listing=listing, actor=manager)
    assert "新协议生效后方可重新上架" in error.value.messages[0]
    # The staff page says why, and offers no reinstatement.
    html = (
        client_for(manager)
        .get(reverse("services_staff:provider_listing", args=[listing.pk]))
        .content.decode()
    )
    assert "平台合作协议" in html and "新协议生效后将自动恢复上架" in html
    assert reverse("services_staff:provider_listing_reinstate", args=[listing.pk]) not in html


@pytest.mark.req("PPAR-2")
def test_a_new_agreement_lists_the_provider_again_when_it_starts(
    pinned, partner, provider, community, manager
):
    old = AgreementFactory(partner=partner, end=TODAY - dt.timedelta(days=1))
    services.expiry_check(TODAY)
    # A listing staff had suspended themselves stays suspended.
    ProviderListing.objects.filter(provider=provider).exclude(community=community).update(
        suspended_for_agreement=False, reason="投诉"
    )
    AgreementFactory(
        partner=partner, start=TODAY + dt.timedelta(days=2), end=None, supersedes=old, root=old,
        version=2, number="LL-T-RENEW",
    )  # fmt: skip
    assert services.expiry_check(TODAY)["released"] == 0  # not started yet
    pinned.move_to(NOON + dt.timedelta(days=2))
    assert agreement_expiry_task.run()["released"] == 1
    provider.refresh_from_db()
    assert provider.agreement_hold == ""
    assert provider.listings.get(community=community).status == "approved"
    assert provider.listings.exclude(community=community).get().status == "suspended"
    assert is_approved_in(provider.pk, community.pk)
    assert Message.objects.filter(event="provider.agreement_reinstated", recipient=manager).exists()
    assert AuditEntry.objects.filter(action="provider.agreement_reinstated").count() == 1
    assert agreement_expiry_task.run()["released"] == 0


@pytest.mark.req("PPAR-2")
def test_a_licence_expired_meanwhile_keeps_the_listing_suspended(
    pinned, partner, provider, community
):
    old = AgreementFactory(partner=partner, end=TODAY - dt.timedelta(days=1))
    services.expiry_check(TODAY)
    Provider.objects.filter(pk=provider.pk).update(licence_expires_on=TODAY)
    AgreementFactory(partner=partner, start=TODAY + dt.timedelta(days=1), end=None, root=old)
    pinned.move_to(NOON + dt.timedelta(days=1))
    services.expiry_check()
    listing = provider.listings.get(community=community)
    assert (listing.status, listing.suspended_for_licence) == ("suspended", True)
    assert "营业执照已于" in listing.reason


@pytest.mark.req("PPAR-2")
def test_another_agreement_in_force_keeps_the_provider_listed(pinned, partner, provider, community):
    AgreementFactory(partner=partner, end=TODAY - dt.timedelta(days=1))
    AgreementFactory(partner=partner, start=TODAY - dt.timedelta(days=30), end=None)
    assert services.expiry_check(TODAY)["held"] == 0
    assert is_approved_in(provider.pk, community.pk)


@pytest.mark.req("PPAR-2")
def test_a_payment_institutions_ended_agreement_only_alerts(pinned, operator):
    partner = PartnerFactory(name="财付通")
    AgreementFactory(partner=partner, end=TODAY - dt.timedelta(days=1))
    before = AuditEntry.objects.count()
    assert services.expiry_check(TODAY) == {"alerted": 1, "held": 0, "released": 0}
    body = alerts("partner.agreement_ended").get(recipient=operator).body
    assert "支付不会被自动停用" in body
    assert AuditEntry.objects.count() == before


@pytest.mark.req("PPAR-2")
def test_only_active_operators_are_alerted(pinned, alert_days, operator):
    UserFactory(is_staff=True, is_active=False)
    AgreementFactory(end=TODAY + dt.timedelta(days=7))
    services.expiry_check(TODAY)
    assert list(alerts().values_list("recipient_id", flat=True)) == [operator.pk]


def test_the_job_is_registered_daily():
    from kit.periodic import Crontab, registered_periodic_tasks

    (entry,) = [
        e
        for e in registered_periodic_tasks()
        if e.task == "platform_admin.partners.tasks.agreement_expiry_task"
    ]
    assert entry.schedule == Crontab(minute="20", hour="6")


@pytest.mark.req("PPAR-2")
@pytest.mark.django_db(transaction=True)
@postgres_only
def test_the_job_three_times_at_once_suspends_and_alerts_once(
    community, manager, operator, settings
):
    settings.LINLI_AGREEMENT_EXPIRY_ALERT_DAYS = [30, 7]
    listing = ProviderListingFactory(community=community, status="approved")
    partner = provider_partner(listing.provider)
    from django.utils import timezone

    today = timezone.localdate()
    AgreementFactory(partner=partner, end=today - dt.timedelta(days=1))
    AgreementFactory(end=today + dt.timedelta(days=7))
    at_once([services.expiry_check] * 3)
    assert AuditEntry.objects.filter(action="provider.agreement_suspended").count() == 1
    assert Message.objects.filter(event="provider.agreement_suspended").count() == 1
    assert Message.objects.filter(event="partner.agreement_ended").count() == 1
    assert Message.objects.filter(event="partner.agreement_expiring").count() == 1
    assert ProviderListing.objects.get(pk=listing.pk).status == "suspended"

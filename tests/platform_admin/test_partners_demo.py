"""The partners demo (platform_admin/partners/demo.py): WeChat Pay and Alipay with merchant
numbers and no secrets, the demo providers linked to their own records, Alipay's agreement
ending in 20 days, and one provider whose agreement ended last month with its listing
suspended — not one the demo resident's bookings rely on. Seeding twice adds nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from platform_admin.partners.demo import seed_partners
from platform_admin.partners.models import Agreement, Partner, PartnerContact
from services.models import Booking, ProviderListing
from services.providers import demo as provider_demo

pytestmark = [pytest.mark.dates, pytest.mark.django_db]


def census():
    return tuple(
        m.objects.count() for m in (Partner, PartnerContact, Agreement, ProviderListing, Booking)
    )


@pytest.mark.req("PPAR-1", "PPAR-2")
def test_the_partners_demo_keeps_its_promises_and_seeds_once(community):
    provider_demo.seed(community)
    seed_partners(community)
    today = timezone.localdate()
    payment = Partner.objects.filter(kind="payment")
    assert {tuple(p.channels) for p in payment} == {("wechat",), ("alipay",)}
    for partner in Partner.objects.all():
        partner.full_clean()  # merchant numbers, no secrets
        assert partner.contacts.exists()
    providers = Partner.objects.filter(kind="provider")
    assert providers.count() == 7 and all(p.provider_id for p in providers)
    alipay = Agreement.objects.get(number="LL-PAY-2025-002")
    assert alipay.end == today + dt.timedelta(days=20)
    former = Partner.objects.get(name=provider_demo.FORMER_PARTNER[0])
    listing = former.provider.listings.get()
    assert (listing.status, listing.suspended_for_agreement) == ("suspended", True)
    assert ended_last_month(former, today)
    # The six providers the services demo shows stay approved.
    assert ProviderListing.objects.filter(status="approved").count() == 6
    counts = census()
    seed_partners(community)
    assert census() == counts


def ended_last_month(partner, today) -> bool:
    agreement = partner.agreements.get()
    return today - dt.timedelta(days=40) < agreement.end < today

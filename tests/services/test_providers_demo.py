"""The demo providers (services/providers/demo.py): six approved around the first demo
community, one applicant waiting, one licence due in 20 days, and the provider login."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from services.models import Provider, ProviderListing, ProviderMember
from services.providers import demo

pytestmark = pytest.mark.dates


@pytest.mark.req("SVC-2")
def test_the_demo_providers_keep_their_promises_and_seed_once(client, community):
    demo.seed(community)
    demo.seed(community)
    listings = ProviderListing.objects.filter(community=community)
    assert listings.filter(status="approved").count() == 6
    assert listings.filter(status="pending").count() == 1
    assert Provider.objects.count() == 7
    due = timezone.localdate() + dt.timedelta(days=20)
    assert Provider.objects.filter(licence_expires_on=due).count() == 1
    owner = ProviderMember.objects.get(user__mobile=demo.DEMO_PROVIDER_MOBILE)
    assert owner.role == "owner" and owner.provider.name == "安心家政服务有限公司"
    assert all(p.items.exists() and p.hours.exists() for p in Provider.objects.all())
    response = client.post(
        reverse("account_login"), {"login": demo.DEMO_PROVIDER_MOBILE, "password": "linli2026"}
    )
    assert response["Location"] == reverse("services_provider:provider_home")

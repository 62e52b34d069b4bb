"""The provider pages' shell (SVC-2): the home with the status per community, the profile with
items, hours and slot settings, the members page; only a provider's own members get in, and
never to another provider's objects; a provider's member lands here after logging in."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.portal import landing_url
from kit.models import AuditEntry
from services.models import ProviderMember, ServiceItem
from services.portal import provider_tabs

from ..factories import (
    ProviderListingFactory,
    ProviderMemberFactory,
    StaffMemberFactory,
    UserFactory,
)

HOME = reverse("services_provider:provider_home")
PROFILE = reverse("services_provider:provider_profile")
MEMBERS = reverse("services_provider:provider_members")


@pytest.fixture
def owner(community, other_community):
    listing = ProviderListingFactory(community=community, status="approved")
    ProviderListingFactory(
        provider=listing.provider, community=other_community, status="rejected",
        reason="本小区已有同类服务",
    )  # fmt: skip
    return ProviderMemberFactory(provider=listing.provider, user__display_name="周丽")


@pytest.mark.req("SVC-2")
def test_the_home_shows_the_status_in_each_community(client_for, owner, community):
    html = client_for(owner.user).get(HOME).content.decode()
    assert community.name in html and "已通过" in html
    assert "已驳回" in html and "本小区已有同类服务" in html
    labels = [tab["label"] for tab in provider_tabs(HOME)]
    assert labels[0] == "首页" and labels[-1] == "资料"


@pytest.mark.req("SVC-2")
def test_the_profile_edits_items_hours_and_slots(client_for, owner):
    provider = owner.provider
    item = provider.items.get()
    category = item.category
    data = {
        "p-name": provider.name,
        "p-contact_name": "周丽",
        "p-contact_phone": "0571-88001234",
        "p-description": "新的介绍",
        "p-address": "",
        "p-categories": [category.pk],
        "p-slot_minutes": "90",
        "p-slot_capacity": "3",
        "p-cancel_cutoff_hours": "4",
        "h-start_6": "10:00",
        "h-end_6": "15:00",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "1",
        "items-0-id": item.pk,
        "items-0-name": item.name,
        "items-0-category": category.pk,
        "items-0-price": "50.00",
        "items-0-unit": "hour",
        "items-0-DELETE": "on",
        "items-1-name": "开荒保洁",
        "items-1-category": category.pk,
        "items-1-unit": "negotiable",
    }
    response = client_for(owner.user).post(PROFILE, data)
    assert response.status_code == 302
    provider.refresh_from_db()
    assert (provider.slot_minutes, provider.slot_capacity, provider.cancel_cutoff_hours) == (
        90,
        3,
        4,
    )
    assert provider.description == "新的介绍"
    item.refresh_from_db()
    assert not item.is_active  # bookings may point at it: it is no longer offered
    assert list(provider.items.filter(is_active=True).values_list("name", "price")) == [
        ("开荒保洁", None)
    ]
    assert [(h.weekday, h.start) for h in provider.hours.all()] == [(6, dt.time(10))]
    assert AuditEntry.objects.filter(action="provider.profile_changed").exists()


@pytest.mark.req("SVC-2")
def test_a_bad_profile_keeps_what_was_typed(client_for, owner):
    item = owner.provider.items.get()
    data = {
        "p-name": "",
        "p-contact_name": "周丽",
        "p-contact_phone": "0571-88001234",
        "p-categories": [item.category_id],
        "p-slot_minutes": "10",
        "p-slot_capacity": "2",
        "p-cancel_cutoff_hours": "2",
        "h-start_0": "09:00",
        "h-end_0": "18:00",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "1",
        "items-0-id": item.pk,
        "items-0-name": "改过的名字",
        "items-0-category": item.category_id,
        "items-0-price": "60",
        "items-0-unit": "hour",
        "items-1-name": "新项目",
        "items-1-category": item.category_id,
        "items-1-unit": "visit",
    }
    response = client_for(owner.user).post(PROFILE, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "改过的名字" in html and "新项目" in html and "请填写价格" in html
    assert ServiceItem.objects.get(pk=item.pk).name == "日常保洁"


@pytest.mark.req("SVC-2")
def test_an_item_of_another_provider_cannot_be_edited(client_for, owner):
    stranger = ProviderMemberFactory()
    theirs = stranger.provider.items.get()
    mine = owner.provider.items.get()
    data = {
        "p-name": owner.provider.name, "p-contact_name": "周丽", "p-contact_phone": "1",
        "p-categories": [mine.category_id], "p-slot_minutes": "120", "p-slot_capacity": "2",
        "p-cancel_cutoff_hours": "2", "h-start_0": "09:00", "h-end_0": "18:00",
        "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "1",
        "items-0-id": theirs.pk, "items-0-name": "改掉别人的", "items-0-category": mine.category_id,
        "items-0-price": "1", "items-0-unit": "visit",
    }  # fmt: skip
    client_for(owner.user).post(PROFILE, data)
    assert ServiceItem.objects.get(pk=theirs.pk).name == "日常保洁"


# --- Members -------------------------------------------------------------------------------------


@pytest.mark.req("SVC-2")
def test_the_owner_adds_and_removes_workers(client_for, owner):
    worker = UserFactory(display_name="小王")
    client = client_for(owner.user)
    assert client.post(reverse("services_provider:provider_member_add"),
                       {"mobile": worker.mobile}).status_code == 302  # fmt: skip
    member = ProviderMember.objects.get(user=worker)
    assert (member.provider, member.role, member.is_active) == (owner.provider, "worker", True)
    assert "小王" in client.get(MEMBERS).content.decode()
    # The worker uses the provider pages, but may not change the members.
    worker_client = client_for(worker)
    assert worker_client.get(HOME).status_code == 200
    response = worker_client.post(
        reverse("services_provider:provider_member_remove", args=[owner.pk]), follow=True
    )
    assert "只有服务商负责人" in response.content.decode()
    client = client_for(owner.user)
    client.post(reverse("services_provider:provider_member_remove", args=[member.pk]))
    member.refresh_from_db()
    assert not member.is_active
    assert client_for(worker).get(HOME).status_code == 403


@pytest.mark.req("SVC-2")
def test_adding_an_unknown_or_busy_number_is_refused(client_for, owner):
    client = client_for(owner.user)
    add = reverse("services_provider:provider_member_add")
    response = client.post(add, {"mobile": "13711112222"})
    assert response.status_code == 400 and "请对方先注册" in response.content.decode()
    busy = ProviderMemberFactory()
    response = client.post(add, {"mobile": busy.user.mobile})
    assert "此账号已属于一家服务商" in response.content.decode()


# --- Who gets in ---------------------------------------------------------------------------------


@pytest.mark.req("SVC-2", "X-1")
def test_another_providers_member_is_a_404(client_for, owner):
    stranger = ProviderMemberFactory()
    worker = ProviderMemberFactory(provider=owner.provider, role="worker")
    response = client_for(stranger.user).post(
        reverse("services_provider:provider_member_remove", args=[worker.pk])
    )
    assert response.status_code == 404
    assert ProviderMember.objects.get(pk=worker.pk).is_active
    html = client_for(stranger.user).get(HOME).content.decode()
    assert owner.provider.name not in html


@pytest.mark.req("SVC-2")
def test_residents_and_staff_are_not_members(client_for, resident, manager):
    for user in (resident, manager):
        response = client_for(user).get(HOME)
        assert response.status_code == 403
        assert "不属于任何服务商" in response.content.decode()


@pytest.mark.req("SVC-2")
@pytest.mark.parametrize("name", ["provider_member_add", "provider_licence_renew"])
def test_changes_are_post_only(client_for, owner, name):
    assert client_for(owner.user).get(reverse(f"services_provider:{name}")).status_code == 405


@pytest.mark.req("SVC-2")
def test_a_provider_member_lands_on_the_provider_pages(owner, resident, positions, community):
    assert landing_url(owner.user) == HOME
    assert landing_url(resident) is None
    staff = StaffMemberFactory(communities=[community], position_name="经理").user
    ProviderMemberFactory(user=staff)
    assert landing_url(staff) == reverse("staff:home")


@pytest.mark.req("SVC-2")
def test_login_sends_a_provider_member_home(client, owner, password):
    response = client.post(
        reverse("account_login"), {"login": owner.user.mobile, "password": password}
    )
    assert response.status_code == 302 and response["Location"] == HOME

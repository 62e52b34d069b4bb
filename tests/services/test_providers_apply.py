"""A provider applies (SVC-2, SSVC-1): anyone signed in with a verified mobile, at
/provider/apply/; the applicant becomes the owner, each chosen community gets a pending
listing and its reviewers a message; bad input keeps everything typed."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kit.models import AuditEntry
from notices.models import Message
from services.models import Provider, ProviderListing, ProviderMember, ServiceCategory

from ..factories import (
    ProviderListingFactory,
    ProviderMemberFactory,
    UserFactory,
    photo_upload,
)

URL = reverse("services_provider:provider_apply")


def application(communities, **changes) -> dict:
    category = ServiceCategory.objects.get(name="家政保洁")
    data = {
        "p-name": "安心家政服务有限公司",
        "p-contact_name": "周丽",
        "p-contact_phone": "13700000011",
        "p-description": "十年社区家政经验",
        "p-address": "东门商业街 5 号",
        "p-categories": [category.pk],
        "p-slot_minutes": "120",
        "p-slot_capacity": "2",
        "p-cancel_cutoff_hours": "2",
        "l-licence_image": photo_upload(),
        "l-licence_number": "91330106MA2ABCDE1X",
        "l-licence_expires_on": (timezone.localdate() + dt.timedelta(days=400)).isoformat(),
        "c-communities": [c.pk for c in communities],
        "h-start_0": "09:00",
        "h-end_0": "18:00",
        "h-start_5": "10:00",
        "h-end_5": "16:00",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-name": "日常保洁",
        "items-0-category": category.pk,
        "items-0-price": "50",
        "items-0-unit": "hour",
        "items-1-name": "深度保洁（面议）",
        "items-1-category": category.pk,
        "items-1-unit": "negotiable",
        "items-2-unit": "visit",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def applicant(db):
    return UserFactory(display_name="周丽", mobile="13700000099")


@pytest.mark.req("SVC-2", "SSVC-1")
def test_an_application_makes_the_owner_and_a_pending_listing_per_community(
    client_for, applicant, community, other_community, manager, staff_user, outsider_staff
):
    response = client_for(applicant).post(URL, application([community, other_community]))
    assert response.status_code == 302
    assert response["Location"] == reverse("services_provider:provider_home")
    provider = Provider.objects.get(name="安心家政服务有限公司")
    assert provider.created_by == applicant and provider.licence_number == "91330106MA2ABCDE1X"
    member = ProviderMember.objects.get(provider=provider)
    assert member.user == applicant and member.role == ProviderMember.Role.OWNER
    listings = ProviderListing.objects.filter(provider=provider)
    assert {(li.community_id, li.status) for li in listings} == {
        (community.pk, "pending"),
        (other_community.pk, "pending"),
    }
    items = list(provider.items.order_by("sort_order"))
    assert [(i.name, i.price, i.unit) for i in items] == [
        ("日常保洁", 50, "hour"),
        ("深度保洁（面议）", None, "negotiable"),
    ]
    assert [(h.weekday, h.start, h.end) for h in provider.hours.order_by("weekday")] == [
        (0, dt.time(9), dt.time(18)),
        (5, dt.time(10), dt.time(16)),
    ]
    # The licence photo is re-encoded into private storage.
    assert provider.licence_image.name.startswith("services/licences/")
    # Reviewers of each community are told (the manager holds the review duty; the front
    # desk does not).
    applied = Message.objects.filter(event="provider.applied")
    assert set(applied.values_list("recipient_id", flat=True)) == {manager.pk, outsider_staff.pk}
    assert AuditEntry.objects.filter(action="provider.applied").count() == 2
    home = client_for(applicant).get(reverse("services_provider:provider_home"))
    assert home.status_code == 200 and "待审核" in home.content.decode()


@pytest.mark.req("SVC-2")
def test_bad_input_keeps_everything_typed_including_the_item_rows(client_for, applicant, community):
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    data = application(
        [community],
        **{"l-licence_expires_on": past, "items-1-unit": "hour", "h-end_5": "09:00"},
    )
    response = client_for(applicant).post(URL, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "营业执照须在有效期内" in html  # the licence's expiry must be in the future
    assert "请填写价格" in html  # the second item has a unit but no price
    assert "结束时间须晚于开始时间" in html
    for typed in ("安心家政服务有限公司", "十年社区家政经验", "日常保洁", "深度保洁（面议）",
                  "91330106MA2ABCDE1X", 'value="10:00"'):  # fmt: skip
        assert typed in html
    assert "请重新选择营业执照照片" in html
    assert not Provider.objects.exists()


@pytest.mark.req("SVC-2")
def test_an_application_needs_an_item_a_community_and_hours(client_for, applicant):
    # Untouched rows, as a browser sends them (the unit keeps its default).
    data = application([], **{"items-0-name": "", "items-0-category": "", "items-0-price": "",
                              "items-0-unit": "visit", "items-1-name": "", "items-1-category": "",
                              "items-1-unit": "visit"})  # fmt: skip
    for key in ("h-start_0", "h-end_0", "h-start_5", "h-end_5"):
        data.pop(key)
    html = client_for(applicant).post(URL, data).content.decode()
    assert "请至少添加一项服务" in html
    assert "请至少选择一个小区" in html
    assert "请至少填写一天的营业时间" in html


@pytest.mark.req("SVC-2")
def test_only_a_verified_mobile_may_apply(client_for, community):
    unverified = UserFactory(mobile_verified=False)
    client = client_for(unverified)
    assert "请先验证手机号" in client.get(URL).content.decode()
    response = client.post(URL, application([community]))
    assert response.status_code == 400 and not Provider.objects.exists()


@pytest.mark.req("SVC-2")
def test_a_member_of_a_provider_is_sent_to_its_pages(client_for, community):
    member = ProviderMemberFactory()
    response = client_for(member.user).get(URL)
    assert response["Location"] == reverse("services_provider:provider_home")


def test_applying_needs_a_login(client):
    assert client.get(URL).status_code == 302
    assert "login" in client.get(URL)["Location"]


@pytest.mark.req("SVC-2")
def test_applications_are_throttled(client_for, community, settings):
    settings.LINLI_ACTION_LIMITS = {
        **settings.LINLI_ACTION_LIMITS,
        "provider_apply": {"user": ["1/h"], "ip": ["20/h"]},
    }
    first, second = UserFactory(), UserFactory()
    assert client_for(first).post(URL, application([community])).status_code == 302
    # Another account, same address: fine; the same account again would be refused, which
    # it cannot be (it is now a member): so exhaust the address instead.
    settings.LINLI_ACTION_LIMITS = {
        **settings.LINLI_ACTION_LIMITS,
        "provider_apply": {"user": ["5/h"], "ip": ["1/h"]},
    }
    response = client_for(second).post(URL, application([community], **{"p-name": "第二家"}))
    assert response.status_code == 400
    assert "操作太频繁" in response.content.decode() or "过于频繁" in response.content.decode()
    assert not Provider.objects.filter(name="第二家").exists()


# --- The licence photo ---------------------------------------------------------------------------


@pytest.mark.req("SSVC-1")
def test_the_licence_photo_is_for_the_providers_members_and_the_reviewing_staff(
    client_for, community, manager, outsider_staff, resident
):
    listing = ProviderListingFactory(community=community)
    owner = ProviderMemberFactory(provider=listing.provider)
    staff_url = reverse("services_staff:provider_listing_licence", args=[listing.pk])
    own_url = reverse("services_provider:provider_licence")
    assert client_for(owner.user).get(own_url)["Content-Type"] == "image/jpeg"
    assert client_for(manager).get(staff_url)["Content-Type"] == "image/jpeg"
    assert client_for(outsider_staff).get(staff_url).status_code == 404
    assert client_for(resident).get(own_url).status_code == 403
    other = ProviderMemberFactory()
    # Another provider's member sees their own licence at the same address, never this one.
    response = client_for(other.user).get(own_url)
    assert b"".join(response.streaming_content) == other.provider.licence_image.open().read()

"""Each community's staff review a provider for their own community (SSVC-1): the list with
its filters and bounded queries, the detail page, approve / reject / suspend / reinstate (POST,
audited, told to the provider), staff entry, and 404 for another community or company."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kit.models import AuditEntry
from notices.models import Message
from services.models import ProviderListing, ServiceCategory
from services.providers import selectors

from ..factories import (
    CommunityFactory,
    ProviderFactory,
    ProviderListingFactory,
    ProviderMemberFactory,
    StaffMemberFactory,
    photo_upload,
)

LIST = reverse("services_staff:provider_listings")


def url(name, listing):
    return reverse(f"services_staff:provider_listing_{name}", args=[listing.pk])


def detail(listing):
    return reverse("services_staff:provider_listing", args=[listing.pk])


@pytest.fixture
def listing(community):
    listing = ProviderListingFactory(community=community, provider__name="安心家政")
    ProviderMemberFactory(provider=listing.provider)
    return listing


def decided(listing) -> list[Message]:
    return list(Message.objects.filter(event="provider.listing_decided", object_id=listing.pk))


# --- The list ------------------------------------------------------------------------------------


@pytest.mark.req("SSVC-1")
def test_the_list_shows_this_communitys_listings_with_filters(
    client_for, manager, community, other_community
):
    cleaning = ServiceCategory.objects.get(name="家政保洁")
    locks = ServiceCategory.objects.get(name="开锁换锁")
    ProviderListingFactory(community=community, provider__name="安心家政",
                           provider__categories=[cleaning])  # fmt: skip
    ProviderListingFactory(community=community, provider__name="金钥匙开锁", status="approved",
                           provider__categories=[locks])  # fmt: skip
    ProviderListingFactory(community=other_community, provider__name="外区搬家")
    client = client_for(manager)
    html = client.get(LIST).content.decode()
    assert "安心家政" in html and "金钥匙开锁" in html and "外区搬家" not in html
    html = client.get(LIST, {"status": "approved"}).content.decode()
    assert "金钥匙开锁" in html and "安心家政" not in html
    html = client.get(LIST, {"category": cleaning.pk}).content.decode()
    assert "安心家政" in html and "金钥匙开锁" not in html
    html = client.get(LIST, {"q": "钥匙"}).content.decode()
    assert "金钥匙开锁" in html and "安心家政" not in html
    assert client.get(LIST, {"status": "nonsense"}).status_code == 200


@pytest.mark.req("SSVC-1")
def test_the_list_runs_a_bounded_number_of_queries(
    client_for, manager, community, django_assert_max_num_queries
):
    client = client_for(manager)
    for _n in range(2):
        ProviderListingFactory(community=community)
    with django_assert_max_num_queries(40) as few:
        assert client.get(LIST).status_code == 200
    for _n in range(30):
        ProviderListingFactory(community=community)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert len(response.context["page"].object_list) == 25


@pytest.mark.req("SSVC-1")
def test_the_menu_counts_the_applications_waiting(client_for, manager, listing):
    html = client_for(manager).get(LIST).content.decode()
    assert "服务商" in html
    assert selectors.pending_count(listing.community) == 1


# --- The detail and the decisions ----------------------------------------------------------------


@pytest.mark.req("SSVC-1", "SVC-2")
def test_the_detail_shows_company_licence_items_hours_and_history(client_for, manager, listing):
    provider = listing.provider
    provider.licence_expires_on = timezone.localdate() + dt.timedelta(days=10)
    provider.save()
    html = client_for(manager).get(detail(listing)).content.decode()
    for text in ("安心家政", provider.licence_number, "执照即将到期", "日常保洁", "¥50.00",
                 "周一 09:00–18:00", url("licence", listing), "待审核"):  # fmt: skip
        assert text in html, text


@pytest.mark.req("SSVC-1")
def test_approving_is_audited_and_told_to_the_providers_members(client_for, manager, listing):
    response = client_for(manager).post(url("approve", listing))
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == "approved" and listing.decided_by == manager
    entry = AuditEntry.objects.get(action="provider.approved")
    assert entry.actor == manager and entry.community == listing.community
    (message,) = decided(listing)
    assert message.recipient == listing.provider.members.get().user
    assert "已通过" in message.title
    assert selectors.is_approved_in(listing.provider_id, listing.community_id)


@pytest.mark.req("SSVC-1")
def test_rejecting_needs_a_reason_which_the_provider_reads(client_for, manager, listing):
    client = client_for(manager)
    response = client.post(url("reject", listing), {"reject-reason": "  "})
    assert response.status_code == 400
    assert "请填写原因" in response.content.decode()
    assert ProviderListing.objects.get(pk=listing.pk).status == "pending"
    client.post(url("reject", listing), {"reject-reason": "营业执照照片模糊"})
    listing.refresh_from_db()
    assert (listing.status, listing.reason) == ("rejected", "营业执照照片模糊")
    (message,) = decided(listing)
    assert "营业执照照片模糊" in message.body
    home = client_for(message.recipient).get(reverse("services_provider:provider_home"))
    assert "营业执照照片模糊" in home.content.decode()


@pytest.mark.req("SSVC-1")
def test_suspending_and_reinstating(client_for, manager, listing):
    client = client_for(manager)
    ProviderListing.objects.filter(pk=listing.pk).update(status="approved")
    client.post(url("suspend", listing), {"suspend-reason": "多次投诉"})
    listing.refresh_from_db()
    assert (listing.status, listing.reason) == ("suspended", "多次投诉")
    assert not selectors.is_approved_in(listing.provider_id, listing.community_id)
    client.post(url("reinstate", listing))
    listing.refresh_from_db()
    assert (listing.status, listing.reason) == ("approved", "")
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["provider.suspended", "provider.reinstated"]
    assert len(decided(listing)) == 2


@pytest.mark.req("SSVC-1")
def test_an_out_of_date_decision_changes_nothing(client_for, manager, listing):
    client = client_for(manager)
    response = client.post(url("suspend", listing), {"suspend-reason": "多次投诉"}, follow=True)
    assert "页面已过期" in response.content.decode()
    assert ProviderListing.objects.get(pk=listing.pk).status == "pending"


@pytest.mark.req("SSVC-1")
def test_an_expired_licence_cannot_be_approved(client_for, manager, listing):
    listing.provider.licence_expires_on = timezone.localdate() - dt.timedelta(days=1)
    listing.provider.save()
    response = client_for(manager).post(url("approve", listing), follow=True)
    assert "须服务商先更新执照" in response.content.decode()
    assert ProviderListing.objects.get(pk=listing.pk).status == "pending"


@pytest.mark.req("SSVC-1")
@pytest.mark.parametrize("action", ["approve", "reject", "suspend", "reinstate"])
def test_decisions_are_post_only(client_for, manager, listing, action):
    assert client_for(manager).get(url(action, listing)).status_code == 405


@pytest.mark.req("SSVC-1")
def test_the_front_desk_may_not_decide(client_for, staff_user, listing):
    assert client_for(staff_user).post(url("approve", listing)).status_code == 403
    assert ProviderListing.objects.get(pk=listing.pk).status == "pending"


# --- Tenancy -------------------------------------------------------------------------------------


@pytest.mark.req("SSVC-1", "X-1")
def test_another_communitys_listing_is_a_404(client_for, listing, outsider_staff, positions):
    # Another company's manager, and a manager of another community of the same company.
    same_company = CommunityFactory(company=listing.community.company)
    neighbour = StaffMemberFactory(communities=[same_company], position_name="经理").user
    for user in (outsider_staff, neighbour):
        client = client_for(user)
        assert client.get(detail(listing)).status_code == 404
        assert client.get(url("licence", listing)).status_code == 404
        assert client.post(url("approve", listing)).status_code == 404
        assert "安心家政" not in client.get(LIST).content.decode()
    assert ProviderListing.objects.get(pk=listing.pk).status == "pending"


@pytest.mark.req("SSVC-1")
def test_each_community_decides_for_itself(client_for, manager, listing, outsider_staff):
    elsewhere = ProviderListingFactory(
        provider=listing.provider, community=outsider_staff.staff_member.assignments.get().community
    )
    client_for(manager).post(url("approve", listing))
    client_for(outsider_staff).post(url("reject", elsewhere), {"reject-reason": "不需要"})
    statuses = dict(listing.provider.listings.values_list("community_id", "status"))
    assert statuses == {listing.community_id: "approved", elsewhere.community_id: "rejected"}


# --- Staff entry ---------------------------------------------------------------------------------


def entry_data(**changes) -> dict:
    category = ServiceCategory.objects.get(name="送水")
    data = {
        "p-name": "清泉桶装水",
        "p-contact_name": "孙师傅",
        "p-contact_phone": "13700000016",
        "p-categories": [category.pk],
        "p-slot_minutes": "60",
        "p-slot_capacity": "5",
        "p-cancel_cutoff_hours": "1",
        "l-licence_image": photo_upload(),
        "l-licence_number": "91330106MA2WATER1",
        "l-licence_expires_on": (timezone.localdate() + dt.timedelta(days=300)).isoformat(),
        "o-owner_mobile": "",
        "h-start_2": "08:00",
        "h-end_2": "20:00",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-0-name": "桶装水",
        "items-0-category": category.pk,
        "items-0-price": "18",
        "items-0-unit": "piece",
    }
    data.update(changes)
    return data


@pytest.mark.req("SSVC-1", "SVC-2")
def test_staff_enter_a_provider_approved_for_their_community(client_for, manager, community):
    owner = ProviderMemberFactory.build().user  # an account (saved) that works nowhere yet
    owner.save()
    response = client_for(manager).post(
        reverse("services_staff:provider_enter"), entry_data(**{"o-owner_mobile": owner.mobile})
    )
    assert response.status_code == 302
    listing = ProviderListing.objects.get(provider__name="清泉桶装水")
    assert (listing.community, listing.status, listing.decided_by) == (community, "approved",
                                                                        manager)  # fmt: skip
    assert listing.provider.members.get().user == owner
    assert AuditEntry.objects.filter(action="provider.entered", actor=manager).exists()


@pytest.mark.req("SSVC-1")
def test_staff_entry_with_an_unknown_owner_keeps_what_was_typed(client_for, manager):
    response = client_for(manager).post(
        reverse("services_staff:provider_enter"), entry_data(**{"o-owner_mobile": "13711112222"})
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "没有使用此手机号的账号" in html and "清泉桶装水" in html and "桶装水" in html
    assert not ProviderListing.objects.exists()


def test_the_front_desk_may_not_enter_providers(client_for, staff_user):
    assert client_for(staff_user).get(reverse("services_staff:provider_enter")).status_code == 403


def test_provider_factory_is_sane(db):
    provider = ProviderFactory()
    assert provider.items.count() == 1 and provider.hours.count() == 6

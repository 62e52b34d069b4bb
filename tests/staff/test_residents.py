import pytest
from django.urls import reverse

from accounts.models import Residency
from kit.models import AuditEntry

from ..factories import ResidencyFactory, RoomFactory


@pytest.fixture
def pending(room):
    return ResidencyFactory(
        room=room,
        status=Residency.Status.PENDING,
        verified_at=None,
        relation=Residency.Relation.TENANT,
        user__display_name="赵租户",
    )


def test_residents_list_shows_the_community(
    client_for, staff_user, resident, family_member, outsider
):
    body = client_for(staff_user).get(reverse("staff_residents:residents")).content.decode()
    assert "张伟" in body and "李娜" in body
    assert "王芳" not in body


def test_residents_list_search_and_filters(client_for, staff_user, resident, pending):
    client = client_for(staff_user)
    body = client.get(reverse("staff_residents:residents"), {"q": "赵"}).content.decode()
    assert "赵租户" in body and "张伟" not in body
    body = client.get(reverse("staff_residents:residents"), {"status": "pending"}).content.decode()
    assert "赵租户" in body and "张伟" not in body


def test_pending_requests_come_first(client_for, staff_user, resident, pending):
    body = client_for(staff_user).get(reverse("staff_residents:residents")).content.decode()
    assert body.index("赵租户") < body.index("张伟")


def _grow(community, rooms):
    for _ in range(rooms):
        room = RoomFactory(building__community=community)
        ResidencyFactory(room=room)
        ResidencyFactory(room=room, status=Residency.Status.PENDING, verified_at=None)


@pytest.mark.parametrize("url_name", ["staff_residents:residents", "staff_residents:rooms"])
def test_list_pages_use_a_bounded_number_of_queries(
    client_for, staff_user, community, django_assert_max_num_queries, url_name
):
    client = client_for(staff_user)
    _grow(community, 3)
    # Once before measuring: the first request of a process fills the content-type cache.
    assert client.get(reverse(url_name)).status_code == 200
    # 17: the page, the staff menu and its badges (the inbox, the repair queue, payments, and
    # new complaints and suggestions in one query), and whether this person needs a second
    # factor (accounts.mfa: not a manager, so asked anew).
    # One more for the residents list: its page's ids are chosen first (staff.tables.paginate).
    with django_assert_max_num_queries(18) as small:
        assert client.get(reverse(url_name)).status_code == 200
    _grow(community, 30)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        assert client.get(reverse(url_name)).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_verify_is_post_only(client_for, staff_user, pending):
    url = reverse("staff_residents:residency_verify", kwargs={"residency_id": pending.pk})
    assert client_for(staff_user).get(url).status_code == 405


@pytest.mark.req("X-3")
def test_verify_records_who_and_when(client_for, staff_user, pending):
    url = reverse("staff_residents:residency_verify", kwargs={"residency_id": pending.pk})
    response = client_for(staff_user).post(url)
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Residency.Status.VERIFIED
    assert pending.verified_by == staff_user and pending.verified_at is not None
    entry = AuditEntry.objects.get(action="residency.verified")
    assert entry.actor == staff_user
    assert entry.target == pending
    assert entry.community == pending.room.building.community


def test_verify_twice_says_it_was_handled(client_for, staff_user, pending):
    client = client_for(staff_user)
    url = reverse("staff_residents:residency_verify", kwargs={"residency_id": pending.pk})
    client.post(url)
    response = client.post(url, follow=True)
    assert "已经处理" in response.content.decode() or "已处理" in response.content.decode()
    assert AuditEntry.objects.filter(action="residency.verified").count() == 1


@pytest.mark.req("X-3")
def test_reject_needs_a_reason_and_keeps_what_was_typed(client_for, staff_user, pending):
    client = client_for(staff_user)
    url = reverse("staff_residents:residency_reject", kwargs={"residency_id": pending.pk})
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 400
    assert "驳回原因" in response.content.decode() or "原因" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Residency.Status.PENDING

    response = client.post(url, {"reason": "租赁合同已过期"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Residency.Status.REJECTED
    assert pending.rejection_reason == "租赁合同已过期"
    assert AuditEntry.objects.get(action="residency.rejected").data == {"reason": "租赁合同已过期"}


def test_reject_form_error_keeps_the_typed_reason(client_for, staff_user, pending):
    client = client_for(staff_user)
    url = reverse("staff_residents:residency_reject", kwargs={"residency_id": pending.pk})
    long_reason = "很长的原因" * 50
    response = client.post(url, {"reason": long_reason})
    assert response.status_code == 400
    assert long_reason[:20] in response.content.decode()


def test_technician_may_not_verify(client_for, technician, pending):
    url = reverse("staff_residents:residency_verify", kwargs={"residency_id": pending.pk})
    assert client_for(technician).post(url).status_code == 403
    pending.refresh_from_db()
    assert pending.status == Residency.Status.PENDING


def test_next_parameter_cannot_leave_the_site(client_for, staff_user, pending):
    url = reverse("staff_residents:residency_verify", kwargs={"residency_id": pending.pk})
    response = client_for(staff_user).post(url, {"next": "https://evil.example.com/"})
    assert response["Location"] == reverse("staff_residents:residents")


def test_room_detail_shows_household_and_history(
    client_for, staff_user, room, resident, family_member, pending
):
    client = client_for(staff_user)
    client.post(
        reverse("staff_residents:residency_reject", kwargs={"residency_id": pending.pk}),
        {"reason": "非本房屋住户"},
    )
    body = client.get(
        reverse("staff_residents:room_detail", kwargs={"room_id": room.pk})
    ).content.decode()
    assert "张伟" in body and "李娜" in body and "赵租户" in body
    assert "非本房屋住户" in body


def test_rooms_list_filters_by_occupancy(client_for, staff_user, room, resident, community):
    empty = RoomFactory(building=room.building, number="1302", floor=13)
    client = client_for(staff_user)
    body = client.get(reverse("staff_residents:rooms"), {"occupancy": "vacant"}).content.decode()
    assert "3栋1302" in body and "3栋1201" not in body
    body = client.get(reverse("staff_residents:rooms"), {"occupancy": "occupied"}).content.decode()
    assert "3栋1201" in body and f"3栋{empty.number}" not in body

"""The parcel desk (SVC-1 快递代收): logging a parcel for a room or a resident found by mobile,
the pickup code, the household's message, pick-up by code, hand-over and return."""

import pytest
from django.urls import reverse

from accounts.models import Residency
from kit.models import AuditEntry
from notices.models import Message
from services.models import Parcel
from services.parcels import services
from tests.factories import ParcelFactory, ResidencyFactory, RoomFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("SVC-1")]

NEW = reverse("services_staff:parcel_create")
PICKUP = reverse("services_staff:parcel_pickup")


def log_form(room, **extra):
    return {"room": room.pk, "carrier": "zto", "shelf": "b2", "tracking_number": "7310 0000 1",
            "recipient_name": "张伟", "recipient_mobile": "", **extra}  # fmt: skip


def test_the_desk_finds_a_room_written_as_people_write_it(client_for, staff_user, room, resident):
    client = client_for(staff_user)
    RoomFactory(building=room.building, number="1202", floor=12)
    for typed in ("3栋-1201", "3栋 1201", "3栋1201"):
        response = client.get(NEW, {"q": typed})
        assert response.context["room"] == room, typed
    response = client.get(NEW, {"q": "12"})
    assert response.context["room"] is None
    assert response.context["found"] == []
    response = client.get(NEW, {"building": room.building_id})
    assert len(response.context["found"]) == 2
    assert "3栋1202" in response.content.decode()


def test_the_desk_finds_the_resident_by_mobile_and_lets_it_choose_among_several_rooms(
    client_for, staff_user, room, resident
):
    client = client_for(staff_user)
    response = client.get(NEW, {"q": "13900000001"})
    assert response.context["room"] == room
    assert response.context["form"].initial["recipient_mobile"] == "13900000001"
    assert response.context["form"].initial["recipient_name"] == "张伟"
    shop = RoomFactory(building=room.building, number="0105", floor=1)
    ResidencyFactory(room=shop, user=resident, relation=Residency.Relation.OWNER)
    response = client.get(NEW, {"q": "0000001"})
    assert response.context["room"] is None
    assert {found.room for found in response.context["found"]} == {room, shop}
    assert f"resident={resident.pk}" in response.content.decode()


def test_logging_a_parcel_gives_a_code_and_tells_the_whole_household(
    client_for, staff_user, room, resident, family_member
):
    response = client_for(staff_user).post(NEW, log_form(room))
    parcel = Parcel.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("services_staff:parcel_detail", args=[parcel.pk])
    assert parcel.status == Parcel.Status.WAITING
    assert len(parcel.pickup_code) == 6 and parcel.pickup_code.isdigit()
    assert parcel.shelf == "B2"
    assert parcel.tracking_number == "731000001"
    assert parcel.household.user == resident
    assert parcel.logged_by == staff_user
    for user in (resident, family_member):
        message = Message.objects.get(recipient=user, event="parcel.arrived")
        assert parcel.pickup_code in message.title
        assert message.importance == "important"
        assert message.category == "community"
    assert AuditEntry.objects.filter(action="parcel.logged", target_id=str(parcel.pk)).exists()


def test_log_another_keeps_the_carrier_and_the_shelf(client_for, staff_user, room, resident):
    client = client_for(staff_user)
    response = client.post(NEW, log_form(room, another="1"))
    assert response.url == NEW
    code = Parcel.objects.get().pickup_code
    assert f"取件码{code}" in client.get(NEW).content.decode()  # the message with the code
    page = client.get(NEW, {"room": room.pk})
    assert page.context["form"].initial["carrier"] == "zto"
    assert page.context["form"].initial["shelf"] == "B2"


def test_a_room_where_nobody_verified_lives_needs_the_mobile_and_says_so(
    client_for, staff_user, community
):
    empty = RoomFactory(building__community=community, number="0303", floor=3)
    client = client_for(staff_user)
    response = client.post(NEW, log_form(empty))
    assert response.status_code == 200
    assert response.context["form"].errors["recipient_mobile"]
    assert not Parcel.objects.exists()
    assert "张伟" in response.content.decode()  # what was typed is kept
    response = client.post(NEW, log_form(empty, recipient_mobile="139 0000 0099"), follow=True)
    parcel = Parcel.objects.get()
    assert parcel.household is None
    assert parcel.recipient_mobile == "13900000099"
    assert "没有已认证" in response.content.decode()
    assert not Message.objects.filter(event="parcel.arrived").exists()


def test_a_bad_mobile_number_is_refused_in_chinese(client_for, staff_user, room, resident):
    response = client_for(staff_user).post(NEW, log_form(room, recipient_mobile="12345", shelf=""))
    errors = response.context["form"].errors
    assert "手机号" in errors["recipient_mobile"][0]
    assert errors["shelf"]


def test_a_code_drawn_twice_is_drawn_again(monkeypatch, staff_user, room, resident):
    taken = ParcelFactory(household=Residency.objects.get(user=resident), pickup_code="111111")
    codes = iter(["111111", "111111", "222222"])
    monkeypatch.setattr(services, "new_pickup_code", lambda: next(codes))
    parcel = services.parcel_log(room=room, actor=staff_user, carrier="sf", shelf="A1")
    assert parcel.pickup_code == "222222"
    # Once the first parcel is collected its code may come round again.
    services.parcel_hand_over(parcel=taken, actor=staff_user, collector_name="张伟")
    monkeypatch.setattr(services, "new_pickup_code", lambda: "111111")
    assert (
        services.parcel_log(room=room, actor=staff_user, carrier="sf", shelf="A1").pickup_code
        == "111111"
    )


def test_the_constraint_is_the_backstop_for_a_race_on_the_code(
    monkeypatch, staff_user, room, resident
):
    """Two desks drawing the same free code at once: the second insert fails on the partial
    unique constraint (as if the check had passed before the first insert) and draws again."""
    ParcelFactory(household=Residency.objects.get(user=resident), pickup_code="333333")
    codes = iter(["333333", "444444"])
    monkeypatch.setattr(services, "free_pickup_code", lambda community_id: next(codes))
    parcel = services.parcel_log(room=room, actor=staff_user, carrier="sf", shelf="A1")
    assert parcel.pickup_code == "444444"
    assert Parcel.objects.filter(pickup_code="333333").count() == 1


# --- Pick-up -------------------------------------------------------------------------------------


@pytest.fixture
def parcel(room, resident, family_member, staff_user):
    return services.parcel_log(room=room, actor=staff_user, carrier="yto", shelf="C1",
                               recipient_name="张伟")  # fmt: skip


def test_the_code_opens_the_parcel_and_the_desk_hands_it_over(
    client_for, staff_user, parcel, resident, family_member
):
    client = client_for(staff_user)
    response = client.get(PICKUP, {"code": f" {parcel.pickup_code} "})
    detail = reverse("services_staff:parcel_detail", args=[parcel.pk])
    assert response.url == detail
    page = client.get(detail)
    assert list(page.context["hand_over_form"].members) == [resident.pk, family_member.pk]
    response = client.post(
        reverse("services_staff:parcel_hand_over", args=[parcel.pk]), {"member": family_member.pk}
    )
    assert response.url == PICKUP
    parcel.refresh_from_db()
    assert parcel.status == Parcel.Status.PICKED_UP
    assert parcel.picked_up_by == family_member
    assert parcel.picked_up_name == "李娜"
    assert parcel.handed_over_by == staff_user
    assert parcel.picked_up_at is not None
    assert Message.objects.filter(recipient=resident, event="parcel.picked_up").exists()
    entry = AuditEntry.objects.get(action="parcel.picked_up", target_id=str(parcel.pk))
    assert entry.data["collected_by"] == "李娜"


def test_a_typed_name_may_collect_and_nobody_is_refused(client_for, staff_user, parcel):
    client = client_for(staff_user)
    url = reverse("services_staff:parcel_hand_over", args=[parcel.pk])
    response = client.post(url, {"name": ""})
    assert response.status_code == 400
    assert "请选择" in response.content.decode() or "取件人" in response.content.decode()
    client.post(url, {"name": "快递柜代取 王师傅"})
    parcel.refresh_from_db()
    assert parcel.picked_up_name == "快递柜代取 王师傅"
    assert parcel.picked_up_by is None


def test_a_parcel_picked_up_already_says_when_and_by_whom(client_for, staff_user, parcel):
    services.parcel_hand_over(parcel=parcel, actor=staff_user, collector_name="张伟")
    client = client_for(staff_user)
    response = client.get(PICKUP, {"code": parcel.pickup_code})
    text = response.content.decode()
    assert response.status_code == 200
    assert "已被" in text and "张伟" in text
    response = client.post(
        reverse("services_staff:parcel_hand_over", args=[parcel.pk]), {"name": "别人"}, follow=True
    )
    assert "已被" in response.content.decode()
    parcel.refresh_from_db()
    assert parcel.picked_up_name == "张伟"


def test_a_code_of_another_community_is_not_found(client_for, staff_user, outsider, outsider_staff):
    theirs = services.parcel_log(
        room=Residency.objects.get(user=outsider).room,
        actor=outsider_staff,
        carrier="sf",
        shelf="A",
    )
    response = client_for(staff_user).get(PICKUP, {"code": theirs.pickup_code})
    assert response.status_code == 200
    assert response.context["parcels"] == []
    assert "没有" in response.content.decode()


def test_returning_to_the_carrier_needs_a_reason(client_for, staff_user, parcel):
    client = client_for(staff_user)
    url = reverse("services_staff:parcel_return", args=[parcel.pk])
    response = client.post(url, {"reason": " "})
    assert response.status_code == 400
    assert response.context["return_form"].errors["reason"]
    client.post(url, {"reason": "收件人拒收"})
    parcel.refresh_from_db()
    assert parcel.status == Parcel.Status.RETURNED
    entry = AuditEntry.objects.get(action="parcel.returned")
    assert entry.data["reason"] == "收件人拒收"


@pytest.mark.parametrize("name", ["parcel_hand_over", "parcel_return"])
def test_state_changes_are_post_only(client_for, staff_user, parcel, name):
    response = client_for(staff_user).get(reverse(f"services_staff:{name}", args=[parcel.pk]))
    assert response.status_code == 405


def test_a_cashier_may_not_use_the_desk(client_for, cashier, parcel):
    client = client_for(cashier)
    assert client.get(reverse("services_staff:parcel_list")).status_code == 403
    assert client.get(PICKUP).status_code == 403


def test_the_rooms_other_parcels_are_handed_over_in_one_go(
    client_for, staff_user, parcel, resident, outsider, outsider_staff
):
    home = Residency.objects.get(user=resident)
    second = ParcelFactory(household=home, shelf="D4", carrier="jd")
    elsewhere = ParcelFactory(household=Residency.objects.get(user=outsider))
    client = client_for(staff_user)
    page = client.get(reverse("services_staff:parcel_detail", args=[parcel.pk]))
    assert list(page.context["hand_over_form"].others) == [second.pk]
    assert "D4" in page.content.decode() and "京东" in page.content.decode()
    url = reverse("services_staff:parcel_hand_over", args=[parcel.pk])
    # Another community's parcel slipped into the form is ignored.
    response = client.post(url, {"member": resident.pk, "also": [elsewhere.pk]})
    assert response.status_code == 400
    assert Parcel.objects.get(pk=parcel.pk).status == Parcel.Status.WAITING
    response = client.post(url, {"member": resident.pk, "also": [second.pk]}, follow=True)
    assert f"{parcel.pickup_code}、{second.pickup_code}" in response.content.decode()
    assert set(Parcel.objects.filter(picked_up_by=resident).values_list("pk", flat=True)) == {
        parcel.pk,
        second.pk,
    }
    assert Parcel.objects.get(pk=elsewhere.pk).status == Parcel.Status.WAITING

"""The top bar's global search: rooms as people type them, residents by name and phone,
orders, bills, payments and receipts by number; only the current community, only the kinds
the position may see; one exact number opens its page."""

import pytest
from django.urls import reverse

from accounts.selectors import parse_room_text

from ..factories import (
    ComplaintFactory,
    RepairOrderFactory,
    RoomFactory,
    build_billing_world,
)

pytestmark = pytest.mark.req("SUSR-1", "X-1")


def _search(client, text: str):
    return client.get(reverse("staff:search"), {"find": text})


def _kinds(response) -> dict[str, list[str]]:
    return {g["kind"]: [h.title for h in g["hits"]] for g in response.context["groups"]}


@pytest.mark.parametrize(
    "typed", ["3栋1201", "3-1201", "3#1201", "3号楼1201", "3 栋 1201", "３栋１２０１"]
)
def test_a_room_is_found_however_it_is_typed(client_for, manager, room, resident, typed):
    """The one room found opens its page (the household's file)."""
    RoomFactory(building=room.building, number="1202", floor=12)
    response = _search(client_for(manager), typed)
    assert response["Location"] == reverse("staff_residents:room_detail", args=[room.pk])


def test_the_room_parser_reads_building_unit_and_number():
    parsed = parse_room_text("3-2-1201")
    assert (parsed.building, parsed.unit, parsed.number) == ("3", "2", "1201")
    assert parse_room_text("张伟") is None


def test_residents_by_name_and_phone_in_this_community_only(
    client_for, manager, resident, outsider
):
    client = client_for(manager)
    assert _kinds(_search(client, "张伟"))["residents"] == ["张伟"]
    assert _kinds(_search(client, "00000001"))["residents"] == ["张伟"]
    assert "residents" not in _kinds(_search(client, "王芳"))


def test_an_exact_order_number_opens_the_order(client_for, manager, room, resident, outsider_room):
    order = RepairOrderFactory(household__room=room)
    foreign = RepairOrderFactory(household__room=outsider_room)
    client = client_for(manager)
    response = _search(client, order.number)
    assert response.status_code == 302
    assert response["Location"] == reverse("repairs_staff:detail", args=[order.pk])
    # Another community's number finds nothing.
    response = _search(client, foreign.number)
    assert response.status_code == 200
    assert response.context["groups"] == []
    assert "没有找到" in response.content.decode()


def test_bills_payments_and_receipts_by_number(client_for, manager, community, room, resident):
    world = build_billing_world(community, room)
    client = client_for(manager)
    bill = world["bill"]
    assert _search(client, bill.number)["Location"] == reverse(
        "billing_staff:bill_detail", args=[bill.pk]
    )
    payment_url = reverse("billing_staff:payment_detail", args=[world["payment"].pk])
    assert _search(client, world["payment"].number)["Location"] == payment_url
    assert _search(client, world["receipt"].display_number)["Location"] == payment_url


def test_only_the_kinds_the_position_may_see(client_for, cashier, manager, room, resident):
    order = RepairOrderFactory(household__room=room)
    ComplaintFactory(household=order.household)
    # A second 3-1201 (in 3号楼): two rooms, so the search lists rather than opens one.
    RoomFactory(building__community=room.building.community, building__name="3号楼",
                number="1201")  # fmt: skip
    assert {"rooms", "repairs", "complaints"} <= set(_kinds(_search(client_for(manager), "3-1201")))
    kinds = _kinds(_search(client_for(cashier), "3-1201"))
    assert "repairs" not in kinds and "complaints" not in kinds


def test_a_room_finds_its_orders_too(client_for, manager, room, resident):
    order = RepairOrderFactory(household__room=room)
    kinds = _kinds(_search(client_for(manager), "3-1201"))
    assert kinds["rooms"] == ["3栋1201"]
    assert any(order.number in title for title in kinds["repairs"])


def test_too_short_or_empty_asks_for_more(client_for, manager):
    client = client_for(manager)
    assert _search(client, "3").context["too_short"]
    assert _search(client, "").context["groups"] == []


def test_search_takes_a_fixed_number_of_queries(
    client_for, manager, community, room, resident, django_assert_max_num_queries
):
    client = client_for(manager)
    RepairOrderFactory(household__room=room)
    _search(client, "3栋1201")
    with django_assert_max_num_queries(40) as few:
        _search(client, "3栋1201")
    for _n in range(12):
        RepairOrderFactory(household__room=room)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = _search(client, "3栋1201")
    assert len(_kinds(response)["repairs"]) == 10

"""Single charges for one room (SBIL-1): entered, reviewed as drafts and published by staff;
raised by another module through kit.charges; paid like any bill; never another community's."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.selectors import parse_room_text
from billing import selectors, services
from billing.models import Bill
from kit.audit import entries_for
from kit.charges import ChargeLine, RoomCharge, charge_room
from notices.models import Message
from tests.factories import RoomFactory

pytestmark = pytest.mark.django_db

CHARGES = reverse("billing_staff:charges")
NEW = reverse("billing_staff:charge_new")


def form_data(**extra):
    data = {
        "room": "3栋1201", "title": "装修垃圾清运费", "kind": "other", "amount": "",
        "period_start": "2026-12-01", "period_end": "2026-12-31", "due_date": "2026-12-20",
    }  # fmt: skip
    data.update(extra)
    return data


@pytest.mark.req("SBIL-1")
def test_a_charge_is_entered_reviewed_as_a_draft_then_published_and_paid(
    client_for, cashier, room, resident
):
    client = client_for(cashier)
    page = client.get(NEW)
    assert page.status_code == 200
    response = client.post(NEW, form_data(
        line0_description="清运", line0_quantity="2", line0_unit_price="150",
        line1_description="搬运", line1_quantity="1", line1_unit_price="80.50",
    ))  # fmt: skip
    assert response.status_code == 302
    bill = Bill.objects.get(room=room)
    assert (bill.status, bill.amount, bill.rule_id, bill.run_id) == (
        Bill.Status.DRAFT, D("380.50"), None, None)  # fmt: skip
    assert [line.amount for line in bill.lines.order_by("sort")] == [D("300.00"), D("80.50")]
    assert bill.created_by == cashier
    # The household sees nothing yet.
    assert not selectors.unpaid_bills_for_user(resident).exists()
    drafts = client.get(CHARGES)
    assert bill in list(drafts.context["table"].data)
    assert "装修垃圾清运费" in drafts.content.decode()
    published = client.post(reverse("billing_staff:charges_publish"), {"bill": [bill.pk]})
    assert published.status_code == 302
    bill.refresh_from_db()
    assert bill.status == Bill.Status.PUBLISHED and bill.published_at
    assert list(selectors.unpaid_bills_for_user(resident)) == [bill]
    message = Message.objects.get(recipient=resident, event="bill.published")
    assert "装修垃圾清运费" in message.body
    assert [e.action for e in entries_for(bill).order_by("pk")] == [
        "billing.charge_created", "billing.charge_published"]  # fmt: skip
    detail = client.get(reverse("billing_staff:bill_detail", args=[bill.pk])).content.decode()
    assert _("Single charge") in detail and "清运" in detail
    # Paid at the counter like any bill.
    payment = services.counter_payment(bills=[bill], method="cash", cashier=cashier)
    bill.refresh_from_db()
    assert bill.status == Bill.Status.PAID and payment.amount == D("380.50")


@pytest.mark.req("SBIL-1")
def test_save_and_publish_at_once_with_one_amount(client_for, manager, room, resident):
    response = client_for(manager).post(NEW, {**form_data(room="3-1201", amount="66"),
                                              "publish": "1"})  # fmt: skip
    assert response.status_code == 302
    bill = Bill.objects.get(room=room)
    assert bill.status == Bill.Status.PUBLISHED and bill.amount == D("66.00")
    assert [line.description for line in bill.lines.all()] == ["装修垃圾清运费"]


@pytest.mark.req("SBIL-1")
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"room": "9栋9999", "amount": "10"}, "room",
         "There is no room %(room)s in this community."),
        ({}, "amount", "Enter the amount, or at least one line."),
        ({"amount": "10", "line0_description": "x", "line0_quantity": "1",
          "line0_unit_price": "2"}, "amount", "Enter one amount or the lines, not both."),
        ({"line0_description": "清运"}, "line0_description",
         "Fill in the item, the quantity and the unit price of this line."),
        ({"amount": "0"}, "amount", "The amount must be more than ¥0.00."),
        ({"amount": "5", "period_end": "2026-11-01"}, "period_end",
         "The period cannot end before it starts."),
    ],
)  # fmt: skip
def test_bad_input_is_refused_in_chinese_and_kept(client_for, cashier, room, data, field,
                                                  message):  # fmt: skip
    response = client_for(cashier).post(NEW, form_data(**data))
    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    expected = _(message) % {"room": data.get("room", "")} if "%(room)" in message else _(message)
    assert expected in errors
    assert response.context["form"]["title"].value() == "装修垃圾清运费"
    assert not Bill.objects.exists()


@pytest.mark.req("SBIL-1")
def test_drafts_can_be_deleted_but_published_charges_cannot(client_for, cashier, room):
    client = client_for(cashier)
    client.post(NEW, form_data(amount="10"))
    client.post(NEW, {**form_data(amount="20"), "publish": "1"})
    draft = Bill.objects.get(amount=D("10"))
    published = Bill.objects.get(amount=D("20"))
    client.post(reverse("billing_staff:charges_delete"), {"bill": [draft.pk, published.pk]})
    assert list(Bill.objects.all()) == [published]
    shown = client.get(CHARGES, {"show": "published"})
    assert list(shown.context["table"].data) == [published]


@pytest.mark.req("SBIL-1")
def test_another_module_charges_a_room_through_kit_charges(room, resident, manager):
    """The handler billing registers: a repair's lines become a published bill linked to the
    order, in the caller's transaction."""
    from tests.factories import RepairOrderFactory

    order = RepairOrderFactory(household=resident.residencies.get())
    billed = charge_room(RoomCharge(
        room=room, title="维修费", source=order, actor=manager,
        lines=(ChargeLine("更换水龙头", D("1"), D("45.00"), "个"),
               ChargeLine("人工", D("1.5"), D("60.00"), "小时")),
    ))  # fmt: skip
    bill = Bill.objects.get(pk=billed.bill_id)
    assert (billed.bill_number, billed.amount, billed.published) == (bill.number, D("135.00"), True)
    assert bill.kind == "repair" and bill.status == Bill.Status.PUBLISHED
    assert bill.source_key == f"repairs.repairorder:{order.pk}"
    assert str(order) in bill.source_label
    assert list(selectors.unpaid_bills_for_user(resident)) == [bill]
    draft = charge_room(RoomCharge(room=room, title="维修费", publish=False, lines=(
        ChargeLine("配件", D("2"), D("10"), "个"),)))  # fmt: skip
    assert not draft.published and Bill.objects.get(pk=draft.bill_id).kind == "other"


@pytest.mark.req("SBIL-1")
def test_a_charge_of_nothing_is_refused_by_the_handler(room):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        charge_room(RoomCharge(room=room, title="维修费", lines=()))


@pytest.mark.req("SBIL-1")
def test_charges_are_for_their_community_only(client_for, cashier, outsider_staff, staff_user,
                                              room, outsider_room, other_community):  # fmt: skip
    client_for(cashier).post(NEW, form_data(amount="10"))
    mine = Bill.objects.get()
    outsider = client_for(outsider_staff)
    assert list(outsider.get(CHARGES).context["table"].data) == []
    outsider.post(reverse("billing_staff:charges_publish"), {"bill": [mine.pk]})
    outsider.post(reverse("billing_staff:charges_delete"), {"bill": [mine.pk]})
    mine.refresh_from_db()
    assert mine.status == Bill.Status.DRAFT
    # Their room is not found from here, whatever is typed.
    label = outsider_room.label
    response = client_for(cashier).post(NEW, form_data(room=label, amount="10"))
    assert response.status_code == 400
    assert client_for(staff_user).get(CHARGES).status_code == 403  # 客服 does not bill


def test_the_charges_list_runs_a_fixed_number_of_queries(
    client_for, cashier, community, room, django_assert_max_num_queries
):
    client = client_for(cashier)

    def add(count):
        for index in range(count):
            other = RoomFactory(building=room.building, number=f"8{index:02d}{count}", floor=8)
            services.charge_create(charge=services.ChargeInput(
                room=other, title="钥匙卡", kind="other", period_start=dt.date(2026, 12, 1),
                period_end=dt.date(2026, 12, 1), due_date=dt.date(2026, 12, 20),
                lines=[services.rules.Line("钥匙卡", D(1), "", D(20), D(20))],
            ), actor=cashier)  # fmt: skip

    add(2)
    with django_assert_max_num_queries(40) as few:
        client.get(CHARGES)
    add(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(CHARGES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3栋1201", ("3", "", "1201")),
        ("3-1201", ("3", "", "1201")),
        ("3#1201", ("3", "", "1201")),
        ("3号楼1201室", ("3", "", "1201")),
        ("3栋2单元1201", ("3", "2", "1201")),
        ("3-2-1201", ("3", "2", "1201")),
        (" 3 栋 1201 ", ("3", "", "1201")),
        ("３栋１２０１", ("3", "", "1201")),
        ("1201", ("", "", "1201")),
        ("A座1201", ("A", "", "1201")),
        ("张伟", None),
        ("", None),
    ],
)
def test_rooms_are_read_as_people_type_them(text, expected):
    parsed = parse_room_text(text)
    assert (parsed and (parsed.building, parsed.unit, parsed.number)) == expected

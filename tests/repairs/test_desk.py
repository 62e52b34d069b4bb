"""The desk's work on repair orders (issue 19): orders taken for residents who phone or come in
(代客报修), a technician declining a job, paid repairs agreed and billed, call-backs (回访),
replies to ratings, the printable 派工单 and the exports; each kept to its community."""

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kit import charges
from kit.audit import entries_for
from notices.models import Message
from repairs import services
from repairs.models import RepairCallback, RepairCharge, RepairEvent, RepairOrder
from tests.factories import CommunityFactory, ResidencyFactory, RoomFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db

Status = RepairOrder.Status


@pytest.fixture
def billed():
    """billing's handler stands in: every charge raised is kept and gets a bill number."""
    saved = list(charges._HANDLER)
    raised: list[charges.RoomCharge] = []

    def handler(charge: charges.RoomCharge) -> charges.BilledCharge:
        raised.append(charge)
        return charges.BilledCharge(
            bill_id=len(raised), bill_number=f"ZD2612{len(raised):04d}", amount=charge.total,
            published=charge.publish,
        )  # fmt: skip

    charges.register_charge_handler(handler)
    yield raised
    charges._HANDLER[:] = saved


@pytest.fixture
def sister_manager(community, positions):
    """A manager of another community of the same company."""
    sister = CommunityFactory(company=community.company, name="翠湖花园二期")
    return StaffMemberFactory(communities=[sister], position_name="经理").user


def take_form(room, reporter, community, **overrides):
    category = community.repair_categories.order_by("sort_order").first()
    data = {
        "room": room.pk,
        "reporter": str(reporter.pk) if reporter else "visitor",
        "channel": "phone",
        "category": category.pk,
        "description": "厨房水龙头一直滴水，关不紧。",
        "contact_name": "张伟",
        "contact_phone": "13900000001",
        "day": "",
        "slot": "",
    }
    data.update(overrides)
    return data


LINES = {
    "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0",
    "lines-MAX_NUM_FORMS": "20",
    "lines-0-kind": "material", "lines-0-item": "水龙头阀芯", "lines-0-quantity": "2",
    "lines-0-unit": "个", "lines-0-unit_price": "35.50",
    "lines-1-kind": "labour", "lines-1-item": "上门更换", "lines-1-quantity": "1",
    "lines-1-unit": "次", "lines-1-unit_price": "50",
    "lines-2-kind": "material", "lines-2-item": "", "lines-2-quantity": "", "lines-2-unit": "",
    "lines-2-unit_price": "",
}  # fmt: skip


# --- 代客报修 ---------------------------------------------------------------------------------------


@pytest.mark.req("SREP-1")
def test_the_desk_finds_the_room_as_people_type_it(client_for, dispatcher, room, resident):
    response = client_for(dispatcher).get(reverse("repairs_staff:take"), {"q": "3栋 1201"})
    assert response.status_code == 200
    assert response.context["room"] == room  # one match: chosen at once
    assert "张伟" in response.content.decode()
    response = client_for(dispatcher).get(reverse("repairs_staff:take"), {"q": "9栋999"})
    assert response.context["found"] == [] and response.context["room"] is None


@pytest.mark.req("SREP-1", "REP-5")
def test_a_phoned_in_order_is_the_households_own_and_records_who_took_it(
    client_for, dispatcher, room, resident, family_member, community
):
    response = client_for(dispatcher).post(
        reverse("repairs_staff:take"), take_form(room, resident, community)
    )
    order = RepairOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("repairs_staff:detail", args=[order.pk])
    assert order.channel == RepairOrder.Channel.PHONE
    assert order.taken_by == dispatcher and order.reporter == resident
    assert order.household.user == resident and order.room == room
    assert order.appointment_flexible  # no slot chosen: as soon as possible
    assert order.status == Status.PENDING
    # who took it, how it came in.
    entry = entries_for(order).get(action="repair.taken")
    assert entry.actor == dispatcher and entry.data["channel"] == "phone"
    # The household is told, and a family member sees it in their own list as theirs.
    assert Message.objects.filter(recipient=resident, event="repair.status_changed").exists()
    assert Message.objects.filter(recipient=family_member, event="repair.status_changed").exists()
    page = client_for(family_member).get(reverse("repairs:list"))
    assert order.number in page.content.decode() or order in page.context["page"].object_list
    detail = client_for(resident).get(reverse("repairs:detail", args=[order.pk]))
    assert detail.status_code == 200
    assert "服务中心" in detail.content.decode()


@pytest.mark.req("SREP-1")
def test_a_visitor_order_goes_to_the_rooms_household_with_the_visitors_contact(
    client_for, dispatcher, room, resident, community
):
    data = take_form(room, None, community, contact_name="王师傅（访客）",
                     contact_phone="13700001111", channel="visit")  # fmt: skip
    client_for(dispatcher).post(reverse("repairs_staff:take"), data)
    order = RepairOrder.objects.get()
    assert order.household.user == resident
    assert order.reporter == dispatcher and order.contact_name == "王师傅（访客）"
    assert order.channel == RepairOrder.Channel.VISIT


@pytest.mark.req("SREP-1")
def test_bad_input_is_refused_in_chinese_and_kept(client_for, dispatcher, room, resident,
                                                  community):  # fmt: skip
    slot = community.repair_time_slots.order_by("start").first()
    data = take_form(room, resident, community, description="", contact_phone="abc",
                     slot=slot.pk, channel="app")  # fmt: skip
    response = client_for(dispatcher).post(reverse("repairs_staff:take"), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["description"] == ["请描述故障情况。"]
    assert "电话" in form.errors["contact_phone"][0]
    assert "day" in form.errors and "channel" in form.errors
    assert 'value="张伟"' in response.content.decode()  # what was typed stays
    assert not RepairOrder.objects.exists()


@pytest.mark.req("SREP-1")
def test_a_room_nobody_lives_in_offers_no_form(client_for, dispatcher, community):
    empty = RoomFactory(building__community=community, building__name="5栋", number="501")
    response = client_for(dispatcher).get(reverse("repairs_staff:take"), {"room": empty.pk})
    assert response.status_code == 200
    assert response.context.get("people") == []
    assert "form" in response.context  # not offered on the page
    assert not re.search(r'<(textarea|input)[^>]* name="description"', response.content.decode())


@pytest.mark.req("X-1")
def test_the_desk_cannot_take_an_order_for_another_communitys_room(
    client_for, dispatcher, outsider_room, community
):
    ResidencyFactory(room=outsider_room)
    response = client_for(dispatcher).post(
        reverse("repairs_staff:take"), take_form(outsider_room, None, community)
    )
    assert response.status_code == 200  # the room is not found: back to finding one
    assert response.context["room"] is None
    assert not RepairOrder.objects.exists()


# --- A technician declines -------------------------------------------------------------------------


@pytest.mark.req("SREP-2", "X-3")
def test_a_technician_declines_with_a_reason_and_the_dispatchers_are_told(
    client_for, make_order, technician, dispatcher, manager, resident
):
    order = make_order("assigned")
    response = client_for(technician).post(
        reverse("repairs_tech:decline", args=[order.pk]), {"reason": "需要燃气证，我没有"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED and order.technician is None
    assert order.assigned_at is None
    event = order.events.get(kind=RepairEvent.Kind.DECLINED)
    assert "需要燃气证" in event.note and event.internal
    entry = entries_for(order).get(action="repair.declined")
    assert entry.actor == technician and entry.data["reason"] == "需要燃气证，我没有"
    for person in (dispatcher, manager):
        assert Message.objects.filter(recipient=person, event="repair.declined").exists()
    assert not Message.objects.filter(recipient=resident, event="repair.declined").exists()
    # Back in the queue among the accepted, not-yet-taken orders.
    queue = client_for(dispatcher).get(reverse("repairs_staff:queue"), {"status": "accepted"})
    assert order in list(queue.context["table"].data)


@pytest.mark.req("SREP-2")
def test_no_declining_after_the_work_started_or_without_a_reason(
    client_for, make_order, technician, technician_member
):
    order = make_order("in_progress")
    client_for(technician).post(reverse("repairs_tech:decline", args=[order.pk]), {"reason": "x"})
    order.refresh_from_db()
    assert order.status == Status.IN_PROGRESS and order.technician_id == technician_member.pk
    order = make_order("assigned")
    response = client_for(technician).post(
        reverse("repairs_tech:decline", args=[order.pk]), {"reason": " "}
    )
    assert response.status_code == 400
    assert response.context["decline_form"].errors["reason"]
    order.refresh_from_db()
    assert order.status == Status.ASSIGNED


@pytest.mark.req("X-1")
def test_a_technician_cannot_decline_a_colleagues_job(client_for, make_order, other_technician):
    order = make_order("assigned")
    response = client_for(other_technician).post(
        reverse("repairs_tech:decline", args=[order.pk]), {"reason": "不想去"}
    )
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == Status.ASSIGNED


# --- Paid repairs ----------------------------------------------------------------------------------


@pytest.mark.req("SREP-2", "REP-5")
def test_a_paid_repair_is_agreed_on_the_residents_phone_and_billed(
    client_for, make_order, technician, resident, billed
):
    order = make_order("in_progress")
    response = client_for(technician).post(reverse("repairs_tech:charge", args=[order.pk]), LINES)
    assert response.status_code == 302
    charge = RepairCharge.objects.get(order=order)
    assert charge.total == Decimal("121.00") and charge.status == RepairCharge.Status.PROPOSED
    assert [line.amount for line in charge.lines.all()] == [Decimal("71.00"), Decimal("50.00")]
    assert Message.objects.filter(recipient=resident, event="repair.charge_proposed").exists()
    page = client_for(resident).get(reverse("repairs:detail", args=[order.pk])).content.decode()
    assert "水龙头阀芯" in page and "¥121.00" in page
    response = client_for(resident).post(reverse("repairs:charge_agree", args=[order.pk]))
    assert response.status_code == 302
    charge.refresh_from_db()
    assert charge.is_agreed and charge.bill_number == "ZD26120001"
    assert charge.agreed_by == resident and charge.agreed_via == RepairCharge.Agreement.APP
    [raised] = billed
    assert raised.room == order.room and raised.total == Decimal("121.00")
    assert raised.lines[0] == charges.ChargeLine("水龙头阀芯", Decimal("2"), Decimal("35.50"), "个")
    assert raised.source == order and raised.actor == resident
    assert entries_for(order).filter(action="repair.charge_agreed").exists()
    page = client_for(resident).get(reverse("repairs:detail", args=[order.pk])).content.decode()
    assert "ZD26120001" in page


@pytest.mark.req("SREP-2")
def test_agreed_charges_cannot_change_and_are_billed_once(
    client_for, make_order, technician, dispatcher, billed
):
    order = make_order("in_progress")
    client_for(technician).post(reverse("repairs_tech:charge", args=[order.pk]), LINES)
    response = client_for(dispatcher).post(
        reverse("repairs_staff:charge_agree", args=[order.pk]),
        {"via": "phone", "agreed_by_name": "张伟"},
    )
    assert response.status_code == 302
    charge = RepairCharge.objects.get(order=order)
    assert charge.agreement_recorded_by == dispatcher and charge.agreed_by_name == "张伟"
    assert charge.agreed_via == RepairCharge.Agreement.PHONE
    changed = {**LINES, "lines-0-unit_price": "99"}
    response = client_for(technician).post(reverse("repairs_tech:charge", args=[order.pk]),
                                           changed)  # fmt: skip
    charge.refresh_from_db()
    assert charge.total == Decimal("121.00")
    again = client_for(dispatcher).post(
        reverse("repairs_staff:charge_agree", args=[order.pk]),
        {"via": "phone", "agreed_by_name": "张伟"},
    )
    assert again.status_code == 400
    assert len(billed) == 1
    page = client_for(dispatcher).get(reverse("repairs_staff:detail", args=[order.pk]))
    assert page.context["charge_forms"] is None and page.context["agree_form"] is None
    assert "ZD26120001" in page.content.decode()


@pytest.mark.req("SREP-2")
def test_bad_charge_lines_are_refused_in_chinese_and_kept(client_for, make_order, dispatcher,
                                                          billed):  # fmt: skip
    order = make_order("assigned")
    bad = {**LINES, "lines-0-quantity": "abc", "lines-1-unit_price": "-5"}
    response = client_for(dispatcher).post(reverse("repairs_staff:charge", args=[order.pk]), bad)
    assert response.status_code == 400
    forms = response.context["charge_forms"]
    assert forms.forms[0].errors["quantity"] == ["请输入数字，例如 1 或 2.5。"]
    assert forms.forms[1].errors["unit_price"] == ["价格不能为负数。"]
    assert 'value="水龙头阀芯"' in response.content.decode()
    empty = {**LINES, "lines-0-item": "", "lines-0-quantity": "", "lines-0-unit_price": "",
             "lines-1-item": "", "lines-1-quantity": "", "lines-1-unit_price": ""}  # fmt: skip
    response = client_for(dispatcher).post(reverse("repairs_staff:charge", args=[order.pk]),
                                           empty)  # fmt: skip
    assert response.status_code == 400
    assert response.context["charge_forms"].non_form_errors()
    assert not RepairCharge.objects.exists()


@pytest.mark.req("X-1")
def test_another_household_cannot_agree_to_the_charges(client_for, make_order, technician,
                                                       outsider, billed):  # fmt: skip
    order = make_order("in_progress")
    client_for(technician).post(reverse("repairs_tech:charge", args=[order.pk]), LINES)
    response = client_for(outsider).post(reverse("repairs:charge_agree", args=[order.pk]))
    assert response.status_code == 404
    assert not billed


# --- Call-backs and replies -------------------------------------------------------------------------


@pytest.mark.req("SREP-3", "X-3")
def test_call_backs_are_recorded_and_the_queue_lists_what_to_call_back(
    client_for, make_order, dispatcher
):
    done = make_order("completed")
    open_order = make_order("assigned")
    queue = reverse("repairs_staff:queue")
    listed = client_for(dispatcher).get(queue, {"callback": "pending"}).context["table"].data
    assert list(listed) == [done]
    response = client_for(dispatcher).post(
        reverse("repairs_staff:callback", args=[done.pk]), {"reached": "no"}
    )
    assert response.status_code == 302
    # Not reached: still to call back.
    assert list(client_for(dispatcher).get(queue, {"callback": "pending"}).context["table"].data)
    response = client_for(dispatcher).post(
        reverse("repairs_staff:callback", args=[done.pk]), {"reached": "yes"}
    )
    assert response.status_code == 400
    assert response.context["callback_form"].errors["satisfaction"] == ["请选择住户的满意程度。"]
    client_for(dispatcher).post(
        reverse("repairs_staff:callback", args=[done.pk]),
        {"reached": "yes", "satisfaction": "very", "note": "住户说修得很好"},
    )
    assert (
        list(client_for(dispatcher).get(queue, {"callback": "pending"}).context["table"].data) == []
    )
    assert done.callbacks.count() == 2
    assert entries_for(done).filter(action="repair.callback").count() == 2
    page = client_for(dispatcher).get(reverse("repairs_staff:detail", args=[done.pk]))
    assert "住户说修得很好" in page.content.decode()
    refused = client_for(dispatcher).post(
        reverse("repairs_staff:callback", args=[open_order.pk]), {"reached": "no"}
    )
    assert refused.status_code == 400
    assert not RepairCallback.objects.filter(order=open_order).exists()


@pytest.mark.req("SREP-3", "REP-7")
def test_a_reply_to_a_rating_reaches_the_resident(client_for, make_order, manager, resident):
    order = make_order("completed")
    services.order_rate(order=order, user=resident, speed=2, quality=4, attitude=5,
                        comment="来得有点晚")  # fmt: skip
    ratings = client_for(manager).get(reverse("repairs_staff:ratings"))
    assert reverse("repairs_staff:rating_reply", args=[order.pk]) in ratings.content.decode()
    response = client_for(manager).post(
        reverse("repairs_staff:rating_reply", args=[order.pk]),
        {"reply": "抱歉让您久等，已提醒师傅准时上门。", "next": reverse("repairs_staff:ratings")},
    )
    assert response.status_code == 302
    assert Message.objects.filter(recipient=resident, event="repair.rating_replied").exists()
    page = client_for(resident).get(reverse("repairs:detail", args=[order.pk])).content.decode()
    assert "已提醒师傅准时上门" in page
    assert entries_for(order).filter(action="repair.rating_replied").exists()


# --- 派工单 and exports ----------------------------------------------------------------------------


@pytest.mark.req("SREP-1")
def test_the_dispatch_sheet_prints_the_order(client_for, make_order, dispatcher, billed,
                                             technician):  # fmt: skip
    order = make_order("in_progress")
    client_for(technician).post(reverse("repairs_tech:charge", args=[order.pk]), LINES)
    detail = client_for(dispatcher).get(reverse("repairs_staff:detail", args=[order.pk]))
    sheet_url = reverse("repairs_staff:sheet", args=[order.pk])
    assert sheet_url in detail.content.decode()
    page = client_for(dispatcher).get(sheet_url).content.decode()
    for piece in (order.number, "3栋", "张伟", "13900000001", "吴师傅", "水龙头阀芯", "¥121.00",
                  "维修人员签字", "住户签字", "repairs-sheet.css"):  # fmt: skip
        assert piece in page, piece


@pytest.mark.req("SREP-2")
def test_the_queue_export_has_what_the_filter_shows(client_for, make_order, dispatcher,
                                                    django_assert_max_num_queries):  # fmt: skip
    done = make_order("completed")
    waiting = make_order("pending")
    url = reverse("repairs_staff:queue_export")
    with django_assert_max_num_queries(40) as one:
        client_for(dispatcher).get(url, {"status": "all"})
    make_order("completed")
    make_order("assigned")
    with django_assert_max_num_queries(len(one.captured_queries)):  # whatever the row count
        client_for(dispatcher).get(url, {"status": "all"})
    response = client_for(dispatcher).get(url, {"status": "completed"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    numbers = [row[0] for row in rows[1:]]
    assert done.number in numbers and waiting.number not in numbers and len(numbers) == 2
    assert rows[1][2] == "业主端/微信"


@pytest.mark.req("SREP-3")
def test_the_ratings_export_has_scores_as_numbers_and_the_reply(client_for, make_order,
                                                                manager, resident):  # fmt: skip
    order = make_order("completed")
    services.order_rate(order=order, user=resident, speed=5, quality=4, attitude=3)
    services.rating_reply(order=order, actor=manager, reply="谢谢")
    response = client_for(manager).get(reverse("repairs_staff:ratings_export"))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][1] == order.number and rows[1][5:9] == (5, 4, 3, 4.0)
    assert rows[1][10] == "谢谢"


@pytest.mark.req("X-1")
@pytest.mark.parametrize("who", ["sister_manager", "outsider_staff"])
def test_other_communities_get_404_on_every_new_order_url(request, client_for, make_order,
                                                          who, billed):  # fmt: skip
    user = request.getfixturevalue(who)
    order = make_order("completed")
    client = client_for(user)
    for name, method, data in [
        ("repairs_staff:sheet", "get", None),
        ("repairs_staff:charge", "post", LINES),
        ("repairs_staff:charge_agree", "post", {"via": "phone", "agreed_by_name": "x"}),
        ("repairs_staff:callback", "post", {"reached": "no"}),
        ("repairs_staff:rating_reply", "post", {"reply": "x"}),
    ]:
        response = getattr(client, method)(reverse(name, args=[order.pk]), data)
        assert response.status_code == 404, name
    assert not order.callbacks.exists() and not RepairCharge.objects.exists()
    export = client.get(reverse("repairs_staff:queue_export"), {"status": "all"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert order.number not in [row[0] for row in rows]

"""一户一档 (issue 19): the staff room page shows the household's whole file — residents past
and present, bills and arrears, payments and receipts, repairs, complaints, bookings, parcels,
meters and the room's history — each module's part only for staff who see that module, in a
fixed number of queries; rooms are added and edited on a form; moving a household out warns
about the room's unpaid bills and records what was decided about them."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Residency, Room
from billing.models import Bill, Meter, MeterReading
from billing.selectors import bills_for_user, unpaid_bills_for_user
from kit.models import AuditEntry
from tests.factories import (
    ComplaintFactory,
    ParcelFactory,
    RepairOrderFactory,
    ResidencyFactory,
    RoomFactory,
    UnitFactory,
    bookable_provider,
    booking_row,
    business_bill,
    business_payment,
)

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 10, 1)
PINNED = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _pinned_clock():
    """October's bills are overdue: the clock stands on 7 December 2026."""
    with time_machine.travel(PINNED, tick=True):
        yield


def page(client, room):
    return client.get(reverse("staff_residents:room_detail", args=[room.pk]))


def panel_names(response) -> list[str]:
    return [panel["name"] for panel in response.context["room_panels"]]


@pytest.fixture
def household(room, resident):
    return Residency.objects.get(user=resident, room=room)


@pytest.fixture
def file_rows(room, household, family_member):
    """A busy household: an unpaid overdue bill, a paid one with its receipted payment, a
    repair, a complaint, a booking, a waiting parcel, a water meter read, a past tenant."""
    unpaid = business_bill(room, month=MONTH, amount="268.50")
    paid = business_bill(room, month=MONTH - dt.timedelta(days=30), amount="250.00",
                         paid="250.00", status="paid")  # fmt: skip
    payment = business_payment(paid, amount="250.00", method="cash",
                               paid_at=timezone.now() - dt.timedelta(days=20))  # fmt: skip
    repair = RepairOrderFactory(household=household)
    complaint = ComplaintFactory(household=household, details="楼道堆放杂物")
    booking = booking_row(household, bookable_provider(room.building.community))
    parcel = ParcelFactory(household=household, carrier="sf", shelf="B2")
    meter = Meter.objects.create(room=room, kind="water", number="W-1201")
    MeterReading.objects.create(meter=meter, month=MONTH, previous=Decimal("120.00"),
                                current=Decimal("131.50"))  # fmt: skip
    past = ResidencyFactory(room=room, relation=Residency.Relation.TENANT,
                            status=Residency.Status.ENDED, ended_at=timezone.now(),
                            user__display_name="赵前租户", user__mobile="13900000077")  # fmt: skip
    return {"unpaid": unpaid, "paid": paid, "payment": payment, "repair": repair,
            "complaint": complaint, "booking": booking, "parcel": parcel, "past": past}  # fmt: skip


@pytest.mark.req("SUSR-1")
def test_the_room_page_is_the_households_whole_file(client_for, manager, room, file_rows):
    response = page(client_for(manager), room)
    assert response.status_code == 200
    html = response.content.decode()
    # Residents, present and past, with masked phones; the summary strip.
    for text in (
        "张伟",
        "李娜",
        "赵前租户",
        "139****0001",
        "139****0077",
        "业主",
        "欠费",
        "¥268.50",
    ):
        assert text in html, text
    assert "13900000001" not in html
    # Each module's part.
    assert panel_names(response) == ["billing", "repairs", "services", "complaints"]
    billing = response.context["room_panels"][0]["data"]
    assert billing["arrears"]["count"] == 1 and billing["arrears"]["overdue"] == 1
    assert billing["arrears"]["outstanding"] == Decimal("268.50")
    assert [bill.pk for bill in billing["open_bills"]] == [file_rows["unpaid"].pk]
    assert [payment.pk for payment in billing["payments"]] == [file_rows["payment"].pk]
    for text in (file_rows["repair"].number, file_rows["booking"].number,
                 file_rows["complaint"].number, "B2", "W-1201", "131.50", "11.50"):  # fmt: skip
        assert text in html, text
    # Open repairs and waiting parcels in the summary strip.
    labels = [figure.label for figure in response.context["summary"]]
    assert labels == ["欠费金额", "未完成报修", "待取快递"]


@pytest.mark.req("SUSR-1")
def test_the_history_says_what_happened_to_the_room_and_its_residencies(
    client_for, manager, room, household
):
    client = client_for(manager)
    client.post(reverse("staff_residents:room_edit", args=[room.pk]),
                {"building": room.building_id, "number": "1201", "floor": 12, "area": "95.20",
                 "use": "residential"})  # fmt: skip
    html = page(client, room).content.decode()
    assert "修改房屋" in html


@pytest.mark.req("SUSR-2")
@pytest.mark.parametrize(
    "who, shown",
    [
        ("staff_user", ["billing", "repairs", "services", "complaints"]),
        ("cashier", ["billing"]),
        ("technician", []),
    ],
)
def test_each_part_only_for_staff_who_see_that_module(request, client_for, room, file_rows,
                                                     who, shown):  # fmt: skip
    response = page(client_for(request.getfixturevalue(who)), room)
    assert response.status_code == 200
    assert panel_names(response) == shown
    if "billing" not in shown:
        assert "¥268.50" not in response.content.decode()


def _count_queries(client, room) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert page(client, room).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.req("SUSR-1")
def test_the_room_page_does_a_fixed_number_of_queries(client_for, manager, room, household,
                                                      file_rows):  # fmt: skip
    client = client_for(manager)
    _count_queries(client, room)  # warm the caches (content types, permissions)
    few = _count_queries(client, room)
    provider = file_rows["booking"].provider
    for n in range(12):
        business_bill(room, month=MONTH - dt.timedelta(days=31 * (n + 2)), amount="100.00")
        RepairOrderFactory(household=household)
        ComplaintFactory(household=household)
        booking_row(household, provider, days_ahead=n + 4)
        ParcelFactory(household=household)
        ResidencyFactory(room=room, relation=Residency.Relation.TENANT,
                         status=Residency.Status.ENDED, ended_at=timezone.now())  # fmt: skip
    Meter.objects.create(room=room, kind="electricity")
    assert _count_queries(client, room) == few
    assert few <= 32


@pytest.mark.req("SUSR-1")
def test_the_all_links_list_only_this_rooms_rows(client_for, manager, room, household,
                                                 file_rows, community):  # fmt: skip
    neighbour = ResidencyFactory(room=RoomFactory(building=room.building, number="1202"))
    other_bill = business_bill(neighbour.room, month=MONTH, amount="99.00")
    other_repair = RepairOrderFactory(household=neighbour)
    client = client_for(manager)
    bills = client.get(reverse("billing_staff:bills"), {"status": "all", "room_id": room.pk})
    html = bills.content.decode()
    assert file_rows["unpaid"].number in html and other_bill.number not in html
    queue = client.get(reverse("repairs_staff:queue"), {"status": "all", "room_id": room.pk})
    html = queue.content.decode()
    assert file_rows["repair"].number in html and other_repair.number not in html
    payments = client.get(reverse("billing_staff:payments"), {"room_id": room.pk})
    assert file_rows["payment"].number in payments.content.decode()


@pytest.mark.req("X-1")
def test_another_communitys_room_is_not_found(client_for, manager, outsider_room, outsider,
                                              outsider_staff, room):  # fmt: skip
    client = client_for(manager)
    for name in ("staff_residents:room_detail", "staff_residents:room_edit"):
        assert client.get(reverse(name, args=[outsider_room.pk])).status_code == 404
    # The "全部" filter with another community's room finds nothing of it.
    outsider_bill = business_bill(outsider_room, month=MONTH, amount="77.00")
    html = client.get(reverse("billing_staff:bills"),
                      {"status": "all", "room_id": outsider_room.pk}).content.decode()  # fmt: skip
    assert outsider_bill.number not in html
    # And the other company's manager cannot open this community's room.
    assert page(client_for(outsider_staff), room).status_code == 404


# --- Editing a room ---------------------------------------------------------------------------------


def _room_data(room: Room, **changes) -> dict:
    data = {"building": room.building_id, "unit": room.unit_id or "", "number": room.number,
            "floor": room.floor, "area": room.area or "", "use": room.use}  # fmt: skip
    return data | changes


@pytest.mark.req("SUSR-1")
@pytest.mark.req("X-3")
def test_a_room_is_edited_on_a_form_and_the_change_audited(client_for, manager, room):
    client = client_for(manager)
    url = reverse("staff_residents:room_edit", args=[room.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _room_data(room, area="89.50", use="office"))
    assert response.status_code == 302
    room.refresh_from_db()
    assert room.area == Decimal("89.50") and room.use == "office"
    entry = AuditEntry.objects.get(action="room.changed")
    assert entry.data["changes"]["use"] == ["住宅", "办公"]
    assert entry.data["changes"]["area"][1] == "89.50"
    assert entry.community == room.building.community


@pytest.mark.req("SUSR-1")
def test_bad_room_input_is_refused_in_chinese_and_kept(client_for, manager, room):
    RoomFactory(building=room.building, number="1202", floor=12)
    other_building_unit = UnitFactory(building__community=room.building.community)
    client = client_for(manager)
    url = reverse("staff_residents:room_edit", args=[room.pk])
    response = client.post(url, _room_data(room, number="1202", area="0"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "面积" in html and "1202" in html
    response = client.post(url, _room_data(room, number="1202"))
    assert response.status_code == 400
    assert "3栋已有房号1202" in response.content.decode()
    response = client.post(url, _room_data(room, unit=other_building_unit.pk, floor=300))
    assert response.status_code == 400
    html = response.content.decode()
    assert "不在3栋" in html and "楼层" in html
    room.refresh_from_db()
    assert room.number == "1201"
    assert not AuditEntry.objects.filter(action="room.changed").exists()


@pytest.mark.req("SUSR-1")
def test_a_single_room_is_added(client_for, manager, room):
    client = client_for(manager)
    url = reverse("staff_residents:room_new")
    response = client.post(url, {"building": room.building_id, "number": "1203", "floor": 12,
                                 "area": "76.00", "use": "residential"})  # fmt: skip
    added = Room.objects.get(building=room.building, number="1203")
    assert response.url == reverse("staff_residents:room_detail", args=[added.pk])
    assert AuditEntry.objects.get(action="room.added").data["values"]["area"] == "76.00"
    response = client.post(url, {"building": room.building_id, "number": "1203", "floor": 12,
                                 "use": "residential"})  # fmt: skip
    assert response.status_code == 400


@pytest.mark.req("SUSR-2")
def test_only_positions_with_the_permission_edit_rooms(client_for, staff_user, cashier, room,
                                                       other_community, outsider_room, manager):  # fmt: skip
    for user in (staff_user, cashier):
        client = client_for(user)
        assert client.get(reverse("staff_residents:room_edit", args=[room.pk])).status_code == 403
        assert client.get(reverse("staff_residents:room_new")).status_code == 403
    # A building of another community cannot be chosen.
    response = client_for(manager).post(
        reverse("staff_residents:room_edit", args=[room.pk]),
        _room_data(room, building=outsider_room.building_id),
    )
    assert response.status_code == 400
    room.refresh_from_db()
    assert room.building.community != other_community


# --- Moving out -----------------------------------------------------------------------------------


@pytest.fixture
def owing(room):
    return [business_bill(room, month=MONTH, amount="268.50"),
            business_bill(room, month=MONTH + dt.timedelta(days=31), amount="120.00",
                          paid="20.00", status="partially_paid")]  # fmt: skip


def end_url(residency) -> str:
    return reverse("staff_residents:residency_end", args=[residency.pk])


@pytest.mark.req("SUSR-1")
def test_move_out_warns_about_unpaid_bills_and_keeps_them_on_the_room(
    client_for, staff_user, resident, household, family_member, owing
):
    client = client_for(staff_user)
    response = client.get(end_url(household))
    html = response.content.decode()
    assert "还有2笔未缴账单" in html and "¥368.50" in html
    assert 'value="waive"' not in html  # the front desk may not waive
    assert unpaid_bills_for_user(resident).count() == 2
    response = client.post(end_url(household), {"reason": "房屋出售", "bills": "keep"})
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.status == Residency.Status.ENDED
    assert Bill.objects.filter(pk__in=[b.pk for b in owing],
                               status__in=Bill.UNPAID_STATUSES).count() == 2  # fmt: skip
    entry = AuditEntry.objects.get(action="residency.ended", target_id=str(household.pk))
    assert entry.data["bills_choice"] == "keep" and entry.data["unpaid_total"] == "368.50"
    # The household no longer sees the room's bills.
    assert unpaid_bills_for_user(resident).count() == 0
    assert not bills_for_user(resident).exists()
    assert not bills_for_user(family_member).exists()


@pytest.mark.req("SUSR-1")
@pytest.mark.req("X-3")
def test_a_manager_may_waive_the_unpaid_bills_with_a_reason(client_for, manager, household, owing):
    client = client_for(manager)
    response = client.post(end_url(household), {"bills": "waive", "waive_reason": ""})
    assert response.status_code == 400
    assert "请填写减免原因" in response.content.decode()
    household.refresh_from_db()
    assert household.status == Residency.Status.VERIFIED
    response = client.post(end_url(household), {"bills": "waive", "waive_reason": "交房时协商"})
    assert response.status_code == 302
    owing[0].refresh_from_db()
    owing[1].refresh_from_db()
    assert owing[0].status == Bill.Status.WAIVED and owing[0].waived_reason == "交房时协商"
    assert owing[1].status == Bill.Status.PARTIALLY_PAID  # something was paid: not waived
    entry = AuditEntry.objects.get(action="residency.ended", target_id=str(household.pk))
    assert entry.data["bills_choice"] == "waive" and entry.data["waived_bills"] == 1
    assert AuditEntry.objects.filter(action="billing.waived").count() == 1


@pytest.mark.req("SUSR-1")
def test_settling_at_the_counter_first_leaves_the_household_in(client_for, manager, room,
                                                               household, owing):  # fmt: skip
    response = client_for(manager).post(end_url(household), {"bills": "counter"})
    assert response.url == reverse("billing_staff:counter_room", args=[room.pk])
    household.refresh_from_db()
    assert household.status == Residency.Status.VERIFIED


@pytest.mark.req("SUSR-1")
def test_a_room_that_owes_nothing_asks_nothing(client_for, staff_user, household):
    client = client_for(staff_user)
    html = client.get(end_url(household)).content.decode()
    assert "未缴账单" not in html and 'name="bills"' not in html
    assert client.post(end_url(household), {"reason": ""}).status_code == 302
    household.refresh_from_db()
    assert household.status == Residency.Status.ENDED
    assert "bills_choice" not in AuditEntry.objects.get(action="residency.ended").data


@pytest.mark.req("X-1")
def test_moving_out_another_communitys_household_is_not_found(client_for, manager, outsider):
    residency = outsider.residencies.get()
    assert client_for(manager).get(end_url(residency)).status_code == 404
    assert client_for(manager).post(end_url(residency), {"bills": "keep"}).status_code == 404

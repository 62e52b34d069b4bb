"""The bills list (issue 19): rooms typed as people type them, residents' names and phones,
batch actions on everything the filters match, and the exports (bills, arrears per household,
payments) with a bounded number of queries."""

import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from billing import services
from billing.models import Bill, BillReminder
from tests.factories import ResidencyFactory, RoomFactory, UnitFactory

pytestmark = pytest.mark.django_db

BILLS = reverse("billing_staff:bills")


@pytest.fixture
def estate(community, room, resident, manager, property_rule, last_month):
    """Published bills of last month for room 3栋1201 (张伟), 3栋2单元1201 and 5号楼1201."""
    unit = UnitFactory(building=room.building, name="2单元")
    in_unit = RoomFactory(building=room.building, unit=unit, number="1201", floor=12)
    ResidencyFactory(room=in_unit, user__display_name="赵敏", user__mobile="13700001234")
    five = RoomFactory(building__community=community, building__name="5号楼", number="1201",
                       floor=12)  # fmt: skip
    run = services.run_create(community=community, fee_rules=[property_rule], month=last_month,
                              actor=manager)  # fmt: skip
    services.run_publish(run=run, actor=manager)
    return {"room": room, "in_unit": in_unit, "five": five}


def found(client, text):
    response = client.get(BILLS, {"room": text})
    assert response.status_code == 200
    return {bill.room_id for bill in response.context["table"].data}


@pytest.mark.parametrize("text", ["3栋1201", "3-1201", "3#1201", "3号楼1201室", "3 栋 1201"])
def test_rooms_are_found_as_people_type_them(client_for, cashier, estate, text):
    assert estate["room"].pk in found(client_for(cashier), text)
    assert estate["five"].pk not in found(client_for(cashier), text)


def test_a_unit_narrows_and_a_bare_number_finds_every_building(client_for, cashier, estate):
    client = client_for(cashier)
    assert found(client, "3-2-1201") == {estate["in_unit"].pk}
    assert found(client, "5-1201") == {estate["five"].pk}
    assert found(client, "1201") == {estate["room"].pk, estate["in_unit"].pk, estate["five"].pk}


def test_residents_are_found_by_name_and_phone(client_for, cashier, estate, outsider):
    client = client_for(cashier)
    assert found(client, "张伟") == {estate["room"].pk}
    assert found(client, "13700001234") == {estate["in_unit"].pk}
    assert found(client, "1234") == {estate["in_unit"].pk}
    assert found(client, "王芳") == set()  # another community's resident


def test_reminders_go_to_everything_the_filters_match(client_for, cashier, estate):
    client = client_for(cashier)
    response = client.post(reverse("billing_staff:dun"), {"all": "1", "building": "",
                                                          "room": "1201", "status": "open"})  # fmt: skip
    assert response.status_code == 302
    assert BillReminder.objects.filter(kind="dunning").count() == 3
    # Narrowed by the filters: only what they match.
    BillReminder.objects.all().delete()
    client.post(reverse("billing_staff:dun"), {"all": "1", "room": "5号楼1201"})
    assert list(BillReminder.objects.values_list("bill__room", flat=True)) == [estate["five"].pk]


def test_many_reminders_go_to_the_background(client_for, cashier, estate, monkeypatch,
                                             django_capture_on_commit_callbacks):  # fmt: skip
    from billing.tasks import dun_bills_task
    from billing.views import reports

    monkeypatch.setattr(reports, "MAX_DUN", 1)
    monkeypatch.setattr(dun_bills_task.__class__, "apply_async",
                        lambda task, args=None, kwargs=None, **options: task.apply(args, kwargs))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        client_for(cashier).post(reverse("billing_staff:dun"), {"all": "1"})
    assert BillReminder.objects.filter(kind="dunning").count() == 3


def test_dunning_notices_for_everything_the_filters_match(client_for, cashier, estate,
                                                         outsider_staff):  # fmt: skip
    url = reverse("billing_staff:dunning_pdf")
    response = client_for(cashier).get(url, {"all": "1", "room": "1201"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    # Another community's office matches none of these bills.
    assert client_for(outsider_staff).get(url, {"all": "1"}).status_code == 404


def test_the_bills_page_offers_to_select_everything_matching(client_for, cashier, estate,
                                                            settings):  # fmt: skip
    settings.STAFF_LIST_PAGE_SIZE = 2
    page = client_for(cashier).get(BILLS, {"room": "1201"}).content.decode()
    assert "data-select-all" in page and 'name="room" value="1201"' in page


def rows_of(response):
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_the_bills_export_has_every_bill_the_filters_show(client_for, cashier, estate):
    rows = rows_of(client_for(cashier).get(reverse("billing_staff:bills_export"),
                                           {"room": "3栋1201"}))  # fmt: skip
    assert rows[0][:6] == ("账单号", "楼栋", "单元", "房号", "户主", "电话")
    # 3栋1201 without a unit: the room without one and the 1201s of the building's units.
    assert {row[4] for row in rows[1:]} == {"张伟", "赵敏"}
    mine = next(row for row in rows[1:] if row[4] == "张伟")
    assert mine[1:6] == ("3栋", None, "1201", "张伟", "13900000001")
    assert mine[10] == 275.8 and mine[12] == 275.8


def test_the_arrears_export_has_one_row_per_household(client_for, cashier, estate, room,
                                                      property_rule, manager, last_month):  # fmt: skip
    from django.utils import timezone

    earlier = (last_month - timezone.timedelta(days=1)).replace(day=1)
    run = services.run_create(community=room.building.community, fee_rules=[property_rule],
                              month=earlier, actor=manager)  # fmt: skip
    services.run_publish(run=run, actor=manager)
    rows = rows_of(client_for(cashier).get(reverse("billing_staff:arrears_export")))
    assert rows[0][:5] == ("楼栋", "单元", "房号", "户主", "电话")
    mine = [row for row in rows[1:] if row[3] == "张伟"]
    assert len(mine) == 1
    assert mine[0][5:8] == (2, 2, float(D("551.60")))
    assert len(rows) == 4  # three rooms


def test_the_payments_export_lists_the_payments(client_for, cashier, estate, room):
    bill = Bill.objects.get(room=room)
    services.counter_payment(bills=[bill], method="cash", cashier=cashier, payer_name="张伟")
    rows = rows_of(client_for(cashier).get(reverse("billing_staff:payments_export")))
    assert rows[0][0] == "缴费单号" and rows[1][5] == "张伟" and rows[1][7] == 275.8


@pytest.mark.parametrize("name", ["bills_export", "arrears_export", "bills"])
def test_the_bills_list_and_exports_run_a_bounded_number_of_queries(
    client_for, cashier, estate, community, property_rule, manager, name,
    django_assert_max_num_queries,
):  # fmt: skip
    import datetime as dt

    client = client_for(cashier)
    url = reverse(f"billing_staff:{name}")
    with django_assert_max_num_queries(60) as few:
        client.get(url)
    for number in range(30):
        RoomFactory(building=estate["room"].building, number=f"7{number:02d}", floor=7)
    run = services.run_create(community=community, fee_rules=[property_rule],
                              month=dt.date(2024, 1, 1), actor=manager)  # fmt: skip
    services.run_publish(run=run, actor=manager)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_exports_are_for_those_who_see_reports(client_for, staff_user, estate):
    assert client_for(staff_user).get(reverse("billing_staff:bills_export")).status_code == 403

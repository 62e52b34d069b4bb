"""Meter readings imported from Excel (SBIL-1): every row checked first, row-level errors in
Chinese, nothing half-imported, rooms of this community only."""

import datetime as dt
import io
import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from billing import services
from billing.imports import meter_readings as imports
from billing.models import Meter, MeterReading
from kit.audit import entries_for
from tests.factories import RoomFactory, fee_rule

pytestmark = pytest.mark.django_db

HEADERS = ["楼栋", "单元", "房号", "类型", "月份", "本期读数", "换表", "新表起始读数"]


def workbook(rows, headers=HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, name="读数.xlsx"):
    return client.post(
        reverse("billing_staff:readings_import"),
        {"sheet": SimpleUploadedFile(name, content)},
    )


def month_before(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


@pytest.fixture
def neighbour(room):
    return RoomFactory(building=room.building, number="1202", floor=12)


@pytest.fixture
def read_before(room, neighbour, manager, last_month):
    """Electricity read the month before last: 3栋1201 at 1000, 3栋1202 at 500."""
    for target, value in ((room, "1000"), (neighbour, "500")):
        services.reading_record(room=target, kind="electricity", month=month_before(last_month),
                                current=Decimal(value), actor=manager)  # fmt: skip


def readings(kind="electricity"):
    return MeterReading.objects.filter(meter__kind=kind)


@pytest.mark.req("SBIL-1")
def test_a_correct_sheet_is_imported_whole(
    client_for, cashier, community, room, neighbour, read_before, last_month
):
    month = f"{last_month:%Y-%m}"
    content = workbook(
        [
            ["3栋", "", "1201", "电", month, 1180.5, "否", None],
            ["3栋", None, 1202, "电", month, "505", "", None],
            ["3栋", None, "1201", "水", month, 20, "是", 0],
            ["3栋", None, "1202", "燃气", month, None, "否", None],  # not read: skipped
        ]
    )

    response = upload(client_for(cashier), content)

    assert response.status_code == 302
    electricity = {
        r.meter.room_id: r for r in readings().filter(month=last_month).select_related("meter")
    }
    assert electricity[room.pk].previous == Decimal("1000.00")
    assert electricity[room.pk].current == Decimal("1180.50")
    assert electricity[neighbour.pk].current == Decimal("505.00")
    water = readings("water").get()
    assert (water.previous, water.current, water.is_meter_change) == (0, 20, True)
    assert not readings("gas").exists()
    entry = entries_for(community).get(action="billing.readings_imported")
    assert entry.data["rows"] == 3 and entry.data["blank"] == 1 and entry.actor == cashier


@pytest.mark.req("SBIL-1")
def test_a_half_bad_sheet_imports_nothing_and_lists_every_bad_row(
    client_for, cashier, room, neighbour, read_before, last_month
):
    month = f"{last_month:%Y-%m}"
    content = workbook(
        [
            ["3栋", "", "1201", "电", month, 1100, "否", None],  # fine
            ["3栋", "", "1202", "电", month, 400, "否", None],  # lower than 500
            ["3栋", "", "9999", "电", month, 10, "否", None],  # no such room
            ["3栋", "", "1201", "暖气", "2026年13月", "abc", "也许", None],  # four problems
            ["3栋", "", "1202", "水", month, 5, "是", None],  # change without start
        ]
    )

    response = upload(client_for(cashier), content)

    assert response.status_code == 400
    errors = response.context["outcome"].errors
    assert {error.row for error in errors} == {3, 4, 5, 6}
    assert {error.column for error in errors if error.row == 5} == {
        "类型",
        "月份",
        "本期读数",
        "换表",
    }
    assert MeterReading.objects.filter(month=last_month).count() == 0
    assert not Meter.objects.filter(kind="water").exists()
    page = response.content.decode()
    assert 'id="import-errors"' in page and "9999" in page


@pytest.mark.req("SBIL-1")
def test_a_lower_reading_imports_as_a_meter_change(
    client_for, cashier, room, neighbour, read_before, last_month
):
    content = workbook([["3栋", "", "1202", "电", f"{last_month:%Y-%m}", 30, "是", 5]])
    assert upload(client_for(cashier), content).status_code == 302
    saved = readings().get(month=last_month)
    assert (saved.previous, saved.current, saved.is_meter_change) == (5, 30, True)


@pytest.mark.req("SBIL-1")
def test_another_communitys_room_is_a_row_error(
    client_for, cashier, room, outsider_room, last_month
):
    building = outsider_room.building.name
    content = workbook(
        [
            ["3栋", "", "1201", "电", f"{last_month:%Y-%m}", 10, "", None],
            [building, "", outsider_room.number, "电", f"{last_month:%Y-%m}", 10, "", None],
        ]
    )
    response = upload(client_for(cashier), content)
    assert response.status_code == 400
    [error] = response.context["outcome"].errors
    assert (error.row, error.column) == (3, "房号")
    assert not MeterReading.objects.exists()


def test_months_in_one_sheet_chain_and_duplicates_are_refused(
    client_for, cashier, room, last_month
):
    before = month_before(last_month)
    chained = workbook(
        [
            ["3栋", "", "1201", "电", f"{last_month:%Y-%m}", 150, "", None],
            ["3栋", "", "1201", "电", dt.datetime(before.year, before.month, 1), 100, "", None],
        ]
    )
    assert upload(client_for(cashier), chained).status_code == 302
    assert readings().get(month=last_month).previous == Decimal("100.00")

    lower_in_file = workbook(
        [
            ["3栋", "", "1201", "电", f"{last_month:%Y-%m}", 90, "", None],
            ["3栋", "", "1201", "电", f"{last_month:%Y-%m}", 95, "", None],
        ]
    )
    response = upload(client_for(cashier), lower_in_file)
    assert response.status_code == 400
    assert [e.row for e in response.context["outcome"].errors] == [2, 3]
    assert readings().get(month=last_month).current == Decimal("150.00")


def test_a_billed_month_cannot_be_imported(
    client_for, manager, cashier, community, room, read_before, last_month
):
    services.reading_record(room=room, kind="electricity", month=last_month,
                            current=Decimal("1100"), actor=manager)  # fmt: skip
    rule = fee_rule(community, kind="electricity", name="电费", unit_price="0.6")
    services.run_create(community=community, fee_rules=[rule], month=last_month, actor=manager)
    content = workbook([["3栋", "", "1201", "电", f"{last_month:%Y-%m}", 1200, "", None]])
    response = upload(client_for(cashier), content)
    assert response.status_code == 400
    assert response.context["outcome"].errors[0].column == "月份"
    assert readings().get(month=last_month).current == Decimal("1100.00")


@pytest.mark.parametrize(
    ("content", "name"),
    [(b"not a workbook", "a.xlsx"), (None, "a.xlsx")],
)
def test_a_wrong_file_is_explained(client_for, cashier, room, content, name):
    if content is None:
        content = workbook([["3栋", "1201"]], headers=["楼栋", "房号"])
    response = upload(client_for(cashier), content, name)
    assert response.status_code == 400
    [error] = response.context["outcome"].errors
    assert error.row is None


def test_the_template_downloads(client_for, cashier, room, neighbour, read_before, last_month):
    client = client_for(cashier)
    empty = client.get(reverse("billing_staff:readings_import"), {"template": "1"})
    assert empty.status_code == 200
    sheet = load_workbook(io.BytesIO(empty.content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADERS

    prefilled = client.get(
        reverse("billing_staff:readings_import"),
        {"template": "1", "kind": "electricity", "month": f"{last_month:%Y-%m}"},
    )
    sheet = load_workbook(io.BytesIO(prefilled.content)).worksheets[0]
    rows = [row for row in sheet.values if any(row)]
    assert rows[1][:5] == ("3栋", None, "1201", "电", f"{last_month:%Y-%m}")
    assert rows[1][-1] == 1000 and len(rows) == 3


def test_a_prefilled_template_imports_once_filled_in(
    client_for, cashier, room, neighbour, read_before, last_month
):
    client = client_for(cashier)
    prefilled = client.get(
        reverse("billing_staff:readings_import"),
        {"template": "1", "kind": "electricity", "month": f"{last_month:%Y-%m}"},
    )
    book = load_workbook(io.BytesIO(prefilled.content))
    book.worksheets[0]["F2"] = 1010
    buffer = io.BytesIO()
    book.save(buffer)
    assert upload(client, buffer.getvalue()).status_code == 302
    assert readings().get(month=last_month).current == Decimal("1010.00")


def test_who_may_import(client_for, staff_user, cashier):
    url = reverse("billing_staff:readings_import")
    assert client_for(staff_user).get(url).status_code == 403
    assert client_for(cashier).get(url).status_code == 200


@pytest.mark.req("SBIL-1")
def test_two_thousand_rows_import_in_a_few_seconds(community, room, manager, last_month):
    building = room.building
    rooms = [
        RoomFactory.build(building=building, number=f"{floor}{door:02d}", floor=floor)
        for floor in range(20, 120)
        for door in range(1, 21)
    ]
    type(room).objects.bulk_create(rooms)
    month = f"{last_month:%Y-%m}"
    content = workbook(
        [[building.name, "", f"{floor}{door:02d}", "水", month, floor + door, "", None]
         for floor in range(20, 120) for door in range(1, 21)]
    )  # fmt: skip

    started = time.monotonic()
    outcome = imports.readings_import(community=community, content=content, actor=manager)
    elapsed = time.monotonic() - started

    assert outcome.ok and outcome.imported == 2000
    assert MeterReading.objects.filter(month=last_month).count() == 2000
    assert elapsed < 10, elapsed


def test_a_csv_sheet_imports_like_a_workbook(client_for, cashier, room, read_before, last_month):
    text = "\ufeff" + ",".join(HEADERS) + f"\r\n3栋,,1201,电,{last_month:%Y-%m},1050,否,\r\n"
    assert upload(client_for(cashier), text.encode("utf-8"), "读数.csv").status_code == 302
    assert readings().get(month=last_month).current == Decimal("1050.00")

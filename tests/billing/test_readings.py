"""Meter readings entered room by room in a grid (SBIL-1): last month's reading as the start,
lower readings refused unless the meter was changed, billed months read-only."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing import services
from billing.models import MeterReading
from tests.factories import RoomFactory, fee_rule

pytestmark = pytest.mark.django_db


def month_before(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def grid_url(month: dt.date, kind="water", building=None, **extra) -> str:
    params = {"month": f"{month:%Y-%m}", "kind": kind, **extra}
    if building is not None:
        params["building"] = building.pk
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{reverse('billing_staff:readings')}?{query}"


@pytest.fixture
def neighbour(room):
    return RoomFactory(building=room.building, number="1202", floor=12)


@pytest.fixture
def read_before(room, neighbour, manager, last_month):
    """Water readings of the month before last: 3栋1201 at 100, 3栋1202 at 50."""
    for target, value in ((room, "100"), (neighbour, "50")):
        services.reading_record(room=target, kind="water", month=month_before(last_month),
                                current=Decimal(value), actor=manager)  # fmt: skip


def reading(room, month, kind="water") -> MeterReading | None:
    return MeterReading.objects.filter(meter__room=room, meter__kind=kind, month=month).first()


@pytest.mark.req("SBIL-1")
def test_the_grid_shows_each_room_with_last_months_reading(
    client_for, cashier, room, neighbour, read_before, last_month, outsider_room
):
    response = client_for(cashier).get(grid_url(last_month))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(row.grid.room, row.grid.previous) for row in rows] == [
        (room, Decimal("100.00")),
        (neighbour, Decimal("50.00")),
    ]
    assert response.context["month"] == last_month  # the default month is last month
    assert outsider_room.label not in response.content.decode()


@pytest.mark.req("SBIL-1")
def test_readings_are_saved_through_the_service(
    client_for, cashier, room, neighbour, read_before, last_month
):
    response = client_for(cashier).post(
        grid_url(last_month), {f"r{room.pk}-current": "130.5", f"r{neighbour.pk}-current": ""}
    )
    assert response.status_code == 302
    saved = reading(room, last_month)
    assert (saved.previous, saved.current, saved.entered_by) == (
        Decimal("100.00"),
        Decimal("130.50"),
        cashier,
    )
    assert reading(neighbour, last_month) is None  # left empty: nothing saved


@pytest.mark.req("SBIL-1")
def test_a_lower_reading_is_refused_on_its_row_and_the_others_are_saved(
    client_for, cashier, room, neighbour, read_before, last_month
):
    response = client_for(cashier).post(
        grid_url(last_month),
        {f"r{room.pk}-current": "90", f"r{neighbour.pk}-current": "61"},
    )
    assert response.status_code == 400
    rows = {row.grid.room: row for row in response.context["rows"]}
    assert "current" in rows[room].form.errors
    assert rows[room].form["current"].value() == "90"
    assert rows[neighbour].saved
    assert reading(room, last_month) is None
    assert reading(neighbour, last_month).current == Decimal("61.00")
    page = response.content.decode()
    assert 'class="row-error"' in page and 'value="90"' in page


@pytest.mark.req("SBIL-1")
def test_a_lower_reading_is_accepted_as_a_meter_change(
    client_for, cashier, room, read_before, last_month
):
    client = client_for(cashier)
    missing_start = client.post(
        grid_url(last_month), {f"r{room.pk}-current": "12", f"r{room.pk}-meter_change": "on"}
    )
    assert missing_start.status_code == 400
    row = next(r for r in missing_start.context["rows"] if r.grid.room == room)
    assert "start" in row.form.errors
    response = client.post(
        grid_url(last_month),
        {f"r{room.pk}-current": "12", f"r{room.pk}-meter_change": "on", f"r{room.pk}-start": "2"},
    )
    assert response.status_code == 302
    saved = reading(room, last_month)
    assert (saved.previous, saved.current, saved.is_meter_change) == (
        Decimal("2.00"),
        Decimal("12.00"),
        True,
    )


def test_bad_numbers_are_row_errors(client_for, cashier, room, last_month):
    response = client_for(cashier).post(grid_url(last_month), {f"r{room.pk}-current": "12,5x"})
    assert response.status_code == 400
    row = response.context["rows"][0]
    assert row.form["current"].value() == "12,5x" and "current" in row.form.errors


def test_a_billed_month_is_read_only(
    client_for, manager, cashier, community, room, neighbour, read_before, last_month
):
    for target, value in ((room, "120"), (neighbour, "70")):
        services.reading_record(room=target, kind="water", month=last_month,
                                current=Decimal(value), actor=manager)  # fmt: skip
    water = fee_rule(community, kind="water", name="水费", unit_price="3.50")
    services.run_create(community=community, fee_rules=[water], month=last_month, actor=manager)

    response = client_for(cashier).post(grid_url(last_month), {f"r{room.pk}-current": "999"})

    assert response.status_code == 302
    assert reading(room, last_month).current == Decimal("120.00")
    page = client_for(cashier).get(grid_url(last_month))
    assert all(row.grid.billed for row in page.context["rows"])
    assert f'name="r{room.pk}-current"' not in page.content.decode()


def test_an_unchanged_reading_is_not_rewritten(
    client_for, manager, cashier, room, read_before, last_month
):
    services.reading_record(room=room, kind="water", month=last_month, current=Decimal("120"),
                            actor=manager)  # fmt: skip
    response = client_for(cashier).post(grid_url(last_month), {f"r{room.pk}-current": "120.00"})
    assert response.status_code == 302
    assert reading(room, last_month).entered_by == manager


def test_the_grid_runs_a_bounded_number_of_queries(client_for, cashier, manager, room, last_month):
    client = client_for(cashier)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(grid_url(last_month, building=room.building)).status_code == 200
        return len(captured)

    count_queries()  # the first request fills the cached badges (kit/cache.py)
    few = count_queries()
    for number in range(12):
        other = RoomFactory(building=room.building, number=f"90{number:02d}", floor=90)
        for month in (month_before(last_month), last_month):
            services.reading_record(room=other, kind="water", month=month,
                                    current=Decimal(10 + number), actor=manager)  # fmt: skip
    assert count_queries() == few


def test_another_communitys_building_cannot_be_chosen(
    client_for, cashier, room, outsider_room, last_month
):
    response = client_for(cashier).get(grid_url(last_month, building=outsider_room.building))
    assert response.status_code == 200
    assert response.context["building"] == room.building
    assert [row.grid.room for row in response.context["rows"]] == [room]


def test_a_future_month_falls_back_to_last_month(client_for, cashier, room, last_month):
    response = client_for(cashier).get(grid_url(dt.date(2099, 1, 1)))
    assert response.status_code == 200
    assert response.context["month"] == last_month


def test_who_may_enter_readings(client_for, cashier, manager, staff_user, technician, room):
    url = reverse("billing_staff:readings")
    assert client_for(cashier).get(url).status_code == 200
    assert client_for(manager).get(url).status_code == 200
    assert client_for(staff_user).get(url).status_code == 403
    assert client_for(technician).get(url).status_code == 403

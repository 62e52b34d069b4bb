"""The fee trend's numbers and its SVG (BIL-2): one aggregate query, Chinese text drawn as
paths, and a cache that is rebuilt only when the rooms' bills change."""

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from billing import services
from billing.reports import fee_trend as charts

from .test_resident_bills import make_bill

TODAY = dt.date(2025, 3, 18)


def test_month_window_runs_back_over_the_new_year():
    window = charts.month_window(12, TODAY)
    assert window[0] == dt.date(2024, 4, 1) and window[-1] == dt.date(2025, 3, 1)
    assert len(charts.month_window(24, TODAY)) == 24


@pytest.mark.req("BIL-2")
def test_monthly_amounts_sum_by_month_and_kind_in_one_query(room, outsider_room):
    make_bill(room, kind="property", month=dt.date(2025, 1, 1), amount="275.80")
    make_bill(room, kind="water", month=dt.date(2025, 1, 1), amount="26.91")
    make_bill(room, kind="property", month=dt.date(2025, 2, 1), amount="275.80", status="paid")
    make_bill(room, kind="gas", month=dt.date(2025, 2, 1), amount="50.00", status="draft")
    make_bill(room, kind="parking", month=dt.date(2025, 2, 1), amount="300.00", status="waived")
    make_bill(room, kind="fixed", month=dt.date(2023, 2, 1), amount="9.00")  # too old
    make_bill(outsider_room, kind="property", month=dt.date(2025, 1, 1), amount="999.00")
    with CaptureQueriesContext(connection) as queries:
        trend = charts.monthly_amounts([room.pk], 12, TODAY)
    assert len(queries) == 1
    assert trend.kinds == ["property", "water"]
    assert trend.amounts == {
        (dt.date(2025, 1, 1), "property"): Decimal("275.80"),
        (dt.date(2025, 1, 1), "water"): Decimal("26.91"),
        (dt.date(2025, 2, 1), "property"): Decimal("275.80"),
    }
    assert trend.total == Decimal("578.51")
    rows = trend.rows()
    assert [row["month"] for row in rows] == [dt.date(2025, 2, 1), dt.date(2025, 1, 1)]
    assert rows[1]["amounts"] == [Decimal("275.80"), Decimal("26.91")]
    assert rows[1]["total"] == Decimal("302.71")


@pytest.mark.req("BIL-2")
def test_svg_is_valid_and_draws_chinese_labels_as_paths(room):
    make_bill(room, kind="property", month=dt.date(2025, 1, 1), amount="275.80")
    make_bill(room, kind="electricity", month=dt.date(2025, 2, 1), amount="88.00")
    with translation.override("zh-hans"):
        svg = charts.draw_trend(charts.monthly_amounts([room.pk], 12, TODAY))
    root = ET.fromstring(svg.encode())  # noqa: S314 (our own output)
    assert root.tag.endswith("svg")
    assert "<text" not in svg  # no font needed on the phone
    assert "WenQuanYi" in svg  # glyph outlines from the CJK font


def test_svg_of_no_bills_still_draws(room):
    svg = charts.draw_trend(charts.monthly_amounts([room.pk], 24, TODAY))
    assert ET.fromstring(svg.encode()).tag.endswith("svg")  # noqa: S314 (our own output)


@pytest.fixture
def drawings(monkeypatch):
    """Counts how often the chart is actually drawn."""
    calls = []
    draw = charts.draw_trend

    def counting(trend):
        calls.append(trend)
        return draw(trend)

    monkeypatch.setattr(charts, "draw_trend", counting)
    return calls


@pytest.mark.req("BIL-2")
def test_svg_is_cached_until_a_bill_is_published_or_paid(
    room, property_rule, manager, cashier, last_month, drawings
):
    today = timezone.localdate()
    make_bill(room, kind="water", month=last_month, amount="30.00")
    first = charts.trend_svg([room.pk], 12, today)
    with CaptureQueriesContext(connection) as queries:
        again = charts.trend_svg([room.pk], 12, today)
    assert again == first and len(drawings) == 1
    assert len(queries) == 1  # the version aggregate only

    run = services.run_create(
        community=room.building.community, fee_rules=[property_rule], month=last_month,
        actor=manager,
    )  # fmt: skip
    charts.trend_svg([room.pk], 12, today)
    assert len(drawings) == 1  # drafts are not the residents' business yet
    services.run_publish(run=run, actor=manager)
    charts.trend_svg([room.pk], 12, today)
    assert len(drawings) == 2

    services.counter_payment(bills=list(run.bills.all()), method="cash", cashier=cashier)
    charts.trend_svg([room.pk], 12, today)
    assert len(drawings) == 3
    charts.trend_svg([room.pk], 12, today)
    charts.trend_svg([room.pk], 24, today)  # another span is another chart
    assert len(drawings) == 4


def test_cache_is_per_set_of_rooms(room, outsider_room, drawings):
    today = timezone.localdate()
    make_bill(room, amount="10.00")
    make_bill(outsider_room, amount="20.00")
    mine = charts.trend_svg([room.pk], 12, today)
    theirs = charts.trend_svg([outsider_room.pk], 12, today)
    assert len(drawings) == 2 and mine != theirs

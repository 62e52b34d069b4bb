"""The fee trend page and its chart (BIL-2): 12 or 24 months, the numbers as a table, the
SVG private to the household and revalidated cheaply."""

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.reports import fee_trend as charts

from .test_resident_bills import make_bill


def months_ago(count: int) -> dt.date:
    return charts.month_window(count + 1, timezone.localdate())[0]


@pytest.mark.req("BIL-2")
def test_trend_page_shows_chart_and_the_same_numbers_as_a_table(client_for, resident, room):
    make_bill(room, kind="property", month=months_ago(1), amount="275.80")
    make_bill(room, kind="water", month=months_ago(1), amount="1026.90")
    make_bill(room, kind="property", month=months_ago(2), amount="275.80")
    make_bill(room, kind="property", month=months_ago(14), amount="260.00")
    response = client_for(resident).get(reverse("billing:trend"))
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["months"] == 12
    assert f"{reverse('billing:trend_chart')}?months=12" in body
    rows = response.context["rows"]
    assert [row["month"] for row in rows] == [months_ago(1), months_ago(2)]
    assert rows[0]["amounts"] == [Decimal("275.80"), Decimal("1026.90")]
    assert rows[0]["total"] == Decimal("1302.70")
    assert response.context["total"] == Decimal("1578.50")
    assert response.context["average"] == Decimal("789.25")
    table = body[body.index("<table") : body.index("</table>")]
    for text in ("¥275.80", "¥1,026.90", "¥1,302.70", f"{months_ago(1):%Y.%m}"):
        assert text in table
    assert "¥260.00" not in table

    response = client_for(resident).get(reverse("billing:trend"), {"months": "24"})
    assert response.context["months"] == 24
    assert len(response.context["rows"]) == 3
    assert f"{reverse('billing:trend_chart')}?months=24" in response.content.decode()


def test_unknown_span_falls_back_to_twelve_months(client_for, resident):
    for value in ("7", "abc", ""):
        response = client_for(resident).get(reverse("billing:trend"), {"months": value})
        assert response.context["months"] == 12


@pytest.mark.req("BIL-2")
def test_chart_is_an_svg_private_to_the_household(client_for, resident, family_member, room):
    make_bill(room, kind="property", month=months_ago(1), amount="275.80")
    for user in (resident, family_member):
        response = client_for(user).get(reverse("billing:trend_chart"), {"months": "12"})
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        assert "private" in response["Cache-Control"]
        root = ET.fromstring(response.content)  # noqa: S314 (our own output)
        assert root.tag.endswith("svg") and b"<svg" in response.content


@pytest.mark.req("BIL-2")
def test_others_bills_are_not_in_the_trend(client_for, outsider, room, outsider_room):
    make_bill(room, amount="275.80", month=months_ago(1))
    make_bill(outsider_room, amount="12.00", month=months_ago(1))
    response = client_for(outsider).get(reverse("billing:trend"))
    assert response.context["total"] == Decimal("12.00")


@pytest.mark.req("BIL-2")
def test_unchanged_chart_is_revalidated_without_drawing(client_for, resident, room, monkeypatch):
    make_bill(room, amount="275.80", month=months_ago(1))
    client = client_for(resident)
    url = reverse("billing:trend_chart")
    first = client.get(url)
    drawn = []
    monkeypatch.setattr(charts, "draw_trend", lambda trend: drawn.append(trend) or "<svg/>")
    with CaptureQueriesContext(connection) as queries:
        cached = client.get(url)
    assert cached.content == first.content and drawn == []
    with CaptureQueriesContext(connection) as revalidation:
        not_modified = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304
    assert len(revalidation) <= len(queries)

    make_bill(room, kind="water", amount="30.00", month=months_ago(1))
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and len(drawn) == 1
    assert changed["ETag"] != first["ETag"]


def test_trend_needs_a_login(client, db):
    assert client.get(reverse("billing:trend_chart")).status_code == 302

"""The 业务统计 page (PSTA-2): operators only, figures and charts shown, filters, sorting, the
Excel export, and a bounded number of queries with few and with many communities and rows."""

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import (
    CommunityFactory,
    ComplaintFactory,
    PropertyCompanyFactory,
    business_bill,
    business_payment,
    household_in,
)

pytestmark = [pytest.mark.req("PSTA-2"), pytest.mark.django_db]

URL = reverse("admin:platform_business")
ZONE = ZoneInfo("Asia/Shanghai")


def at(day: int, month: int = 5) -> dt.datetime:
    return dt.datetime(2026, month, day, 10, tzinfo=ZONE)


@pytest.fixture(autouse=True)
def _pinned():
    with time_machine.travel(at(15, 6), tick=False):
        yield


def estate(communities: int, rows: int, company=None, prefix: str = "小区") -> list:
    company = company or PropertyCompanyFactory(name="安居物业")
    made = []
    for n in range(communities):
        community = CommunityFactory(company=company, name=f"{prefix}{n:02d}")
        household = household_in(community)
        for index in range(rows):
            bill = business_bill(household.room, month=dt.date(2026, 5, 1),
                                 amount=f"{100 + n}.00", paid=f"{50 + n}.00",
                                 status="partially_paid")  # fmt: skip
            business_payment(bill, amount=f"{50 + n}.00", paid_at=at(3 + index))
            ComplaintFactory(household=household, created_at=at(4 + index))
        made.append(community)
    return made


MAY = {"period": "month", "day": "2026-05-01"}


def test_only_operators_open_the_page(client_for, manager, resident, operator):
    for user in (manager, resident):
        response = client_for(user).get(URL)
        assert response.status_code in (302, 403)
        assert "/admin/login/" in response.get("Location", "/admin/login/")
    assert client_for(operator).get(URL).status_code == 200


def test_the_page_shows_the_figures_with_charts_and_tables(client_for, operator):
    first, second = estate(2, 1)
    response = client_for(operator).get(URL, MAY)
    assert response.status_code == 200
    page = response.content.decode()
    assert "业务统计" in page
    # Billed 100 + 101, collected 50 + 51: money through the yuan filter.
    assert "¥201.00" in page
    assert "¥101.00" in page
    assert "50.2%" in page  # 101 / 201
    assert page.count('src="data:image/svg+xml;base64,') == 4
    assert first.name in page and second.name in page
    assert "2026年5月" in page


def test_a_community_scope_has_no_community_table(client_for, operator):
    first, second = estate(2, 1)
    response = client_for(operator).get(URL, {**MAY, "community": first.pk})
    assert response.context["rows"] == []
    assert response.context["sections"][1]["cards"][0]["value"] == Decimal("100.00")


def test_the_communities_sort_best_and_worst_first(client_for, operator):
    estate(3, 1)
    client = client_for(operator)
    response = client.get(URL, {**MAY, "sort": "billed", "order": "desc"})
    assert [row["name"] for row in response.context["rows"]] == ["小区02", "小区01", "小区00"]
    response = client.get(URL, {**MAY, "sort": "billed", "order": "asc"})
    assert [row["name"] for row in response.context["rows"]] == ["小区00", "小区01", "小区02"]


def test_a_second_company_is_left_out_of_a_company_scope(client_for, operator):
    mine = estate(1, 1)[0]
    theirs = estate(1, 2, company=PropertyCompanyFactory(name="别家物业"), prefix="别家")[0]
    response = client_for(operator).get(URL, {**MAY, "company": mine.company_id})
    assert [row["name"] for row in response.context["rows"]] == [mine.name]
    cards = response.context["sections"][4]["cards"]
    assert cards[0]["value"] == 1  # complaints: theirs (2) not counted
    assert theirs.name not in [row["name"] for row in response.context["rows"]]


def test_the_excel_export_keeps_numbers(client_for, operator):
    estate(2, 1)
    response = client_for(operator).get(URL, {**MAY, "export": "xlsx"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    billed = next(row for row in rows if row[0] == "已出账")
    assert billed[1] == 201
    community = next(row for row in rows if row[1] == "小区01")
    assert 101 in community


@pytest.mark.parametrize(("communities", "rows"), [(1, 1), (8, 3)])
def test_bounded_queries(client_for, operator, communities, rows, django_assert_max_num_queries):
    estate(communities, rows)
    client = client_for(operator)
    with django_assert_max_num_queries(60):
        response = client.get(URL, {"period": "year", "day": "2026-05-01"})
    assert response.status_code == 200

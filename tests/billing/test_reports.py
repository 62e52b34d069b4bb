"""SBIL-3: monthly and annual collection reports, their chart and exports."""

import datetime as dt
import io
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from pypdf import PdfReader

from billing import services
from billing.models import Bill, PaymentItem
from billing.reports.queries import collection_report
from tests.factories import RoomFactory, billing_actor, fee_rule

from .test_arrears import months_ago, publish

pytestmark = pytest.mark.req("SBIL-3")

REPORTS = reverse("billing_staff:reports")
CHART = reverse("billing_staff:report_chart")


@pytest.fixture
def world(community, room, resident, property_rule, manager, cashier, other_community,
          outsider_room, positions):  # fmt: skip
    """This month: property (2.80/m²) and a fixed 20.00 fee for 3栋1201 (98.50 m²), 3栋1202
    (100 m²) and 5栋501 (80 m²). Paid in full: 3栋1201 (both) and 5栋501's property bill;
    waived: 3栋1202's fixed fee. Also paid this month: 3栋1201's property bill of last month.
    A draft bill and another community's paid bill must not count."""
    room_b = RoomFactory(building=room.building, number="1202", area=Decimal("100.00"))
    room_c = RoomFactory(building__community=community, building__name="5栋", number="501",
                         area=Decimal("80.00"))  # fmt: skip
    fixed = fee_rule(community, kind="fixed", name="垃圾清运费", unit_price="20.00")
    previous = publish(community, [property_rule], months_ago(1), manager)
    current = publish(community, [property_rule, fixed], months_ago(0), manager)

    def bill(bills, room_, rule):
        return next(b for b in bills if b.room_id == room_.pk and b.rule_id == rule.pk)

    services.counter_payment(
        bills=[bill(current, room, property_rule), bill(current, room, fixed)],
        method="cash", cashier=cashier,
    )  # fmt: skip
    services.counter_payment(bills=[bill(current, room_c, property_rule)], method="pos",
                             cashier=cashier)  # fmt: skip
    services.bill_waive(bill=bill(current, room_b, fixed), actor=manager, reason="减免")
    previous_payment = services.counter_payment(
        bills=[bill(previous, room, property_rule)], method="cash", cashier=cashier
    )
    deposit = fee_rule(community, kind="fixed", name="装修押金", unit_price="999.00")
    services.run_create(community=community, fee_rules=[deposit], month=months_ago(0),
                        actor=manager)  # draft only  # fmt: skip

    outsider_actor = billing_actor(other_community)
    outsider_rule = fee_rule(other_community, name="物业服务费", unit_price="9.99")
    outsider_bill = publish(other_community, [outsider_rule], months_ago(0), outsider_actor)[0]
    services.counter_payment(bills=[outsider_bill], method="cash", cashier=outsider_actor)
    late_fee = previous_payment.items.get().late_fee
    return {"room_b": room_b, "room_c": room_c, "previous_late_fee": late_fee}


def figures(row):
    return (row.bills, row.billed, row.waived, row.collected, row.arrears)


def test_monthly_figures(community, room, world):
    start = months_ago(0)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    report = collection_report(community, start, end)

    by_kind = {row.key: row for row in report.by_kind}
    assert list(by_kind) == ["property", "fixed"]
    # 275.80 + 280.00 + 224.00 billed; 275.80 and 224.00 paid; 280.00 owed.
    assert figures(by_kind["property"]) == (3, Decimal("779.80"), Decimal("0.00"),
                                            Decimal("499.80"), Decimal("280.00"))  # fmt: skip
    assert figures(by_kind["fixed"]) == (3, Decimal("60.00"), Decimal("20.00"),
                                         Decimal("20.00"), Decimal("20.00"))  # fmt: skip
    assert by_kind["fixed"].rate == Decimal("0.5")
    # Received this month: both 3栋1201 bills, 5栋501's, and last month's 275.80 (+ late fee).
    assert by_kind["property"].received == Decimal("775.60")
    assert by_kind["fixed"].received == Decimal("20.00")
    assert report.total.late_fees == world["previous_late_fee"]

    by_building = {row.label: row for row in report.by_building}
    assert list(by_building) == ["3栋", "5栋"]
    assert figures(by_building["3栋"]) == (4, Decimal("595.80"), Decimal("20.00"),
                                          Decimal("295.80"), Decimal("280.00"))  # fmt: skip
    assert figures(by_building["5栋"]) == (2, Decimal("244.00"), Decimal("0.00"),
                                          Decimal("224.00"), Decimal("20.00"))  # fmt: skip

    total = report.total
    assert figures(total) == (6, Decimal("839.80"), Decimal("20.00"), Decimal("519.80"),
                              Decimal("300.00"))  # fmt: skip
    assert total.rate == Decimal("519.80") / Decimal("819.80")
    assert total.received == Decimal("795.60")
    assert all(isinstance(value, Decimal) for value in figures(total)[1:])


def test_monthly_page(client_for, cashier, world):
    response = client_for(cashier).get(REPORTS, {"kind": "monthly",
                                                  "month": f"{months_ago(0):%Y-%m}"})  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("¥839.80", "¥519.80", "¥300.00", "63.4%", "¥779.80", "¥595.80", "50.0%"):
        assert text in html
    assert CHART + "?" in html
    assert "export=xlsx" in html and "export=pdf" in html


def test_default_is_this_month(client_for, cashier, world):
    response = client_for(cashier).get(REPORTS)
    assert response.status_code == 200
    assert response.context["report"].start == months_ago(0)
    assert response.context["report"].total.billed == Decimal("839.80")


def test_annual_report(client_for, cashier, community, world):
    this_month, last_month = months_ago(0), months_ago(1)
    response = client_for(cashier).get(REPORTS, {"kind": "annual", "year": this_month.year})
    assert response.status_code == 200
    report = response.context["report"]
    assert len(report.by_month) == 12
    months = {row.key: row for row in report.by_month}
    assert figures(months[this_month]) == (6, Decimal("839.80"), Decimal("20.00"),
                                           Decimal("519.80"), Decimal("300.00"))  # fmt: skip
    previous_in_year = last_month.year == this_month.year
    if previous_in_year:
        # Last month's three property bills, 3栋1201's paid (this month).
        assert figures(months[last_month]) == (3, Decimal("779.80"), Decimal("0.00"),
                                               Decimal("275.80"), Decimal("504.00"))  # fmt: skip
    assert months[this_month].received == Decimal("795.60")
    assert report.total.billed == sum(row.billed for row in report.by_month)
    assert report.total.billed == Decimal("839.80") + (Decimal("779.80") if previous_in_year
                                                       else 0)  # fmt: skip
    assert f"{this_month:%Y-%m}" in response.content.decode()


def test_another_community_sees_its_own(client_for, outsider_staff, world):
    response = client_for(outsider_staff).get(REPORTS)
    total = response.context["report"].total
    # Their one bill: 98.50 m² × 9.99 = 984.015 → 984.02, paid.
    assert figures(total) == (1, Decimal("984.02"), Decimal("0.00"), Decimal("984.02"),
                              Decimal("0.00"))  # fmt: skip


@pytest.mark.parametrize(
    "query",
    [
        {"month": "2026-13"},
        {"month": "1999-01"},
        {"kind": "annual", "year": "1800"},
        {"month": f"{timezone.localdate().year + 1}-01"},
    ],  # fmt: skip
)
def test_bad_period_is_400(client_for, cashier, query):
    client = client_for(cashier)
    response = client.get(REPORTS, query)
    assert response.status_code == 400
    if "month" in query:
        assert f'value="{query["month"]}"' in response.content.decode()
    assert client.get(CHART, query).status_code == 400


def test_permissions(client_for, staff_user, resident):
    client = client_for(staff_user)
    assert client.get(REPORTS).status_code == 403
    assert client.get(CHART).status_code == 403
    assert client.get(REPORTS, {"export": "xlsx"}).status_code == 403
    assert client_for(resident).get(REPORTS).status_code == 403


def test_manager_may_view(client_for, manager, world):
    assert client_for(manager).get(REPORTS).status_code == 200


# --- Chart and exports -----------------------------------------------------------------------------


def test_chart_svg(client_for, cashier, world):
    client = client_for(cashier)
    for query in ({"month": f"{months_ago(0):%Y-%m}"}, {"kind": "annual", "year": "2025"},
                  {"month": "2020-01"}):  # fmt: skip
        response = client.get(CHART, query)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        root = ElementTree.fromstring(response.content)  # noqa: S314 (our own chart)
        assert root.tag.endswith("svg")


def test_xlsx_export(client_for, cashier, world):
    response = client_for(cashier).get(
        REPORTS, {"month": f"{months_ago(0):%Y-%m}", "export": "xlsx"}
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [_("Report summary"), _("By fee kind"), _("By building")]
    sheet = book[_("By fee kind")]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (_("Fee kind"), _("Bill count"), _("Amount billed"), _("Amount waived"), _("Amount collected"),
                       _("Arrears"), _("Collection rate"), _("Received in the period"))  # fmt: skip
    assert rows[1][:6] == (_("Property management fee"), 3, 779.8, 0, 499.8, 280)
    assert rows[2][6] == 0.5
    assert rows[-1][0] == _("Total") and rows[-1][2] == 839.8
    assert isinstance(rows[-1][2], float | int)  # a number, not text
    summary = list(book[_("Report summary")].iter_rows(values_only=True))
    assert (_("Amount billed"), 839.8) in summary


def test_xlsx_export_annual_has_months(client_for, cashier, world):
    response = client_for(cashier).get(
        REPORTS, {"kind": "annual", "year": months_ago(0).year, "export": "xlsx"}
    )
    book = load_workbook(io.BytesIO(response.content))
    assert _("By month") in book.sheetnames
    assert book[_("By month")].max_row == 1 + 12 + 1


def test_pdf_export(client_for, cashier, community, world):
    month = f"{months_ago(0):%Y-%m}"
    response = client_for(cashier).get(REPORTS, {"month": month, "export": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    title = _("%(community)s · Collection report for %(month)s") % {
        "community": community.name,
        "month": month,
    }
    assert title.replace(" ", "") in text.replace(" ", "")
    assert "翠湖花园" in text
    for figure in ("¥839.80", "¥519.80", "¥300.00", "¥779.80"):
        assert figure in text
    fonts = {
        str(font.get_object().get("/BaseFont"))
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("LinliCJK" in name or "WenQuanYi" in name for name in fonts)


# --- Bounded queries ---------------------------------------------------------------------------------


def test_queries_do_not_grow(client_for, community, manager, cashier, property_rule):
    client = client_for(manager)

    def report_queries(**query) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(REPORTS, query).status_code == 200
            assert client.get(CHART, query).status_code == 200
        return len(queries)

    def add_paid_bills(count: int, month: dt.date, building_name: str) -> None:
        for number in range(count):
            RoomFactory(building__community=community, building__name=f"{building_name}{number}",
                        number="101")  # fmt: skip
        bills = publish(community, [property_rule], month, manager)
        for bill in bills[: len(bills) // 2]:
            services.counter_payment(bills=[bill], method="cash", cashier=cashier)

    add_paid_bills(5, months_ago(0), "A")
    few = (report_queries(), report_queries(kind="annual", year=months_ago(0).year))
    add_paid_bills(55, months_ago(0).replace(day=1) - dt.timedelta(days=1), "B")
    assert Bill.objects.count() >= 60 and PaymentItem.objects.count() >= 30
    many = (report_queries(), report_queries(kind="annual", year=months_ago(0).year))
    assert many == few
    assert few[0] <= 26  # both requests: the page and its chart

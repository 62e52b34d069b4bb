"""The cashier's end-of-day report (日结/交班, SBIL-3): per cashier and day, totals by method,
receipts, voided ones, prepaid money in and out and the cash expected in the drawer; the
cashier hands the day over; the manager sees every cashier's days; printable and exported."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from billing import services
from billing.models import Bill, CashierDay
from kit.models import AuditEntry
from tests.factories import StaffMemberFactory

pytestmark = pytest.mark.django_db

DAYS = reverse("billing_staff:cashier_days")


def day_url(name: str, user, day: dt.date | None = None) -> str:
    day = day or timezone.localdate()
    return f"{reverse(f'billing_staff:{name}')}?cashier={user.pk}&day={day.isoformat()}"


def close(client, user, day: dt.date | None = None):
    day = day or timezone.localdate()
    return client.post(
        reverse("billing_staff:cashier_day_close"), {"cashier": user.pk, "day": day.isoformat()}
    )


@pytest.fixture
def busy_day(community, room, cashier, published_bill):
    """A prepayment of 500 in cash, 100 of it paid to the bill from the balance, a POS part
    payment of 50 and a cash payment of the rest that was voided."""
    Bill.objects.filter(pk=published_bill.pk).update(
        due_date=timezone.localdate() + dt.timedelta(days=5)
    )
    services.prepayment_deposit(
        room=room, amount=D("500"), method="cash", cashier=cashier, tendered=D("500")
    )
    services.counter_payment(bills=[published_bill], method="prepaid", cashier=cashier,
                             amount=D("100"))  # fmt: skip
    services.counter_payment(bills=[published_bill], method="pos", cashier=cashier,
                             amount=D("50"), reference="POS-1")  # fmt: skip
    voided = services.counter_payment(bills=[published_bill], method="cash", cashier=cashier,
                                      tendered=D("200"))  # fmt: skip
    services.payment_void(payment=voided, actor=cashier, reason="收错", any_day=False)
    return voided


@pytest.mark.req("SBIL-3")
def test_the_day_adds_up_by_method_with_voids_and_prepaid_money(client_for, cashier, busy_day):
    response = client_for(cashier).get(day_url("cashier_day", cashier))
    assert response.status_code == 200
    summary = response.context["summary"]
    assert {row["method"]: row["total"] for row in summary.by_method} == {
        "cash": D("500.00"), "pos": D("50.00"), "prepaid": D("100.00"),
    }  # fmt: skip
    assert summary.receipts == 4 and summary.voided == 1
    assert summary.voided_total == D("125.80")
    assert summary.prepaid_in == D("500.00") and summary.prepaid_deducted == D("100.00")
    assert summary.received == D("550.00")
    assert summary.cash_expected == D("500.00")
    page = response.content.decode()
    assert "预存抵扣" in page and "应存现金" in page and "POS" in page


@pytest.mark.req("SBIL-3")
def test_the_cashier_hands_the_day_over_once(client_for, cashier, community, busy_day):
    client = client_for(cashier)
    assert client.get(day_url("cashier_day_close", cashier)).status_code == 405
    response = close(client, cashier)
    assert response.status_code == 302
    closed = CashierDay.objects.get(cashier=cashier)
    assert closed.summary["cash_expected"] == "500.00"
    assert AuditEntry.objects.filter(action="billing.day_closed", actor=cashier).exists()
    close(client, cashier)
    assert CashierDay.objects.count() == 1
    page = client.get(day_url("cashier_day", cashier)).content.decode()
    assert "已交班" in page and 'id="close-day"' not in page
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    close(client, cashier, tomorrow)
    assert CashierDay.objects.count() == 1


@pytest.mark.req("SBIL-3")
def test_the_manager_sees_every_cashier_a_cashier_only_their_own(
    client_for, cashier, manager, community, busy_day
):
    colleague = StaffMemberFactory(communities=[community], position_name="收费员").user
    listed = client_for(manager).get(DAYS)
    assert [row["cashier_id"] for row in listed.context["rows"]] == [cashier.pk]
    assert client_for(manager).get(day_url("cashier_day", cashier)).status_code == 200
    # A manager cannot hand over someone else's day.
    assert close(client_for(manager), cashier).status_code == 404
    theirs = client_for(colleague)
    assert theirs.get(DAYS).context["rows"] == []
    assert theirs.get(day_url("cashier_day", cashier)).status_code == 404
    assert theirs.get(day_url("cashier_day_export", cashier)).status_code == 404
    assert client_for(cashier).get(DAYS).context["rows"][0]["total"] == D("550.00")
    bad = client_for(manager).get(DAYS, {"since": "2026-05-10", "until": "2026-05-01"})
    assert bad.status_code == 400 and "结束日期" in bad.content.decode()
    assert client_for(manager).get(day_url("cashier_day", cashier).replace(
        timezone.localdate().isoformat(), "2026-13-01")).status_code == 404  # fmt: skip


@pytest.mark.req("SBIL-3")
def test_the_day_exports_to_excel(client_for, cashier, busy_day):
    response = client_for(cashier).get(day_url("cashier_day_export", cashier))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    summary, payments = book.worksheets
    values = {row[0]: row[1] for row in summary.iter_rows(min_row=4, values_only=True)}
    assert values["应存现金"] == 500
    assert values["作废收据"] == 1
    assert payments.max_row == 5  # the header and four payments
    statuses = [row[12] for row in payments.iter_rows(min_row=2, values_only=True)]
    assert "已作废" in statuses


def test_another_companys_cashier_and_days_are_404(
    client_for, manager, outsider_staff, other_community, outsider_room
):
    services.prepayment_deposit(room=outsider_room, amount=D("50"), method="cash",
                                cashier=outsider_staff)  # fmt: skip
    client = client_for(manager)
    assert client.get(day_url("cashier_day", outsider_staff)).status_code == 404
    assert client.get(day_url("cashier_day_export", outsider_staff)).status_code == 404
    assert client.get(DAYS).context["rows"] == []


def test_the_day_pages_run_a_fixed_number_of_queries(
    client_for, cashier, manager, room, busy_day, django_assert_max_num_queries
):
    client = client_for(manager)
    with django_assert_max_num_queries(40) as few:
        client.get(day_url("cashier_day", cashier))
        client.get(DAYS)
    for _ in range(5):
        services.prepayment_deposit(room=room, amount=D("10"), method="cash", cashier=cashier)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(day_url("cashier_day", cashier))
        client.get(DAYS)

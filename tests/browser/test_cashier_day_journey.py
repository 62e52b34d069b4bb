"""A cashier's day at 1440×900 in headless Chromium: a prepayment, a part payment in cash with
the amount tendered and the change, a receipt voided (红冲), and the end-of-day report handed
over. The receipts are rendered to PNG for a person to look at.
Screenshots: var/screenshots/cashier-*.png."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing import services
from billing.models import Bill, CashierDay, Payment, PrepaymentAccount
from tests.factories import StaffMemberFactory, fee_rule

from . import support
from .support import SHOTS, submit


def shot(page, name):
    support.shot(page, f"cashier-{name}")


@pytest.mark.req("SBIL-2", "SBIL-3", "BIL-4")
def test_a_cashiers_day(open_page, live_server, transactional_db, community, room, resident,
                        positions):  # fmt: skip
    base = live_server.url
    cashier = StaffMemberFactory(
        communities=[community], position_name="收费员", user__display_name="周收费"
    ).user
    rule = fee_rule(community, name="物业服务费", unit_price="2.80")
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    run = services.run_create(community=community, fee_rules=[rule], month=last_month,
                              actor=cashier)  # fmt: skip
    services.run_publish(run=run, actor=cashier)
    bill = Bill.objects.get(room=room)
    Bill.objects.filter(pk=bill.pk).update(due_date=timezone.localdate() + dt.timedelta(days=5))

    desk = open_page("desk", cashier)
    # A prepayment of ¥300 in cash, ¥500 handed over.
    desk.goto(f"{base}/staff/billing/counter/{room.pk}/")
    desk.fill("#prepay-form [name=amount]", "300")
    desk.fill("#prepay-form [name=tendered]", "500")
    submit(desk, "#prepay-button")
    deposit = Payment.objects.get(purpose="prepayment")
    assert deposit.change == Decimal("200.00")
    expect(desk.locator("#receipt-number")).to_have_text(deposit.receipt.display_number)
    shot(desk, "prepaid")

    # A part payment of ¥100 in cash; ¥150 handed over, the page shows ¥50 change.
    desk.goto(f"{base}/staff/billing/counter/{room.pk}/")
    expect(desk.locator("#prepaid-balance")).to_have_text("¥300.00")
    desk.click("label[for=id_method_0]")
    desk.fill("#id_amount", "100")
    desk.fill("#id_tendered", "150")
    expect(desk.locator("#change-due")).to_have_text("¥50.00")
    shot(desk, "counter-part-payment")
    submit(desk, "#pay-button")
    part = Payment.objects.get(purpose="bills", method="cash")
    assert (part.amount, part.change) == (Decimal("100.00"), Decimal("50.00"))
    bill.refresh_from_db()
    assert bill.status == "partially_paid"
    expect(desk.locator("#change")).to_have_text("¥50.00")
    shot(desk, "part-paid")
    pdf = desk.request.get(f"{base}/staff/billing/receipts/{part.receipt.pk}/pdf/")
    assert pdf.ok
    _render_pdf(pdf.body(), SHOTS / "cashier-receipt-part.png", "找零")

    # The rest from the prepaid balance, then that receipt is voided: wrong deduction.
    desk.goto(f"{base}/staff/billing/counter/{room.pk}/")
    desk.click("label[for=id_method_3]")
    expect(desk.locator(".js-cash").first).to_be_hidden()
    submit(desk, "#pay-button")
    from_balance = Payment.objects.get(method="prepaid")
    assert PrepaymentAccount.objects.get(room=room).balance == Decimal("124.20")
    desk.fill("#void-form [name=reason]", "住户要求改用现金")
    submit(desk, "#void-button")
    from_balance.refresh_from_db()
    assert from_balance.status == "voided"
    assert PrepaymentAccount.objects.get(room=room).balance == Decimal("300.00")
    expect(desk.locator("#receipt-voided")).to_be_visible()
    shot(desk, "voided")
    pdf = desk.request.get(f"{base}/staff/billing/receipts/{from_balance.receipt.pk}/pdf/")
    _render_pdf(pdf.body(), SHOTS / "cashier-receipt-voided.png", "作废")

    # The end-of-day report, handed over.
    desk.goto(f"{base}/staff/billing/cashier-days/day/")
    expect(desk.locator("#cash-expected")).to_have_text("¥400.00")
    shot(desk, "day")
    submit(desk, "#close-day")
    expect(desk.locator("#handed-over")).to_be_visible()
    assert CashierDay.objects.filter(cashier=cashier).exists()
    desk.goto(f"{base}/staff/billing/cashier-days/")
    shot(desk, "days")


def _render_pdf(data: bytes, path, words: str) -> None:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    page = document[0]
    page.render(scale=2).to_pil().save(path)
    assert words in page.get_textpage().get_text_range()

"""The billing journey in headless Chromium: the manager runs last month's property fees and
publishes them, the resident (and the family) sees the bill, the cashier takes payment at the
counter, the resident finds the payment in the history and opens the receipt, whose PDF is
rendered to PNG for a person to look at; the manager reads the collection report.
Screenshots: var/screenshots/billing-*.png."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import Bill, Payment
from billing.rules import to_chinese_capitals
from tests.factories import StaffMemberFactory, fee_rule

from . import support
from .support import SHOTS, submit


def shot(page, name):
    support.shot(page, f"billing-{name}")


@pytest.mark.req("SBIL-1", "SBIL-2", "SBIL-3", "BIL-1", "BIL-2", "BIL-4", "BIL-6")
def test_run_publish_pay_and_receipt(
    open_page, live_server, transactional_db, community, resident, family_member, manager,
    positions,
):  # fmt: skip
    base = live_server.url
    rule = fee_rule(community, name="物业服务费", unit_price="2.80")
    cashier = StaffMemberFactory(
        communities=[community], position_name="收费员", user__display_name="周收费"
    ).user
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)

    # The manager previews, creates and publishes last month's property fees.
    desk = open_page("desk", manager)
    desk.goto(f"{base}/staff/billing/runs/new/?rules={rule.pk}&month={last_month:%Y-%m}")
    expect(desk.get_by_text("275.80").first).to_be_visible()
    shot(desk, "staff-run-preview")
    submit(desk, "form[method=post][action$='/billing/runs/new/'] button[type=submit]")
    bill = Bill.objects.get(room__residencies__user=resident)
    assert bill.status == "draft" and bill.amount.to_eng_string() == "275.80"
    desk.on("dialog", lambda dialog: dialog.accept())
    submit(desk, "form[action$='/publish/'] button")
    bill.refresh_from_db()
    assert bill.status == "published"
    shot(desk, "staff-run-published")

    # The family member sees the bill, its lines and the chart.
    phone = open_page("phone", family_member)
    phone.goto(f"{base}/bills/")
    expect(phone.get_by_text("275.80").first).to_be_visible()
    shot(phone, "resident-bills")
    phone.goto(f"{base}/bills/trend/")
    expect(phone.locator("img[src*='trend.svg'], object[data*='trend.svg']").first).to_be_visible()
    shot(phone, "resident-trend")

    # The cashier takes the payment in cash; the receipt is issued at once.
    counter = open_page("desk", cashier)
    counter.goto(f"{base}/staff/billing/counter/{bill.room_id}/")
    counter.click("label[for=id_method_0]")
    shot(counter, "staff-counter")
    submit(counter, "#pay-button")
    payment = Payment.objects.get()
    assert payment.status == "succeeded" and payment.receipt.number == 1
    expect(counter.get_by_text(payment.receipt.display_number).first).to_be_visible()
    shot(counter, "staff-paid")

    # The resident finds it in the history and opens the receipt.
    phone = open_page("phone", resident)
    phone.goto(f"{base}/bills/history/")
    expect(phone.get_by_text("275.80").first).to_be_visible()
    shot(phone, "resident-history")
    phone.goto(f"{base}/receipts/{payment.receipt.pk}/")
    # October's bill fell due on 15 November: the late fee is part of the payment.
    capitals = to_chinese_capitals(payment.amount)
    expect(phone.get_by_text(capitals).first).to_be_visible()
    shot(phone, "resident-receipt")
    pdf = phone.request.get(f"{base}/receipts/{payment.receipt.pk}/pdf/")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    _render_pdf(pdf.body(), SHOTS / "billing-receipt-pdf.png", capitals)

    # The manager reads the monthly collection report.
    desk.goto(f"{base}/staff/billing/reports/?month={last_month:%Y-%m}")
    expect(desk.get_by_text(re.compile("100(\\.0)?%")).first).to_be_visible()
    shot(desk, "staff-report")
    desk.goto(f"{base}/staff/billing/bills/?status=all")
    shot(desk, "staff-bills")


def _render_pdf(data: bytes, path, capitals: str) -> None:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    page = document[0]
    page.render(scale=2).to_pil().save(path)
    text = page.get_textpage().get_text_range()
    assert capitals in text

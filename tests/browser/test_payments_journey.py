"""Paying online in headless Chromium, on the default run's sandbox: the resident chooses
bills, confirms the amount, pays on the 沙箱支付 page, lands on the status page, opens the
receipt and finds the payment in the history; a second bill is paid with the notification
lost, and "I have paid" finds it. Screenshots: var/screenshots/payments-*.png."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing import services
from billing.models import Bill, Payment, Receipt
from tests.factories import fee_rule

from . import support
from .support import submit


def shot(page, name):
    support.shot(page, f"payments-{name}")


@pytest.mark.req("BIL-3", "BIL-4", "BIL-6")
def test_choose_pay_receipt_history(
    open_page, live_server, transactional_db, community, resident, manager, positions
):
    base = live_server.url
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    rules = [
        # No late fees: the amounts stay the same whatever day the suite runs.
        fee_rule(community, name="物业服务费", unit_price="2.80", daily_rate="0"),
        fee_rule(community, name="垃圾清运费", kind="fixed", unit_price="15.00", daily_rate="0"),
    ]
    run = services.run_create(community=community, fee_rules=rules, month=last_month, actor=manager)
    services.run_publish(run=run, actor=manager)
    bills = list(Bill.objects.filter(room__residencies__user=resident).order_by("amount"))
    assert len(bills) == 2

    phone = open_page("phone", resident)
    phone.goto(f"{base}/bills/")
    boxes = phone.locator("input[name=bills]")
    expect(boxes).to_have_count(2)
    shot(phone, "bills-chosen")
    # Leave only the fixed fee chosen: the bar's total follows.
    phone.locator(f"input[name=bills][value='{bills[1].pk}']").uncheck()
    expect(phone.locator("#pay-count")).to_have_text("1")
    submit(phone, "#pay-button")
    expect(phone.locator("#confirm-pay")).to_contain_text("15.00")
    shot(phone, "confirm")
    phone.locator("label.method-option", has_text="微信支付").click()
    submit(phone, "#confirm-pay")

    # The sandbox's cashier, clearly marked, plays WeChat Pay.
    expect(phone.get_by_text("沙箱", exact=False).first).to_be_visible()
    shot(phone, "sandbox")
    submit(phone, "#sandbox-pay")
    expect(phone.get_by_text("支付成功")).to_be_visible()
    shot(phone, "succeeded")
    payment = Payment.objects.get(method="wechat")
    assert payment.status == Payment.Status.SUCCEEDED
    assert [item.bill_id for item in payment.items.all()] == [bills[0].pk]
    submit(phone, "#open-receipt")
    expect(phone.get_by_text(Receipt.objects.get(payment=payment).display_number)).to_be_visible()
    shot(phone, "receipt")

    # The other bill: paid, but the notification is lost on the way.
    phone.goto(f"{base}/bills/")
    expect(phone.locator("input[name=bills]")).to_have_count(1)
    submit(phone, "#pay-button")
    phone.locator("label.method-option", has_text="支付宝").click()
    submit(phone, "#confirm-pay")
    phone.get_by_text("测试选项").click()
    submit(phone, "button[value=pay_lost]")
    expect(phone.get_by_text("正在确认支付结果")).to_be_visible()
    shot(phone, "waiting")
    submit(phone, "#check-payment")  # "I have paid": the server asks the provider
    expect(phone.get_by_text("支付成功")).to_be_visible()
    assert Payment.objects.get(method="alipay").notification["source"] == "query"

    phone.goto(f"{base}/bills/history/")
    expect(phone.get_by_text("微信支付").first).to_be_visible()
    expect(phone.get_by_text("支付宝").first).to_be_visible()
    shot(phone, "history")
    phone.goto(f"{base}/bills/")
    expect(phone.locator("input[name=bills]")).to_have_count(0)

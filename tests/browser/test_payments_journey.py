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


WECHAT_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN"
)


@pytest.mark.req("BIL-3")
@pytest.mark.parametrize("agent", ["phone", "wechat"])
def test_pay_from_the_bill_page_and_cancel_an_abandoned_checkout(
    open_page, live_server, transactional_db, community, resident, manager, positions, agent
):
    """Issue 13: the bill page has a pay button into the confirm page; the confirm button is
    busy at once, so a second tap sends nothing; the checkout left at the provider's page is
    one card on the 缴费 tab, and 取消 closes it there and at the provider; the other bill is
    paid from its page (the sandbox's several submit buttons still say which was pressed)."""
    from billing.models import SandboxTrade

    base = live_server.url
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    rules = [
        fee_rule(community, name="物业服务费", unit_price="2.80", daily_rate="0"),
        fee_rule(community, name="垃圾清运费", kind="fixed", unit_price="15.00", daily_rate="0"),
    ]
    run = services.run_create(community=community, fee_rules=rules, month=last_month, actor=manager)
    services.run_publish(run=run, actor=manager)
    fixed, property_fee = Bill.objects.filter(room__residencies__user=resident).order_by("amount")
    phone = open_page("phone", resident, user_agent=WECHAT_AGENT if agent == "wechat" else None)

    # The bill page: what is due now, and the button that pays it online.
    phone.goto(f"{base}/bills/{property_fee.pk}/")
    expect(phone.locator("#bill-pay")).to_be_visible()
    expect(phone.locator("#bill-pay-bar")).to_contain_text("275.80")
    expect(phone.get_by_text("线上缴费即将开通")).to_have_count(0)
    shot(phone, f"bill-page-{agent}")
    submit(phone, "#bill-pay")
    expect(phone.locator("#confirm-pay")).to_contain_text("275.80")
    phone.locator("label.method-option", has_text="微信支付").click()

    # 确认支付 whose answer never replaces the page (the server's stand-in answers 204): the
    # button is busy at once, the choice stays, and submitting again (a second tap) sends
    # nothing.
    posts = []
    phone.on("request", lambda request: posts.append(request) if request.method == "POST" else None)
    phone.route("**/bills/pay/", lambda route: route.fulfill(status=204))
    phone.click("#confirm-pay")
    phone.evaluate("document.getElementById('confirm-pay').form.requestSubmit()")
    phone.wait_for_timeout(300)
    button = phone.locator("#confirm-pay")
    expect(button).to_be_disabled()
    expect(button).to_have_text("处理中…")
    expect(button.locator(".spinner-border")).to_have_count(1)
    expect(phone.locator("input[name=method][value=wechat]")).to_be_checked()
    assert len(posts) == 1
    assert not Payment.objects.exists()
    shot(phone, f"confirm-busy-{agent}")
    phone.unroute("**/bills/pay/")
    phone.reload()
    phone.locator("label.method-option", has_text="微信支付").click()
    submit(phone, "#confirm-pay")
    expect(phone.get_by_text("沙箱", exact=False).first).to_be_visible()
    abandoned = Payment.objects.get()
    assert abandoned.status == Payment.Status.PENDING

    # Left at the provider's page: the 缴费 tab shows that one payment, saying what it is.
    phone.goto(f"{base}/bills/")
    card = phone.locator("article.open-payment")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("未完成的微信支付")
    expect(card).to_contain_text("275.80")
    expect(card).to_contain_text("物业服务费")
    shot(phone, f"bills-abandoned-{agent}")
    submit(phone, "article.open-payment button[data-action=cancel]")
    expect(phone.get_by_text("已取消这笔付款")).to_be_visible()
    expect(phone.locator("article.open-payment")).to_have_count(0)
    abandoned.refresh_from_db()
    assert abandoned.status == Payment.Status.CLOSED
    assert SandboxTrade.objects.get(number=abandoned.number).state == SandboxTrade.State.CLOSED
    shot(phone, f"bills-cancelled-{agent}")

    # The other bill, paid from its page to the end.
    phone.goto(f"{base}/bills/{fixed.pk}/")
    submit(phone, "#bill-pay")
    submit(phone, "#confirm-pay")
    submit(phone, "#sandbox-pay")  # name=action value=pay reaches the server
    expect(phone.get_by_text("支付成功")).to_be_visible()
    fixed.refresh_from_db()
    assert fixed.status == Bill.Status.PAID

"""The resident's pay pages (BIL-3): what they offer, what they refuse, and whose they are."""

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from billing import selectors, services
from billing.models import Bill, Payment
from billing.online import services as online
from billing.online.providers import get_provider
from tests.factories import ResidencyFactory, RoomFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("BIL-3")]


@pytest.fixture
def phone(client, resident):
    client.force_login(resident)
    return client


def test_bills_page_offers_the_household_bills_for_paying(phone, published_bill):
    page = phone.get(reverse("billing:bills")).content.decode()
    assert f'name="bills" value="{published_bill.pk}"' in page
    assert 'id="pay-button"' in page
    assert "线上缴费即将开通" not in page


def test_the_bill_page_pays_the_bill_online(phone, published_bill):
    """An unpaid bill's page starts the same flow as the 缴费 tab: the confirm page with this
    bill chosen. The counter hint is for when online payment is not available."""
    page = phone.get(reverse("billing:bill", args=[published_bill.pk])).content.decode()
    pay_url = f"{reverse('billing:pay')}?bills={published_bill.pk}"
    assert f'href="{pay_url}" id="bill-pay"' in page
    assert "去缴费" in page
    assert 'id="counter-note"' not in page and "线上缴费即将开通" not in page
    confirm = phone.get(pay_url)
    assert confirm.status_code == 200
    assert [bill.pk for bill in confirm.context["bills"]] == [published_bill.pk]


@override_settings(PAYMENT_SANDBOX=False)
def test_without_an_online_method_the_bill_page_sends_the_payer_to_the_counter(
    phone, published_bill
):
    published_bill.community.service_phone = "0755-88886666"
    published_bill.community.save(update_fields=["service_phone"])
    page = phone.get(reverse("billing:bill", args=[published_bill.pk])).content.decode()
    assert 'id="bill-pay"' not in page
    assert 'id="counter-note"' in page and "请到物业服务中心缴纳" in page
    assert "0755-88886666" in page


def test_a_paid_bill_page_offers_neither(phone, published_bill, cashier):
    services.counter_payment(bills=[published_bill], method="cash", cashier=cashier)
    page = phone.get(reverse("billing:bill", args=[published_bill.pk])).content.decode()
    assert 'id="bill-pay"' not in page and 'id="counter-note"' not in page


def test_confirm_page_shows_the_server_amount_and_methods(phone, published_bill):
    response = phone.get(reverse("billing:pay"), {"bills": published_bill.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "微信支付" in page and "支付宝" in page and "网上银行卡" in page
    assert "沙箱" in page
    total = published_bill.outstanding + selectors.late_fee_of(published_bill, timezone.localdate())
    assert f"确认支付¥{total:.2f}" in page


def test_paying_redirects_to_the_sandbox_cashier(phone, published_bill):
    response = phone.post(reverse("billing:pay"), {"bills": [published_bill.pk], "method": "card"})
    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("billing:sandbox_pay", args=[payment.number])
    assert payment.status == Payment.Status.PENDING and payment.method == "card"
    page = phone.get(response["Location"]).content.decode()
    assert "沙箱" in page and payment.number in page


def test_the_amount_is_never_taken_from_the_browser(phone, published_bill):
    phone.post(
        reverse("billing:pay"),
        {"bills": [published_bill.pk], "method": "wechat", "amount": "0.01"},
    )
    assert Payment.objects.get().amount >= published_bill.amount


def test_no_method_keeps_the_choice_and_says_why(phone, published_bill):
    response = phone.post(reverse("billing:pay"), {"bills": [published_bill.pk]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请选择支付方式" in page
    assert f'name="bills" value="{published_bill.pk}"' in page
    assert not Payment.objects.exists()


def test_another_households_bill_cannot_be_paid(client, published_bill, outsider):
    client.force_login(outsider)
    response = client.post(
        reverse("billing:pay"), {"bills": [published_bill.pk], "method": "wechat"}
    )
    assert response.status_code == 400
    assert "已经不能缴费" in response.content.decode()
    assert not Payment.objects.exists()


def test_one_payment_covers_one_room(client, community, published_bill, resident, manager):
    second_room = RoomFactory(building=published_bill.room.building, number="1202", floor=12)
    ResidencyFactory(room=second_room, user=resident)
    run = published_bill.run
    other = Bill.objects.create(
        number="ZDTWOROOMS0001", community=community, room=second_room, rule=published_bill.rule,
        run=run, kind=published_bill.kind, title=published_bill.title,
        period_start=published_bill.period_start, period_end=published_bill.period_end,
        due_date=published_bill.due_date, amount=published_bill.amount,
        status=Bill.Status.PUBLISHED, late_fee_daily_rate=published_bill.late_fee_daily_rate,
        late_fee_cap_rate=published_bill.late_fee_cap_rate,
    )  # fmt: skip
    client.force_login(resident)
    response = client.post(
        reverse("billing:pay"), {"bills": [published_bill.pk, other.pk], "method": "alipay"}
    )
    assert response.status_code == 400
    assert "同一房屋" in response.content.decode()
    assert not Payment.objects.exists()


def test_status_and_sandbox_pages_belong_to_the_household(
    client, phone, published_bill, resident, family_member, outsider
):
    payment, _checkout = online.payment_start(
        bills=[published_bill], method="wechat", payer=resident, client=online.Client()
    )
    status_url = reverse("billing:payment", args=[payment.number])
    sandbox_url = reverse("billing:sandbox_pay", args=[payment.number])
    assert phone.get(status_url).status_code == 200
    client.force_login(family_member)  # the family follows the household's payments
    assert client.get(status_url).status_code == 200
    client.force_login(outsider)
    assert client.get(status_url).status_code == 404
    assert client.get(sandbox_url).status_code == 404
    assert client.post(sandbox_url, {"action": "pay"}).status_code == 404
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_status_page_shows_what_the_database_says(phone, published_bill, resident):
    payment, _checkout = online.payment_start(
        bills=[published_bill], method="alipay", payer=resident, client=online.Client()
    )
    url = reverse("billing:payment", args=[payment.number])
    assert "正在确认支付结果" in phone.get(url).content.decode()
    get_provider("alipay").pay(payment.number)  # paid, the notification is lost
    assert "正在确认支付结果" in phone.get(url).content.decode()  # a return is no proof
    page = phone.post(url).content.decode()  # "I have paid": the provider is asked
    assert "支付成功" in page
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED


def test_cancelling_at_the_sandbox_closes_the_payment(phone, published_bill, resident):
    payment, _checkout = online.payment_start(
        bills=[published_bill], method="alipay", payer=resident, client=online.Client()
    )
    response = phone.post(
        reverse("billing:sandbox_pay", args=[payment.number]), {"action": "cancel"}
    )
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CLOSED
    assert "支付未完成" in phone.get(response["Location"]).content.decode()


def test_notify_endpoint_needs_a_known_method(client):
    assert (
        client.post("/pay/notify/bitcoin/", b"{}", content_type="application/json").status_code
        == 404
    )
    assert client.get("/pay/notify/alipay/").status_code == 405


def test_history_lists_settled_payments_only(phone, published_bill, resident, cashier):
    online.payment_start(
        bills=[published_bill], method="alipay", payer=resident, client=online.Client()
    )
    assert "支付宝" not in phone.get(reverse("billing:history")).content.decode()
    services.counter_payment(bills=[published_bill], method="cash", cashier=cashier)
    assert "现金" in phone.get(reverse("billing:history")).content.decode()


def test_confirm_page_runs_a_bounded_number_of_queries(phone, room):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .test_resident_bills import make_bill

    counts = []
    for total in (2, 12):
        Bill.objects.all().delete()
        ids = [
            make_bill(room, kind=("property", "water", "parking")[index % 3],
                      month=dt.date(2023 + index // 12, index % 12 + 1, 1)).pk
            for index in range(total)
        ]  # fmt: skip
        phone.get(
            reverse("billing:pay"), {"bills": ids}
        )  # the first request fills the cached badges (kit/cache.py)
        with CaptureQueriesContext(connection) as queries:
            response = phone.get(reverse("billing:pay"), {"bills": ids})
        assert len(response.context["bills"]) == total
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 12, counts

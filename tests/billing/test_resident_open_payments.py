"""Checkouts the payer left open (issue 13): one card per open payment on the 缴费 tab, saying
what it is, with 继续支付 and 取消; and starting the same bills twice gives one payment, even
when the two requests arrive at the same moment."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.models import Bill, Payment, SandboxTrade
from billing.online import services as online
from billing.online.providers.base import ProviderError
from billing.online.providers.sandbox import SandboxProvider
from kit.models import AuditEntry
from tests.factories import ResidencyFactory, RoomFactory
from tests.races import at_once, postgres_only

pytestmark = [pytest.mark.req("BIL-3")]


def start(bills, payer, method="wechat", client=None):
    payment, _checkout = online.payment_start(
        bills=bills, method=method, payer=payer, client=client or online.Client()
    )
    return payment


@pytest.fixture
def fixed_bill(published_bill):
    """A second open bill of the same room: 垃圾清运费 15.00, no late fee."""
    return Bill.objects.create(
        number="ZDOPENFIXED0001", community=published_bill.community, room=published_bill.room,
        rule=published_bill.rule, run=published_bill.run, kind="fixed", title="垃圾清运费",
        period_start=dt.date(2020, 1, 1), period_end=dt.date(2020, 1, 31),
        due_date=published_bill.due_date, amount=Decimal("15.00"), status=Bill.Status.PUBLISHED,
        late_fee_daily_rate=Decimal("0"), late_fee_cap_rate=Decimal("0"),
    )  # fmt: skip


@pytest.fixture
def neighbour(room):
    """A resident of another room of the same building."""
    return ResidencyFactory(room=RoomFactory(building=room.building, number="1203", floor=12)).user


# --- The cards on the 缴费 tab ---------------------------------------------------------------------


@pytest.mark.django_db
def test_each_open_payment_is_a_card_saying_what_it_is(
    client_for, resident, published_bill, fixed_bill
):
    first = start([published_bill], resident, method="wechat")
    second = start([fixed_bill], resident, method="alipay")
    page = client_for(resident).get(reverse("billing:bills")).content.decode()
    cards = page.split('<article class="open-payment')[1:]
    assert len(cards) == 2
    by_number = {payment.number: card for payment in (first, second) for card in cards
                 if f'id="open-payment-{payment.number}"' in card}  # fmt: skip
    assert set(by_number) == {first.number, second.number}
    newest, oldest = by_number[second.number], by_number[first.number]
    assert "未完成的支付宝" in newest and "¥15.00" in newest and "垃圾清运费" in newest
    assert "未完成的微信支付" in oldest and published_bill.title in oldest
    assert f"¥{first.amount:,.2f}" in oldest
    started = timezone.localtime(first.created_at).strftime("%H:%M")
    assert f"{started}发起" in oldest
    assert published_bill.room.label in oldest
    for payment, card in ((first, oldest), (second, newest)):
        assert reverse("billing:payment_continue", args=[payment.number]) in card
        assert reverse("billing:payment_cancel", args=[payment.number]) in card
        assert "继续支付" in card and "取消" in card
    # Newest first.
    assert page.index(second.number) < page.index(first.number)


@pytest.mark.django_db
def test_paid_closed_and_old_payments_are_not_cards(client_for, resident, published_bill):
    closed = start([published_bill], resident)
    online.payment_cancel(payment=closed, actor=resident)
    old = start([published_bill], resident, method="card")
    Payment.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    page = client_for(resident).get(reverse("billing:bills")).content.decode()
    assert 'id="open-payment-' not in page


# --- 取消 --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cancel_closes_the_payment_at_the_provider_and_here(
    client_for, resident, family_member, published_bill
):
    payment = start([published_bill], resident)
    client = client_for(family_member)  # the household's payment: any member may cancel it
    response = client.post(reverse("billing:payment_cancel", args=[payment.number]))
    assert (response.status_code, response["Location"]) == (302, reverse("billing:bills"))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CLOSED and payment.closed_at is not None
    trade = SandboxTrade.objects.get(number=payment.number)
    assert trade.state == SandboxTrade.State.CLOSED  # the provider's close was called
    assert AuditEntry.objects.filter(
        action="billing.payment_cancelled", actor=family_member, target_id=str(payment.pk)
    ).exists()
    page = client.get(response["Location"]).content.decode()
    assert "已取消这笔付款" in page and 'id="open-payment-' not in page
    published_bill.refresh_from_db()
    assert published_bill.status in Bill.UNPAID_STATUSES


@pytest.mark.django_db
def test_cancel_is_post_only(client_for, resident, published_bill):
    payment = start([published_bill], resident)
    client = client_for(resident)
    for name in ("billing:payment_cancel", "billing:payment_continue"):
        assert client.get(reverse(name, args=[payment.number])).status_code == 405
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


@pytest.mark.django_db
def test_another_households_payment_is_404(
    client_for, resident, outsider, neighbour, published_bill
):
    payment = start([published_bill], resident)
    for user in (outsider, neighbour):
        client = client_for(user)
        for name in ("billing:payment_cancel", "billing:payment_continue"):
            assert client.post(reverse(name, args=[payment.number])).status_code == 404
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert SandboxTrade.objects.get(number=payment.number).state == SandboxTrade.State.UNPAID


@pytest.mark.django_db
def test_cancel_needs_a_login(client, resident, published_bill):
    payment = start([published_bill], resident)
    response = client.post(reverse("billing:payment_cancel", args=[payment.number]))
    assert response.status_code == 302 and "login" in response["Location"]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


@pytest.mark.django_db
def test_cancel_csrf_is_checked(resident, published_bill):
    from django.test import Client

    payment = start([published_bill], resident)
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    assert client.post(reverse("billing:payment_cancel", args=[payment.number])).status_code == 403
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


@pytest.mark.django_db
def test_a_payment_paid_after_all_settles_instead_of_closing(client_for, resident, published_bill):
    payment = start([published_bill], resident)
    SandboxProvider("wechat").pay(payment.number)  # paid; the notification is lost
    response = client_for(resident).post(reverse("billing:payment_cancel", args=[payment.number]))
    assert response["Location"] == reverse("billing:payment", args=[payment.number])
    payment.refresh_from_db()
    published_bill.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert published_bill.status == Bill.Status.PAID


@pytest.mark.django_db
def test_an_unreachable_provider_leaves_the_payment_open(
    client_for, resident, published_bill, monkeypatch
):
    def query(self, payment):
        raise ProviderError("connection reset")

    monkeypatch.setattr(SandboxProvider, "query", query)
    payment = start([published_bill], resident)
    client = client_for(resident)
    response = client.post(reverse("billing:payment_cancel", args=[payment.number]))
    assert response["Location"] == reverse("billing:bills")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert SandboxTrade.objects.get(number=payment.number).state == SandboxTrade.State.UNPAID
    assert "付款未取消" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_a_closed_payment_cannot_be_cancelled_or_continued(client_for, resident, published_bill):
    payment = start([published_bill], resident)
    online.payment_cancel(payment=payment, actor=resident)
    with pytest.raises(ValidationError):
        online.payment_cancel(payment=payment, actor=resident)
    client = client_for(resident)
    response = client.post(reverse("billing:payment_continue", args=[payment.number]))
    assert response["Location"] == reverse("billing:payment", args=[payment.number])
    assert "已不在等待支付" in client.get(response["Location"]).content.decode()
    assert AuditEntry.objects.filter(action="billing.payment_cancelled").count() == 1


# --- 继续支付 ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_continue_goes_back_to_the_provider_with_the_same_order(
    client_for, resident, published_bill
):
    payment = start([published_bill], resident, method="alipay")
    response = client_for(resident).post(reverse("billing:payment_continue", args=[payment.number]))
    assert response["Location"] == reverse("billing:sandbox_pay", args=[payment.number])
    assert Payment.objects.count() == 1 and SandboxTrade.objects.count() == 1


# --- One payment for one start ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_bills_posted_twice_give_one_payment(client_for, resident, published_bill):
    client = client_for(resident)
    data = {"bills": [published_bill.pk], "method": "wechat"}
    first = client.post(reverse("billing:pay"), data)
    second = client.post(reverse("billing:pay"), data)
    payment = Payment.objects.get()
    assert (
        first["Location"]
        == second["Location"]
        == reverse("billing:sandbox_pay", args=[payment.number])
    )
    assert payment.status == Payment.Status.PENDING


@pytest.mark.django_db
def test_other_bills_another_method_or_a_closed_payment_give_a_new_payment(
    resident, family_member, published_bill, fixed_bill
):
    first = start([published_bill, fixed_bill], resident)
    assert start([published_bill], resident) != first  # not exactly the same bills
    assert start([published_bill, fixed_bill], resident, method="alipay") != first
    assert start([published_bill, fixed_bill], family_member) != first  # another payer
    assert start([published_bill, fixed_bill], resident) == first
    online.payment_cancel(payment=first, actor=resident)
    assert start([published_bill, fixed_bill], resident) != first
    # Started long ago: the provider's order is near its expiry, so a new one is made.
    again = start([fixed_bill], resident)
    Payment.objects.filter(pk=again.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=online.REUSE_MINUTES + 1)
    )
    assert start([fixed_bill], resident) != again


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_concurrent_starts_of_the_same_bills_give_one_payment(published_bill, resident):
    """Five requests for the same bills at the same moment (a double tap that got through, two
    tabs): the bill rows are locked before the open payment is looked for, so the later
    requests wait for the first to commit and are handed its payment."""
    count = 5
    numbers = at_once([lambda: start([published_bill], resident).number] * count)
    assert Payment.objects.count() == 1
    assert numbers == [Payment.objects.get().number] * count
    assert Payment.objects.get().status == Payment.Status.PENDING


@pytest.mark.django_db
def test_the_cards_cost_the_same_queries_for_one_open_payment_as_for_four(
    client_for, resident, published_bill
):
    client = client_for(resident)
    bills = [
        Bill.objects.create(
            number=f"ZDOPENQ{index:08d}",
            community=published_bill.community,
            room=published_bill.room,
            rule=published_bill.rule,
            run=published_bill.run,
            kind="fixed",
            title="垃圾清运费",
            period_start=dt.date(2020, index, 1),
            period_end=dt.date(2020, index, 28),
            due_date=published_bill.due_date,
            amount=Decimal("15.00"),
            status=Bill.Status.PUBLISHED,
            late_fee_daily_rate=Decimal("0"),
            late_fee_cap_rate=Decimal("0"),
        )  # fmt: skip
        for index in range(1, 5)
    ]
    counts = []
    for started in (bills[:1], bills[1:]):
        for bill in started:
            start([bill], resident)
        client.get(reverse("billing:bills"))  # the content-type and session caches, once
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("billing:bills")).content.decode()
        counts.append(len(queries))
    assert page.count('<article class="open-payment') == 4
    assert counts[0] == counts[1], counts

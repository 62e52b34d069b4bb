"""Online payments (BIL-3): exactly-once settlement, refusals, reconciliation, conflicts and
refunds, through the sandbox provider (its notifications are signed with a key made locally
and verified on the same path as a real provider's)."""

import datetime as dt
import json
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from billing import online, services
from billing.models import Bill, Payment, PaymentNotification, PaymentRefund, Receipt
from billing.payments import get_provider
from billing.payments.sandbox import sign_notification
from notices.models import Delivery, Message

pytestmark = [pytest.mark.req("BIL-3")]

Outcome = PaymentNotification.Outcome


def due(bill) -> Decimal:
    """What paying the bill costs today: its amount and the late fee so far (the test bill is
    last month's, overdue or not depending on the day the suite runs)."""
    from billing import selectors

    return bill.outstanding + selectors.late_fee_of(bill, timezone.localdate())


def start(bills, payer, method="alipay"):
    payment, _checkout = online.payment_start(
        bills=bills, method=method, payer=payer, client=online.Client()
    )
    return payment


def pay_at_sandbox(payment):
    """The sandbox gateway books the trade as paid and hands back its signed notification."""
    return get_provider(payment.method).pay(payment.number)


def deliver(payment, headers, body):
    return online.notification_receive(payment.method, headers, body, remote_addr="127.0.0.1")


@pytest.mark.django_db
def test_start_computes_the_amount_from_the_bills(published_bill, resident):
    payment = start([published_bill], resident)
    assert payment.status == Payment.Status.PENDING
    assert payment.amount == due(published_bill)
    assert payment.amount >= Decimal("275.80")
    assert payment.channel == "sandbox"
    assert [item.bill_id for item in payment.items.all()] == [published_bill.pk]
    published_bill.refresh_from_db()
    assert published_bill.status == Bill.Status.PUBLISHED  # nothing is paid before the money


@pytest.mark.django_db
def test_a_verified_notification_settles_once(
    published_bill, resident, django_capture_on_commit_callbacks
):
    payment = start([published_bill], resident)
    headers, body = pay_at_sandbox(payment)
    with django_capture_on_commit_callbacks(execute=True):
        replies = [deliver(payment, headers, body) for _ in range(10)]
    assert all(reply.status_code == 200 for reply in replies)
    assert {json.loads(reply.content)["code"] for reply in replies} == {"SUCCESS"}
    payment.refresh_from_db()
    published_bill.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.trade_no.startswith("SBX")
    assert payment.notification["out_trade_no"] == payment.number
    assert published_bill.status == Bill.Status.PAID
    assert published_bill.paid_amount == Decimal("275.80")
    assert published_bill.late_fee_paid == payment.amount - Decimal("275.80")
    assert Receipt.objects.filter(payment=payment).count() == 1
    outcomes = list(
        PaymentNotification.objects.filter(payment=payment).values_list("outcome", flat=True)
    )
    assert sorted(outcomes) == sorted([Outcome.SETTLED] + [Outcome.DUPLICATE] * 9)
    message = Message.objects.get(recipient=resident, event="payment.succeeded")
    assert f"{payment.amount}" in message.title


@pytest.mark.django_db(transaction=True)
def test_twenty_notifications_at_once_settle_once(published_bill, resident):
    payment = start([published_bill], resident)
    headers, body = pay_at_sandbox(payment)
    replies, errors = [], []
    barrier = threading.Barrier(20)

    def post():
        try:
            barrier.wait()
            replies.append(deliver(payment, headers, body))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [reply.status_code for reply in replies] == [200] * 20
    assert Receipt.objects.filter(payment=payment).count() == 1
    outcomes = list(
        PaymentNotification.objects.filter(payment=payment).values_list("outcome", flat=True)
    )
    assert outcomes.count(Outcome.SETTLED) == 1
    assert outcomes.count(Outcome.DUPLICATE) == 19
    published_bill.refresh_from_db()
    assert published_bill.paid_amount == Decimal("275.80")


def _nothing_changed(payment, bill):
    payment.refresh_from_db()
    bill.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert bill.status == Bill.Status.PUBLISHED
    assert not Receipt.objects.filter(payment=payment).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "spoil",
    [
        "bad_signature",
        "tampered_body",
        "stale_timestamp",
        "wrong_app",
        "unknown_order",
        "wrong_amount",
    ],
)
def test_notifications_that_are_not_believed(
    spoil, published_bill, resident, manager, django_capture_on_commit_callbacks
):
    payment = start([published_bill], resident)
    headers, body = pay_at_sandbox(payment)
    payload = json.loads(body)
    if spoil == "bad_signature":
        headers = {**headers, "HTTP_X_SANDBOX_SIGNATURE": "A" * 344}
    elif spoil == "tampered_body":
        total = str(online.fen(payment.amount)).encode()
        assert total in body
        body = body.replace(total, total[:-1])
    elif spoil == "stale_timestamp":
        headers, body = sign_notification(payload, timestamp=int(timezone.now().timestamp()) - 900)
    elif spoil == "wrong_app":
        headers, body = sign_notification({**payload, "app_id": "someone-else"})
    elif spoil == "unknown_order":
        headers, body = sign_notification({**payload, "out_trade_no": "ZF000000000000"})
    elif spoil == "wrong_amount":
        headers, body = sign_notification({**payload, "total_fen": 1})
    with django_capture_on_commit_callbacks(execute=True):
        reply = deliver(payment, headers, body)
    assert reply.status_code == 400
    assert json.loads(reply.content)["code"] == "FAIL"
    _nothing_changed(payment, published_bill)
    logged = PaymentNotification.objects.get()
    assert logged.outcome == Outcome.REFUSED
    assert logged.reason
    alerts = Message.objects.filter(event="payment.alert")
    if spoil == "wrong_amount":
        assert logged.payment == payment
        assert list(alerts.values_list("recipient", flat=True)) == [manager.pk]
    else:
        assert not alerts.exists()


@pytest.mark.django_db
def test_a_lost_notification_is_found_by_reconciliation(published_bill, resident):
    payment = start([published_bill], resident)
    pay_at_sandbox(payment)  # paid at the provider; the notification never arrives
    assert online.reconcile() == {"settled": 0, "closed": 0, "refunds": 0, "unapplied": 0}
    later = timezone.now() + dt.timedelta(minutes=4)
    assert online.reconcile(now=later)["settled"] == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.notification["source"] == "query"
    assert Receipt.objects.filter(payment=payment).count() == 1
    assert online.reconcile(now=later)["settled"] == 0  # nothing left to do


@pytest.mark.django_db
def test_reconciliation_closes_expired_unpaid_payments(published_bill, resident):
    payment = start([published_bill], resident)
    assert online.reconcile(now=timezone.now() + dt.timedelta(minutes=10))["closed"] == 0
    assert online.reconcile(now=timezone.now() + dt.timedelta(minutes=31))["closed"] == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CLOSED
    # Money that arrives after all (the payer paid at the last second) is still applied.
    headers, body = sign_notification(
        {"app_id": "linli-sandbox", "method": "alipay", "out_trade_no": payment.number,
         "trade_no": "SBXLATE", "total_fen": online.fen(payment.amount), "state": "paid"}
    )  # fmt: skip
    assert deliver(payment, headers, body).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED


@pytest.mark.django_db
def test_two_online_payments_for_one_bill_pay_it_once(
    published_bill, resident, family_member, django_capture_on_commit_callbacks
):
    first = start([published_bill], resident)
    second = start([published_bill], family_member, method="wechat")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(first, *pay_at_sandbox(first))
        reply = deliver(second, *pay_at_sandbox(second))
    assert reply.status_code == 200  # the provider is told we have it: no retries
    published_bill.refresh_from_db()
    assert published_bill.paid_amount == Decimal("275.80")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Payment.Status.SUCCEEDED and not first.unapplied
    # The second payment's money went back automatically, through the provider's refund.
    assert second.unapplied
    assert second.status == Payment.Status.REFUNDED
    refund = second.refunds.get()
    assert refund.status == PaymentRefund.Status.SUCCEEDED
    assert refund.amount == second.amount
    assert Receipt.objects.filter(payment__in=[first, second]).count() == 1
    assert get_provider("wechat").query(online.payment_ref(second)).paid
    published_bill.refresh_from_db()
    assert published_bill.status == Bill.Status.PAID  # the refund did not touch the bill


@pytest.mark.django_db
def test_a_counter_payment_while_online_is_pending(
    published_bill, resident, cashier, django_capture_on_commit_callbacks
):
    online_payment = start([published_bill], resident)
    services.counter_payment(bills=[published_bill], method="cash", cashier=cashier)
    with django_capture_on_commit_callbacks(execute=True):
        reply = deliver(online_payment, *pay_at_sandbox(online_payment))
    assert reply.status_code == 200
    published_bill.refresh_from_db()
    assert published_bill.paid_amount == Decimal("275.80")
    online_payment.refresh_from_db()
    assert online_payment.unapplied
    assert online_payment.status == Payment.Status.REFUNDED


@pytest.mark.django_db
def test_an_unapplied_payment_is_flagged_when_the_refund_cannot_be_sent(
    published_bill, resident, cashier, monkeypatch, django_capture_on_commit_callbacks
):
    from billing.tasks import refund_unapplied_task

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(refund_unapplied_task.__class__, "apply_async", broker_down)
    online_payment = start([published_bill], resident)
    services.counter_payment(bills=[published_bill], method="cash", cashier=cashier)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(online_payment, *pay_at_sandbox(online_payment)).status_code == 200
    online_payment.refresh_from_db()
    assert online_payment.status == Payment.Status.SUCCEEDED
    assert online_payment.unapplied and online_payment.attention
    # Reconciliation refunds it once the broker is reachable again (here: in-process).
    assert online.reconcile()["unapplied"] == 1
    online_payment.refresh_from_db()
    assert online_payment.status == Payment.Status.REFUNDED


@pytest.mark.django_db
def test_redis_down_during_a_notification(
    published_bill, resident, monkeypatch, django_capture_on_commit_callbacks
):
    """The settlement is committed and the provider told so; the resident's pushes wait as
    queued deliveries until the spine's sweep finds the broker again."""
    from notices.delivery import sweep
    from notices.tasks import deliver_task

    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    from notices.models import PushSubscription

    PushSubscription.objects.create(
        user=resident, endpoint="https://push.example.test/resident", p256dh="k", auth="a"
    )
    monkeypatch.setattr(deliver_task.__class__, "apply_async", broker_down)
    payment = start([published_bill], resident)
    with django_capture_on_commit_callbacks(execute=True):
        reply = deliver(payment, *pay_at_sandbox(payment))
    assert reply.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    message = Message.objects.get(event="payment.succeeded")
    waiting = Delivery.objects.filter(message=message, dispatched_at__isnull=True)
    assert waiting.exists()
    # Redis is back: the sweep (Celery beat, every minute) hands the deliveries over.
    monkeypatch.setattr(
        deliver_task.__class__,
        "apply_async",
        lambda task, args=None, kwargs=None, **options: task.apply(args, kwargs),
    )
    assert sweep()["dispatched"] >= 1
    assert not Delivery.objects.filter(message=message, dispatched_at__isnull=True).exists()


@pytest.mark.django_db
def test_partial_then_full_refund_through_the_provider(published_bill, resident, manager):
    payment = start([published_bill], resident)
    deliver(payment, *pay_at_sandbox(payment))
    payment.refresh_from_db()
    late_fee = payment.amount - Decimal("275.80")
    # A partial refund gives back the late fee first, then the bill's amount.
    refund = online.refund_payment(
        payment=payment, actor=manager, reason="多收", amount=late_fee + Decimal("75.80")
    )
    assert refund.status == PaymentRefund.Status.SUCCEEDED
    payment.refresh_from_db()
    published_bill.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.refunded_amount == late_fee + Decimal("75.80")
    assert published_bill.paid_amount == Decimal("200.00")
    assert published_bill.late_fee_paid == Decimal("0.00")
    assert published_bill.status == Bill.Status.PARTIALLY_PAID
    assert get_provider("alipay").query(online.payment_ref(payment)).paid
    with pytest.raises(Exception, match="200.00"):
        online.refund_payment(payment=payment, actor=manager, reason="x", amount=Decimal("200.01"))
    online.refund_payment(payment=payment, actor=manager, reason="退全款")
    payment.refresh_from_db()
    published_bill.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert payment.refunded_amount == payment.amount
    assert published_bill.paid_amount == Decimal("0.00")
    assert published_bill.status == Bill.Status.REFUNDED
    assert Message.objects.filter(recipient=resident, event="payment.refunded").count() == 2


@pytest.mark.django_db
@override_settings(PAYMENT_SANDBOX=False)
def test_without_credentials_and_sandbox_no_method_is_offered(published_bill, resident):
    from django.core.exceptions import ValidationError

    from billing.payments import available_methods

    assert available_methods() == []
    with pytest.raises(ValidationError):
        start([published_bill], resident)

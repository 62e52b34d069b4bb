"""Online payments (BIL-3): exactly-once settlement, refusals, reconciliation, conflicts and
refunds, through the sandbox provider (its notifications are signed with a key made locally
and verified on the same path as a real provider's)."""

import datetime as dt
import json
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from billing import services
from billing.models import Bill, Payment, PaymentNotification, PaymentRefund, Receipt
from billing.online import services as online
from billing.online.providers import get_provider
from billing.online.providers.sandbox import sign_notification
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
    assert online.reconcile(now=timezone.now() + dt.timedelta(minutes=31))["closed"] == 0
    assert online.reconcile(now=timezone.now() + dt.timedelta(minutes=36))["closed"] == 1
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
    # Not reopened: the household does not owe the refunded part again (nor late fees on it).
    assert published_bill.status == Bill.Status.PAID
    assert not Bill.objects.filter(pk=published_bill.pk, status__in=Bill.UNPAID_STATUSES).exists()
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

    from billing.online.providers import available_methods

    assert available_methods() == []
    with pytest.raises(ValidationError):
        start([published_bill], resident)


@pytest.mark.django_db
def test_the_sandbox_is_refused_in_a_deployment():
    from django.core import checks

    with override_settings(PAYMENT_SANDBOX=True, DEBUG=False):
        ids = [error.id for error in checks.run_checks(include_deployment_checks=True)]
    assert "billing.E004" in ids
    with override_settings(PAYMENT_SANDBOX=False, DEBUG=False):
        ids = [error.id for error in checks.run_checks(include_deployment_checks=True)]
    assert "billing.E004" not in ids


def test_production_settings_refuse_the_sandbox():
    import subprocess
    import sys

    env = {
        "PATH": "/usr/bin:/bin", "PAYMENT_SANDBOX": "true", "DJANGO_SECRET_KEY": "x",
        "DJANGO_ALLOWED_HOSTS": "example.com", "SMS_BACKEND": "x", "NOTIFY_WEBPUSH_BACKEND": "x",
        "NOTIFY_WECHAT_BACKEND": "x", "DJANGO_SETTINGS_MODULE": "config.settings.production",
    }  # fmt: skip
    code = "import django; django.setup()"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "PAYMENT_SANDBOX must be off in production" in result.stderr


@pytest.mark.django_db
def test_one_refund_at_a_time(published_bill, resident, manager, monkeypatch):
    """A pending refund's allocation is not booked yet: a second one would give the same late
    fee back twice."""
    from billing.online.providers.base import RefundResult
    from billing.online.providers.sandbox import SandboxProvider

    payment = start([published_bill], resident)
    deliver(payment, *pay_at_sandbox(payment))
    payment.refresh_from_db()
    monkeypatch.setattr(
        SandboxProvider, "refund", lambda self, payment, refund: RefundResult("pending")
    )
    online.refund_payment(payment=payment, actor=manager, reason="多收", amount=Decimal("10.00"))
    with pytest.raises(ValidationError, match="still being processed|退款正在处理"):
        online.refund_payment(payment=payment, actor=manager, reason="再退", amount=Decimal("10"))
    assert payment.refunds.count() == 1


@pytest.mark.django_db
def test_reports_count_what_was_kept(
    published_bill, resident, family_member, manager, django_capture_on_commit_callbacks
):
    """Collection reports: a partial refund is taken off what was received; money for bills
    already paid (refunded automatically) is not received at all."""
    from billing.reports.queries import collection_report

    first = start([published_bill], resident)
    second = start([published_bill], family_member, method="wechat")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(first, *pay_at_sandbox(first))
        deliver(second, *pay_at_sandbox(second))
    first.refresh_from_db()
    online.refund_payment(payment=first, actor=manager, reason="多收", amount=Decimal("5.00"))
    today = timezone.localdate()
    report = collection_report(
        published_bill.community, today.replace(day=1), today + dt.timedelta(days=1)
    )
    received = report.total.received + report.total.late_fees
    assert received == first.amount - Decimal("5.00")


@pytest.mark.django_db
def test_one_payment_failing_does_not_stop_reconciliation(published_bill, resident, monkeypatch):
    from billing.online.providers.sandbox import SandboxProvider

    broken = start([published_bill], resident, method="wechat")
    other_bill = Bill.objects.create(
        number="ZDSECONDBILL0001", community=published_bill.community, room=published_bill.room,
        rule=published_bill.rule, run=published_bill.run, kind="fixed", title="垃圾清运费",
        period_start=dt.date(2020, 1, 1), period_end=dt.date(2020, 1, 31),
        due_date=published_bill.due_date, amount=Decimal("15.00"), status=Bill.Status.PUBLISHED,
        late_fee_daily_rate=Decimal("0"), late_fee_cap_rate=Decimal("0"),
    )  # fmt: skip
    fine = start([other_bill], resident)
    pay_at_sandbox(fine)
    real_query = SandboxProvider.query

    def query(self, payment):
        if payment.number == broken.number:
            raise RuntimeError("deadlock detected")
        return real_query(self, payment)

    monkeypatch.setattr(SandboxProvider, "query", query)
    counts = online.reconcile(now=timezone.now() + dt.timedelta(minutes=4))
    assert counts["settled"] == 1
    fine.refresh_from_db()
    assert fine.status == Payment.Status.SUCCEEDED


@pytest.mark.django_db
def test_a_failed_checkout_is_logged_not_flagged(published_bill, resident, monkeypatch):
    from billing.online.providers.base import ProviderError
    from billing.online.providers.sandbox import SandboxProvider

    def checkout(self, payment, channel):
        raise ProviderError("H5 payment not enabled for this merchant")

    monkeypatch.setattr(SandboxProvider, "checkout", checkout)
    with pytest.raises(ValidationError, match="支付渠道|payment service"):
        start([published_bill], resident)
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.FAILED
    assert payment.attention == ""
    logged = PaymentNotification.objects.get(payment=payment)
    assert logged.source == "checkout" and "H5" in logged.reason


@pytest.mark.django_db
def test_zero_amount_bills_are_not_sent_to_a_provider(published_bill, resident):
    Bill.objects.filter(pk=published_bill.pk).update(
        amount=Decimal("0.00"), late_fee_daily_rate=Decimal("0")
    )
    with pytest.raises(ValidationError, match="0.00"):
        start([published_bill], resident)
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_a_queried_amount_that_disagrees_waits_for_staff(published_bill, resident, manager):
    from billing.models import SandboxTrade

    payment = start([published_bill], resident)
    pay_at_sandbox(payment)
    SandboxTrade.objects.filter(number=payment.number).update(amount_fen=1)
    later = timezone.now() + dt.timedelta(minutes=4)
    assert online.reconcile(now=later)["settled"] == 0
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING and "0.01" in payment.attention
    assert Message.objects.filter(event="payment.alert", recipient=manager).count() == 1
    refused = PaymentNotification.objects.filter(outcome=Outcome.REFUSED).count()
    online.reconcile(now=later + dt.timedelta(minutes=2))  # not asked again
    assert PaymentNotification.objects.filter(outcome=Outcome.REFUSED).count() == refused

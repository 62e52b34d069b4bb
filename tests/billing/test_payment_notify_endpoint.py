"""The providers' notification address (/pay/notify/<method>/) takes requests from anyone
(issue 14, finding 13): bodies are bounded before they are read, each address is rate-limited,
and what cannot be verified is kept only as a short record, a bounded number of times."""

import pytest
from django.urls import reverse

from billing.models import Payment, PaymentNotification
from billing.online import services as online
from billing.online.providers import get_provider

pytestmark = [pytest.mark.django_db, pytest.mark.req("BIL-3")]

Outcome = PaymentNotification.Outcome
URL = "billing:payment_notify"


def post(client, body: bytes, *, address="203.0.113.7", **extra):
    return client.generic(
        "POST",
        reverse(URL, args=["alipay"]),
        body,
        content_type="application/json",
        REMOTE_ADDR=address,
        **extra,
    )


def forged(size: int = 200) -> bytes:
    return b'{"out_trade_no": "ZF1", "total_fen": 1, "pad": "' + b"x" * size + b'"}'


def test_a_genuine_notification_still_settles(client, published_bill, resident):
    payment, _checkout = online.payment_start(
        bills=[published_bill], method="alipay", payer=resident, client=online.Client()
    )
    headers, body = get_provider("alipay").pay(payment.number)
    response = post(client, body, **headers)
    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    logged = PaymentNotification.objects.get()
    assert logged.outcome == Outcome.SETTLED and logged.body == body.decode()


def test_a_body_over_the_limit_is_refused_with_413(client, settings):
    settings.PAYMENT_NOTIFY_MAX_BYTES = 64 * 1024
    response = post(client, forged(100 * 1024))
    assert response.status_code == 413
    assert not PaymentNotification.objects.exists()


def test_a_declared_length_over_the_limit_is_refused_before_reading(client):
    # The test client's input raises if more is read than it holds: a 413 means nothing was.
    response = post(client, forged(), CONTENT_LENGTH=str(10**9))
    assert response.status_code == 413
    assert not PaymentNotification.objects.exists()


def test_unverified_notifications_leave_a_short_record_a_bounded_number_of_times(client, settings):
    settings.PAYMENT_NOTIFY_UNVERIFIED_RATE = "5/h"
    replies = [post(client, forged(3000)).status_code for _ in range(12)]
    assert replies[:5] == [400] * 5  # the sandbox's "FAIL": not believed
    assert set(replies[5:]) == {429}  # this address sends only forgeries: no more reading
    records = list(PaymentNotification.objects.all())
    assert len(records) == 5
    for record in records:
        assert record.outcome == Outcome.REFUSED and record.reason
        assert len(record.body) <= online.UNVERIFIED_BODY_KEPT
    # Another address is not held up by this one.
    assert post(client, forged(), address="198.51.100.9").status_code == 400


def test_each_address_is_rate_limited(client, settings):
    settings.PAYMENT_NOTIFY_RATE = "3/m"
    settings.PAYMENT_NOTIFY_UNVERIFIED_RATE = "100/h"
    replies = [post(client, forged()).status_code for _ in range(5)]
    assert replies == [400, 400, 400, 429, 429]
    assert PaymentNotification.objects.count() == 3
    assert post(client, forged(), address="198.51.100.9").status_code == 400

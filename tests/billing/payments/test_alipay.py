"""The Alipay provider (BIL-3) against a local stand-in of Alipay's gateway.

Keys are made here: our app key pair (the stand-in knows only its public half, as Alipay
does) and "Alipay's" key pair (the provider knows only its public half). The SDK's own
signing and verification run; the stand-in signs and verifies independently with
`cryptography`.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import urlopen
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ImproperlyConfigured

from billing.online.providers.alipay import AlipayProvider, fen_to_yuan, yuan_to_fen
from billing.online.providers.base import (
    InvalidNotification,
    PaymentRef,
    ProviderError,
    RefundRef,
    RefundResult,
)
from config.settings.base import env_pem

from .standin_alipay import (
    DEFAULT_APP_ID,
    DEFAULT_SELLER_ID,
    AlipayStandIn,
    bare_base64,
    new_rsa_key,
    private_pem,
    private_pkcs1_pem,
    public_pem,
    request_signing_text,
    single_values,
    verify_request,
)

BEIJING = ZoneInfo("Asia/Shanghai")
NUMBER = "P20250601000123"


@pytest.fixture(scope="module")
def app_key():
    return new_rsa_key()


@pytest.fixture(scope="module")
def alipay_key():
    return new_rsa_key()


@pytest.fixture(scope="module")
def other_key():
    return new_rsa_key()


@pytest.fixture
def standin(app_key, alipay_key):
    with AlipayStandIn(app_public_key=app_key.public_key(), alipay_key=alipay_key) as server:
        yield server


def make_provider(gateway_url, app_key, alipay_key, **kwargs) -> AlipayProvider:
    options = {
        "app_id": DEFAULT_APP_ID,
        "app_private_key": private_pem(app_key),
        # As Alipay's console gives it: bare base64, no PEM armour.
        "alipay_public_key": bare_base64(public_pem(alipay_key)),
        "seller_id": DEFAULT_SELLER_ID,
        "gateway_url": gateway_url,
        "timeout": 5,
        "expire_minutes": 30,
    }
    options.update(kwargs)
    return AlipayProvider(**options)


@pytest.fixture
def provider(standin, app_key, alipay_key):
    return make_provider(standin.gateway_url, app_key, alipay_key)


def payment(amount_fen=27580, number=NUMBER, **kwargs) -> PaymentRef:
    options = {
        "number": number,
        "amount_fen": amount_fen,
        "subject": "物业服务费 2025年5月 1栋1单元101",
        "created_at_text": datetime.now(BEIJING).strftime("%Y%m%d%H%M%S"),
        "return_url": "https://linli.example.com/pay/return/" + number + "/",
        "notify_url": "https://linli.example.com/pay/notify/alipay/",
    }
    options.update(kwargs)
    return PaymentRef(**options)


def refund_ref(amount_fen, number="R20250601000001", reason="多收退回") -> RefundRef:
    return RefundRef(
        number=number,
        amount_fen=amount_fen,
        reason=reason,
        created_at_text=datetime.now(BEIJING).strftime("%Y%m%d%H%M%S"),
    )


def url_params(url: str) -> dict[str, str]:
    return single_values(urlsplit(url).query)


# --- amounts -------------------------------------------------------------------------------------


@pytest.mark.req("BIL-3")
@pytest.mark.parametrize(
    ("fen", "text"),
    [(1, "0.01"), (10, "0.10"), (100, "1.00"), (27580, "275.80"), (123456789, "1234567.89")],
)
def test_fen_and_yuan_convert_exactly(fen, text):
    assert fen_to_yuan(fen) == text
    assert yuan_to_fen(text) == fen


@pytest.mark.req("BIL-3")
@pytest.mark.parametrize("bad", [0, -1, 1.5, "100", True, None])
def test_only_positive_integer_fen_become_yuan(bad):
    with pytest.raises(ProviderError):
        fen_to_yuan(bad)


@pytest.mark.req("BIL-3")
@pytest.mark.parametrize("bad", ["275.8", "275.800", "275", "abc", "-1.00", "", "1e3", "01.00"])
def test_yuan_must_have_exactly_two_decimals(bad):
    with pytest.raises(ValueError):
        yuan_to_fen(bad)


# --- checkout ------------------------------------------------------------------------------------


@pytest.mark.req("BIL-3")
def test_channel_is_wap_on_mobile_and_page_on_desktop(provider):
    assert provider.channel_for(mobile=True, in_wechat=False, has_openid=False) == "wap"
    assert provider.channel_for(mobile=True, in_wechat=True, has_openid=True) == "wap"
    assert provider.channel_for(mobile=False, in_wechat=False, has_openid=False) == "page"
    assert provider.method == "alipay"
    assert provider.channels == ("wap", "page")
    assert not provider.sandbox


@pytest.mark.req("BIL-3")
def test_page_checkout_is_a_signed_redirect_with_yuan_amount(provider, standin, app_key, other_key):
    ref = payment(27580)
    checkout = provider.checkout(ref, "page")

    assert checkout.kind == "redirect"
    assert checkout.url.startswith(standin.gateway_url + "?")
    params = url_params(checkout.url)
    assert params["method"] == "alipay.trade.page.pay"
    assert params["app_id"] == DEFAULT_APP_ID
    assert params["sign_type"] == "RSA2"
    assert params["charset"] == "utf-8"
    assert params["return_url"] == ref.return_url
    assert params["notify_url"] == ref.notify_url
    biz = json.loads(params["biz_content"])
    assert biz["total_amount"] == "275.80"
    assert biz["out_trade_no"] == NUMBER
    assert biz["product_code"] == "FAST_INSTANT_TRADE_PAY"
    assert biz["subject"] == ref.subject
    created = datetime.strptime(ref.created_at_text, "%Y%m%d%H%M%S")
    expected_expiry = created + timedelta(minutes=30)
    assert biz["time_expire"] == expected_expiry.strftime("%Y-%m-%d %H:%M:%S")

    # The signature verifies with our app PUBLIC key, the way Alipay checks it...
    assert verify_request(params, app_key.public_key())
    # ...and not with another key, nor once the amount is changed.
    assert not verify_request(params, other_key.public_key())
    tampered = dict(params, biz_content=params["biz_content"].replace("275.80", "2.75"))
    assert not verify_request(tampered, app_key.public_key())


@pytest.mark.req("BIL-3")
def test_wap_checkout_uses_quick_wap_way_and_one_fen_is_0_01(provider, app_key):
    ref = payment(1)
    params = url_params(provider.checkout(ref, "wap").url)

    assert params["method"] == "alipay.trade.wap.pay"
    biz = json.loads(params["biz_content"])
    assert biz["total_amount"] == "0.01"
    assert biz["product_code"] == "QUICK_WAP_WAY"
    assert biz["quit_url"] == ref.return_url
    assert verify_request(params, app_key.public_key())


@pytest.mark.req("BIL-3")
def test_the_standin_cashier_opens_a_good_checkout_and_refuses_a_tampered_one(provider, standin):
    url = provider.checkout(payment(27580), "page").url
    with urlopen(url, timeout=5) as response:  # noqa: S310 (local stand-in)
        page = response.read().decode()
    assert "支付宝收银台" in page
    assert "275.80" in page
    assert standin.trades[NUMBER]["amount_fen"] == 27580
    assert standin.trades[NUMBER]["status"] == "WAIT_BUYER_PAY"

    # Same URL with the amount lowered after signing: refused for its signature.
    tampered = url.replace("275.80", "2.75")
    assert tampered != url
    with urlopen(tampered, timeout=5) as response:  # noqa: S310
        answer = json.loads(response.read())
    assert answer["alipay_trade_page_pay_response"]["sub_code"] == "isv.invalid-signature"
    assert standin.rejected == ["isv.invalid-signature"]


@pytest.mark.req("BIL-3")
def test_subject_loses_characters_alipay_forbids(provider):
    params = url_params(provider.checkout(payment(subject="水费/电费 a=b&c"), "page").url)
    assert json.loads(params["biz_content"])["subject"] == "水费 电费 a b c"


@pytest.mark.req("BIL-3")
def test_checkout_refuses_unknown_channel_and_bad_amount(provider):
    with pytest.raises(ProviderError):
        provider.checkout(payment(), "jsapi")
    with pytest.raises(ProviderError):
        provider.checkout(payment(0), "page")


@pytest.mark.req("BIL-3")
def test_no_time_expire_when_switched_off(standin, app_key, alipay_key):
    provider = make_provider(standin.gateway_url, app_key, alipay_key, expire_minutes=None)
    biz = json.loads(url_params(provider.checkout(payment(), "page").url)["biz_content"])
    assert "time_expire" not in biz


# --- notifications -------------------------------------------------------------------------------


@pytest.mark.req("BIL-3")
def test_a_signed_success_notification_is_believed(provider, standin):
    standin.mark_paid(NUMBER, 27580)
    body = standin.notification(NUMBER, 27580)
    # The view passes request.META; Alipay's notification needs none of it.
    meta = {"CONTENT_TYPE": "application/x-www-form-urlencoded; charset=utf-8"}

    notice = provider.verify_notification(meta, body)

    assert notice.number == NUMBER
    assert notice.paid is True
    assert notice.closed is False
    assert notice.amount_fen == 27580
    assert notice.trade_no == standin.trades[NUMBER]["trade_no"]
    assert notice.raw["subject"] == "物业服务费 2025年5月 1栋1单元101"
    assert "sign" not in notice.raw
    assert "sign_type" not in notice.raw


@pytest.mark.req("BIL-3")
@pytest.mark.parametrize(
    ("status", "paid", "closed"),
    [
        ("TRADE_SUCCESS", True, False),
        ("TRADE_FINISHED", True, False),
        ("TRADE_CLOSED", False, True),
        ("WAIT_BUYER_PAY", False, False),
    ],
)
def test_trade_status_decides_paid_and_closed(provider, standin, status, paid, closed):
    notice = provider.verify_notification({}, standin.notification(NUMBER, 100, status))
    assert (notice.paid, notice.closed, notice.amount_fen) == (paid, closed, 100)


@pytest.mark.req("BIL-3")
def test_a_gbk_notification_is_read_in_its_charset(provider, standin):
    body = standin.notification(NUMBER, 27580, charset="gbk")
    assert b"%CE%EF" in body  # 物 in GBK, so this really is not UTF-8
    notice = provider.verify_notification({}, body)
    assert notice.raw["subject"].startswith("物业服务费")


@pytest.mark.req("BIL-3")
def test_notification_signed_with_another_key_is_refused(provider, standin, other_key):
    body = standin.notification(NUMBER, 27580, sign_with=other_key)
    with pytest.raises(InvalidNotification, match="signature"):
        provider.verify_notification({}, body)


@pytest.mark.req("BIL-3")
@pytest.mark.parametrize(
    "tamper",
    [
        {"total_amount": "2.75"},
        {"trade_status": "TRADE_SUCCESS", "out_trade_no": "P99999999999999"},
        {"seller_id": "2088999999999999"},
        {"notify_id": "forged"},
    ],
)
def test_notification_tampered_after_signing_is_refused(provider, standin, tamper):
    body = standin.notification(NUMBER, 27580, tamper=tamper)
    with pytest.raises(InvalidNotification, match="signature"):
        provider.verify_notification({}, body)


@pytest.mark.req("BIL-3")
def test_a_field_added_after_signing_is_refused(provider, standin):
    body = standin.notification(NUMBER, 27580, tamper={"refund_fee": "275.80"})
    with pytest.raises(InvalidNotification, match="signature"):
        provider.verify_notification({}, body)


@pytest.mark.req("BIL-3")
def test_notification_for_another_app_is_refused(provider, standin):
    body = standin.notification(NUMBER, 27580, app_id="2021999999999999")
    with pytest.raises(InvalidNotification, match="app_id"):
        provider.verify_notification({}, body)


@pytest.mark.req("BIL-3")
def test_notification_without_app_id_is_refused(provider, standin):
    body = standin.notification(NUMBER, 27580, app_id=None)
    with pytest.raises(InvalidNotification, match="app_id"):
        provider.verify_notification({}, body)


@pytest.mark.req("BIL-3")
def test_notification_for_another_seller_is_refused(provider, standin):
    body = standin.notification(NUMBER, 27580, seller_id="2088999999999999")
    with pytest.raises(InvalidNotification, match="seller_id"):
        provider.verify_notification({}, body)


@pytest.mark.req("BIL-3")
@pytest.mark.parametrize("seller_id", ["2088999999999999", "", None])
def test_without_a_configured_seller_no_notification_is_believed(
    standin, app_key, alipay_key, seller_id
):
    # Issue 14, finding 14: the seller is always compared. Without our PID nothing proves the
    # money went to us (another merchant of the same app could be paid), so nothing settles;
    # reconciliation's queries, which name our own trades, still do.
    provider = make_provider(standin.gateway_url, app_key, alipay_key, seller_id="")
    body = standin.notification(NUMBER, 27580, seller_id=seller_id)
    with pytest.raises(InvalidNotification, match="seller_id"):
        provider.verify_notification({}, body)


@pytest.mark.req("BIL-3")
def test_a_notification_without_seller_id_is_refused(provider, standin):
    body = standin.notification(NUMBER, 27580, seller_id=None)
    with pytest.raises(InvalidNotification, match="seller_id"):
        provider.verify_notification({}, body)


@pytest.mark.req("BIL-3")
def test_production_settings_need_the_seller_id(settings, app_key, alipay_key):
    from django.core import checks

    settings.ALIPAY_APP_ID = DEFAULT_APP_ID
    settings.ALIPAY_APP_PRIVATE_KEY = private_pem(app_key)
    settings.ALIPAY_PUBLIC_KEY = public_pem(alipay_key)
    settings.ALIPAY_SELLER_ID = ""
    settings.DEBUG = False
    errors = [error for error in checks.run_checks() if error.id == "billing.E005"]
    assert len(errors) == 1 and "ALIPAY_SELLER_ID" in errors[0].msg

    settings.ALIPAY_SELLER_ID = DEFAULT_SELLER_ID
    assert not [error for error in checks.run_checks() if error.id == "billing.E005"]
    # A local run with Alipay's sandbox keys may leave it out (its notifications are refused).
    settings.ALIPAY_SELLER_ID = ""
    settings.DEBUG = True
    assert not [error for error in checks.run_checks() if error.id == "billing.E005"]
    # Alipay not configured at all: nothing to say.
    settings.DEBUG = False
    settings.ALIPAY_APP_ID = settings.ALIPAY_APP_PRIVATE_KEY = settings.ALIPAY_PUBLIC_KEY = ""
    assert not [error for error in checks.run_checks() if error.id == "billing.E005"]


@pytest.mark.req("BIL-3")
@pytest.mark.parametrize("amount", ["275.8", "275.800", "27580", "abc", "-275.80", "", "2.758e2"])
def test_malformed_amount_is_refused_even_when_signed(provider, standin, amount):
    body = standin.notification(NUMBER, 27580, total_amount=amount)
    with pytest.raises(InvalidNotification, match="amount"):
        provider.verify_notification({}, body)


@pytest.mark.req("BIL-3")
def test_missing_amount_or_number_or_status_is_refused(provider, standin):
    for field in ("total_amount", "out_trade_no", "trade_status"):
        body = standin.notification(NUMBER, 27580, **{field: None})
        with pytest.raises(InvalidNotification):
            provider.verify_notification({}, body)
    odd = standin.notification(NUMBER, 27580, trade_status="TRADE_PENDING")
    with pytest.raises(InvalidNotification, match="trade_status"):
        provider.verify_notification({}, odd)


@pytest.mark.req("BIL-3")
def test_notification_without_sign_is_refused(provider, standin):
    with pytest.raises(InvalidNotification, match="without sign"):
        provider.verify_notification({}, standin.notification(NUMBER, 27580, drop=("sign",)))


@pytest.mark.req("BIL-3")
def test_notification_claiming_rsa1_is_refused(provider, standin):
    # Signed correctly (sign_type is not signed), but we only accept RSA2.
    body = standin.notification(NUMBER, 27580, tamper={"sign_type": "RSA"})
    with pytest.raises(InvalidNotification):
        provider.verify_notification({}, body)


@pytest.mark.req("BIL-3")
def test_garbage_sign_is_refused(provider, standin):
    body = standin.notification(NUMBER, 27580, tamper={"sign": "not base64 at all!"})
    with pytest.raises(InvalidNotification):
        provider.verify_notification({}, body)


@pytest.mark.req("BIL-3")
@pytest.mark.parametrize(
    "body",
    [b"", b"\xff\xfe\x00garbage", b'{"json": true}', b"charset=latin-9&sign=x", b"a=%FF%FE"],
)
def test_unparsable_bodies_are_refused(provider, body):
    with pytest.raises(InvalidNotification):
        provider.verify_notification({}, body)


@pytest.mark.req("BIL-3")
def test_a_repeated_field_is_refused(provider, standin):
    body = standin.notification(NUMBER, 27580) + b"&total_amount=0.01"
    with pytest.raises(InvalidNotification, match="repeats"):
        provider.verify_notification({}, body)


@pytest.mark.req("BIL-3")
def test_ack_bodies_are_exactly_success_and_fail(provider):
    good = provider.ack(True)
    bad = provider.ack(False)
    assert (good.status_code, good.content) == (200, b"success")
    assert (bad.status_code, bad.content) == (200, b"fail")
    assert good["Content-Type"] == "text/plain"
    assert bad["Content-Type"] == "text/plain"


# --- query and close -----------------------------------------------------------------------------


@pytest.mark.req("BIL-3")
def test_query_follows_the_trade_through_alipay(provider, standin):
    ref = payment(27580)
    unknown = provider.query(ref)
    assert (unknown.paid, unknown.closed) == (False, False)

    urlopen(provider.checkout(ref, "wap").url, timeout=5).close()  # noqa: S310  (cashier)
    waiting = provider.query(ref)
    assert (waiting.paid, waiting.closed, waiting.amount_fen) == (False, False, 27580)

    trade = standin.mark_paid(NUMBER, 27580)
    paid = provider.query(ref)
    assert (paid.paid, paid.closed, paid.amount_fen) == (True, False, 27580)
    assert paid.trade_no == trade["trade_no"]
    assert paid.raw["trade_status"] == "TRADE_SUCCESS"
    assert [method for method, _ in standin.accepted].count("alipay.trade.query") == 3
    assert standin.rejected == []


@pytest.mark.req("BIL-3")
def test_query_reports_what_alipay_says_was_paid(provider, standin):
    standin.mark_paid(NUMBER, 100)  # the service compares this with the payment
    assert provider.query(payment(27580)).amount_fen == 100


@pytest.mark.req("BIL-3")
def test_close_closes_an_unpaid_trade(provider, standin):
    standin.open_trade(NUMBER, 27580)
    provider.close(payment())
    assert standin.trades[NUMBER]["status"] == "TRADE_CLOSED"
    closed = provider.query(payment())
    assert (closed.paid, closed.closed) == (False, True)
    provider.close(payment())  # already closed: ACQ.TRADE_STATUS_ERROR, ignored


@pytest.mark.req("BIL-3")
def test_close_of_a_trade_alipay_never_saw_is_fine(provider, standin):
    provider.close(payment())
    assert [method for method, _ in standin.accepted] == ["alipay.trade.close"]


@pytest.mark.req("BIL-3")
def test_close_of_a_paid_trade_is_an_error(provider, standin):
    standin.mark_paid(NUMBER, 27580)
    with pytest.raises(ProviderError, match="paid"):
        provider.close(payment())
    assert standin.trades[NUMBER]["status"] == "TRADE_SUCCESS"


@pytest.mark.req("BIL-3")
def test_query_business_failure_other_than_not_exist_is_an_error(provider, standin):
    standin.fail_next("alipay.trade.query", "ACQ.INVALID_PARAMETER", "参数无效")
    with pytest.raises(ProviderError, match="ACQ.INVALID_PARAMETER"):
        provider.query(payment())


# --- refunds -------------------------------------------------------------------------------------


@pytest.mark.req("BIL-3")
def test_full_refund_succeeds_and_closes_the_trade(provider, standin):
    standin.mark_paid(NUMBER, 27580)
    refund = refund_ref(27580)

    result = provider.refund(payment(), refund)

    assert result.state == RefundResult.SUCCEEDED
    assert result.refund_no == refund.number
    assert standin.refunded_fen(NUMBER) == 27580
    method, biz = standin.accepted[-1]
    assert method == "alipay.trade.refund"
    assert biz == {
        "refund_amount": "275.80",
        "out_trade_no": NUMBER,
        "out_request_no": refund.number,
        "refund_reason": "多收退回",
    }
    assert provider.query_refund(payment(), refund).state == RefundResult.SUCCEEDED
    after = provider.query(payment())
    assert after.closed  # Alipay: a trade refunded in full is TRADE_CLOSED


@pytest.mark.req("BIL-3")
def test_partial_refunds_succeed_up_to_the_amount(provider, standin):
    standin.mark_paid(NUMBER, 27580)
    first = refund_ref(1000, number="R1")
    too_much = refund_ref(26581, number="R2")
    second = refund_ref(26580, number="R3")

    assert provider.refund(payment(), first).state == RefundResult.SUCCEEDED
    assert standin.accepted[-1][1]["refund_amount"] == "10.00"
    assert provider.query(payment()).paid  # still paid after a partial refund
    refused = provider.refund(payment(), too_much)
    assert refused.state == RefundResult.FAILED
    assert refused.message == "退款金额超限"
    assert standin.refunded_fen(NUMBER) == 1000

    assert provider.refund(payment(), second).state == RefundResult.SUCCEEDED
    assert standin.accepted[-1][1]["refund_amount"] == "265.80"
    assert standin.refunded_fen(NUMBER) == 27580
    assert provider.query_refund(payment(), first).state == RefundResult.SUCCEEDED
    assert provider.query_refund(payment(), second).state == RefundResult.SUCCEEDED


@pytest.mark.req("BIL-3")
def test_the_same_refund_again_is_pending_then_confirmed(provider, standin):
    standin.mark_paid(NUMBER, 27580)
    refund = refund_ref(500)
    assert provider.refund(payment(), refund).state == RefundResult.SUCCEEDED

    again = provider.refund(payment(), refund)  # fund_change "N": no new money moved

    assert again.state == RefundResult.PENDING
    assert standin.refunded_fen(NUMBER) == 500
    assert provider.query_refund(payment(), refund).state == RefundResult.SUCCEEDED


@pytest.mark.req("BIL-3")
def test_a_refund_still_processing_is_pending_until_alipay_finishes(provider, standin):
    standin.mark_paid(NUMBER, 27580)
    standin.defer_refunds = True
    refund = refund_ref(1000)

    assert provider.refund(payment(), refund).state == RefundResult.PENDING
    assert provider.query_refund(payment(), refund).state == RefundResult.PENDING
    standin.finish_refunds()
    assert provider.query_refund(payment(), refund).state == RefundResult.SUCCEEDED


@pytest.mark.req("BIL-3")
def test_refund_of_an_unpaid_or_unknown_trade_fails(provider, standin):
    unknown = provider.refund(payment(), refund_ref(100))
    assert unknown.state == RefundResult.FAILED
    assert unknown.message == "交易不存在"
    standin.open_trade(NUMBER, 27580)
    unpaid = provider.refund(payment(), refund_ref(100))
    assert unpaid.state == RefundResult.FAILED
    assert unpaid.message == "交易状态不合法"


@pytest.mark.req("BIL-3")
def test_refund_with_alipay_system_error_is_pending(provider, standin):
    standin.mark_paid(NUMBER, 27580)
    standin.fail_next("alipay.trade.refund", "ACQ.SYSTEM_ERROR", "系统错误")
    result = provider.refund(payment(), refund_ref(100))
    assert result.state == RefundResult.PENDING
    assert standin.refunded_fen(NUMBER) == 0
    # Calling again with the same refund is what Alipay asks for; it goes through.
    assert provider.refund(payment(), refund_ref(100)).state == RefundResult.SUCCEEDED


@pytest.mark.req("BIL-3")
def test_query_refund_unknown_refund_is_pending_and_unknown_trade_failed(provider, standin):
    assert provider.query_refund(payment(), refund_ref(100)).state == RefundResult.FAILED
    standin.mark_paid(NUMBER, 27580)
    assert provider.query_refund(payment(), refund_ref(100)).state == RefundResult.PENDING


@pytest.mark.req("BIL-3")
def test_query_refund_with_another_amount_is_an_error(provider, standin):
    standin.mark_paid(NUMBER, 27580)
    provider.refund(payment(), refund_ref(100))
    with pytest.raises(ProviderError, match="fen"):
        provider.query_refund(payment(), refund_ref(200))


# --- answers that must not be believed, and a gateway that is not there --------------------------


@pytest.mark.req("BIL-3")
@pytest.mark.parametrize("call", ["query", "close", "refund", "query_refund"])
def test_an_answer_signed_with_another_key_is_an_error(provider, standin, other_key, call):
    standin.mark_paid(NUMBER, 27580)
    standin.response_key = other_key
    args = (payment(), refund_ref(100)) if "refund" in call else (payment(),)
    with pytest.raises(ProviderError, match="signature"):
        getattr(provider, call)(*args)


@pytest.mark.req("BIL-3")
def test_an_unsigned_answer_is_an_error(provider, standin):
    standin.mark_paid(NUMBER, 27580)
    standin.sign_answers = False
    with pytest.raises(ProviderError):
        provider.query(payment())


@pytest.mark.req("BIL-3")
def test_the_standin_refuses_a_request_signed_with_another_app_key(standin, other_key, alipay_key):
    impostor = make_provider(standin.gateway_url, other_key, alipay_key)
    with pytest.raises(ProviderError, match="isv.invalid-signature"):
        impostor.query(payment())
    assert standin.rejected == ["isv.invalid-signature"]
    assert standin.accepted == []


@pytest.mark.req("BIL-3")
def test_the_standin_refuses_another_app_id(standin, app_key, alipay_key):
    stranger = make_provider(standin.gateway_url, app_key, alipay_key, app_id="2021999999999999")
    with pytest.raises(ProviderError, match="isv.invalid-app-id"):
        stranger.query(payment())


@pytest.mark.req("BIL-3")
def test_http_errors_and_unreachable_gateway_are_errors(provider, standin, app_key, alipay_key):
    standin.http_status = 502
    with pytest.raises(ProviderError, match="unreachable"):
        provider.query(payment())
    with pytest.raises(HTTPError):  # the stand-in really does answer 502
        urlopen(standin.gateway_url, timeout=5)  # noqa: S310
    gone = standin.gateway_url
    standin.stop()
    nowhere = make_provider(gone, app_key, alipay_key)
    for call in (nowhere.query, nowhere.close):
        with pytest.raises(ProviderError, match="unreachable"):
            call(payment())
    with pytest.raises(ProviderError, match="unreachable"):
        nowhere.refund(payment(), refund_ref(100))


# --- configuration -------------------------------------------------------------------------------


@pytest.mark.req("BIL-3")
def test_configured_needs_app_id_and_both_keys(settings):
    settings.ALIPAY_APP_ID = DEFAULT_APP_ID
    settings.ALIPAY_APP_PRIVATE_KEY = "x"
    settings.ALIPAY_PUBLIC_KEY = "y"
    settings.ALIPAY_SELLER_ID = ""
    assert AlipayProvider.configured()
    for name in ("ALIPAY_APP_ID", "ALIPAY_APP_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY"):
        setattr(settings, name, "")
        assert not AlipayProvider.configured()
        setattr(settings, name, "z")


@pytest.mark.req("BIL-3")
def test_from_settings_refuses_when_not_configured(settings):
    settings.ALIPAY_APP_ID = ""
    with pytest.raises(ImproperlyConfigured):
        AlipayProvider.from_settings()


@pytest.mark.req("BIL-3")
def test_from_settings_with_console_style_keys_talks_to_the_gateway(
    settings, standin, app_key, alipay_key, tmp_path, monkeypatch
):
    # The app key from a PEM file (ALIPAY_APP_PRIVATE_KEY_FILE, read as the settings read it),
    # Alipay's key as one line of bare base64.
    key_file = tmp_path / "app_private_key.pem"
    key_file.write_text(private_pem(app_key))
    monkeypatch.delenv("ALIPAY_APP_PRIVATE_KEY", raising=False)
    monkeypatch.setenv("ALIPAY_APP_PRIVATE_KEY_FILE", str(key_file))
    settings.ALIPAY_APP_ID = DEFAULT_APP_ID
    settings.ALIPAY_APP_PRIVATE_KEY = env_pem("ALIPAY_APP_PRIVATE_KEY")
    settings.ALIPAY_PUBLIC_KEY = bare_base64(public_pem(alipay_key))
    settings.ALIPAY_SELLER_ID = DEFAULT_SELLER_ID
    settings.ALIPAY_GATEWAY_URL = standin.gateway_url
    settings.PAYMENT_EXPIRE_MINUTES = 15

    provider = AlipayProvider.from_settings()

    assert provider.gateway_url == standin.gateway_url
    assert provider.expire_minutes == 15
    standin.mark_paid(NUMBER, 27580)
    assert provider.query(payment()).paid
    assert provider.verify_notification({}, standin.notification(NUMBER, 27580)).paid
    assert "PRIVATE" not in repr(provider)


@pytest.mark.req("BIL-3")
@pytest.mark.parametrize(
    "private_form",
    [
        lambda key: private_pem(key).replace("\n", "\\n"),  # PEM with literal \n (env var)
        lambda key: bare_base64(private_pem(key)),  # PKCS#8 base64 (Alipay's Java format)
        lambda key: bare_base64(private_pkcs1_pem(key)),  # PKCS#1 base64 (the "other" format)
    ],
)
def test_private_key_forms_all_sign_what_alipay_accepts(
    settings, standin, app_key, alipay_key, private_form
):
    settings.ALIPAY_APP_ID = DEFAULT_APP_ID
    settings.ALIPAY_APP_PRIVATE_KEY = private_form(app_key)
    settings.ALIPAY_PUBLIC_KEY = public_pem(alipay_key)
    settings.ALIPAY_GATEWAY_URL = standin.gateway_url
    provider = AlipayProvider.from_settings()
    assert provider.query(payment()).paid is False  # TRADE_NOT_EXIST, a signed answer
    assert standin.rejected == []


# A test-only app key found by trying: its base64 runs for more than 255 characters before the
# first "/". Taken for a path, such text names a file the filesystem refuses ("File name too
# long"), rather than one that is not there; one generated key in about fifty is like this.
SLASHLESS_APP_KEY = Path(__file__).with_name("slashless_app_key.pem").read_text()


@pytest.mark.req("BIL-3")
def test_a_base64_key_is_never_taken_for_a_path(settings, alipay_key):
    app_key = serialization.load_pem_private_key(SLASHLESS_APP_KEY.encode(), password=None)
    console_text = bare_base64(SLASHLESS_APP_KEY)
    assert len(console_text.split("/")[0]) > 255
    settings.ALIPAY_APP_ID = DEFAULT_APP_ID
    settings.ALIPAY_APP_PRIVATE_KEY = console_text
    settings.ALIPAY_PUBLIC_KEY = public_pem(alipay_key)
    with AlipayStandIn(app_public_key=app_key.public_key(), alipay_key=alipay_key) as server:
        settings.ALIPAY_GATEWAY_URL = server.gateway_url
        provider = AlipayProvider.from_settings()
        assert provider.query(payment()).paid is False  # TRADE_NOT_EXIST, a signed answer
        assert server.rejected == []


@pytest.mark.req("BIL-3")
def test_broken_keys_are_a_configuration_error(alipay_key):
    with pytest.raises(ImproperlyConfigured):
        AlipayProvider(
            app_id=DEFAULT_APP_ID,
            app_private_key="not a key at all!",
            alipay_public_key=public_pem(alipay_key),
        )
    with pytest.raises(ImproperlyConfigured):
        AlipayProvider(
            app_id=DEFAULT_APP_ID,
            app_private_key="QUJDRA==",  # base64, but not a key
            alipay_public_key=public_pem(alipay_key),
        )


@pytest.mark.req("BIL-3")
def test_request_signing_text_is_alipays_canonical_form():
    params = {"b": "2", "a": "1", "sign": "x", "empty": "", "sign_type": "RSA2"}
    assert request_signing_text(params) == "a=1&b=2&sign_type=RSA2"

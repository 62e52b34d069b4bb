"""WeChat Pay API v3 provider (billing.online.providers.wechat) against a local stand-in of the API.

The wechatpayv3 SDK does the real work: it signs our requests (the stand-in checks them with
the merchant's public key), checks the stand-in's answers with the platform public key, and
verifies and decrypts notifications built here the way WeChat Pay builds them."""

import base64
import datetime as dt
import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from billing.online.providers.base import (
    InvalidNotification,
    PaymentRef,
    ProviderError,
    RefundRef,
    RefundResult,
)
from billing.online.providers.wechat import WechatPayProvider
from config.settings.base import env_pem

from .standin_wechat import (
    SHANGHAI,
    Merchant,
    StandIn,
    new_key,
    private_pem,
    public_pem,
    rsa_sign,
)

NOTIFY_URL = "https://linli.example.com/pay/notify/wechat/"


@pytest.fixture(scope="module")
def merchant():
    return Merchant.generate()


@pytest.fixture(scope="module")
def stranger_key():
    """A key that is neither the merchant's nor WeChat Pay's."""
    return new_key()


@pytest.fixture
def standin(merchant):
    server = StandIn(merchant).start()
    yield server
    server.stop()


@pytest.fixture
def provider(merchant, standin):
    return WechatPayProvider(**merchant.provider_kwargs(standin.url))


def payment(number="WX2025010100000001", amount_fen=27580, **fields):
    created = dt.datetime.now(SHANGHAI).strftime("%Y%m%d%H%M%S")
    values = {
        "number": number,
        "amount_fen": amount_fen,
        "subject": "物业服务费 2025年1月 3幢2单元1201",
        "created_at_text": created,
        "client_ip": "203.0.113.7",
        "return_url": f"https://linli.example.com/pay/return/{number}/?from=wx",
        "notify_url": NOTIFY_URL,
    }
    values.update(fields)
    return PaymentRef(**values)


def paid_trade(provider, standin, **fields):
    ref = payment(**fields)
    provider.checkout(ref, "native")
    standin.mark_paid(ref.number)
    return ref


# --- configuration ----------------------------------------------------------------------------


@pytest.mark.req("BIL-3")
@override_settings(
    WECHATPAY_MCH_ID="",
    WECHATPAY_APP_ID="",
    WECHATPAY_PRIVATE_KEY="",
    WECHATPAY_CERT_SERIAL_NO="",
    WECHATPAY_APIV3_KEY="",
    WECHATPAY_PUBLIC_KEY="",
    WECHATPAY_PUBLIC_KEY_ID="",
)
def test_not_configured_without_merchant_credentials(merchant):
    assert WechatPayProvider.configured() is False
    with override_settings(**merchant.settings("https://api.mch.weixin.qq.com")):
        assert WechatPayProvider.configured() is True
        with override_settings(WECHATPAY_PUBLIC_KEY_ID=""):
            assert WechatPayProvider.configured() is False


@pytest.mark.req("BIL-3")
def test_from_settings_reads_keys_and_talks_to_the_configured_api(
    merchant, standin, tmp_path, monkeypatch
):
    key_file = tmp_path / "apiclient_key.pem"
    key_file.write_text(private_pem(merchant.merchant_key))
    # A file works as well as PEM text: its path in WECHATPAY_PRIVATE_KEY_FILE.
    monkeypatch.delenv("WECHATPAY_PRIVATE_KEY", raising=False)
    monkeypatch.setenv("WECHATPAY_PRIVATE_KEY_FILE", str(key_file))
    values = merchant.settings(standin.url + "/")
    values["WECHATPAY_PRIVATE_KEY"] = env_pem("WECHATPAY_PRIVATE_KEY")
    with override_settings(**values, LINLI_SITE_URL="https://wuye.example.cn"):
        provider = WechatPayProvider.from_settings()
    assert provider.method == "wechat"
    assert provider.sandbox is False
    provider.checkout(payment(), "h5")
    (request,) = standin.requests
    assert request.path == "/v3/pay/transactions/h5"
    assert request.status == 200
    # Public-key mode: nothing was downloaded, and our requests name the platform key id.
    assert request.headers["Wechatpay-Serial"] == merchant.public_key_id
    assert json.loads(request.body)["scene_info"]["h5_info"]["app_url"] == "https://wuye.example.cn"


@pytest.mark.req("BIL-3")
def test_unreadable_credentials_are_a_configuration_error(merchant, standin):
    with pytest.raises(ImproperlyConfigured):
        WechatPayProvider(**merchant.provider_kwargs(standin.url, private_key="not a key"))
    with pytest.raises(ImproperlyConfigured):
        WechatPayProvider(**merchant.provider_kwargs(standin.url, apiv3_key="too-short"))
    with pytest.raises(ImproperlyConfigured):
        WechatPayProvider(**merchant.provider_kwargs(standin.url, public_key="garbage"))


# --- channels and checkout --------------------------------------------------------------------


@pytest.mark.req("BIL-3")
def test_channel_for(provider):
    assert provider.channel_for(mobile=True, in_wechat=True, has_openid=True) == "jsapi"
    assert provider.channel_for(mobile=True, in_wechat=False, has_openid=False) == "h5"
    assert provider.channel_for(mobile=True, in_wechat=False, has_openid=True) == "h5"
    assert provider.channel_for(mobile=False, in_wechat=False, has_openid=False) == "native"
    # H5 payment does not work in WeChat's own browser.
    assert provider.channel_for(mobile=True, in_wechat=True, has_openid=False) == "native"
    assert set(provider.channels) == {"jsapi", "h5", "native"}


@pytest.mark.req("BIL-3")
def test_native_checkout_is_a_qr_code(provider, standin, merchant):
    ref = payment()
    checkout = provider.checkout(ref, "native")
    assert checkout.kind == "qr"
    assert checkout.qr_text.startswith("weixin://wxpay/bizpayurl?pr=")
    (request,) = standin.requests
    sent = json.loads(request.body)
    assert request.path == "/v3/pay/transactions/native"
    assert sent["appid"] == merchant.appid
    assert sent["mchid"] == merchant.mchid
    assert sent["out_trade_no"] == ref.number
    assert sent["amount"] == {"total": 27580, "currency": "CNY"}
    assert sent["description"] == ref.subject
    assert sent["notify_url"] == NOTIFY_URL
    assert sent["scene_info"] == {"payer_client_ip": "203.0.113.7"}
    # Payable until PAYMENT_EXPIRE_MINUTES (30) after the payment was made.
    expire = dt.datetime.fromisoformat(sent["time_expire"])
    assert expire.utcoffset() == dt.timedelta(hours=8)
    remaining = expire - dt.datetime.now(SHANGHAI)
    assert dt.timedelta(minutes=28) < remaining <= dt.timedelta(minutes=30)


@pytest.mark.req("BIL-3")
def test_checkout_of_an_old_payment_sends_no_time_expire(provider, standin):
    provider.checkout(payment(created_at_text="20200101120000"), "native")
    assert "time_expire" not in json.loads(standin.requests[0].body)


@pytest.mark.req("BIL-3")
def test_jsapi_checkout_params_are_signed_with_the_merchant_key(provider, standin, merchant):
    ref = payment(openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
    checkout = provider.checkout(ref, "jsapi")
    assert checkout.kind == "jsapi"
    params = checkout.params
    trade = standin.trades[ref.number]
    assert json.loads(standin.requests[0].body)["payer"] == {"openid": ref.openid}
    assert params["appId"] == merchant.appid
    assert params["package"] == f"prepay_id={trade['prepay_id']}"
    assert params["signType"] == "RSA"
    assert abs(int(params["timeStamp"]) - time.time()) < 60
    assert 16 <= len(params["nonceStr"]) <= 32
    message = "\n".join(
        [params["appId"], params["timeStamp"], params["nonceStr"], params["package"]]
    )
    # What WeChat's client checks before it shows the payment sheet (raises if wrong).
    merchant.merchant_key.public_key().verify(
        base64.b64decode(params["paySign"]),
        (message + "\n").encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )


@pytest.mark.req("BIL-3")
def test_jsapi_checkout_needs_an_openid(provider, standin):
    with pytest.raises(ProviderError, match="openid"):
        provider.checkout(payment(), "jsapi")
    assert standin.requests == []


@pytest.mark.req("BIL-3")
def test_h5_checkout_redirects_with_our_return_url(provider, standin):
    ref = payment()
    checkout = provider.checkout(ref, "h5")
    assert checkout.kind == "redirect"
    base, _, redirect = checkout.url.partition("&redirect_url=")
    assert base.startswith("https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=")
    assert "/" not in redirect and "?" not in redirect  # fully encoded
    assert parse_qs(urlsplit(checkout.url).query)["redirect_url"] == [ref.return_url]
    sent = json.loads(standin.requests[0].body)
    assert sent["scene_info"] == {
        "payer_client_ip": "203.0.113.7",
        "h5_info": {"type": "Wap", "app_name": "邻里", "app_url": "https://linli.example.com"},
    }


@pytest.mark.req("BIL-3")
def test_long_subject_is_cut_without_breaking_a_character(provider, standin):
    ref = payment(subject="邻里物业服务费" * 30)
    provider.checkout(ref, "native")
    description = json.loads(standin.requests[0].body)["description"]
    assert len(description.encode()) <= 127
    assert description == ("邻里物业服务费" * 30)[: len(description)]
    assert len(description) == 42  # 42 × 3 bytes = 126


@pytest.mark.req("BIL-3")
def test_checkout_again_gives_the_same_prepay(provider, standin):
    ref = payment(openid="o-openid-1")
    first = provider.checkout(ref, "jsapi")
    second = provider.checkout(ref, "jsapi")
    assert first.params["package"] == second.params["package"]


@pytest.mark.req("BIL-3")
def test_request_signed_with_another_key_is_refused(merchant, standin, stranger_key):
    provider = WechatPayProvider(
        **merchant.provider_kwargs(standin.url, private_key=private_pem(stranger_key))
    )
    with pytest.raises(ProviderError, match="SIGN_ERROR"):
        provider.checkout(payment(), "native")
    assert [r.status for r in standin.requests] == [401]
    assert standin.trades == {}


@pytest.mark.req("BIL-3")
def test_standin_refuses_a_body_changed_after_signing(merchant, standin):
    """The stand-in's signature check covers the body (so the checks above mean something)."""
    path = "/v3/pay/transactions/native"
    body = json.dumps(
        {
            "appid": merchant.appid,
            "mchid": merchant.mchid,
            "description": "物业服务费",
            "out_trade_no": "WX2025010100000001",
            "notify_url": NOTIFY_URL,
            "amount": {"total": 27580, "currency": "CNY"},
        }
    )
    timestamp, nonce = str(int(time.time())), "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"
    signature = rsa_sign(merchant.merchant_key, f"POST\n{path}\n{timestamp}\n{nonce}\n{body}\n")
    headers = {
        "Content-Type": "application/json",
        "Authorization": f'WECHATPAY2-SHA256-RSA2048 mchid="{merchant.mchid}",'
        f'nonce_str="{nonce}",signature="{signature}",timestamp="{timestamp}",'
        f'serial_no="{merchant.cert_serial_no}"',
    }
    tampered = body.replace("27580", "1")
    answer = requests.post(standin.url + path, data=tampered, headers=headers, timeout=5)
    assert answer.status_code == 401
    assert answer.json()["code"] == "SIGN_ERROR"
    assert standin.trades == {}
    intact = requests.post(standin.url + path, data=body, headers=headers, timeout=5)
    assert intact.status_code == 200
    assert "code_url" in intact.json()


@pytest.mark.req("BIL-3")
def test_answer_not_signed_by_wechat_pay_is_refused(provider, standin, stranger_key):
    standin.response_key = stranger_key
    with pytest.raises(ProviderError, match="signature"):
        provider.checkout(payment(), "native")
    with pytest.raises(ProviderError, match="signature"):
        provider.query(payment())


@pytest.mark.req("BIL-3")
def test_answer_errors_and_unreachable_api_are_provider_errors(merchant, provider, standin):
    standin.replies[("POST", "/v3/pay/transactions/native")] = (
        500,
        {"code": "SYSTEM_ERROR", "message": "系统错误"},
    )
    with pytest.raises(ProviderError, match="SYSTEM_ERROR"):
        provider.checkout(payment(), "native")
    standin.replies[("POST", "/v3/pay/transactions/native")] = (
        400,
        {"code": "PARAM_ERROR", "message": "参数错误"},
    )
    with pytest.raises(ProviderError, match="PARAM_ERROR"):
        provider.checkout(payment(), "native")
    url = standin.url
    standin.stop()
    with pytest.raises(ProviderError, match="cannot reach"):
        WechatPayProvider(**merchant.provider_kwargs(url)).checkout(payment(), "native")


@pytest.mark.req("BIL-3")
def test_checkout_without_notify_url_or_unknown_channel(provider, standin):
    with pytest.raises(ProviderError):
        provider.checkout(payment(notify_url=""), "native")
    with pytest.raises(ProviderError):
        provider.checkout(payment(), "wap")
    assert standin.requests == []


# --- notifications ----------------------------------------------------------------------------


@pytest.mark.req("BIL-3")
def test_paid_notification_in_request_meta_form(provider, standin):
    ref = paid_trade(provider, standin)
    headers, body = standin.notification(ref.number)
    assert "HTTP_WECHATPAY_SIGNATURE" in headers
    notice = provider.verify_notification(headers, body)
    assert notice.number == ref.number
    assert notice.paid is True
    assert notice.closed is False
    assert notice.amount_fen == 27580
    assert notice.trade_no == standin.trades[ref.number]["transaction_id"]
    assert notice.raw["event_type"] == "TRANSACTION.SUCCESS"
    assert notice.raw["resource"]["out_trade_no"] == ref.number  # decrypted


@pytest.mark.req("BIL-3")
@pytest.mark.parametrize("style", ["plain", "lower"])
def test_paid_notification_with_plain_headers(provider, standin, style):
    headers, body = standin.notification("WX2025010100000099", total=100, style=style)
    notice = provider.verify_notification(headers, body)
    assert (notice.number, notice.paid, notice.amount_fen) == ("WX2025010100000099", True, 100)


@pytest.mark.req("BIL-3")
def test_notice_amount_is_the_order_total_not_what_the_payer_paid(provider, standin):
    ref = payment(amount_fen=10000)
    provider.checkout(ref, "native")
    standin.mark_paid(ref.number, payer_total=9000)  # a coupon paid 10.00
    notice = provider.verify_notification(*standin.notification(ref.number))
    assert notice.amount_fen == 10000
    assert notice.raw["resource"]["amount"]["payer_total"] == 9000


@pytest.mark.req("BIL-3")
def test_notification_signed_with_another_key_is_refused(provider, standin, stranger_key):
    headers, body = standin.notification("WX2025010100000001", sign_key=stranger_key)
    with pytest.raises(InvalidNotification, match="signature"):
        provider.verify_notification(headers, body)


@pytest.mark.req("BIL-3")
def test_notification_body_changed_after_signing_is_refused(provider, standin):
    number = "WX2025010100000001"
    genuine = standin.transaction(
        {
            "appid": standin.merchant.appid,
            "mchid": standin.merchant.mchid,
            "out_trade_no": number,
            "trade_type": "NATIVE",
            "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功",
            "total": 1,
        }
    )
    forged = json.loads(json.dumps(genuine))
    forged["amount"]["total"] = 27580
    # A validly encrypted resource saying 275.80 swapped in for the signed one saying 0.01.
    headers, body = standin.notification(number, total=1, tamper_resource=forged)
    with pytest.raises(InvalidNotification, match="signature"):
        provider.verify_notification(headers, body)
    # A single byte changed anywhere is enough.
    headers, body = standin.notification(number, total=1)
    provider.verify_notification(headers, body)
    with pytest.raises(InvalidNotification, match="signature"):
        provider.verify_notification(
            headers, body.replace("支付成功".encode(), "支付成就".encode())
        )


@pytest.mark.req("BIL-3")
@pytest.mark.parametrize("field", ["mchid", "appid"])
def test_notification_for_another_merchant_or_app_is_refused(provider, standin, field):
    headers, body = standin.notification("WX2025010100000001", **{field: "1900000999"})
    with pytest.raises(InvalidNotification, match=field):
        provider.verify_notification(headers, body)


@pytest.mark.req("BIL-3")
@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_notification_outside_five_minutes_is_refused(provider, standin, offset):
    headers, body = standin.notification("WX2025010100000001", timestamp=int(time.time()) + offset)
    with pytest.raises(InvalidNotification, match="Timestamp"):
        provider.verify_notification(headers, body)


@pytest.mark.req("BIL-3")
@pytest.mark.parametrize("offset", [-290, 290])
def test_notification_inside_five_minutes_is_accepted(provider, standin, offset):
    headers, body = standin.notification("WX2025010100000001", timestamp=int(time.time()) + offset)
    assert provider.verify_notification(headers, body).paid is True


@pytest.mark.req("BIL-3")
def test_notify_window_is_a_setting(merchant, standin):
    with override_settings(**merchant.settings(standin.url), WECHATPAY_NOTIFY_WINDOW_SECONDS=60):
        provider = WechatPayProvider.from_settings()
    headers, body = standin.notification("WX2025010100000001", timestamp=int(time.time()) - 120)
    with pytest.raises(InvalidNotification, match="Timestamp"):
        provider.verify_notification(headers, body)


@pytest.mark.req("BIL-3")
def test_notification_with_an_unknown_serial_is_refused_without_downloading(provider, standin):
    headers, body = standin.notification(
        "WX2025010100000001", serial="PUB_KEY_ID_0119000001092025010100000000000002"
    )
    with pytest.raises(InvalidNotification, match="Serial"):
        provider.verify_notification(headers, body)
    # A platform certificate serial (the older mode) is not ours either.
    headers, body = standin.notification(
        "WX2025010100000001", serial="5157F09EFDC096DE15EBE81A47057A7232F1B8E2"
    )
    with pytest.raises(InvalidNotification, match="Serial"):
        provider.verify_notification(headers, body)
    assert standin.requests == []  # no /v3/certificates download was tried


@pytest.mark.req("BIL-3")
def test_notification_encrypted_with_another_apiv3_key_is_refused(provider, standin):
    headers, body = standin.notification(
        "WX2025010100000001", apiv3_key="Zz3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
    )
    with pytest.raises(InvalidNotification, match="decrypts"):
        provider.verify_notification(headers, body)


@pytest.mark.req("BIL-3")
def test_notification_with_another_signature_type_is_refused(provider, standin):
    headers, body = standin.notification(
        "WX2025010100000001", signature_type="WECHATPAY2-SM2-WITH-SM3"
    )
    with pytest.raises(InvalidNotification, match="Signature-Type"):
        provider.verify_notification(headers, body)


@pytest.mark.req("BIL-3")
def test_notification_in_another_currency_is_refused(provider, standin):
    headers, body = standin.notification("WX2025010100000001", currency="USD")
    with pytest.raises(InvalidNotification, match="currency"):
        provider.verify_notification(headers, body)


@pytest.mark.req("BIL-3")
@pytest.mark.parametrize(
    "change",
    ["no headers", "no signature", "bad timestamp", "empty body", "not json", "not utf-8"],
)
def test_malformed_notifications_are_refused(provider, standin, change):
    headers, body = standin.notification("WX2025010100000001")
    if change == "no headers":
        headers = {}
    elif change == "no signature":
        del headers["HTTP_WECHATPAY_SIGNATURE"]
    elif change == "bad timestamp":
        headers["HTTP_WECHATPAY_TIMESTAMP"] = "yesterday"
    elif change == "empty body":
        body = b""
    elif change == "not json":
        body = b"<xml><return_code>SUCCESS</return_code></xml>"
    else:
        body = b"\xff\xfe" + body
    with pytest.raises(InvalidNotification):
        provider.verify_notification(headers, body)


@pytest.mark.req("BIL-3")
def test_other_events_and_states_settle_nothing(provider, standin):
    headers, body = standin.notification("WX2025010100000001", event_type="REFUND.SUCCESS")
    notice = provider.verify_notification(headers, body)
    assert (notice.number, notice.paid, notice.closed) == ("WX2025010100000001", False, False)
    headers, body = standin.notification("WX2025010100000001", trade_state="NOTPAY")
    notice = provider.verify_notification(headers, body)
    assert (notice.paid, notice.closed) == (False, False)
    # Another merchant's event is refused whatever it is.
    headers, body = standin.notification(
        "WX2025010100000001", event_type="REFUND.SUCCESS", mchid="1900000999"
    )
    with pytest.raises(InvalidNotification, match="mchid"):
        provider.verify_notification(headers, body)


@pytest.mark.req("BIL-3")
def test_ack(provider):
    ok = provider.ack(True)
    assert ok.status_code == 200
    assert ok.content == b""
    failed = provider.ack(False)
    assert failed.status_code == 400
    assert failed["Content-Type"] == "application/json"
    assert json.loads(failed.content)["code"] == "FAIL"
    assert json.loads(failed.content)["message"]


# --- query and close --------------------------------------------------------------------------


@pytest.mark.req("BIL-3")
def test_query_states(provider, standin):
    unknown = provider.query(payment(number="WX2025010100000404"))
    assert (unknown.paid, unknown.closed) == (False, False)

    ref = payment()
    provider.checkout(ref, "native")
    waiting = provider.query(ref)
    assert (waiting.number, waiting.paid, waiting.closed, waiting.trade_no) == (
        ref.number,
        False,
        False,
        "",
    )
    assert standin.requests[-1].path == (
        f"/v3/pay/transactions/out-trade-no/{ref.number}?mchid={standin.merchant.mchid}"
    )
    standin.set_state(ref.number, "USERPAYING")
    assert provider.query(ref).paid is False

    standin.mark_paid(ref.number)
    paid = provider.query(ref)
    assert (paid.paid, paid.closed, paid.amount_fen) == (True, False, 27580)
    assert paid.trade_no == standin.trades[ref.number]["transaction_id"]

    standin.set_state(ref.number, "REFUND")
    assert provider.query(ref).paid is True

    for state in ("CLOSED", "REVOKED", "PAYERROR"):
        standin.set_state(ref.number, state)
        gone = provider.query(ref)
        assert (gone.paid, gone.closed) == (False, True), state


@pytest.mark.req("BIL-3")
def test_query_failures(provider, standin):
    ref = payment()
    standin.replies[("GET", "/v3/pay/transactions/out-trade-no/")] = (
        429,
        {"code": "FREQUENCY_LIMITED", "message": "频率超限"},
    )
    with pytest.raises(ProviderError, match="FREQUENCY_LIMITED"):
        provider.query(ref)
    # A 404 that is not WeChat Pay's "no such order" (a proxy's) is not taken as one.
    standin.replies[("GET", "/v3/pay/transactions/out-trade-no/")] = (404, None)
    with pytest.raises(ProviderError):
        provider.query(ref)


@pytest.mark.req("BIL-3")
def test_query_answer_for_another_app_is_refused(provider, standin):
    ref = paid_trade(provider, standin)
    standin.trades[ref.number]["appid"] = "wxsomeoneelse000"
    with pytest.raises(ProviderError, match="appid"):
        provider.query(ref)


@pytest.mark.req("BIL-3")
def test_close(provider, standin):
    ref = payment()
    provider.checkout(ref, "native")
    provider.close(ref)
    assert standin.trades[ref.number]["trade_state"] == "CLOSED"
    assert standin.requests[-1].status == 204
    provider.close(ref)  # already closed: fine
    assert standin.requests[-1].status == 400
    provider.close(payment(number="WX2025010100000404"))  # never heard of: fine
    assert standin.requests[-1].status == 404
    assert provider.query(ref).closed is True


@pytest.mark.req("BIL-3")
def test_close_of_a_paid_trade_fails(provider, standin):
    ref = paid_trade(provider, standin)
    with pytest.raises(ProviderError, match="ORDERPAID"):
        provider.close(ref)
    assert standin.trades[ref.number]["trade_state"] == "SUCCESS"


# --- refunds ----------------------------------------------------------------------------------


def refund_ref(number="RF2025010100000001", amount_fen=1000, reason="多收的物业费退回"):
    return RefundRef(
        number=number,
        amount_fen=amount_fen,
        reason=reason,
        created_at_text=dt.datetime.now(SHANGHAI).strftime("%Y%m%d%H%M%S"),
    )


@pytest.mark.req("BIL-3")
def test_partial_refunds_pending_then_succeeded(provider, standin):
    ref = paid_trade(provider, standin)
    first = refund_ref(amount_fen=1000)
    result = provider.refund(ref, first)
    assert result.state == RefundResult.PENDING
    assert result.refund_no == standin.refunds[first.number]["refund_id"]
    sent = json.loads(standin.requests[-1].body)
    assert sent["amount"] == {"refund": 1000, "total": 27580, "currency": "CNY"}
    assert sent["out_trade_no"] == ref.number
    assert sent["reason"] == "多收的物业费退回"

    assert provider.query_refund(ref, first).state == RefundResult.PENDING
    standin.settle_refund(first.number)
    done = provider.query_refund(ref, first)
    assert done.state == RefundResult.SUCCEEDED
    assert done.raw["amount"]["refund"] == 1000

    standin.refund_status = "SUCCESS"
    second = provider.refund(ref, refund_ref("RF2025010100000002", amount_fen=26580))
    assert second.state == RefundResult.SUCCEEDED
    # Asking again with the same refund number refunds nothing more.
    again = provider.refund(ref, refund_ref("RF2025010100000002", amount_fen=26580))
    assert again.refund_no == second.refund_no
    assert len(standin.refunds) == 2


@pytest.mark.req("BIL-3")
def test_refund_above_what_is_left_fails(provider, standin):
    ref = paid_trade(provider, standin)
    provider.refund(ref, refund_ref(amount_fen=27000))
    result = provider.refund(ref, refund_ref("RF2025010100000002", amount_fen=1000))
    assert result.state == RefundResult.FAILED
    assert "可退金额" in result.message
    assert "RF2025010100000002" not in standin.refunds


@pytest.mark.req("BIL-3")
@pytest.mark.parametrize("status", ["ABNORMAL", "CLOSED"])
def test_refund_abnormal_or_closed_fails(provider, standin, status):
    ref = paid_trade(provider, standin)
    refund = refund_ref()
    provider.refund(ref, refund)
    standin.settle_refund(refund.number, status)
    result = provider.query_refund(ref, refund)
    assert result.state == RefundResult.FAILED
    assert result.message


@pytest.mark.req("BIL-3")
def test_refund_long_reason_is_cut_to_80_characters(provider, standin):
    ref = paid_trade(provider, standin)
    result = provider.refund(ref, refund_ref(reason="退" * 100))
    assert result.state == RefundResult.PENDING
    assert json.loads(standin.requests[-1].body)["reason"] == "退" * 80


@pytest.mark.req("BIL-3")
def test_query_of_an_unknown_refund_and_refund_failures(provider, standin):
    ref = paid_trade(provider, standin)
    unknown = provider.query_refund(ref, refund_ref("RF2025010100000404"))
    assert unknown.state == RefundResult.FAILED
    standin.replies[("POST", "/v3/refund/domestic/refunds")] = (
        500,
        {"code": "SYSTEM_ERROR", "message": "系统超时"},
    )
    with pytest.raises(ProviderError, match="SYSTEM_ERROR"):
        provider.refund(ref, refund_ref())


@pytest.mark.req("BIL-3")
def test_keys_given_as_bare_base64(merchant, standin):
    """The merchant platform hands out PEM files; bare base64 (as pasted from one) works too."""

    def bare(pem):
        return "".join(line for line in pem.splitlines() if not line.startswith("-----"))

    provider = WechatPayProvider(
        **merchant.provider_kwargs(
            standin.url,
            private_key=bare(private_pem(merchant.merchant_key)),
            public_key=bare(public_pem(merchant.platform_key)),
        )
    )
    assert provider.checkout(payment(), "native").kind == "qr"
    assert provider.verify_notification(*standin.notification("WX2025010100000099")).paid

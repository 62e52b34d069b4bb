"""UnionPay online gateway (银联全渠道 5.1.0): signing, the checkout form, notifications checked
through the certificate chain, queries and refunds against a local stand-in of the gateway."""

import datetime as dt
from urllib.parse import parse_qs, urlencode

import pytest
import time_machine

from billing.online.providers import unionpay
from billing.online.providers.base import (
    InvalidNotification,
    Notice,
    PaymentRef,
    ProviderError,
    RefundRef,
    RefundResult,
)
from billing.online.providers.unionpay import UnionPayProvider
from config.settings.base import env_pem

from . import standin_unionpay as standin

NOTIFY_URL = "https://linli.example.com/pay/notify/card/"
RETURN_URL = "https://linli.example.com/pay/return/P20250301000001/?from=unionpay&x=1"


# --- Fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def authority():
    return standin.Authority()


@pytest.fixture(scope="module")
def unionpay_signer(authority):
    return authority.issue()


@pytest.fixture(scope="module")
def merchant():
    return standin.merchant()


@pytest.fixture(scope="module")
def other_authority():
    return standin.Authority(name="CFCA TEST")  # same names, different keys


@pytest.fixture
def gateway(unionpay_signer, merchant):
    server = standin.StandIn(signer=unionpay_signer, merchant=merchant)
    yield server
    server.close()


def make_provider(authority, merchant, gateway_url="https://gateway.95516.com", **kwargs):
    return UnionPayProvider(
        mer_id=kwargs.pop("mer_id", standin.MER_ID),
        sign_key_pem=merchant.key_pem,
        sign_cert_pem=merchant.cert_pem,
        root_cert_pem=authority.root_pem,
        middle_cert_pem=authority.middle_pem,
        gateway_url=gateway_url,
        timeout=5,
        **kwargs,
    )


@pytest.fixture
def provider(authority, merchant, gateway):
    return make_provider(authority, merchant, gateway.url)


def payment(number="P20250301000001", fen=27580, trade_no="", created="20250301120000"):
    return PaymentRef(
        number=number,
        amount_fen=fen,
        subject="物业服务费 2025-02",
        created_at_text=created,
        trade_no=trade_no,
        return_url=RETURN_URL,
        notify_url=NOTIFY_URL,
    )


def refund_ref(number="R20250302000001", fen=1000, created="20250302090000"):
    return RefundRef(number=number, amount_fen=fen, reason="多收", created_at_text=created)


def form(body: bytes) -> dict:
    return {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}


# --- The signature -------------------------------------------------------------------------------


@pytest.mark.req("BIL-3")
def test_data_string_sorts_skips_empty_and_signature_and_keeps_values_raw():
    fields = {"txnAmt": "100", "backUrl": "https://a.b/c?d=1&e=2", "reserved": "", "signature": "x"}
    assert unionpay.data_string(fields) == "backUrl=https://a.b/c?d=1&e=2&txnAmt=100"


@pytest.mark.req("BIL-3")
def test_signature_round_trip_between_client_and_standin(merchant, unionpay_signer):
    fields = {"version": "5.1.0", "orderId": "P20250301000001", "txnAmt": "27580", "empty": ""}
    ours = dict(fields, signature=unionpay.sign_fields(fields, merchant.key))
    # The stand-in's own implementation accepts ours, and ours accepts the stand-in's.
    assert standin.verify(ours, merchant.cert.public_key())
    assert unionpay.verify_fields(ours, merchant.cert.public_key())
    theirs = dict(fields, signature=standin.sign(fields, unionpay_signer.key))
    assert unionpay.verify_fields(theirs, unionpay_signer.cert.public_key())
    # Any change, another key, or garbage fails.
    assert not unionpay.verify_fields(dict(ours, txnAmt="27581"), merchant.cert.public_key())
    assert not unionpay.verify_fields(ours, unionpay_signer.cert.public_key())
    assert not unionpay.verify_fields(dict(ours, signature="!!"), merchant.cert.public_key())
    assert not unionpay.verify_fields(dict(ours, signature=""), merchant.cert.public_key())


@pytest.mark.req("BIL-3")
def test_parse_sync_response_like_unionpays_sdk():
    cert = "-----BEGIN CERTIFICATE-----\nMIIB+/==\n-----END CERTIFICATE-----"
    text = (
        "respCode=00&respMsg=成功[0000000]&reserved={a=1&b=2}&signature=ab+/c=="
        f"&signPubKeyCert={cert}&empty="
    )
    assert unionpay.parse_sync_response(text) == {
        "respCode": "00",
        "respMsg": "成功[0000000]",
        "reserved": "{a=1&b=2}",
        "signature": "ab+/c==",
        "signPubKeyCert": cert,
        "empty": "",
    }
    with pytest.raises(ValueError):
        unionpay.parse_sync_response("a=1&a=2")


# --- Configuration -------------------------------------------------------------------------------


@pytest.mark.req("BIL-3")
def test_configured_and_from_settings(settings, authority, merchant, tmp_path, monkeypatch):
    settings.UNIONPAY_MER_ID = ""
    assert not UnionPayProvider.configured()
    key_file = tmp_path / "sign.key"
    key_file.write_text(merchant.key_pem)
    monkeypatch.delenv("UNIONPAY_SIGN_KEY", raising=False)
    monkeypatch.setenv("UNIONPAY_SIGN_KEY_FILE", str(key_file))
    settings.UNIONPAY_MER_ID = standin.MER_ID
    settings.UNIONPAY_SIGN_KEY = env_pem("UNIONPAY_SIGN_KEY")  # from a file
    settings.UNIONPAY_SIGN_CERT = merchant.cert_pem.replace("\n", "\\n")  # literal \n
    settings.UNIONPAY_ROOT_CERT = authority.root_pem
    settings.UNIONPAY_MIDDLE_CERT = ""
    assert not UnionPayProvider.configured()
    settings.UNIONPAY_MIDDLE_CERT = authority.middle_pem
    settings.UNIONPAY_GATEWAY_URL = "https://gateway.test.95516.com/"
    settings.PAYMENT_HTTP_TIMEOUT_SECONDS = 7.5
    assert UnionPayProvider.configured()
    provider = UnionPayProvider.from_settings()
    assert provider.cert_id == str(standin.MERCHANT_CERT_SERIAL)
    assert provider.gateway_url == "https://gateway.test.95516.com"
    assert provider.timeout == 7.5
    assert provider.cert_company == "中国银联股份有限公司"
    assert provider.method == "card"


@pytest.mark.req("BIL-3")
def test_key_and_certificate_must_match(authority, merchant, unionpay_signer):
    with pytest.raises(ValueError, match="does not match"):
        UnionPayProvider(
            mer_id=standin.MER_ID,
            sign_key_pem=merchant.key_pem,
            sign_cert_pem=unionpay_signer.cert_pem,
            root_cert_pem=authority.root_pem,
            middle_cert_pem=authority.middle_pem,
        )


# --- Checkout ------------------------------------------------------------------------------------


@pytest.mark.req("BIL-3")
def test_channel_for(provider):
    assert provider.channel_for(mobile=True, in_wechat=False, has_openid=False) == "mobile"
    assert provider.channel_for(mobile=False, in_wechat=False, has_openid=False) == "pc"
    assert set(provider.channels) == {"pc", "mobile"}


@pytest.mark.req("BIL-3")
@pytest.mark.parametrize(("channel", "channel_type"), [("pc", "07"), ("mobile", "08")])
def test_checkout_is_a_signed_form_the_gateway_accepts(
    provider, gateway, merchant, channel, channel_type
):
    checkout = provider.checkout(payment(), channel)
    assert checkout.kind == "form"
    assert checkout.url == f"{gateway.url}/gateway/api/frontTransReq.do"
    fields = checkout.fields
    assert fields["version"] == "5.1.0"
    assert fields["signMethod"] == "01"
    assert fields["encoding"] == "UTF-8"
    assert fields["txnType"] == "01"
    assert fields["txnSubType"] == "01"
    assert fields["bizType"] == "000201"
    assert fields["channelType"] == channel_type
    assert fields["accessType"] == "0"
    assert fields["currencyCode"] == "156"
    assert fields["merId"] == standin.MER_ID
    assert fields["orderId"] == "P20250301000001"
    assert fields["txnTime"] == "20250301120000"
    assert fields["txnAmt"] == "27580"
    assert fields["frontUrl"] == RETURN_URL
    assert fields["backUrl"] == NOTIFY_URL
    assert fields["payTimeout"] == "20250301123000"  # PAYMENT_EXPIRE_MINUTES = 30
    assert fields["certId"] == str(merchant.cert.serial_number)
    assert standin.verify(fields, merchant.cert.public_key())
    # The browser posts the form: the gateway checks our signature and certId.
    import requests

    response = requests.post(checkout.url, data=fields, timeout=5)
    assert response.status_code == 200
    assert gateway.rejections == []
    assert gateway.front_orders["P20250301000001"]["txnAmt"] == "27580"


@pytest.mark.req("BIL-3")
def test_checkout_refuses_what_unionpay_would(provider):
    with pytest.raises(ProviderError):
        provider.checkout(payment(number="P-2025-0001"), "pc")  # "-" not allowed
    with pytest.raises(ProviderError):
        provider.checkout(payment(fen=0), "pc")
    with pytest.raises(ProviderError):
        provider.checkout(payment(), "jsapi")


# --- Notifications -------------------------------------------------------------------------------


@pytest.mark.req("BIL-3")
def test_valid_notification_is_a_paid_notice(provider, gateway):
    body = gateway.notification("P20250301000001", 27580)
    notice = provider.verify_notification(
        {"CONTENT_TYPE": "application/x-www-form-urlencoded"}, body
    )
    assert isinstance(notice, Notice)
    assert notice.number == "P20250301000001"
    assert notice.paid is True
    assert notice.closed is False
    assert notice.amount_fen == 27580
    assert notice.trade_no == form(body)["queryId"]
    assert notice.raw["respCode"] == "00"
    # The verified certificate is remembered; a second notice is still fully checked.
    again = provider.verify_notification({}, gateway.notification("P20250301000002", 100))
    assert again.paid and again.amount_fen == 100


@pytest.mark.req("BIL-3")
def test_partly_successful_notification_is_paid_and_failure_is_closed(provider, gateway):
    assert provider.verify_notification({}, gateway.notification("P20250301000001", 5, "A6")).paid
    failed = provider.verify_notification({}, gateway.notification("P20250301000001", 5, "01"))
    assert failed.paid is False and failed.closed is True
    unsettled = provider.verify_notification({}, gateway.notification("P20250301000001", 5, "05"))
    assert unsettled.paid is False and unsettled.closed is False


@pytest.mark.req("BIL-3")
def test_refund_notification_is_no_payment(provider, gateway):
    body = gateway.notification("R20250302000001", 1000, txnType="04", txnSubType="00")
    notice = provider.verify_notification({}, body)
    assert notice.paid is False and notice.closed is False
    assert notice.raw["txnType"] == "04"


@pytest.mark.req("BIL-3")
def test_tampered_notification_is_refused(provider, gateway):
    fields = form(gateway.notification("P20250301000001", 1))
    fields["txnAmt"] = "27580"
    with pytest.raises(InvalidNotification, match="bad signature"):
        provider.verify_notification({}, urlencode(fields).encode())


@pytest.mark.req("BIL-3")
def test_notification_signed_through_another_ca_is_refused(
    provider, gateway, other_authority, unionpay_signer
):
    # First a good one, so that the real certificate is cached...
    provider.verify_notification({}, gateway.notification("P20250301000001", 1))
    # ...then a certificate with the same CN and even the same serial from another CA.
    impostor = other_authority.issue(serial=unionpay_signer.cert.serial_number)
    body = gateway.notification("P20250301000001", 27580, signer=impostor)
    with pytest.raises(InvalidNotification, match="not issued by the configured"):
        provider.verify_notification({}, body)


@pytest.mark.req("BIL-3")
def test_certificate_skipping_the_middle_ca_is_refused(provider, gateway, authority):
    body = gateway.notification("P20250301000001", 1, signer=authority.issue(by_root=True))
    with pytest.raises(InvalidNotification, match="not issued by the configured"):
        provider.verify_notification({}, body)


@pytest.mark.req("BIL-3")
def test_expired_or_future_certificate_is_refused(provider, gateway, authority):
    now = dt.datetime.now(dt.UTC)
    expired = authority.issue(
        not_before=now - dt.timedelta(days=400), not_after=now - dt.timedelta(days=1)
    )
    with pytest.raises(InvalidNotification, match="expired"):
        provider.verify_notification({}, gateway.notification("P20250301000001", 1, signer=expired))
    future = authority.issue(not_before=now + dt.timedelta(days=1))
    with pytest.raises(InvalidNotification, match="not valid before"):
        provider.verify_notification({}, gateway.notification("P20250301000001", 1, signer=future))


@pytest.mark.req("BIL-3")
def test_cached_certificate_is_refused_once_expired(provider, gateway):
    notification = gateway.notification("P20250301000001", 1)
    provider.verify_notification({}, notification)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=800)
    with time_machine.travel(later), pytest.raises(InvalidNotification, match="expired"):
        provider.verify_notification({}, notification)


@pytest.mark.req("BIL-3")
def test_expired_middle_certificate_is_refused(gateway, authority, merchant):
    now = dt.datetime.now(dt.UTC)
    middle = standin.make_cert(
        "CFCA TEST OCA1",
        authority.middle_key,
        issuer=authority.root,
        issuer_key=authority.root_key,
        ca=True,
        not_before=now - dt.timedelta(days=400),
        not_after=now - dt.timedelta(days=1),
    )
    provider = UnionPayProvider(
        mer_id=standin.MER_ID,
        sign_key_pem=merchant.key_pem,
        sign_cert_pem=merchant.cert_pem,
        root_cert_pem=authority.root_pem,
        middle_cert_pem=standin.cert_pem(middle),
    )
    with pytest.raises(InvalidNotification, match="middle certificate expired"):
        provider.verify_notification({}, gateway.notification("P20250301000001", 1))


@pytest.mark.req("BIL-3")
def test_certificate_not_naming_unionpay_is_refused(provider, gateway, authority):
    stranger = authority.issue(cn="CFCA@某某科技有限公司@00040000:SIGN@00000001")
    with pytest.raises(InvalidNotification, match="not UnionPay"):
        provider.verify_notification({}, gateway.notification("P1234567890", 1, signer=stranger))
    no_at = authority.issue(cn="中国银联股份有限公司")
    with pytest.raises(InvalidNotification, match="not UnionPay"):
        provider.verify_notification({}, gateway.notification("P1234567890", 1, signer=no_at))


@pytest.mark.req("BIL-3")
def test_notification_for_another_merchant_is_refused(provider, gateway):
    body = gateway.notification("P20250301000001", 1, merId="898111111111111")
    with pytest.raises(InvalidNotification, match="merId"):
        provider.verify_notification({}, body)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not a form",
        b"\xff\xfe",
        b"respCode=00&orderId=P20250301000001&txnAmt=1&merId=777290058110048",
    ],
)
@pytest.mark.req("BIL-3")
def test_unparsable_or_unsigned_notification_is_refused(provider, body):
    with pytest.raises(InvalidNotification):
        provider.verify_notification({}, body)


@pytest.mark.req("BIL-3")
def test_notification_without_certificate_or_with_another_version_is_refused(provider, gateway):
    fields = form(gateway.notification("P20250301000001", 1))
    del fields["signPubKeyCert"]
    with pytest.raises(InvalidNotification, match="signPubKeyCert"):
        provider.verify_notification({}, urlencode(fields).encode())
    old = gateway.notification("P20250301000001", 1, version="5.0.0")
    with pytest.raises(InvalidNotification, match="version"):
        provider.verify_notification({}, old)
    doubled = gateway.notification("P20250301000001", 1) + b"&txnAmt=2"
    with pytest.raises(InvalidNotification, match="more than once"):
        provider.verify_notification({}, doubled)


@pytest.mark.req("BIL-3")
def test_ack(provider):
    ok = provider.ack(True)
    assert ok.status_code == 200 and ok.content == b"ok"
    fail = provider.ack(False)
    assert fail.status_code == 500 and fail.content == b"fail"


# --- Query ---------------------------------------------------------------------------------------


@pytest.mark.req("BIL-3")
def test_query_paid(provider, gateway):
    query_id = gateway.mark_paid("P20250301000001", 27580, txn_time="20250301120000")
    notice = provider.query(payment())
    assert notice.paid is True and notice.closed is False
    assert notice.amount_fen == 27580
    assert notice.trade_no == query_id
    assert gateway.rejections == []
    path, request = gateway.requests[-1]
    assert path == "/gateway/api/queryTrans.do"
    assert request["txnType"] == "00" and request["bizType"] == "000000"
    assert request["txnTime"] == "20250301120000"


@pytest.mark.req("BIL-3")
def test_query_unknown_processing_and_failed(provider, gateway):
    unknown = provider.query(payment())
    assert unknown.paid is False and unknown.closed is False
    assert unknown.raw["respCode"] == "34"
    gateway.mark_state("P20250301000001", 27580, "05")
    processing = provider.query(payment())
    assert processing.paid is False and processing.closed is False
    gateway.mark_state("P20250301000001", 27580, "01")
    failed = provider.query(payment())
    assert failed.paid is False and failed.closed is True


@pytest.mark.req("BIL-3")
def test_query_of_the_same_order_at_another_time_is_unknown(provider, gateway):
    gateway.mark_paid("P20250301000001", 27580, txn_time="20250301120000")
    assert provider.query(payment(created="20250301120001")).paid is False


@pytest.mark.req("BIL-3")
def test_close_does_nothing(provider, gateway):
    assert provider.close(payment()) is None
    assert gateway.requests == []


# --- Refunds -------------------------------------------------------------------------------------


@pytest.mark.req("BIL-3")
def test_refund_is_pending_until_unionpay_finishes(provider, gateway):
    query_id = gateway.mark_paid("P20250301000001", 27580)
    paid = payment(trade_no=query_id)
    result = provider.refund(paid, refund_ref(fen=1000))
    assert result.state == RefundResult.PENDING
    assert result.refund_no
    path, request = gateway.requests[-1]
    assert path == "/gateway/api/backTransReq.do"
    assert request["txnType"] == "04" and request["txnSubType"] == "00"
    assert request["origQryId"] == query_id
    assert request["orderId"] == "R20250302000001"
    assert request["txnTime"] == "20250302090000"
    assert request["txnAmt"] == "1000"
    assert request["backUrl"] == NOTIFY_URL
    assert provider.query_refund(paid, refund_ref(fen=1000)).state == RefundResult.PENDING
    gateway.complete_refunds()
    done = provider.query_refund(paid, refund_ref(fen=1000))
    assert done.state == RefundResult.SUCCEEDED
    assert done.refund_no == result.refund_no


@pytest.mark.req("BIL-3")
def test_partial_refunds_up_to_the_amount_paid(provider, gateway):
    query_id = gateway.mark_paid("P20250301000001", 27580)
    paid = payment(trade_no=query_id)
    first = provider.refund(paid, refund_ref("R20250302000001", 10000))
    second = provider.refund(paid, refund_ref("R20250302000002", 17580))
    assert first.state == second.state == RefundResult.PENDING
    too_much = provider.refund(paid, refund_ref("R20250302000003", 1))
    assert too_much.state == RefundResult.FAILED
    assert too_much.message == "退货金额超限"
    assert gateway.refunds["R20250302000001"]["txnAmt"] == "10000"
    assert gateway.refunds["R20250302000002"]["txnAmt"] == "17580"
    assert "R20250302000003" not in gateway.refunds


@pytest.mark.req("BIL-3")
def test_refund_of_unknown_refund_is_failed(provider, gateway):
    query_id = gateway.mark_paid("P20250301000001", 27580)
    result = provider.query_refund(payment(trade_no=query_id), refund_ref())
    assert result.state == RefundResult.FAILED


# --- Answers that must not be believed -----------------------------------------------------------


@pytest.mark.req("BIL-3")
def test_forged_answer_is_refused(provider, gateway, other_authority):
    gateway.mark_paid("P20250301000001", 27580)
    gateway.signer = other_authority.issue()
    with pytest.raises(ProviderError, match="untrusted"):
        provider.query(payment())


@pytest.mark.req("BIL-3")
def test_answer_changed_after_signing_is_refused(provider, gateway):
    gateway.mark_state("P20250301000001", 27580, "01")
    gateway.tamper = {"origRespCode": "00"}
    with pytest.raises(ProviderError, match="bad signature"):
        provider.query(payment())


@pytest.mark.req("BIL-3")
def test_answer_about_another_order_is_refused(provider, gateway):
    gateway.mark_paid("P20250301000001", 27580)

    def answer_about_another_order(request, original=gateway._query):
        return original(request) | {"orderId": "P20250301009999"}

    gateway._query = answer_about_another_order
    with pytest.raises(ProviderError, match="orderId"):
        provider.query(payment())


@pytest.mark.req("BIL-3")
def test_gateway_rejects_our_request_signed_with_another_key(authority, gateway):
    impostor = standin.merchant()  # same serial, another key
    provider = make_provider(authority, impostor, gateway.url)
    with pytest.raises(ProviderError, match="untrusted"):
        provider.query(payment())
    assert gateway.rejections == [("/gateway/api/queryTrans.do", "bad signature")]


@pytest.mark.req("BIL-3")
def test_gateway_rejects_unknown_cert_id(authority, gateway):
    provider = make_provider(authority, standin.merchant(serial=12345), gateway.url)
    with pytest.raises(ProviderError):
        provider.query(payment())
    assert gateway.rejections[0][1] == "unknown certId '12345'"


@pytest.mark.req("BIL-3")
def test_http_error_and_unreachable_gateway(provider, gateway, authority, merchant):
    gateway.http_status = 500
    with pytest.raises(ProviderError, match="HTTP 500"):
        provider.query(payment())
    gateway.close()
    with pytest.raises(ProviderError, match="could not be reached"):
        make_provider(authority, merchant, gateway.url).query(payment())

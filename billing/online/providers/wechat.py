"""WeChat Pay (微信支付) API v3 through the `wechatpayv3` SDK, in public-key mode.

Public-key mode: the merchant downloads WeChat Pay's platform public key and its id
(PUB_KEY_ID_...) from the merchant platform once, so the SDK downloads no platform certificates
at start and checks every response and notification with that key.

Channels:
- "jsapi": inside WeChat with the payer's openid of our official account → prepay_id, then the
  page calls WeixinJSBridge getBrandWCPayRequest with `Checkout.params` (signed here).
- "h5": other mobile browsers → WeChat's h5_url (our return page appended as redirect_url).
- "native": desktop → a code_url shown as a QR code to scan with WeChat.

Notifications are verified by the SDK (RSA-SHA256 with the platform public key, then
AES-256-GCM decryption of `resource` with the APIv3 key) after our own checks of the
timestamp window and the key id; the decrypted transaction must name our mchid and appid.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import secrets
import time
from urllib.parse import quote
from zoneinfo import ZoneInfo

import requests
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.utils import rsa_verify

from .base import (
    Checkout,
    InvalidNotification,
    Notice,
    PaymentRef,
    Provider,
    ProviderError,
    RefundRef,
    RefundResult,
    read_pem,
)

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.mch.weixin.qq.com"
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
SHANGHAI = ZoneInfo("Asia/Shanghai")

# WeChat Pay's description is string(127); cutting at 127 UTF-8 bytes keeps it within any
# reading of that limit (characters or bytes) without splitting a character.
DESCRIPTION_MAX_BYTES = 127
REFUND_REASON_MAX_CHARS = 80

# trade_state → (paid, closed). REFUND (转入退款) means the money was taken, then (partly)
# refunded: the trade was paid. NOTPAY / USERPAYING are neither.
TRADE_STATES = {
    "SUCCESS": (True, False),
    "REFUND": (True, False),
    "CLOSED": (False, True),
    "REVOKED": (False, True),
    "PAYERROR": (False, True),
    "NOTPAY": (False, False),
    "USERPAYING": (False, False),
}

# What a 404 says when WeChat Pay has never heard of the trade or refund (any other 404, e.g.
# from a proxy, is a failure).
NOT_FOUND_CODES = ("ORDER_NOT_EXIST", "ORDERNOTEXIST", "RESOURCE_NOT_EXISTS")

# Notification headers, in their canonical spelling (the SDK reads these names).
NOTIFY_HEADERS = ("Signature", "Timestamp", "Nonce", "Serial", "Signature-Type")

SETTING_NAMES = (
    "WECHATPAY_MCH_ID",
    "WECHATPAY_APP_ID",
    "WECHATPAY_PRIVATE_KEY",
    "WECHATPAY_CERT_SERIAL_NO",
    "WECHATPAY_APIV3_KEY",
    "WECHATPAY_PUBLIC_KEY",
    "WECHATPAY_PUBLIC_KEY_ID",
)


def _pkcs8_private_pem(text: str) -> str:
    """The merchant's API key (apiclient_key.pem) as PKCS#8 PEM, which is what the SDK loads;
    PKCS#1 PEM and bare base64 DER are accepted too."""
    text = (text or "").strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            key = serialization.load_der_private_key(base64.b64decode(text), password=None)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("WeChat Pay: the merchant private key cannot be read") from exc
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _public_pem(text: str) -> str:
    """WeChat Pay's platform public key (pub_key.pem) as SubjectPublicKeyInfo PEM."""
    text = (text or "").strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode())
        else:
            key = serialization.load_der_public_key(base64.b64decode(text))
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("WeChat Pay: the platform public key cannot be read") from exc
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _description(subject: str, number: str) -> str:
    text = " ".join((subject or "").split()) or number
    return text.encode()[:DESCRIPTION_MAX_BYTES].decode("utf-8", "ignore")


def _notify_headers(headers) -> dict[str, str]:
    """The Wechatpay-* headers of a notification, from request.META (HTTP_WECHATPAY_SERIAL)
    or from plain headers in any case (Wechatpay-Serial, wechatpay-serial)."""
    lower = {str(key).lower(): value for key, value in (headers or {}).items()}
    found = {}
    for name in NOTIFY_HEADERS:
        plain = f"wechatpay-{name.lower()}"
        meta = "http_" + plain.replace("-", "_")
        value = lower.get(meta) or lower.get(plain) or ""
        found[f"Wechatpay-{name}"] = str(value).strip()
    return found


class WechatPayProvider(Provider):
    refund_resend_safe = True  # the same refund number is refunded once
    method = "wechat"
    sandbox = False
    channels = ("jsapi", "h5", "native")

    def __init__(
        self,
        *,
        mch_id: str,
        app_id: str,
        private_key: str,
        cert_serial_no: str,
        apiv3_key: str,
        public_key: str,
        public_key_id: str,
        api_base_url: str = DEFAULT_API_BASE_URL,
        h5_app_name: str = "邻里",
        site_url: str = "",
        notify_window_seconds: int = 300,
        timeout: float = 10.0,
        expire_minutes: int | None = 30,
    ):
        if not all((mch_id, app_id, cert_serial_no, apiv3_key, public_key_id)):
            raise ImproperlyConfigured("WeChat Pay: merchant credentials are incomplete")
        if len(apiv3_key.encode()) != 32:
            raise ImproperlyConfigured("WeChat Pay: the APIv3 key must be 32 bytes")
        self.mch_id = mch_id
        self.app_id = app_id
        self.public_key_id = public_key_id
        self.h5_app_name = h5_app_name
        self.site_url = site_url.rstrip("/")
        self.notify_window_seconds = notify_window_seconds
        self.expire_minutes = expire_minutes
        try:
            # Public-key mode: with public_key and public_key_id given, the SDK downloads no
            # platform certificates (nothing goes over the network here).
            self._client = WeChatPay(
                wechatpay_type=WeChatPayType.NATIVE,
                mchid=mch_id,
                private_key=_pkcs8_private_pem(private_key),
                cert_serial_no=cert_serial_no,
                appid=app_id,
                apiv3_key=apiv3_key,
                timeout=timeout,
                public_key=_public_pem(public_key),
                public_key_id=public_key_id,
            )
        except ImproperlyConfigured:
            raise
        except Exception as exc:  # the SDK raises bare Exception for keys it cannot load
            raise ImproperlyConfigured(f"WeChat Pay: {exc}") from exc
        # The SDK has no option for its API address: Core keeps it in `_gate_way` and prefixes
        # every request path with it. Setting it points the SDK at a proxy or a stand-in.
        self._client._core._gate_way = (api_base_url or DEFAULT_API_BASE_URL).rstrip("/")

    @classmethod
    def from_settings(cls) -> WechatPayProvider:
        return cls(
            mch_id=settings.WECHATPAY_MCH_ID,
            app_id=settings.WECHATPAY_APP_ID,
            private_key=read_pem(settings.WECHATPAY_PRIVATE_KEY),
            cert_serial_no=settings.WECHATPAY_CERT_SERIAL_NO,
            apiv3_key=settings.WECHATPAY_APIV3_KEY,
            public_key=read_pem(settings.WECHATPAY_PUBLIC_KEY),
            public_key_id=settings.WECHATPAY_PUBLIC_KEY_ID,
            api_base_url=settings.WECHATPAY_API_BASE_URL,
            h5_app_name=settings.WECHATPAY_H5_APP_NAME,
            site_url=settings.LINLI_SITE_URL,
            notify_window_seconds=settings.WECHATPAY_NOTIFY_WINDOW_SECONDS,
            timeout=settings.PAYMENT_HTTP_TIMEOUT_SECONDS,
            expire_minutes=settings.PAYMENT_EXPIRE_MINUTES,
        )

    @staticmethod
    def configured() -> bool:
        return all(getattr(settings, name, "") for name in SETTING_NAMES)

    # --- checkout --------------------------------------------------------------------------

    def channel_for(self, *, mobile: bool, in_wechat: bool, has_openid: bool) -> str:
        if in_wechat and has_openid:
            return "jsapi"
        if in_wechat:
            # H5 payment is refused inside WeChat's browser; without an openid (get one by the
            # official account's OAuth first) the QR code is what is left.
            return "native"
        return "h5" if mobile else "native"

    def _time_expire(self, payment: PaymentRef) -> str | None:
        """When the checkout stops being payable: the payment's creation plus
        PAYMENT_EXPIRE_MINUTES (the reconciliation closes it then), if still a minute away."""
        if not self.expire_minutes:
            return None
        try:
            created = dt.datetime.strptime(payment.created_at_text, "%Y%m%d%H%M%S")
        except (TypeError, ValueError):
            return None
        expire = created.replace(tzinfo=SHANGHAI) + dt.timedelta(minutes=self.expire_minutes)
        if expire < dt.datetime.now(SHANGHAI) + dt.timedelta(minutes=1):
            return None
        return expire.isoformat(timespec="seconds")

    def checkout(self, payment: PaymentRef, channel: str) -> Checkout:
        if channel not in self.channels:
            raise ProviderError(f"WeChat Pay has no channel {channel!r}")
        if not payment.notify_url:
            raise ProviderError("WeChat Pay checkout needs a notify_url")
        if payment.amount_fen <= 0:
            raise ProviderError("WeChat Pay checkout needs a positive amount")
        scene_info: dict = {"payer_client_ip": payment.client_ip or "127.0.0.1"}
        kwargs: dict = {}
        if channel == "jsapi":
            if not payment.openid:
                raise ProviderError("WeChat Pay JSAPI checkout needs the payer's openid")
            pay_type = WeChatPayType.JSAPI
            kwargs["payer"] = {"openid": payment.openid}
        elif channel == "h5":
            pay_type = WeChatPayType.H5
            scene_info["h5_info"] = {
                "type": "Wap",
                "app_name": self.h5_app_name,
                "app_url": self.site_url,
            }
        else:
            pay_type = WeChatPayType.NATIVE
        code, data = self._call(
            f"{channel} prepay for {payment.number}",
            self._client.pay,
            description=_description(payment.subject, payment.number),
            out_trade_no=payment.number,
            amount={"total": payment.amount_fen, "currency": "CNY"},
            time_expire=self._time_expire(payment),
            scene_info=scene_info,
            notify_url=payment.notify_url,
            pay_type=pay_type,
            **kwargs,
        )
        if code != 200:
            raise self._failure(f"{channel} prepay for {payment.number}", code, data)
        if channel == "jsapi":
            prepay_id = data.get("prepay_id")
            if not prepay_id:
                raise ProviderError("WeChat Pay JSAPI prepay answered without prepay_id")
            params = {
                "appId": self.app_id,
                "timeStamp": str(int(time.time())),
                "nonceStr": secrets.token_hex(16),
                "package": f"prepay_id={prepay_id}",
                "signType": "RSA",
            }
            params["paySign"] = self._client.sign(
                [params["appId"], params["timeStamp"], params["nonceStr"], params["package"]]
            )
            return Checkout(kind="jsapi", params=params)
        if channel == "h5":
            h5_url = data.get("h5_url")
            if not h5_url:
                raise ProviderError("WeChat Pay H5 prepay answered without h5_url")
            if payment.return_url:
                h5_url += "&redirect_url=" + quote(payment.return_url, safe="")
            return Checkout(kind="redirect", url=h5_url)
        code_url = data.get("code_url")
        if not code_url:
            raise ProviderError("WeChat Pay native prepay answered without code_url")
        return Checkout(kind="qr", qr_text=code_url)

    # --- notifications ---------------------------------------------------------------------

    def verify_notification(self, headers: dict, body: bytes) -> Notice:
        found = _notify_headers(headers)
        missing = [name for name, value in found.items() if not value]
        if missing:
            raise InvalidNotification(f"missing headers: {', '.join(missing)}")
        try:
            timestamp = int(found["Wechatpay-Timestamp"])
        except ValueError:
            raise InvalidNotification("Wechatpay-Timestamp is not a number") from None
        skew = abs(time.time() - timestamp)
        if skew > self.notify_window_seconds:
            raise InvalidNotification(f"Wechatpay-Timestamp is {int(skew)} s away from now")
        if found["Wechatpay-Serial"] != self.public_key_id:
            # The SDK would try to download platform certificates for another serial.
            raise InvalidNotification(
                f"Wechatpay-Serial {found['Wechatpay-Serial']!r} is not our platform public key id"
            )
        if found["Wechatpay-Signature-Type"] != SIGNATURE_TYPE:
            raise InvalidNotification(
                f"unsupported Wechatpay-Signature-Type {found['Wechatpay-Signature-Type']!r}"
            )
        if isinstance(body, str):
            body = body.encode()
        try:
            text = (body or b"").decode("utf-8")
            envelope = json.loads(text)
        except ValueError:
            raise InvalidNotification("body is not UTF-8 JSON") from None
        if not isinstance(envelope, dict):
            raise InvalidNotification("body is not a JSON object")
        try:
            content = self._client.callback(found, text)
        except Exception as exc:  # bare Exception from the SDK, JSON or AES errors
            raise InvalidNotification(f"WeChat Pay SDK refused it: {exc}") from exc
        if not content:
            # The SDK answers None both for a bad signature and for a resource it cannot
            # decrypt; tell them apart for the log.
            signed = rsa_verify(
                found["Wechatpay-Timestamp"],
                found["Wechatpay-Nonce"],
                text,
                found["Wechatpay-Signature"],
                self._client._core._public_key,
            )
            if not signed:
                raise InvalidNotification("signature does not verify with the platform public key")
            raise InvalidNotification(
                "resource is not an encrypt-resource that decrypts with the APIv3 key"
            )
        resource = content.get("resource")
        if not isinstance(resource, dict):
            raise InvalidNotification("decrypted resource is not a JSON object")
        if resource.get("mchid", self.mch_id) != self.mch_id:
            raise InvalidNotification(f"mchid {resource.get('mchid')!r} is not ours")
        event_type = content.get("event_type")
        if event_type != "TRANSACTION.SUCCESS":
            logger.info(
                "WeChat Pay notification %s (%s) settles nothing", content.get("id"), event_type
            )
            return Notice(
                number=str(resource.get("out_trade_no") or ""),
                paid=False,
                amount_fen=0,
                raw=content,
            )
        notice = self._transaction_notice(resource, raw=content)
        if notice.number == "":
            raise InvalidNotification("resource has no out_trade_no")
        return notice

    def _transaction_notice(self, trade: dict, *, raw: dict, error=InvalidNotification) -> Notice:
        """A Notice from a transaction (decrypted notification resource or query answer)."""
        if trade.get("mchid") != self.mch_id:
            raise error(f"mchid {trade.get('mchid')!r} is not ours")
        if trade.get("appid") != self.app_id:
            raise error(f"appid {trade.get('appid')!r} is not ours")
        state = trade.get("trade_state")
        if state not in TRADE_STATES:
            raise error(f"unknown trade_state {state!r}")
        paid, closed = TRADE_STATES[state]
        amount = trade.get("amount")
        if not isinstance(amount, dict):
            raise error("the transaction has no amount")
        total = amount.get("total")
        if not isinstance(total, int) or isinstance(total, bool) or total < 0:
            raise error(f"amount.total {total!r} is not a number of fen")
        if paid and amount.get("currency", "CNY") != "CNY":
            raise error(f"currency {amount.get('currency')!r} is not CNY")
        return Notice(
            number=str(trade.get("out_trade_no") or ""),
            paid=paid,
            closed=closed,
            # What the order was for; amount.payer_total is less when a coupon paid a part.
            amount_fen=total,
            trade_no=str(trade.get("transaction_id") or ""),
            raw=raw,
        )

    def ack(self, ok: bool) -> HttpResponse:
        # WeChat Pay v3: 200 or 204 without a body stops the retries; any 4xx/5xx with
        # {"code": "FAIL", "message": ...} asks for them.
        if ok:
            return HttpResponse(status=200)
        return JsonResponse({"code": "FAIL", "message": "failed"}, status=400)

    # --- queries, close, refunds -----------------------------------------------------------

    def query(self, payment: PaymentRef) -> Notice:
        what = f"query of {payment.number}"
        code, data = self._call(what, self._client.query, out_trade_no=payment.number)
        if code == 404 and data.get("code") in NOT_FOUND_CODES:
            return Notice(number=payment.number, paid=False, amount_fen=0)
        if code != 200:
            raise self._failure(what, code, data)
        notice = self._transaction_notice(data, raw=data, error=ProviderError)
        if notice.number != payment.number:
            raise ProviderError(f"WeChat Pay {what} answered for {notice.number!r}")
        return notice

    def close(self, payment: PaymentRef) -> None:
        what = f"close of {payment.number}"
        code, data = self._call(what, self._client.close, out_trade_no=payment.number)
        if code in (200, 204):
            return
        if data.get("code") == "ORDER_CLOSED" or (
            code == 404 and data.get("code") in NOT_FOUND_CODES
        ):
            logger.info("WeChat Pay %s: %s (nothing to close)", what, data.get("code"))
            return
        raise self._failure(what, code, data)

    def refund(self, payment: PaymentRef, refund: RefundRef) -> RefundResult:
        what = f"refund {refund.number} of {payment.number}"
        code, data = self._call(
            what,
            self._client.refund,
            out_refund_no=refund.number,
            amount={"refund": refund.amount_fen, "total": payment.amount_fen, "currency": "CNY"},
            out_trade_no=payment.number,
            reason=(refund.reason or "")[:REFUND_REASON_MAX_CHARS] or None,
        )
        return self._refund_result(what, refund, code, data)

    def query_refund(self, payment: PaymentRef, refund: RefundRef) -> RefundResult:
        what = f"query of refund {refund.number}"
        code, data = self._call(what, self._client.query_refund, out_refund_no=refund.number)
        if code == 404 and data.get("code") in NOT_FOUND_CODES:
            return RefundResult(
                state=RefundResult.FAILED,
                message=gettext("WeChat Pay has no such refund."),
                raw=data,
            )
        result = self._refund_result(what, refund, code, data)
        if data.get("out_trade_no") not in (None, payment.number):
            raise ProviderError(f"WeChat Pay {what} answered for {data.get('out_trade_no')!r}")
        return result

    def _refund_result(self, what: str, refund: RefundRef, code: int, data: dict) -> RefundResult:
        if code == 200:
            if data.get("out_refund_no") != refund.number:
                raise ProviderError(f"WeChat Pay {what} answered for {data.get('out_refund_no')!r}")
            status = data.get("status")
            refund_no = str(data.get("refund_id") or "")
            if status == "SUCCESS":
                return RefundResult(RefundResult.SUCCEEDED, refund_no=refund_no, raw=data)
            if status == "PROCESSING":
                return RefundResult(RefundResult.PENDING, refund_no=refund_no, raw=data)
            if status == "ABNORMAL":
                message = gettext(
                    "The refund is abnormal: the payer's account cannot receive it; handle it "
                    "in the WeChat Pay merchant platform."
                )
                return RefundResult(RefundResult.FAILED, refund_no, message, raw=data)
            if status == "CLOSED":
                message = gettext("WeChat Pay closed the refund.")
                return RefundResult(RefundResult.FAILED, refund_no, message, raw=data)
            raise ProviderError(f"WeChat Pay {what}: unknown refund status {status!r}")
        if code in (400, 403, 404):
            # Refused for good (amount above what is left, trade not paid, balance short...).
            logger.warning(
                "WeChat Pay %s refused: %s %s", what, data.get("code"), data.get("message")
            )
            message = gettext("WeChat Pay refused the refund: %(message)s") % {
                "message": data.get("message") or data.get("code") or code
            }
            return RefundResult(RefundResult.FAILED, message=message, raw=data)
        raise self._failure(what, code, data)  # 401 (our signature), 429, 5xx: ask again later

    # --- HTTP through the SDK --------------------------------------------------------------

    def _call(self, what: str, fn, **kwargs) -> tuple[int, dict]:
        """Run one SDK request; (status, JSON answer). The SDK has checked the signature of
        every 2xx answer with the platform public key before this returns."""
        try:
            code, text = fn(**kwargs)
        except requests.RequestException as exc:
            logger.warning("WeChat Pay %s: %s", what, exc)
            raise ProviderError(f"WeChat Pay {what}: cannot reach the API ({exc})") from exc
        except Exception as exc:  # the SDK raises bare Exception, e.g. a bad answer signature
            logger.warning("WeChat Pay %s: %s", what, exc)
            raise ProviderError(f"WeChat Pay {what}: {exc}") from exc
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            data = {}
        return code, data if isinstance(data, dict) else {}

    @staticmethod
    def _failure(what: str, code: int, data: dict) -> ProviderError:
        message = f"WeChat Pay {what} failed: HTTP {code} {data.get('code', '')} {data.get('message', '')}"
        logger.warning("%s", message.strip())
        return ProviderError(message.strip())

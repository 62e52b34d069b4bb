"""Alipay (支付宝) through python-alipay-sdk, RSA2 public-key mode.

Two channels: "wap" (alipay.trade.wap.pay, the mobile cashier) and "page"
(alipay.trade.page.pay, the desktop cashier). Both are a redirect to the gateway with a signed
query string; Alipay creates the trade when the buyer opens the cashier, so until then a query
or a close answers ACQ.TRADE_NOT_EXIST. `time_expire` is set on every checkout so that a
redirect URL kept in the browser cannot be paid after our payment has expired.

Alipay posts its asynchronous notification as an application/x-www-form-urlencoded body signed
with Alipay's private key over the sorted `k=v` pairs of every field but `sign` and
`sign_type`; it stops retrying when the answer is the plain text `success`.

Synchronous answers (query, close, refund, refund query) are JSON whose
`<method>_response` object is signed with Alipay's private key; the SDK checks that signature
before it hands us the answer, and any answer it cannot verify is a ProviderError here.

Amounts are integer fen inside the project and yuan strings with exactly two decimals at
Alipay's door ("275.80"), converted with Decimal.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import textwrap
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs

from alipay import AliPay, AliPayConfig
from alipay.exceptions import AliPayException, AliPayValidationError
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.utils.translation import gettext

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

# Importing the SDK configures its logger to print every request at DEBUG on stderr: ours
# decides what is logged (the project's LOGGING), so only its warnings pass.
logging.getLogger("python-alipay-sdk").setLevel(logging.WARNING)

logger = logging.getLogger(__name__)

DEFAULT_GATEWAY_URL = "https://openapi.alipay.com/gateway.do"
SIGN_TYPE = "RSA2"

CODE_SUCCESS = "10000"
# "Service currently unavailable": Alipay asks to call again with the same parameters.
CODE_UNAVAILABLE = "20000"
TRADE_NOT_EXIST = "ACQ.TRADE_NOT_EXIST"
TRADE_STATUS_ERROR = "ACQ.TRADE_STATUS_ERROR"
# Business answers that mean "unknown outcome, call again with the same parameters".
RETRY_SUB_CODES = frozenset({"ACQ.SYSTEM_ERROR", "aop.ACQ.SYSTEM_ERROR", "isp.unknow-error"})

PAID_STATES = frozenset({"TRADE_SUCCESS", "TRADE_FINISHED"})
# TRADE_CLOSED: an unpaid trade that timed out or was closed, OR a paid trade refunded in full.
CLOSED_STATES = frozenset({"TRADE_CLOSED"})
OPEN_STATES = frozenset({"WAIT_BUYER_PAY"})
KNOWN_STATES = PAID_STATES | CLOSED_STATES | OPEN_STATES

REFUND_SUCCESS = "REFUND_SUCCESS"

PRODUCT_CODES = {"wap": "QUICK_WAP_WAY", "page": "FAST_INSTANT_TRADE_PAY"}
NOTIFY_CHARSETS = frozenset({"utf-8", "gbk", "gb2312", "gb18030"})

_YUAN = re.compile(r"(0|[1-9][0-9]*)\.[0-9]{2}")
_CENT = Decimal("0.01")
# Alipay forbids these in `subject` ("不可使用特殊字符，如 /，=，& 等").
_SUBJECT_FORBIDDEN = re.compile(r"[/=&]")
_RSA_OID = bytes.fromhex("2a864886f70d010101")  # rsaEncryption, present in PKCS#8 and SPKI


def fen_to_yuan(fen: int) -> str:
    """27580 -> "275.80", 1 -> "0.01": exact, with Decimal (never float)."""
    if isinstance(fen, bool) or not isinstance(fen, int) or fen <= 0:
        raise ProviderError(f"Alipay amounts must be a positive number of fen, not {fen!r}")
    return str((Decimal(fen) / 100).quantize(_CENT))


def yuan_to_fen(text: object) -> int:
    """ "275.80" -> 27580. Exactly two decimals, as Alipay writes amounts; ValueError otherwise."""
    if not isinstance(text, str) or not _YUAN.fullmatch(text):
        raise ValueError(f"not an amount in yuan with two decimals: {text!r}")
    return int(Decimal(text) * 100)


def pem_key(value: str, *, private: bool) -> str:
    """A key as PEM text. Alipay's console hands keys out as bare base64 (PKCS#8 or PKCS#1
    private keys, SubjectPublicKeyInfo public keys); the SDK wants PEM, so wrap them."""
    value = read_pem(value)
    if not value or value.startswith("-----BEGIN"):
        return value
    body = "".join(value.split())
    try:
        der = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(
            "An Alipay key is neither PEM nor base64 (a file goes in ALIPAY_..._FILE)"
        ) from exc
    has_algorithm = _RSA_OID in der[:40]
    if private:
        label = "PRIVATE KEY" if has_algorithm else "RSA PRIVATE KEY"
    else:
        label = "PUBLIC KEY" if has_algorithm else "RSA PUBLIC KEY"
    lines = "\n".join(textwrap.wrap(body, 64))
    return f"-----BEGIN {label}-----\n{lines}\n-----END {label}-----\n"


class AlipayProvider(Provider):
    refund_resend_safe = True  # the same refund number is refunded once
    method = "alipay"
    sandbox = False
    channels = ("wap", "page")

    def __init__(
        self,
        *,
        app_id: str,
        app_private_key: str,
        alipay_public_key: str,
        seller_id: str = "",
        gateway_url: str = DEFAULT_GATEWAY_URL,
        timeout: float = 10.0,
        expire_minutes: int | None = 30,
    ):
        """Keys: PEM text (literal "\\n" allowed), the path of a PEM file, or bare base64.
        `seller_id` is the merchant's PID (2088...), compared in every notification; when
        empty, no notification is believed. `expire_minutes` after PaymentRef.created_at_text the checkout
        stops being payable at Alipay (None or 0: no time_expire)."""
        if not app_id:
            raise ImproperlyConfigured("Alipay needs an app id")
        self.app_id = str(app_id)
        self.seller_id = str(seller_id or "")
        self.gateway_url = gateway_url or DEFAULT_GATEWAY_URL
        self.expire_minutes = expire_minutes
        try:
            self._alipay = AliPay(
                appid=self.app_id,
                app_notify_url=None,
                app_private_key_string=pem_key(app_private_key, private=True),
                alipay_public_key_string=pem_key(alipay_public_key, private=False),
                sign_type=SIGN_TYPE,
                debug=False,
                verbose=False,  # verbose logs the signed data; never turn it on here
                config=AliPayConfig(timeout=timeout),
            )
        except (ValueError, IndexError, TypeError):
            # Not chained: the original exception may quote key material.
            raise ImproperlyConfigured(
                "Alipay keys could not be loaded (ALIPAY_APP_PRIVATE_KEY / ALIPAY_PUBLIC_KEY)"
            ) from None
        # The SDK only knows two gateways, production and its own sandbox (chosen by `debug`).
        # ALIPAY_GATEWAY_URL must win: Alipay's sandbox URL has moved before, and the tests
        # point it at a local stand-in. The SDK has no public setting for it, so override the
        # attribute it reads in verified_sync_response.
        self._alipay._gateway = self.gateway_url

    def __repr__(self) -> str:
        return f"<AlipayProvider app_id={self.app_id} gateway={self.gateway_url}>"

    @classmethod
    def from_settings(cls) -> AlipayProvider:
        if not cls.configured():
            raise ImproperlyConfigured(
                "Alipay is not configured: set ALIPAY_APP_ID, ALIPAY_APP_PRIVATE_KEY "
                "and ALIPAY_PUBLIC_KEY"
            )
        return cls(
            app_id=settings.ALIPAY_APP_ID,
            app_private_key=read_pem(settings.ALIPAY_APP_PRIVATE_KEY),
            alipay_public_key=read_pem(settings.ALIPAY_PUBLIC_KEY),
            seller_id=getattr(settings, "ALIPAY_SELLER_ID", ""),
            gateway_url=getattr(settings, "ALIPAY_GATEWAY_URL", "") or DEFAULT_GATEWAY_URL,
            timeout=getattr(settings, "PAYMENT_HTTP_TIMEOUT_SECONDS", 10.0),
            expire_minutes=getattr(settings, "PAYMENT_EXPIRE_MINUTES", 30),
        )

    @staticmethod
    def configured() -> bool:
        return all(
            getattr(settings, name, "")
            for name in ("ALIPAY_APP_ID", "ALIPAY_APP_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY")
        )

    # --- checkout ------------------------------------------------------------------------------

    def channel_for(self, *, mobile: bool, in_wechat: bool, has_openid: bool) -> str:
        # WeChat's browser blocks Alipay pages; showing an "open in the browser" hint there is
        # the view's business. The channel is still the mobile cashier.
        return "wap" if mobile else "page"

    def checkout(self, payment: PaymentRef, channel: str) -> Checkout:
        if channel not in self.channels:
            raise ProviderError(f"Alipay has no channel {channel!r}")
        subject = _SUBJECT_FORBIDDEN.sub(" ", payment.subject or payment.number).strip()[:256]
        extra: dict[str, str] = {"product_code": PRODUCT_CODES[channel]}
        time_expire = self._time_expire(payment)
        if time_expire:
            extra["time_expire"] = time_expire
        if channel == "wap" and payment.return_url:
            extra["quit_url"] = payment.return_url  # where "leave the cashier" goes
        api = (
            self._alipay.api_alipay_trade_wap_pay
            if channel == "wap"
            else self._alipay.api_alipay_trade_page_pay
        )
        # product_code passes through **kwargs into biz_content and overrides the SDK's
        # default (its wap default "QUICK_WAP_PAY" is not Alipay's code "QUICK_WAP_WAY").
        try:
            query = api(
                subject=subject,
                out_trade_no=payment.number,
                total_amount=fen_to_yuan(payment.amount_fen),
                return_url=payment.return_url or None,
                notify_url=payment.notify_url or None,
                **extra,
            )
        except (ValueError, TypeError) as exc:
            raise ProviderError(f"Alipay checkout could not be signed: {exc}") from exc
        logger.info("Alipay %s checkout for %s", channel, payment.number)
        return Checkout(kind="redirect", url=f"{self.gateway_url}?{query}")

    def _time_expire(self, payment: PaymentRef) -> str:
        if not self.expire_minutes:
            return ""
        try:
            created = datetime.strptime(payment.created_at_text, "%Y%m%d%H%M%S")
        except (TypeError, ValueError):
            logger.warning(
                "Alipay checkout %s: created_at_text %r is not yyyyMMddHHmmss; no time_expire",
                payment.number,
                payment.created_at_text,
            )
            return ""
        # Both sides are Beijing time (created_at_text is Asia/Shanghai, as Alipay expects).
        return (created + timedelta(minutes=self.expire_minutes)).strftime("%Y-%m-%d %H:%M:%S")

    # --- notifications -------------------------------------------------------------------------

    def verify_notification(self, headers: dict, body: bytes) -> Notice:
        # Alipay's notification carries everything in the form body; headers play no part.
        data = self._parse_form(body)
        sign = data.pop("sign", "")
        if not sign:
            raise InvalidNotification("Alipay notification without sign")
        signed = dict(data)  # the SDK pops sign_type (checking it is RSA2) and mutates
        try:
            ok = self._alipay.verify(signed, sign)
        except AliPayException as exc:
            raise InvalidNotification(f"Alipay notification refused: {exc}") from exc
        except (ValueError, TypeError) as exc:  # undecodable signature
            raise InvalidNotification(f"Alipay notification signature unreadable: {exc}") from exc
        if not ok:
            raise InvalidNotification("Alipay notification signature does not verify")
        data.pop("sign_type", None)

        if data.get("app_id") != self.app_id:
            raise InvalidNotification(f"Alipay notification for app_id {data.get('app_id')!r}")
        # Always compared: the app id alone does not prove the money went to our merchant
        # account. Without a configured PID (`manage.py check` says so in production) nothing
        # matches, and payments settle through reconciliation's queries instead.
        if not self.seller_id or data.get("seller_id") != self.seller_id:
            raise InvalidNotification(
                f"Alipay notification for seller_id {data.get('seller_id')!r}"
                + ("" if self.seller_id else " (ALIPAY_SELLER_ID is not configured)")
            )
        number = data.get("out_trade_no", "")
        if not number:
            raise InvalidNotification("Alipay notification without out_trade_no")
        status = data.get("trade_status", "")
        if status not in KNOWN_STATES:
            raise InvalidNotification(f"Alipay notification with trade_status {status!r}")
        try:
            amount_fen = yuan_to_fen(data.get("total_amount"))
        except ValueError as exc:
            raise InvalidNotification(f"Alipay notification: {exc}") from exc
        return Notice(
            number=number,
            paid=status in PAID_STATES,
            closed=status in CLOSED_STATES,
            amount_fen=amount_fen,
            trade_no=data.get("trade_no", ""),
            raw=data,
        )

    @staticmethod
    def _parse_form(body: bytes) -> dict[str, str]:
        if isinstance(body, str):
            body = body.encode("utf-8")
        if not isinstance(body, bytes | bytearray) or not body:
            raise InvalidNotification("empty Alipay notification")
        body = bytes(body)
        # First find the declared charset (its value is ASCII), then decode with it.
        charset = "utf-8"
        found = parse_qs(body.decode("latin-1"), keep_blank_values=True).get("charset")
        if found:
            charset = found[0].strip().lower()
        if charset not in NOTIFY_CHARSETS:
            raise InvalidNotification(f"Alipay notification in charset {charset!r}")
        try:
            fields = parse_qs(
                body.decode(charset), keep_blank_values=True, encoding=charset, errors="strict"
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidNotification(f"Alipay notification not decodable: {exc}") from exc
        if not fields:
            raise InvalidNotification("Alipay notification has no fields")
        doubled = sorted(key for key, values in fields.items() if len(values) != 1)
        if doubled:
            raise InvalidNotification(f"Alipay notification repeats {doubled}")
        return {key: values[0] for key, values in fields.items()}

    def ack(self, ok: bool) -> HttpResponse:
        # Exactly "success" stops Alipay's retries; anything else makes it try again later.
        return HttpResponse(b"success" if ok else b"fail", content_type="text/plain", status=200)

    # --- synchronous API -----------------------------------------------------------------------

    def _call(self, api_name: str, function, **kwargs) -> dict:
        """Call an SDK method that talks to the gateway; the SDK verifies the answer's
        signature. Every way it can go wrong becomes a ProviderError."""
        try:
            answer = function(**kwargs)
        except AliPayValidationError as exc:
            logger.error("Alipay %s: the answer's signature does not verify", api_name)
            raise ProviderError(f"{api_name}: the answer's signature does not verify") from exc
        except AliPayException as exc:
            # An unsigned answer (e.g. isv.invalid-signature, invalid app id) or error_response.
            logger.error("Alipay %s refused: %s", api_name, exc)
            raise ProviderError(f"{api_name}: {exc}") from exc
        except OSError as exc:  # URLError, HTTPError, timeouts, refused connections
            logger.warning("Alipay %s unreachable: %s", api_name, exc)
            raise ProviderError(f"{api_name}: Alipay unreachable: {exc}") from exc
        except (ValueError, TypeError, KeyError, AttributeError) as exc:  # not JSON / bad shape
            logger.error("Alipay %s: unreadable answer: %r", api_name, exc)
            raise ProviderError(f"{api_name}: unreadable answer: {exc!r}") from exc
        if not isinstance(answer, dict):
            raise ProviderError(f"{api_name}: unreadable answer")
        return answer

    @staticmethod
    def _failure(api_name: str, answer: dict) -> str:
        return (
            f"{api_name}: code={answer.get('code')} msg={answer.get('msg')} "
            f"sub_code={answer.get('sub_code')} sub_msg={answer.get('sub_msg')}"
        )

    @staticmethod
    def _retry_later(answer: dict) -> bool:
        return answer.get("code") == CODE_UNAVAILABLE or answer.get("sub_code") in RETRY_SUB_CODES

    @staticmethod
    def _check_number(api_name: str, answer: dict, payment: PaymentRef) -> None:
        number = answer.get("out_trade_no")
        if number and number != payment.number:
            raise ProviderError(f"{api_name}: answer about {number}, not {payment.number}")

    def query(self, payment: PaymentRef) -> Notice:
        api = "alipay.trade.query"
        answer = self._call(api, self._alipay.api_alipay_trade_query, out_trade_no=payment.number)
        if answer.get("code") == CODE_SUCCESS:
            self._check_number(api, answer, payment)
            status = answer.get("trade_status", "")
            try:
                amount_fen = yuan_to_fen(answer.get("total_amount"))
            except ValueError as exc:
                raise ProviderError(f"{api}: {exc}") from exc
            return Notice(
                number=payment.number,
                paid=status in PAID_STATES,
                closed=status in CLOSED_STATES,
                amount_fen=amount_fen,
                trade_no=answer.get("trade_no", ""),
                raw=answer,
            )
        if answer.get("sub_code") == TRADE_NOT_EXIST:
            # The buyer never opened the cashier (or Alipay forgot an unpaid trade).
            return Notice(number=payment.number, paid=False, closed=False, amount_fen=0, raw=answer)
        raise ProviderError(self._failure(api, answer))

    def close(self, payment: PaymentRef) -> None:
        api = "alipay.trade.close"
        answer = self._call(api, self._alipay.api_alipay_trade_close, out_trade_no=payment.number)
        if answer.get("code") == CODE_SUCCESS:
            self._check_number(api, answer, payment)
            logger.info("Alipay trade %s closed", payment.number)
            return
        sub_code = answer.get("sub_code")
        if sub_code == TRADE_NOT_EXIST:
            logger.info("Alipay close %s: Alipay has no such trade", payment.number)
            return
        if sub_code == TRADE_STATUS_ERROR:
            # Said of an already closed trade, but also of a PAID one: find out which.
            state = self.query(payment)
            if state.closed:
                logger.info("Alipay close %s: already closed", payment.number)
                return
            if state.paid:
                raise ProviderError(f"{api}: trade {payment.number} is paid, not closed")
        raise ProviderError(self._failure(api, answer))

    def refund(self, payment: PaymentRef, refund: RefundRef) -> RefundResult:
        api = "alipay.trade.refund"
        extra = {"out_request_no": refund.number}
        if refund.reason:
            extra["refund_reason"] = refund.reason[:256]
        answer = self._call(
            api,
            self._alipay.api_alipay_trade_refund,
            refund_amount=fen_to_yuan(refund.amount_fen),
            out_trade_no=payment.number,
            **extra,
        )
        if answer.get("code") == CODE_SUCCESS:
            self._check_number(api, answer, payment)
            if answer.get("fund_change") == "Y":
                logger.info("Alipay refund %s of %s succeeded", refund.number, payment.number)
                return RefundResult(RefundResult.SUCCEEDED, refund_no=refund.number, raw=answer)
            # "N": no money moved by THIS call (already refunded by an earlier identical
            # request, or still processing). Ask alipay.trade.fastpay.refund.query.
            return RefundResult(
                RefundResult.PENDING,
                refund_no=refund.number,
                message=gettext("Alipay accepted the refund; its result is not known yet."),
                raw=answer,
            )
        if self._retry_later(answer):
            logger.warning(self._failure(api, answer))
            return RefundResult(
                RefundResult.PENDING,
                refund_no=refund.number,
                message=gettext("Alipay is busy; ask about this refund again later."),
                raw=answer,
            )
        logger.warning(self._failure(api, answer))
        return RefundResult(
            RefundResult.FAILED,
            refund_no=refund.number,
            message=answer.get("sub_msg") or answer.get("msg") or "",
            raw=answer,
        )

    def query_refund(self, payment: PaymentRef, refund: RefundRef) -> RefundResult:
        api = "alipay.trade.fastpay.refund.query"
        answer = self._call(
            api,
            self._alipay.api_alipay_trade_fastpay_refund_query,
            out_request_no=refund.number,
            out_trade_no=payment.number,
        )
        code = answer.get("code")
        if code == CODE_SUCCESS:
            self._check_number(api, answer, payment)
            status = answer.get("refund_status", "")
            amount = answer.get("refund_amount", "")
            # Older answers carry no refund_status: any refund data then means success.
            if status == REFUND_SUCCESS or (not status and amount):
                try:
                    amount_fen = yuan_to_fen(amount)
                except ValueError as exc:
                    raise ProviderError(f"{api}: {exc}") from exc
                if amount_fen != refund.amount_fen:
                    raise ProviderError(
                        f"{api}: refund {refund.number} is {amount_fen} fen at Alipay, "
                        f"{refund.amount_fen} fen here"
                    )
                return RefundResult(RefundResult.SUCCEEDED, refund_no=refund.number, raw=answer)
            # No data: Alipay has not (yet) got this refund. Calling refund() again with the
            # same RefundRef is safe (Alipay deduplicates on out_request_no).
            return RefundResult(
                RefundResult.PENDING,
                refund_no=refund.number,
                message=gettext("Alipay has no result for this refund yet."),
                raw=answer,
            )
        if self._retry_later(answer):
            return RefundResult(
                RefundResult.PENDING,
                refund_no=refund.number,
                message=gettext("Alipay is busy; ask about this refund again later."),
                raw=answer,
            )
        if answer.get("sub_code") == TRADE_NOT_EXIST:
            return RefundResult(
                RefundResult.FAILED,
                refund_no=refund.number,
                message=answer.get("sub_msg") or answer.get("msg") or "",
                raw=answer,
            )
        # A refused query says nothing about the refund itself.
        raise ProviderError(self._failure(api, answer))

"""One interface for every payment provider (WeChat Pay, Alipay, UnionPay, the sandbox).

A provider turns a pending `Payment` into something the browser can pay with (`checkout`),
turns a provider's notification into a verified `Notice` or refuses it (`verify_notification`),
replies to the provider exactly as it expects (`ack`), and asks the provider about a trade or a
refund (`query`, `refund`, `query_refund`, `close`). It never touches the database: the billing
services decide what a verified notice means for our payments and bills.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpResponse


class InvalidNotification(Exception):
    """A notification that must not be believed: bad signature, tampered body, wrong app id,
    stale timestamp. The message says why (for the log), never shown to the provider."""


class ProviderError(Exception):
    """The provider refused a request or could not be reached."""


@dataclass(frozen=True)
class Checkout:
    """What the browser does next to pay.

    kind: "redirect" (go to `url`), "form" (auto-submit `fields` to `url` by POST),
    "qr" (show `qr_text` as a QR code to scan with the phone), "jsapi" (call
    WeixinJSBridge getBrandWCPayRequest with `params`)."""

    kind: str
    url: str = ""
    fields: dict = field(default_factory=dict)
    qr_text: str = ""
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Notice:
    """A verified statement from the provider about one of our payments.

    number: our payment number (out_trade_no / orderId); paid: the money was taken;
    closed: the trade is over without money; amount_fen: what the provider says was paid, in
    fen; trade_no: the provider's trade number; raw: the verified (decrypted) content."""

    number: str
    paid: bool
    amount_fen: int
    trade_no: str = ""
    closed: bool = False
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RefundResult:
    """state: "succeeded", "pending" (accepted, ask again later) or "failed"."""

    state: str
    refund_no: str = ""
    message: str = ""
    raw: dict = field(default_factory=dict)

    SUCCEEDED = "succeeded"
    PENDING = "pending"
    FAILED = "failed"


@dataclass(frozen=True)
class PaymentRef:
    """What a provider needs to know about one of our payments (no ORM objects cross)."""

    number: str
    amount_fen: int
    subject: str
    created_at_text: str  # yyyyMMddHHmmss, Asia/Shanghai (UnionPay's txnTime)
    trade_no: str = ""
    client_ip: str = "127.0.0.1"
    openid: str = ""
    return_url: str = ""  # where the browser comes back to (never proof of payment)
    notify_url: str = ""  # where the provider posts its notification


@dataclass(frozen=True)
class RefundRef:
    number: str  # our refund number (out_refund_no / out_request_no / orderId)
    amount_fen: int
    reason: str
    created_at_text: str  # yyyyMMddHHmmss


class Provider:
    """Base class. `method` is Payment.Method's value; `sandbox` says the money is not real."""

    method: str = ""
    sandbox: bool = False
    # The channels this provider can use: "jsapi", "h5", "native" (WeChat), "wap", "page"
    # (Alipay), "mobile", "pc" (UnionPay), "sandbox".
    channels: tuple[str, ...] = ()
    # Whether a refund may be sent again with the same refund number while it is pending: the
    # provider refunds a number once and answers a repeat with that refund's state.
    refund_resend_safe: bool = False

    def channel_for(self, *, mobile: bool, in_wechat: bool, has_openid: bool) -> str:
        raise NotImplementedError

    def checkout(self, payment: PaymentRef, channel: str) -> Checkout:
        raise NotImplementedError

    def verify_notification(self, headers: dict, body: bytes) -> Notice:
        """Check the signature (and app id, merchant, timestamp) and return what it says;
        raise InvalidNotification otherwise. `headers` are request.META-style or plain."""
        raise NotImplementedError

    def ack(self, ok: bool) -> HttpResponse:
        """The reply the provider expects: success stops its retries, failure asks for them."""
        raise NotImplementedError

    def query(self, payment: PaymentRef) -> Notice:
        """What the provider knows about this trade now (paid / closed / neither)."""
        raise NotImplementedError

    def close(self, payment: PaymentRef) -> None:
        raise NotImplementedError

    def refund(self, payment: PaymentRef, refund: RefundRef) -> RefundResult:
        raise NotImplementedError

    def query_refund(self, payment: PaymentRef, refund: RefundRef) -> RefundResult:
        raise NotImplementedError


def read_pem(value: str) -> str:
    """Key or certificate text from a setting: PEM (with literal "\\n" allowed, as one-line
    environment values have them) or bare base64 (Alipay's console hands out keys this way),
    returned as is. Never a path: a file's contents arrive in the setting through NAME_FILE
    (config/settings/base.py), so no key is ever asked of the filesystem."""
    value = (value or "").strip()
    if value.startswith("-----BEGIN"):
        return value.replace("\\n", "\n")
    return value

"""The sandbox provider: stands in for WeChat Pay, Alipay or UnionPay when a method has no
merchant credentials (the default local run), so the whole flow can be tried with no money.

It plays the provider's part honestly: its cashier page (沙箱支付, clearly marked) records the
trade in its own books (`SandboxTrade`), and its notification is signed with a key pair made
locally (VAR_DIR/payment-sandbox/gateway.pem) and goes through the same path as a real one:
`online.notification_receive` verifies the signature and the timestamp, then the amount, then
settles exactly once. Queries, closes and refunds read and write the sandbox's books, so the
reconciliation task and staff refunds work the same way as with a real provider.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
import time
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.urls import reverse

from .base import (
    Checkout,
    InvalidNotification,
    Notice,
    PaymentRef,
    Provider,
    RefundRef,
    RefundResult,
)

APP_ID = "linli-sandbox"
SIGNATURE_HEADER = "HTTP_X_SANDBOX_SIGNATURE"
TIMESTAMP_HEADER = "HTTP_X_SANDBOX_TIMESTAMP"
WINDOW_SECONDS = 300


def _key_path() -> Path:
    return Path(settings.VAR_DIR) / "payment-sandbox" / "gateway.pem"


_key_lock = threading.Lock()


@cache
def _private_key_for(path: str) -> rsa.RSAPrivateKey:
    """The gateway's key from `path`, made there on first use. Threads of one process wait for
    each other (the lock; `cache` alone lets each of them make a key), and processes racing to
    make it keep the first one written: the new key is linked into place, which fails when the
    file exists, and whoever lost reads the winner's key. Never overwritten, so a notification
    signed by any process verifies in every other one."""
    key_file = Path(path)
    with _key_lock:
        if not key_file.exists():
            _create_key_file(key_file)
        return serialization.load_pem_private_key(key_file.read_bytes(), password=None)


def _create_key_file(key_file: Path) -> None:
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    temporary = key_file.with_suffix(f".{secrets.token_hex(4)}.tmp")
    temporary.write_bytes(pem)  # complete before it has the key's name: no half-read file
    temporary.chmod(0o600)
    try:
        os.link(temporary, key_file)
    except FileExistsError:
        pass  # another process made it first: its key is the gateway's
    finally:
        temporary.unlink()


def gateway_key() -> rsa.RSAPrivateKey:
    return _private_key_for(str(_key_path()))


def _signed_text(timestamp: str, body: bytes) -> bytes:
    return timestamp.encode() + b"\n" + body


def sign_notification(payload: dict, *, timestamp: int | None = None) -> tuple[dict, bytes]:
    """The headers (request.META style) and body of a sandbox notification, signed the way
    the sandbox gateway signs: RSA-SHA256 over "timestamp\\nbody"."""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = gateway_key().sign(_signed_text(stamp, body), padding.PKCS1v15(), hashes.SHA256())
    headers = {
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: base64.b64encode(signature).decode(),
        "CONTENT_TYPE": "application/json",
    }
    return headers, body


class SandboxProvider(Provider):
    refund_resend_safe = True  # the same refund number is refunded once
    sandbox = True
    channels = ("sandbox",)

    def __init__(self, method: str):
        self.method = method

    def channel_for(self, *, mobile: bool, in_wechat: bool, has_openid: bool) -> str:
        return "sandbox"

    # --- the cashier ----------------------------------------------------------------------------

    def checkout(self, payment: PaymentRef, channel: str) -> Checkout:
        from ...models import SandboxTrade

        SandboxTrade.objects.get_or_create(
            method=self.method, number=payment.number, defaults={"amount_fen": payment.amount_fen}
        )
        return Checkout(kind="redirect", url=reverse("billing:sandbox_pay", args=[payment.number]))

    def pay(self, number: str) -> tuple[dict, bytes]:
        """The payer confirmed on the sandbox page: book the trade as paid and return the signed
        notification the gateway sends about it."""
        from ...models import SandboxTrade

        with transaction.atomic():
            trade = SandboxTrade.objects.select_for_update().get(method=self.method, number=number)
            if trade.state == SandboxTrade.State.UNPAID:
                trade.state = SandboxTrade.State.PAID
                trade.trade_no = "SBX" + secrets.token_hex(10).upper()
                trade.save(update_fields=["state", "trade_no"])
        return sign_notification(self._payload(trade))

    def cancel(self, number: str) -> tuple[dict, bytes]:
        """The payer cancelled on the sandbox page: the trade is closed, and the gateway says so."""
        from ...models import SandboxTrade

        with transaction.atomic():
            trade = SandboxTrade.objects.select_for_update().get(method=self.method, number=number)
            if trade.state == SandboxTrade.State.UNPAID:
                trade.state = SandboxTrade.State.CLOSED
                trade.save(update_fields=["state"])
        return sign_notification(self._payload(trade))

    def _payload(self, trade) -> dict:
        return {
            "app_id": APP_ID,
            "method": self.method,
            "out_trade_no": trade.number,
            "trade_no": trade.trade_no,
            "total_fen": trade.amount_fen,
            "state": trade.state,
        }

    # --- notifications ---------------------------------------------------------------------------

    def verify_notification(self, headers: dict, body: bytes) -> Notice:
        stamp = headers.get(TIMESTAMP_HEADER, "")
        signature = headers.get(SIGNATURE_HEADER, "")
        if not stamp.isdigit() or not signature:
            raise InvalidNotification("missing signature headers")
        if abs(time.time() - int(stamp)) > WINDOW_SECONDS:
            raise InvalidNotification("timestamp outside the window")
        try:
            gateway_key().public_key().verify(
                base64.b64decode(signature),
                _signed_text(stamp, body),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError) as error:
            raise InvalidNotification("bad signature") from error
        try:
            data = json.loads(body)
            number = str(data["out_trade_no"])
            amount_fen = int(data["total_fen"])
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidNotification("unreadable body") from error
        if data.get("app_id") != APP_ID or data.get("method") != self.method:
            raise InvalidNotification("notification for another app")
        return Notice(
            number=number,
            paid=data.get("state") == "paid",
            closed=data.get("state") == "closed",
            amount_fen=amount_fen,
            trade_no=str(data.get("trade_no", "")),
            raw=data,
        )

    def ack(self, ok: bool) -> HttpResponse:
        return JsonResponse({"code": "SUCCESS" if ok else "FAIL"}, status=200 if ok else 400)

    # --- queries, closes, refunds ----------------------------------------------------------------

    def query(self, payment: PaymentRef) -> Notice:
        from ...models import SandboxTrade

        trade = SandboxTrade.objects.filter(method=self.method, number=payment.number).first()
        if trade is None:
            return Notice(number=payment.number, paid=False, amount_fen=0)
        return Notice(
            number=trade.number,
            paid=trade.state == SandboxTrade.State.PAID,
            closed=trade.state == SandboxTrade.State.CLOSED,
            amount_fen=trade.amount_fen,
            trade_no=trade.trade_no,
            raw=self._payload(trade),
        )

    def close(self, payment: PaymentRef) -> None:
        from ...models import SandboxTrade

        SandboxTrade.objects.filter(
            method=self.method, number=payment.number, state=SandboxTrade.State.UNPAID
        ).update(state=SandboxTrade.State.CLOSED)

    def refund(self, payment: PaymentRef, refund: RefundRef) -> RefundResult:
        from ...models import SandboxTrade

        with transaction.atomic():
            trade = (
                SandboxTrade.objects.select_for_update()
                .filter(method=self.method, number=payment.number)
                .first()
            )
            if trade is None or trade.state != SandboxTrade.State.PAID:
                return RefundResult(RefundResult.FAILED, message="trade not paid")
            if refund.number not in trade.refunds:
                if sum(trade.refunds.values()) + refund.amount_fen > trade.amount_fen:
                    return RefundResult(RefundResult.FAILED, message="refund exceeds the trade")
                trade.refunds[refund.number] = refund.amount_fen
                trade.save(update_fields=["refunds"])
        return RefundResult(RefundResult.SUCCEEDED, refund_no="SBXR" + refund.number)

    def query_refund(self, payment: PaymentRef, refund: RefundRef) -> RefundResult:
        from ...models import SandboxTrade

        trade = SandboxTrade.objects.filter(method=self.method, number=payment.number).first()
        if trade is not None and refund.number in trade.refunds:
            return RefundResult(RefundResult.SUCCEEDED, refund_no="SBXR" + refund.number)
        return RefundResult(RefundResult.FAILED, message="no such refund")

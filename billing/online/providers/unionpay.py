"""UnionPay online gateway (银联全渠道, "UnionPay Online Payments"), version 5.1.0, signMethod 01.

There is no maintained Python SDK, so this is a thin client on `cryptography` and `requests`
that follows UnionPay's own SDKs (Java/PHP "ACP" SDK, 5.1.0):

- Signing: the data string is every non-empty field but `signature`, sorted by key, joined as
  `k=v&k=v` with raw values (no URL encoding); its SHA-256 digest in lowercase hex is signed
  with RSA PKCS#1 v1.5 / SHA-256 by the merchant's key; `signature` is the base64 of that and
  `certId` the decimal serial number of the merchant's signing certificate.
- Verifying: every message from UnionPay (notifications to `backUrl`, synchronous answers of
  backTransReq/queryTrans) carries the PEM of its signing certificate (`signPubKeyCert`). It is
  believed only when it is in its validity period, directly issued by the configured middle
  certificate, which is directly issued by the configured root (both in their validity
  periods), and its subject CN names UnionPay (`xxx@中国银联股份有限公司@...`). The signature is
  then checked with that certificate's public key, the same way as ours is made.
- Synchronous answers are `k=v&k=v` with raw (not URL-encoded) values, values holding `&` being
  wrapped in `{}`/`[]`: that is how the official SDKs parse them (SDKUtil.parseQString /
  AcpService::parseQString, no URL decoding), so `parse_sync_response` does the same.
  Notifications are ordinary form posts (URL-encoded).

Payments: consume (消费, txnType 01) through a browser form post to frontTransReq.do; refunds
(退货, txnType 04) and queries (txnType 00) are server-to-server.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import logging
import re
from urllib.parse import parse_qs, urlencode

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from django.http import HttpResponse

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

VERSION = "5.1.0"
SIGN_METHOD_RSA = "01"

FRONT_PATH = "/gateway/api/frontTransReq.do"
BACK_PATH = "/gateway/api/backTransReq.do"
QUERY_PATH = "/gateway/api/queryTrans.do"

TXN_QUERY = "00"
TXN_CONSUME = "01"
TXN_REFUND = "04"

# respCode / origRespCode values (UnionPay's 应答码规范).
PAID_CODES = ("00", "A6")  # A6: 部分成功 (paid; the merchant's settlement differs) - still paid
UNSETTLED_CODES = ("03", "04", "05")  # 交易通讯超时 / 交易状态未明 / 已受理: ask again later
NOT_FOUND_CODE = "34"  # 查无此交易

# UnionPay's orderId: 8 to 32 letters and digits ("-" and "_" are refused).
ORDER_ID_RE = re.compile(r"[0-9A-Za-z]{8,32}")
CHANNEL_TYPES = {"pc": "07", "mobile": "08"}


class _Untrusted(Exception):
    """A message from UnionPay whose certificate or signature does not hold."""


# --- The 5.1.0 signature -----------------------------------------------------------------------


def data_string(fields: dict) -> str:
    """`k=v&k=v` of every non-empty field but `signature`, sorted by key, values raw."""
    return "&".join(
        f"{key}={fields[key]}" for key in sorted(fields) if key != "signature" and fields[key]
    )


def _digest_hex(fields: dict) -> bytes:
    return hashlib.sha256(data_string(fields).encode("utf-8")).hexdigest().encode("ascii")


def sign_fields(fields: dict, private_key: rsa.RSAPrivateKey) -> str:
    """The base64 `signature` of `fields` (5.1.0, signMethod 01)."""
    raw = private_key.sign(_digest_hex(fields), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode("ascii")


def verify_fields(fields: dict, public_key) -> bool:
    """Whether `fields["signature"]` is a 5.1.0 signature of `fields` by `public_key`."""
    try:
        signature = base64.b64decode(fields.get("signature") or "", validate=True)
    except (binascii.Error, ValueError):
        return False
    if not signature or not isinstance(public_key, rsa.RSAPublicKey):
        return False
    try:
        public_key.verify(signature, _digest_hex(fields), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def parse_sync_response(text: str) -> dict:
    """Parse a synchronous answer the way UnionPay's SDKs do: `k=v` pairs split on `&`, except
    inside a value's `{...}` or `[...]`; the key ends at the first `=`; no URL decoding."""
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    result: dict[str, str] = {}
    key = ""
    buffer: list[str] = []
    in_key = True
    closer = ""

    def put() -> None:
        name = "".join(buffer) if in_key else key
        if not name:
            raise ValueError("a field without a name")
        if name in result:
            raise ValueError(f"field {name!r} given twice")
        result[name] = "" if in_key else "".join(buffer)

    for char in text:
        if in_key:
            if char == "=":
                key, buffer, in_key = "".join(buffer), [], False
            elif char == "&":
                put()
                buffer = []
            else:
                buffer.append(char)
            continue
        if closer:
            if char == closer:
                closer = ""
        elif char == "{":
            closer = "}"
        elif char == "[":
            closer = "]"
        if char == "&" and not closer:
            put()
            buffer, in_key = [], True
        else:
            buffer.append(char)
    if buffer or not in_key:
        put()
    return result


# --- Certificates --------------------------------------------------------------------------------


def _load_certificate(pem: str, what: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.encode("utf-8"))
    except ValueError as exc:
        raise ValueError(f"UnionPay: the {what} is not a PEM certificate") from exc


def _check_validity(cert: x509.Certificate, what: str, now: dt.datetime) -> None:
    if now < cert.not_valid_before_utc:
        raise _Untrusted(f"{what} is not valid before {cert.not_valid_before_utc:%Y-%m-%d}")
    if now > cert.not_valid_after_utc:
        raise _Untrusted(f"{what} expired on {cert.not_valid_after_utc:%Y-%m-%d}")


def _check_issued_by(cert: x509.Certificate, issuer: x509.Certificate, what: str) -> None:
    try:
        constraints = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is not None and not constraints.ca:
        raise _Untrusted(f"the issuer of the {what} is not a certificate authority")
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature) as exc:
        raise _Untrusted(f"the {what} is not issued by the configured UnionPay CA") from exc


def _common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = names[0].value if names else ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


class UnionPayProvider(Provider):
    method = "card"
    sandbox = False
    channels = ("pc", "mobile")

    def __init__(
        self,
        *,
        mer_id: str,
        sign_key_pem: str,
        sign_cert_pem: str,
        root_cert_pem: str,
        middle_cert_pem: str,
        gateway_url: str = "https://gateway.95516.com",
        cert_company: str = "中国银联股份有限公司",
        timeout: float = 10.0,
        pay_timeout_minutes: int | None = 30,
    ):
        if not mer_id:
            raise ValueError("UnionPay: the merchant id is missing")
        self.mer_id = mer_id
        try:
            key = serialization.load_pem_private_key(sign_key_pem.encode("utf-8"), password=None)
        except (ValueError, TypeError) as exc:
            raise ValueError("UnionPay: the signing key is not an unencrypted PEM key") from exc
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("UnionPay: the signing key is not an RSA key")
        self._sign_key = key
        sign_cert = _load_certificate(sign_cert_pem, "signing certificate")
        if sign_cert.public_key().public_numbers() != key.public_key().public_numbers():
            raise ValueError("UnionPay: the signing certificate does not match the signing key")
        self.cert_id = str(sign_cert.serial_number)
        self.root_cert = _load_certificate(root_cert_pem, "root certificate")
        self.middle_cert = _load_certificate(middle_cert_pem, "middle certificate")
        self.gateway_url = gateway_url.rstrip("/")
        self.cert_company = cert_company
        self.timeout = timeout
        self.pay_timeout_minutes = pay_timeout_minutes
        # Verified UnionPay signing certificates by serial number (the chain and the CN need
        # not be checked again for the same certificate; its validity period still is).
        self._verified: dict[int, x509.Certificate] = {}

    @classmethod
    def from_settings(cls) -> UnionPayProvider:
        from django.conf import settings

        return cls(
            mer_id=settings.UNIONPAY_MER_ID,
            sign_key_pem=read_pem(settings.UNIONPAY_SIGN_KEY),
            sign_cert_pem=read_pem(settings.UNIONPAY_SIGN_CERT),
            root_cert_pem=read_pem(settings.UNIONPAY_ROOT_CERT),
            middle_cert_pem=read_pem(settings.UNIONPAY_MIDDLE_CERT),
            gateway_url=settings.UNIONPAY_GATEWAY_URL,
            cert_company=settings.UNIONPAY_CERT_COMPANY,
            timeout=settings.PAYMENT_HTTP_TIMEOUT_SECONDS,
            pay_timeout_minutes=settings.PAYMENT_EXPIRE_MINUTES,
        )

    @staticmethod
    def configured() -> bool:
        from django.conf import settings

        return all(
            (
                settings.UNIONPAY_MER_ID,
                settings.UNIONPAY_SIGN_KEY,
                settings.UNIONPAY_SIGN_CERT,
                settings.UNIONPAY_ROOT_CERT,
                settings.UNIONPAY_MIDDLE_CERT,
            )
        )

    # --- Messages we send ----------------------------------------------------------------------

    def _common(self) -> dict:
        return {
            "version": VERSION,
            "encoding": "UTF-8",
            "signMethod": SIGN_METHOD_RSA,
            "certId": self.cert_id,
            "merId": self.mer_id,
            "accessType": "0",
        }

    def sign(self, fields: dict) -> dict:
        """`fields` without empty values, plus `signature`."""
        signed = {key: str(value) for key, value in fields.items() if value not in (None, "")}
        signed.pop("signature", None)
        signed["signature"] = sign_fields(signed, self._sign_key)
        return signed

    def _pay_timeout(self, payment: PaymentRef) -> str:
        if not self.pay_timeout_minutes:
            return ""
        try:
            created = dt.datetime.strptime(payment.created_at_text, "%Y%m%d%H%M%S")
        except ValueError:
            return ""
        return (created + dt.timedelta(minutes=self.pay_timeout_minutes)).strftime("%Y%m%d%H%M%S")

    @staticmethod
    def _check_order_id(number: str) -> None:
        if not ORDER_ID_RE.fullmatch(number or ""):
            raise ProviderError(f"UnionPay orderId must be 8-32 letters and digits, not {number!r}")

    @staticmethod
    def _fen(amount_fen: int) -> str:
        if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
            raise ProviderError(f"UnionPay amount must be a positive number of fen: {amount_fen!r}")
        return str(amount_fen)

    # --- Provider ------------------------------------------------------------------------------

    def channel_for(self, *, mobile: bool, in_wechat: bool, has_openid: bool) -> str:
        return "mobile" if mobile else "pc"

    def checkout(self, payment: PaymentRef, channel: str) -> Checkout:
        if channel not in CHANNEL_TYPES:
            raise ProviderError(f"UnionPay has no channel {channel!r}")
        self._check_order_id(payment.number)
        fields = self._common() | {
            "txnType": TXN_CONSUME,
            "txnSubType": "01",
            "bizType": "000201",
            "channelType": CHANNEL_TYPES[channel],
            "currencyCode": "156",
            "orderId": payment.number,
            "txnTime": payment.created_at_text,
            "txnAmt": self._fen(payment.amount_fen),
            "frontUrl": payment.return_url,
            "backUrl": payment.notify_url,
            "payTimeout": self._pay_timeout(payment),
        }
        return Checkout(kind="form", url=self.gateway_url + FRONT_PATH, fields=self.sign(fields))

    def verify_notification(self, headers: dict, body: bytes) -> Notice:
        # UnionPay puts nothing in the headers: everything, the signature included, is in the
        # form body.
        try:
            text = body.decode("utf-8")
            pairs = parse_qs(text, keep_blank_values=True, strict_parsing=True, encoding="utf-8")
        except (UnicodeDecodeError, ValueError, AttributeError) as exc:
            raise InvalidNotification(f"UnionPay: unparsable notification: {exc}") from exc
        if any(len(values) != 1 for values in pairs.values()):
            raise InvalidNotification("UnionPay: a field is given more than once")
        fields = {key: values[0] for key, values in pairs.items()}
        try:
            self.verify_message(fields)
        except _Untrusted as exc:
            raise InvalidNotification(f"UnionPay: {exc}") from exc
        if fields.get("merId") != self.mer_id:
            raise InvalidNotification(f"UnionPay: notification for merId {fields.get('merId')!r}")
        number = fields.get("orderId", "")
        if not number:
            raise InvalidNotification("UnionPay: notification without orderId")
        amount = fields.get("txnAmt", "")
        if not amount.isdigit():
            raise InvalidNotification(f"UnionPay: notification with txnAmt {amount!r}")
        resp_code = fields.get("respCode", "")
        if fields.get("txnType") != TXN_CONSUME:
            # A refund's (or another transaction's) result: not a statement about a payment.
            return Notice(
                number=number,
                paid=False,
                amount_fen=int(amount),
                trade_no=fields.get("queryId", ""),
                raw=fields,
            )
        paid = resp_code in PAID_CODES
        return Notice(
            number=number,
            paid=paid,
            amount_fen=int(amount),
            trade_no=fields.get("queryId", ""),
            closed=not paid and resp_code not in UNSETTLED_CODES,
            raw=fields,
        )

    def ack(self, ok: bool) -> HttpResponse:
        # UnionPay treats HTTP 200 (or 302) as received and retries on anything else.
        if ok:
            return HttpResponse("ok", content_type="text/plain; charset=utf-8")
        return HttpResponse("fail", status=500, content_type="text/plain; charset=utf-8")

    def query(self, payment: PaymentRef) -> Notice:
        self._check_order_id(payment.number)
        answer = self._query_trans(payment.number, payment.created_at_text)
        resp_code = answer.get("respCode", "")
        if resp_code == NOT_FOUND_CODE:
            return Notice(number=payment.number, paid=False, amount_fen=0, raw=answer)
        if resp_code != "00":
            raise ProviderError(
                f"UnionPay query of {payment.number} answered {resp_code} {answer.get('respMsg', '')}"
            )
        orig = answer.get("origRespCode", "")
        amount = answer.get("txnAmt", "")
        amount_fen = int(amount) if amount.isdigit() else 0
        if orig in PAID_CODES:
            if not amount.isdigit():
                raise ProviderError(f"UnionPay query of {payment.number}: txnAmt {amount!r}")
            return Notice(
                number=payment.number,
                paid=True,
                amount_fen=amount_fen,
                trade_no=answer.get("queryId", ""),
                raw=answer,
            )
        return Notice(
            number=payment.number,
            paid=False,
            amount_fen=amount_fen,
            trade_no=answer.get("queryId", ""),
            closed=orig not in UNSETTLED_CODES,
            raw=answer,
        )

    def close(self, payment: PaymentRef) -> None:
        """Nothing to do: UnionPay has no "close order" for a consume that was never paid. The
        checkout form carries payTimeout (created + PAYMENT_EXPIRE_MINUTES), after which UnionPay
        refuses to take the money, so an unpaid order simply expires there."""
        return None

    def refund(self, payment: PaymentRef, refund: RefundRef) -> RefundResult:
        self._check_order_id(refund.number)
        if not payment.trade_no:
            raise ProviderError(f"UnionPay refund of {payment.number}: no queryId to refund")
        fields = self._common() | {
            "txnType": TXN_REFUND,
            "txnSubType": "00",
            "bizType": "000201",
            "channelType": "07",
            "orderId": refund.number,
            "origQryId": payment.trade_no,
            "txnTime": refund.created_at_text,
            "txnAmt": self._fen(refund.amount_fen),
            "currencyCode": "156",
            "backUrl": payment.notify_url,
        }
        answer = self._post(BACK_PATH, fields, order_id=refund.number)
        resp_code = answer.get("respCode", "")
        # 00: accepted (the money moves later: the notification or a query says when);
        # 03/04/05: outcome unknown yet, so it must be asked again rather than called failed.
        if resp_code == "00" or resp_code in UNSETTLED_CODES:
            return RefundResult(
                state=RefundResult.PENDING, refund_no=answer.get("queryId", ""), raw=answer
            )
        logger.warning(
            "UnionPay refused refund %s of %s: %s %s",
            refund.number,
            payment.number,
            resp_code,
            answer.get("respMsg", ""),
        )
        return RefundResult(
            state=RefundResult.FAILED,
            refund_no=answer.get("queryId", ""),
            message=answer.get("respMsg", "") or f"UnionPay respCode {resp_code}",
            raw=answer,
        )

    def query_refund(self, payment: PaymentRef, refund: RefundRef) -> RefundResult:
        self._check_order_id(refund.number)
        answer = self._query_trans(refund.number, refund.created_at_text)
        resp_code = answer.get("respCode", "")
        if resp_code == NOT_FOUND_CODE:
            return RefundResult(
                state=RefundResult.FAILED,
                message=answer.get("respMsg", "") or "UnionPay has no such refund",
                raw=answer,
            )
        if resp_code != "00":
            raise ProviderError(
                f"UnionPay query of refund {refund.number} answered {resp_code} "
                f"{answer.get('respMsg', '')}"
            )
        orig = answer.get("origRespCode", "")
        refund_no = answer.get("queryId", "")
        if orig == "00":
            return RefundResult(state=RefundResult.SUCCEEDED, refund_no=refund_no, raw=answer)
        if orig in UNSETTLED_CODES:
            return RefundResult(state=RefundResult.PENDING, refund_no=refund_no, raw=answer)
        return RefundResult(
            state=RefundResult.FAILED,
            refund_no=refund_no,
            message=answer.get("origRespMsg", "") or f"UnionPay origRespCode {orig}",
            raw=answer,
        )

    # --- Talking to the gateway ----------------------------------------------------------------

    def _query_trans(self, order_id: str, txn_time: str) -> dict:
        fields = self._common() | {
            "txnType": TXN_QUERY,
            "txnSubType": "00",
            "bizType": "000000",
            "orderId": order_id,
            "txnTime": txn_time,
        }
        return self._post(QUERY_PATH, fields, order_id=order_id)

    def _post(self, path: str, fields: dict, *, order_id: str) -> dict:
        """Send a signed request and return the verified answer; ProviderError otherwise."""
        url = self.gateway_url + path
        try:
            response = requests.post(
                url,
                data=urlencode(self.sign(fields)).encode("ascii"),
                headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise ProviderError(f"UnionPay {path} could not be reached: {exc}") from exc
        if response.status_code != 200:
            raise ProviderError(f"UnionPay {path} answered HTTP {response.status_code}")
        try:
            answer = parse_sync_response(response.content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ProviderError(f"UnionPay {path}: unparsable answer: {exc}") from exc
        try:
            self.verify_message(answer)
        except _Untrusted as exc:
            # Requests UnionPay refuses outright (bad format, bad signature...) may come back
            # unsigned: they cannot be believed either, but the code helps whoever reads the log.
            raise ProviderError(
                f"UnionPay {path}: untrusted answer (respCode {answer.get('respCode', '')!r} "
                f"{answer.get('respMsg', '')}): {exc}"
            ) from exc
        if answer.get("merId") != self.mer_id or answer.get("orderId") != order_id:
            raise ProviderError(
                f"UnionPay {path}: the answer is about merId {answer.get('merId')!r} "
                f"orderId {answer.get('orderId')!r}, not {order_id!r}"
            )
        return answer

    # --- Messages UnionPay sends ---------------------------------------------------------------

    def verify_message(self, fields: dict) -> None:
        """Raise _Untrusted unless `fields` are signed by a valid UnionPay signing certificate."""
        if fields.get("signMethod") != SIGN_METHOD_RSA or fields.get("version") != VERSION:
            raise _Untrusted(
                f"unsupported version {fields.get('version')!r} / signMethod "
                f"{fields.get('signMethod')!r}"
            )
        if (fields.get("encoding") or "UTF-8").upper() not in ("UTF-8", "UTF8"):
            raise _Untrusted(f"unsupported encoding {fields.get('encoding')!r}")
        if not fields.get("signature"):
            raise _Untrusted("the message is not signed")
        cert = self.signing_certificate(fields.get("signPubKeyCert", ""))
        if not verify_fields(fields, cert.public_key()):
            raise _Untrusted("bad signature")

    def signing_certificate(self, pem: str) -> x509.Certificate:
        """The UnionPay signing certificate given as `pem`, once it is known to be valid now,
        issued through the configured middle and root certificates, and UnionPay's."""
        if not pem:
            raise _Untrusted("no signPubKeyCert")
        try:
            cert = x509.load_pem_x509_certificate(pem.encode("utf-8"))
        except ValueError as exc:
            raise _Untrusted("signPubKeyCert is not a PEM certificate") from exc
        now = dt.datetime.now(dt.UTC)
        _check_validity(cert, "the signing certificate", now)
        _check_validity(self.middle_cert, "the configured middle certificate", now)
        _check_validity(self.root_cert, "the configured root certificate", now)
        known = self._verified.get(cert.serial_number)
        if known is not None and known == cert:  # same DER: chain and CN already checked
            return known
        _check_issued_by(cert, self.middle_cert, "signing certificate")
        _check_issued_by(self.middle_cert, self.root_cert, "middle certificate")
        parts = _common_name(cert).split("@")
        if len(parts) < 2 or parts[1] != self.cert_company:
            raise _Untrusted(
                f"the signing certificate's CN {_common_name(cert)!r} is not UnionPay's"
            )
        self._verified[cert.serial_number] = cert
        return cert

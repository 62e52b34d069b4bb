"""A local stand-in for UnionPay's online gateway (银联全渠道 5.1.0, signMethod 01), for tests.

It has its own certificate authority (root → middle → the UnionPay signing certificate), made
here with `cryptography`, and the merchant's key and certificate. Its HTTP server (on
127.0.0.1, a free port) answers /gateway/api/frontTransReq.do, queryTrans.do and
backTransReq.do the way UnionPay does: it checks the merchant's signature with the merchant's
certificate (and that certId is that certificate's serial), keeps its trades in memory, and
signs its answers with the UnionPay signing key, giving the signing certificate in
`signPubKeyCert`. Answers are `k=v&k=v` with raw values, as UnionPay sends them.

The signature code here is written separately from billing.online.providers.unionpay on purpose, so that
a test signing with one and verifying with the other checks both against the protocol.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from .keys import new_rsa_key as new_key
from .keys import private_pem as key_pem

MER_ID = "777290058110048"
MERCHANT_CERT_SERIAL = 69042905377
UNIONPAY_SIGN_CN = "CFCA@中国银联股份有限公司@00040000:SIGN@00000001"
SUCCESS_MSG = "成功[0000000]"


# --- Keys and certificates -----------------------------------------------------------------------


def cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def make_cert(
    cn: str,
    key: rsa.RSAPrivateKey,
    *,
    issuer: x509.Certificate | None = None,
    issuer_key: rsa.RSAPrivateKey | None = None,
    ca: bool = False,
    serial: int | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    org: str = "China Financial Certification Authority",
) -> x509.Certificate:
    """A certificate for `key` named `cn`, issued by `issuer` (self-signed without one)."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )
    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer is not None else subject)
        .public_key(key.public_key())
        .serial_number(serial if serial is not None else x509.random_serial_number())
        .not_valid_before(not_before or now - dt.timedelta(days=1))
        .not_valid_after(not_after or now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    return builder.sign(issuer_key if issuer_key is not None else key, hashes.SHA256())


@dataclass
class Signer:
    """A key and its certificate: UnionPay's signing certificate, or the merchant's."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def key_pem(self) -> str:
        return key_pem(self.key)

    @property
    def cert_pem(self) -> str:
        return cert_pem(self.cert)


class Authority:
    """A root CA and a middle CA under it, as UnionPay's (CFCA's) chain."""

    def __init__(self, name: str = "CFCA TEST"):
        self.root_key = new_key()
        self.root = make_cert(f"{name} ROOT", self.root_key, ca=True)
        self.middle_key = new_key()
        self.middle = make_cert(
            f"{name} OCA1", self.middle_key, issuer=self.root, issuer_key=self.root_key, ca=True
        )

    @property
    def root_pem(self) -> str:
        return cert_pem(self.root)

    @property
    def middle_pem(self) -> str:
        return cert_pem(self.middle)

    def issue(self, cn: str = UNIONPAY_SIGN_CN, *, key=None, by_root: bool = False, **kwargs):
        """A signing certificate issued by the middle CA (or, wrongly, by the root)."""
        key = key or new_key()
        issuer, issuer_key = (
            (self.root, self.root_key) if by_root else (self.middle, self.middle_key)
        )
        return Signer(key, make_cert(cn, key, issuer=issuer, issuer_key=issuer_key, **kwargs))


def merchant(serial: int = MERCHANT_CERT_SERIAL) -> Signer:
    """The merchant's signing key and certificate (UnionPay issues it; who signs it does not
    matter to the gateway, which only knows it by serial number)."""
    key = new_key()
    return Signer(key, make_cert(f"041@Z12@{MER_ID}@00000001", key, serial=serial))


# --- The 5.1.0 signature (an independent implementation) ---------------------------------------


def signed_text(fields: dict) -> bytes:
    pairs = sorted((k, v) for k, v in fields.items() if k != "signature" and v != "")
    text = "&".join(f"{k}={v}" for k, v in pairs)
    return hashlib.sha256(text.encode("utf-8")).hexdigest().encode()


def sign(fields: dict, key: rsa.RSAPrivateKey) -> str:
    return base64.b64encode(
        key.sign(signed_text(fields), padding.PKCS1v15(), hashes.SHA256())
    ).decode()


def verify(fields: dict, public_key) -> bool:
    try:
        public_key.verify(
            base64.b64decode(fields.get("signature", "")),
            signed_text(fields),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def signed_by_unionpay(fields: dict, signer: Signer) -> dict:
    """`fields` with signPubKeyCert and signature, as UnionPay sends its messages."""
    message = {k: v for k, v in fields.items() if v != ""}
    message["signPubKeyCert"] = signer.cert_pem
    message["signature"] = sign(message, signer.key)
    return message


def raw_body(fields: dict) -> str:
    """A synchronous answer as UnionPay writes it: `k=v&k=v`, values not URL-encoded."""
    return "&".join(f"{k}={v}" for k, v in fields.items())


# --- The gateway -----------------------------------------------------------------------------------


class StandIn:
    """UnionPay's gateway on 127.0.0.1. `trades` and `refunds` are its books (by orderId)."""

    def __init__(self, *, signer: Signer, merchant: Signer, mer_id: str = MER_ID):
        self.signer = signer  # signs answers; a test may swap it to forge
        self.merchant = merchant
        self.mer_id = mer_id
        self.trades: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.front_orders: dict[str, dict] = {}
        self.requests: list[tuple[str, dict]] = []  # verified requests
        self.rejections: list[tuple[str, str]] = []  # (path, why)
        self.tamper: dict = {}  # fields changed in answers AFTER signing
        self.http_status = 200
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._closed = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def _query_id(self) -> str:
        return dt.datetime.now().strftime("%Y%m%d%H%M%S") + f"{next(self._ids):07d}"

    # Test helpers -----------------------------------------------------------------------------

    def mark_paid(self, order_id: str, fen: int, txn_time: str = "") -> str:
        """The customer paid `fen` for `order_id`; returns UnionPay's queryId."""
        query_id = self._query_id()
        self.trades[order_id] = {
            "txnTime": txn_time,
            "txnAmt": str(fen),
            "origRespCode": "00",
            "queryId": query_id,
            "refunded": 0,
        }
        return query_id

    def mark_state(self, order_id: str, fen: int, orig_resp_code: str, txn_time: str = "") -> None:
        self.trades[order_id] = {
            "txnTime": txn_time,
            "txnAmt": str(fen),
            "origRespCode": orig_resp_code,
            "queryId": self._query_id(),
            "refunded": 0,
        }

    def complete_refunds(self) -> None:
        for refund in self.refunds.values():
            if refund["origRespCode"] == "05":
                refund["origRespCode"] = "00"

    def notification(
        self,
        order_id: str,
        fen: int,
        resp_code: str = "00",
        *,
        signer: Signer | None = None,
        **overrides,
    ) -> bytes:
        """The body UnionPay posts to backUrl about `order_id` (overrides are signed too; a
        value of None drops the field)."""
        now = dt.datetime.now()
        fields = {
            "version": "5.1.0",
            "encoding": "UTF-8",
            "signMethod": "01",
            "accessType": "0",
            "bizType": "000201",
            "txnType": "01",
            "txnSubType": "01",
            "merId": self.mer_id,
            "orderId": order_id,
            "txnTime": now.strftime("%Y%m%d%H%M%S"),
            "txnAmt": str(fen),
            "currencyCode": "156",
            "queryId": self._query_id(),
            "traceNo": f"{next(self._ids):06d}",
            "traceTime": now.strftime("%m%d%H%M%S"),
            "settleAmt": str(fen),
            "settleCurrencyCode": "156",
            "settleDate": now.strftime("%m%d"),
            "accNo": "6216********0018",
            "payCardType": "01",
            "respCode": resp_code,
            "respMsg": SUCCESS_MSG if resp_code == "00" else "交易失败",
        }
        for key, value in overrides.items():
            if value is None:
                fields.pop(key, None)
            else:
                fields[key] = value
        return urlencode(signed_by_unionpay(fields, signer or self.signer)).encode()

    # The gateway's work -------------------------------------------------------------------------

    def _common(self, request: dict) -> dict:
        return {
            "version": "5.1.0",
            "encoding": "UTF-8",
            "signMethod": "01",
            "accessType": "0",
            "merId": request["merId"],
            "orderId": request["orderId"],
            "txnTime": request.get("txnTime", ""),
        }

    def _answer(self, fields: dict) -> str:
        message = signed_by_unionpay(fields, self.signer) | self.tamper
        return raw_body(message)

    def handle(self, path: str, request: dict) -> tuple[int, str]:
        why = self._check(request)
        if why:
            with self._lock:
                self.rejections.append((path, why))
            # UnionPay answers a request it cannot accept without signing the answer.
            return 200, raw_body({"respCode": "11", "respMsg": f"验证签名失败[{why}]"})
        with self._lock:
            self.requests.append((path, request))
            if path == "/gateway/api/frontTransReq.do":
                self.front_orders[request["orderId"]] = request
                return 200, "<html><body>银联在线支付 (stand-in)</body></html>"
            if path == "/gateway/api/queryTrans.do":
                return 200, self._answer(self._query(request))
            if path == "/gateway/api/backTransReq.do":
                return 200, self._answer(self._refund(request))
        return 404, ""

    def _check(self, request: dict) -> str:
        if request.get("version") != "5.1.0" or request.get("signMethod") != "01":
            return "version/signMethod"
        if request.get("certId") != str(self.merchant.cert.serial_number):
            return f"unknown certId {request.get('certId')!r}"
        if request.get("merId") != self.mer_id:
            return f"unknown merId {request.get('merId')!r}"
        if not request.get("orderId"):
            return "no orderId"
        if not verify(request, self.merchant.cert.public_key()):
            return "bad signature"
        return ""

    def _query(self, request: dict) -> dict:
        base = self._common(request) | {"txnType": "00", "txnSubType": "00", "bizType": "000000"}
        order_id = request["orderId"]
        found = self.trades.get(order_id) or self.refunds.get(order_id)
        if found is None or (found["txnTime"] and found["txnTime"] != request["txnTime"]):
            return base | {"respCode": "34", "respMsg": "查无此交易[2011000]"}
        return base | {
            "respCode": "00",
            "respMsg": SUCCESS_MSG,
            "txnAmt": found["txnAmt"],
            "queryId": found["queryId"],
            "currencyCode": "156",
            "origRespCode": found["origRespCode"],
            "origRespMsg": SUCCESS_MSG if found["origRespCode"] == "00" else "交易处理中",
            "settleAmt": found["txnAmt"],
            "settleCurrencyCode": "156",
            "traceNo": "123456",
        }

    def _refund(self, request: dict) -> dict:
        base = self._common(request) | {
            "txnType": request.get("txnType", ""),
            "txnSubType": request.get("txnSubType", ""),
            "bizType": request.get("bizType", ""),
            "txnAmt": request.get("txnAmt", ""),
            "origQryId": request.get("origQryId", ""),
        }
        if request.get("txnType") != "04":
            return base | {"respCode": "10", "respMsg": "报文格式错误[txnType]"}
        if request["orderId"] in self.refunds or request["orderId"] in self.trades:
            return base | {"respCode": "12", "respMsg": "重复交易[orderId]"}
        trade = next(
            (t for t in self.trades.values() if t["queryId"] == request.get("origQryId")), None
        )
        if trade is None or trade["origRespCode"] != "00":
            return base | {"respCode": "35", "respMsg": "原交易不存在或状态不正确[origQryId]"}
        amount = int(request.get("txnAmt") or 0)
        if amount <= 0 or trade["refunded"] + amount > int(trade["txnAmt"]):
            return base | {"respCode": "30", "respMsg": "退货金额超限"}
        trade["refunded"] += amount
        query_id = self._query_id()
        self.refunds[request["orderId"]] = {
            "txnTime": request["txnTime"],
            "txnAmt": str(amount),
            "origRespCode": "05",
            "queryId": query_id,
            "origQryId": request["origQryId"],
            "backUrl": request.get("backUrl", ""),
        }
        return base | {"respCode": "00", "respMsg": SUCCESS_MSG, "queryId": query_id}


def _handler_for(standin: StandIn):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8")
            pairs = parse_qs(body, keep_blank_values=True)
            request = {key: values[-1] for key, values in pairs.items()}
            if standin.http_status != 200:
                status, text = standin.http_status, "Internal Server Error"
            else:
                status, text = standin.handle(self.path, request)
            data = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain;charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):  # noqa: A002
            pass

    return Handler

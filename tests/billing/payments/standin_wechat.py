"""A local stand-in for WeChat Pay API v3 (direct merchant, public-key mode), for the provider
tests.

A real HTTP server on 127.0.0.1:<free port>, written from WeChat Pay's v3 documentation and
sharing no code with billing.online.providers.wechat or the wechatpayv3 SDK:

- Every request must carry `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="..",nonce_str="..",
  signature="..",timestamp="..",serial_no=".."`, the signature being RSA-SHA256 (PKCS#1 v1.5)
  with the merchant's private key over "METHOD\\nURL\\ntimestamp\\nnonce\\nbody\\n"; it is checked
  with the merchant's public key (401 SIGN_ERROR otherwise), as are the mchid, the merchant
  certificate serial and the timestamp (±5 min).
- POST /v3/pay/transactions/{jsapi,h5,native}, GET /v3/pay/transactions/out-trade-no/{no}?mchid=,
  POST /v3/pay/transactions/out-trade-no/{no}/close, POST /v3/refund/domestic/refunds,
  GET /v3/refund/domestic/refunds/{no}, over in-memory trades and refunds.
- Every answer is signed with the platform private key over "timestamp\\nnonce\\nbody\\n" in the
  Wechatpay-Timestamp/-Nonce/-Signature/-Serial (the public key id)/-Signature-Type headers.
- `notification()` builds a payment notification the way WeChat Pay sends it: the transaction
  encrypted with AES-256-GCM under the APIv3 key (associated_data "transaction"), the body
  signed with the platform private key; knobs make it wrong in each way a check must catch.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .keys import new_rsa_key as new_key
from .keys import private_pem, public_pem  # noqa: F401

SHANGHAI = ZoneInfo("Asia/Shanghai")
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"


def rsa_sign(key: rsa.RSAPrivateKey, message: str) -> str:
    signature = key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def rsa_verify(public_key, message: str, signature: str) -> bool:
    try:
        public_key.verify(
            base64.b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def encrypt_resource(apiv3_key: str, content: dict, associated_data: str = "transaction") -> dict:
    nonce = secrets.token_hex(6)  # WeChat Pay's nonces are 12 characters
    ciphertext = AESGCM(apiv3_key.encode()).encrypt(
        nonce.encode(), json.dumps(content, ensure_ascii=False).encode(), associated_data.encode()
    )
    return {
        "original_type": associated_data,
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(ciphertext).decode(),
        "associated_data": associated_data,
        "nonce": nonce,
    }


def now_text() -> str:
    return dt.datetime.now(SHANGHAI).isoformat(timespec="seconds")


@dataclass
class Merchant:
    """One merchant's credentials, and WeChat Pay's platform key that goes with them."""

    merchant_key: rsa.RSAPrivateKey
    platform_key: rsa.RSAPrivateKey
    mchid: str = "1900000109"
    appid: str = "wxpay0000000000a"
    apiv3_key: str = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"  # 32 bytes
    cert_serial_no: str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
    public_key_id: str = "PUB_KEY_ID_0119000001092025010100000000000001"

    @classmethod
    def generate(cls) -> Merchant:
        return cls(merchant_key=new_key(), platform_key=new_key())

    def provider_kwargs(self, api_base_url: str, **overrides) -> dict:
        """Keyword arguments of WechatPayProvider for this merchant."""
        kwargs = {
            "mch_id": self.mchid,
            "app_id": self.appid,
            "private_key": private_pem(self.merchant_key),
            "cert_serial_no": self.cert_serial_no,
            "apiv3_key": self.apiv3_key,
            "public_key": public_pem(self.platform_key),
            "public_key_id": self.public_key_id,
            "api_base_url": api_base_url,
            "site_url": "https://linli.example.com",
            "timeout": 5.0,
        }
        kwargs.update(overrides)
        return kwargs

    def settings(self, api_base_url: str) -> dict:
        """WECHATPAY_* settings for override_settings (keys as PEM text with literal \\n)."""
        return {
            "WECHATPAY_MCH_ID": self.mchid,
            "WECHATPAY_APP_ID": self.appid,
            "WECHATPAY_PRIVATE_KEY": private_pem(self.merchant_key).replace("\n", "\\n"),
            "WECHATPAY_CERT_SERIAL_NO": self.cert_serial_no,
            "WECHATPAY_APIV3_KEY": self.apiv3_key,
            "WECHATPAY_PUBLIC_KEY": public_pem(self.platform_key).replace("\n", "\\n"),
            "WECHATPAY_PUBLIC_KEY_ID": self.public_key_id,
            "WECHATPAY_API_BASE_URL": api_base_url,
        }


def build_notification(
    merchant: Merchant,
    resource: dict,
    *,
    event_type: str = "TRANSACTION.SUCCESS",
    timestamp: int | None = None,
    serial: str | None = None,
    sign_key: rsa.RSAPrivateKey | None = None,
    apiv3_key: str | None = None,
    signature_type: str = SIGNATURE_TYPE,
    tamper_resource: dict | None = None,
    style: str = "meta",
) -> tuple[dict, bytes]:
    """A v3 notification carrying `resource`: (headers, body).

    sign_key / apiv3_key / serial / timestamp / signature_type replace the right ones;
    tamper_resource swaps in another (validly encrypted) resource after the body was signed;
    style: "meta" (request.META: HTTP_WECHATPAY_SIGNATURE...), "plain" (Wechatpay-Signature)
    or "lower" (wechatpay-signature)."""
    summary = "支付成功" if event_type == "TRANSACTION.SUCCESS" else "通知"
    envelope = {
        "id": f"EV-{secrets.token_hex(8)}",
        "create_time": now_text(),
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": summary,
        "resource": encrypt_resource(apiv3_key or merchant.apiv3_key, resource),
    }
    body = json.dumps(envelope, ensure_ascii=False)
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = secrets.token_hex(16)
    signature = rsa_sign(sign_key or merchant.platform_key, f"{ts}\n{nonce}\n{body}\n")
    if tamper_resource is not None:
        envelope["resource"] = encrypt_resource(merchant.apiv3_key, tamper_resource)
        body = json.dumps(envelope, ensure_ascii=False)
    values = {
        "Signature": signature,
        "Timestamp": ts,
        "Nonce": nonce,
        "Serial": serial if serial is not None else merchant.public_key_id,
        "Signature-Type": signature_type,
    }
    if style == "meta":
        headers = {"CONTENT_TYPE": "application/json", "REMOTE_ADDR": "127.0.0.1"}
        for name, value in values.items():
            headers["HTTP_WECHATPAY_" + name.upper().replace("-", "_")] = value
    elif style == "plain":
        headers = {"Content-Type": "application/json"}
        headers.update({f"Wechatpay-{name}": value for name, value in values.items()})
    else:
        headers = {"content-type": "application/json"}
        headers.update({f"wechatpay-{name.lower()}": value for name, value in values.items()})
    return headers, body.encode()


@dataclass
class Request:
    method: str
    path: str
    headers: dict
    body: str
    status: int = 0


@dataclass
class StandIn:
    merchant: Merchant
    trades: dict = field(default_factory=dict)  # out_trade_no → trade
    refunds: dict = field(default_factory=dict)  # out_refund_no → refund
    requests: list = field(default_factory=list)
    # Knobs: the key and serial answers are signed with; the status new refunds get;
    # forced answers by (method, path prefix) → (status, JSON or None).
    response_key: rsa.RSAPrivateKey | None = None
    response_serial: str | None = None
    refund_status: str = "PROCESSING"
    replies: dict = field(default_factory=dict)

    def __post_init__(self):
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> StandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what the payer and WeChat Pay do -------------------------------------------------

    def mark_paid(self, number: str, *, payer_total: int | None = None) -> dict:
        """The payer pays trade `number` (payer_total below total: a coupon paid the rest)."""
        with self._lock:
            trade = self.trades[number]
            trade["trade_state"] = "SUCCESS"
            trade["trade_state_desc"] = "支付成功"
            trade["transaction_id"] = "42000" + "".join(
                secrets.choice("0123456789") for _ in range(23)
            )
            trade["success_time"] = now_text()
            trade["bank_type"] = "OTHERS"
            if payer_total is not None:
                trade["payer_total"] = payer_total
            return trade

    def set_state(self, number: str, state: str) -> None:
        with self._lock:
            self.trades[number]["trade_state"] = state

    def settle_refund(self, out_refund_no: str, status: str = "SUCCESS") -> None:
        with self._lock:
            refund = self.refunds[out_refund_no]
            refund["status"] = status
            if status == "SUCCESS":
                refund["success_time"] = now_text()

    def transaction(self, trade: dict) -> dict:
        """A trade as the query API and the notification resource show it."""
        data = {
            "appid": trade["appid"],
            "mchid": trade["mchid"],
            "out_trade_no": trade["out_trade_no"],
            "trade_type": trade["trade_type"],
            "trade_state": trade["trade_state"],
            "trade_state_desc": trade["trade_state_desc"],
            "attach": "",
            "amount": {"total": trade["total"], "currency": "CNY"},
        }
        if trade.get("transaction_id"):
            data.update(
                transaction_id=trade["transaction_id"],
                bank_type=trade["bank_type"],
                success_time=trade["success_time"],
                payer={"openid": trade.get("openid") or "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            )
            data["amount"].update(
                payer_total=trade.get("payer_total", trade["total"]), payer_currency="CNY"
            )
        return data

    def notification(
        self,
        number: str,
        *,
        total: int | None = None,
        payer_total: int | None = None,
        mchid: str | None = None,
        appid: str | None = None,
        currency: str = "CNY",
        trade_state: str = "SUCCESS",
        **knobs,
    ) -> tuple[dict, bytes]:
        """The payment notification of trade `number` (paid through mark_paid, or made up
        from `total` when the stand-in never saw it): (headers, body). total / payer_total /
        mchid / appid / currency / trade_state replace what the resource says; other knobs
        go to build_notification."""
        trade = self.trades.get(number)
        if trade is None:
            trade = {
                "appid": self.merchant.appid,
                "mchid": self.merchant.mchid,
                "out_trade_no": number,
                "trade_type": "NATIVE",
                "trade_state": "SUCCESS",
                "trade_state_desc": "支付成功",
                "total": 100 if total is None else total,
                "transaction_id": "4200000000000000000000000001",
                "bank_type": "OTHERS",
                "success_time": now_text(),
            }
        resource = self.transaction(trade)
        resource["trade_state"] = trade_state
        resource["amount"]["currency"] = currency
        if total is not None:
            resource["amount"]["total"] = total
        if payer_total is not None:
            resource["amount"]["payer_total"] = payer_total
        if mchid is not None:
            resource["mchid"] = mchid
        if appid is not None:
            resource["appid"] = appid
        return build_notification(self.merchant, resource, **knobs)

    # --- HTTP -------------------------------------------------------------------------------

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def _serve(self, method: str):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                record = Request(method, self.path, dict(self.headers), body)
                standin.requests.append(record)
                status, payload = standin._answer(method, self.path, self.headers, body)
                record.status = status
                self._reply(status, payload)

            def _reply(self, status: int, payload):
                text = "" if payload is None else json.dumps(payload, ensure_ascii=False)
                ts, nonce = str(int(time.time())), secrets.token_hex(16)
                key = standin.response_key or standin.merchant.platform_key
                self.send_response(status)
                if payload is not None:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(text.encode())))
                self.send_header("Request-ID", secrets.token_hex(12))
                self.send_header("Wechatpay-Timestamp", ts)
                self.send_header("Wechatpay-Nonce", nonce)
                self.send_header("Wechatpay-Signature", rsa_sign(key, f"{ts}\n{nonce}\n{text}\n"))
                self.send_header(
                    "Wechatpay-Serial", standin.response_serial or standin.merchant.public_key_id
                )
                self.send_header("Wechatpay-Signature-Type", SIGNATURE_TYPE)
                self.end_headers()
                self.wfile.write(text.encode())

        return Handler

    def _answer(self, method: str, url: str, headers, body: str) -> tuple[int, dict | None]:
        refused = self._check_authorization(method, url, headers, body)
        if refused:
            return 401, {"code": "SIGN_ERROR", "message": refused}
        serial = headers.get("Wechatpay-Serial")
        if serial and serial != self.merchant.public_key_id:
            return 400, {"code": "PARAM_ERROR", "message": "Wechatpay-Serial 与商户平台公钥ID不符"}
        for (forced_method, prefix), reply in self.replies.items():
            if forced_method == method and url.startswith(prefix):
                return reply
        parts = urlsplit(url)
        path, query = parts.path, parse_qs(parts.query)
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return 400, {"code": "PARAM_ERROR", "message": "请求体不是JSON"}
        with self._lock:
            if method == "POST" and (
                m := re.fullmatch(r"/v3/pay/transactions/(jsapi|h5|native)", path)
            ):
                return self._prepay(m.group(1), data)
            trade_path = re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)(/close)?", path)
            if trade_path and method == "GET" and not trade_path.group(2):
                return self._query(trade_path.group(1), query)
            if trade_path and method == "POST" and trade_path.group(2):
                return self._close(trade_path.group(1), data)
            if method == "POST" and path == "/v3/refund/domestic/refunds":
                return self._refund(data)
            if method == "GET" and (
                m := re.fullmatch(r"/v3/refund/domestic/refunds/([^/]+)", path)
            ):
                refund = self.refunds.get(m.group(1))
                if refund is None:
                    return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "退款单不存在"}
                return 200, refund
        return 404, {"code": "NOT_FOUND", "message": "no such API"}

    def _check_authorization(self, method, url, headers, body) -> str:
        scheme, _, params = (headers.get("Authorization") or "").partition(" ")
        if scheme != SIGNATURE_TYPE:
            return "认证类型不支持"
        fields = dict(re.findall(r'(\w+)="([^"]*)"', params))
        if fields.get("mchid") != self.merchant.mchid:
            return "商户号不符"
        if fields.get("serial_no") != self.merchant.cert_serial_no:
            return "商户证书序列号不符"
        try:
            timestamp = int(fields.get("timestamp", ""))
        except ValueError:
            return "时间戳错误"
        if abs(time.time() - timestamp) > 300:
            return "时间戳超出允许范围"
        message = f"{method}\n{url}\n{timestamp}\n{fields.get('nonce_str', '')}\n{body}\n"
        if not rsa_verify(
            self.merchant.merchant_key.public_key(), message, fields.get("signature", "")
        ):
            return "签名错误"
        return ""

    def _prepay(self, kind: str, data: dict):
        if data.get("appid") != self.merchant.appid or data.get("mchid") != self.merchant.mchid:
            return 400, {"code": "APPID_MCHID_NOT_MATCH", "message": "appid和mch_id不匹配"}
        description = data.get("description") or ""
        number = data.get("out_trade_no") or ""
        amount = data.get("amount") or {}
        total = amount.get("total")
        problems = []
        if not description or len(description) > 127:
            problems.append("description")
        if not re.fullmatch(r"[0-9A-Za-z_\-|*]{6,32}", number):
            problems.append("out_trade_no")
        if not re.match(r"https?://", data.get("notify_url") or ""):
            problems.append("notify_url")
        if not isinstance(total, int) or isinstance(total, bool) or total < 1:
            problems.append("amount.total")
        if amount.get("currency", "CNY") != "CNY":
            problems.append("amount.currency")
        if "time_expire" in data:
            try:
                expire = dt.datetime.fromisoformat(data["time_expire"])
                if expire.tzinfo is None or expire <= dt.datetime.now(SHANGHAI):
                    problems.append("time_expire")
            except ValueError:
                problems.append("time_expire")
        scene = data.get("scene_info") or {}
        if kind == "jsapi" and not (data.get("payer") or {}).get("openid"):
            problems.append("payer.openid")
        if kind == "h5" and not (
            scene.get("payer_client_ip") and (scene.get("h5_info") or {}).get("type")
        ):
            problems.append("scene_info.h5_info")
        if problems:
            return 400, {"code": "PARAM_ERROR", "message": "参数错误: " + ", ".join(problems)}
        trade = self.trades.get(number)
        if trade is not None:
            if trade["trade_state"] == "SUCCESS":
                return 400, {"code": "ORDERPAID", "message": "该订单已支付"}
            if trade["trade_state"] == "CLOSED":
                return 400, {"code": "ORDER_CLOSED", "message": "订单已关闭"}
            if trade["total"] != total or trade["description"] != description:
                return 400, {"code": "INVALID_REQUEST", "message": "201 商户订单号重复"}
        else:
            trade = self.trades[number] = {
                "appid": data["appid"],
                "mchid": data["mchid"],
                "out_trade_no": number,
                "description": description,
                "total": total,
                "trade_type": {"jsapi": "JSAPI", "h5": "MWEB", "native": "NATIVE"}[kind],
                "trade_state": "NOTPAY",
                "trade_state_desc": "订单未支付",
                "prepay_id": "wx" + secrets.token_hex(16),
                "openid": (data.get("payer") or {}).get("openid", ""),
                "request": data,
            }
        if kind == "jsapi":
            return 200, {"prepay_id": trade["prepay_id"]}
        if kind == "h5":
            url = (
                "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb"
                f"?prepay_id={trade['prepay_id']}&package=2916263004"
            )
            return 200, {"h5_url": url}
        return 200, {"code_url": f"weixin://wxpay/bizpayurl?pr={trade['prepay_id'][-7:]}"}

    def _query(self, number: str, query: dict):
        if query.get("mchid") != [self.merchant.mchid]:
            return 400, {"code": "PARAM_ERROR", "message": "mchid 错误"}
        trade = self.trades.get(number)
        if trade is None:
            return 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}
        return 200, self.transaction(trade)

    def _close(self, number: str, data: dict):
        if data.get("mchid") != self.merchant.mchid:
            return 400, {"code": "PARAM_ERROR", "message": "mchid 错误"}
        trade = self.trades.get(number)
        if trade is None:
            return 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}
        if trade["trade_state"] in ("SUCCESS", "REFUND"):
            return 400, {"code": "ORDERPAID", "message": "订单已支付"}
        if trade["trade_state"] == "CLOSED":
            return 400, {"code": "ORDER_CLOSED", "message": "订单已关闭"}
        trade["trade_state"] = "CLOSED"
        trade["trade_state_desc"] = "订单已关闭"
        return 204, None

    def _refund(self, data: dict):
        out_refund_no = data.get("out_refund_no") or ""
        amount = data.get("amount") or {}
        refund_fen, total = amount.get("refund"), amount.get("total")
        if not re.fullmatch(r"[0-9A-Za-z_\-|*@]{1,64}", out_refund_no):
            return 400, {"code": "PARAM_ERROR", "message": "out_refund_no 格式错误"}
        if len(data.get("reason") or "") > 80:
            return 400, {"code": "PARAM_ERROR", "message": "reason 超长"}
        if not all(isinstance(v, int) and v > 0 for v in (refund_fen, total)):
            return 400, {"code": "PARAM_ERROR", "message": "amount 错误"}
        if amount.get("currency") != "CNY":
            return 400, {"code": "PARAM_ERROR", "message": "currency 错误"}
        if out_refund_no in self.refunds:
            return 200, self.refunds[out_refund_no]
        trade = self.trades.get(data.get("out_trade_no") or "")
        if trade is None:
            return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"}
        if trade["trade_state"] not in ("SUCCESS", "REFUND"):
            return 400, {"code": "INVALID_REQUEST", "message": "订单未支付"}
        if total != trade["total"]:
            return 400, {"code": "INVALID_REQUEST", "message": "订单金额与原订单不符"}
        refunded = sum(
            r["amount"]["refund"]
            for r in self.refunds.values()
            if r["out_trade_no"] == trade["out_trade_no"] and r["status"] != "CLOSED"
        )
        if refunded + refund_fen > total:
            return 400, {"code": "INVALID_REQUEST", "message": "申请退款金额超过订单可退金额"}
        trade["trade_state"] = "REFUND"
        refund = self.refunds[out_refund_no] = {
            "refund_id": "50000" + "".join(secrets.choice("0123456789") for _ in range(24)),
            "out_refund_no": out_refund_no,
            "transaction_id": trade["transaction_id"],
            "out_trade_no": trade["out_trade_no"],
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": now_text(),
            "status": self.refund_status,
            "funds_account": "AVAILABLE",
            "amount": {
                "total": total,
                "refund": refund_fen,
                "payer_total": total,
                "payer_refund": refund_fen,
                "settlement_refund": refund_fen,
                "settlement_total": total,
                "discount_refund": 0,
                "currency": "CNY",
            },
        }
        if self.refund_status == "SUCCESS":
            refund["success_time"] = now_text()
        return 200, refund

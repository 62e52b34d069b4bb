"""A local stand-in for Alipay's open-API gateway (/gateway.do), for the provider's tests.

It behaves as Alipay does where our code can tell the difference:
- it verifies OUR request signature: RSA2 (SHA256withRSA, PKCS#1 v1.5) over the sorted
  `k=v` pairs of every non-empty parameter except `sign`, with the app public key that the
  merchant registered (here: generated in the test), and rejects a bad one with an unsigned
  40002 isv.invalid-signature answer;
- it keeps trades in memory and answers alipay.trade.query / close / refund /
  fastpay.refund.query; opening the cashier (alipay.trade.page.pay / wap.pay) creates the trade;
- it signs its JSON answers as Alipay signs synchronous answers: RSA2 over the exact text of
  the `<method>_response` object, the signature placed next to it as "sign";
- `notification()` builds an asynchronous notification body signed as Alipay signs them:
  RSA2 over the sorted `k=v` pairs of all fields except `sign` and `sign_type`.

Signing and verifying here use `cryptography`, independently of the SDK under test.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .keys import new_rsa_key, private_pem, private_pkcs1_pem, public_pem  # noqa: F401

BEIJING = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# Alipay refuses requests whose timestamp is far from its own clock (Beijing time).
TIMESTAMP_WINDOW = timedelta(minutes=10)
DEFAULT_APP_ID = "2021000000000001"
DEFAULT_SELLER_ID = "2088000000000001"
PRODUCT_CODES = {
    "alipay.trade.page.pay": "FAST_INSTANT_TRADE_PAY",
    "alipay.trade.wap.pay": "QUICK_WAP_WAY",
}
_ALIPAY_AMOUNT = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]{1,2})?")


# --- keys and RSA2 -------------------------------------------------------------------------------


def bare_base64(pem: str) -> str:
    """The key as Alipay's console shows it: one line of base64, no PEM armour."""
    return "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))


def rsa2_sign(key: rsa.RSAPrivateKey, text: str) -> str:
    signature = key.sign(text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def rsa2_verify(public_key: rsa.RSAPublicKey, text: str, sign: str) -> bool:
    try:
        public_key.verify(
            base64.b64decode(sign), text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def request_signing_text(params: dict[str, str]) -> str:
    """What Alipay verifies a request's `sign` against: sorted k=v of the non-empty
    parameters except sign (sign_type included)."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v != "")


def notification_signing_text(params: dict[str, str]) -> str:
    """What Alipay signs in an asynchronous notification: sorted k=v of every field except
    sign and sign_type."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in ("sign", "sign_type"))


def verify_request(params: dict[str, str], app_public_key: rsa.RSAPublicKey) -> bool:
    if params.get("sign_type") != "RSA2" or not params.get("sign"):
        return False
    return rsa2_verify(app_public_key, request_signing_text(params), params["sign"])


def yuan(fen: int) -> str:
    """The stand-in's own fen -> yuan (integer arithmetic, independent of the provider's)."""
    return f"{fen // 100}.{fen % 100:02d}"


def fen(text: str) -> int:
    whole, _, cents = text.partition(".")
    return int(whole) * 100 + int((cents + "00")[:2])


def single_values(query: str) -> dict[str, str]:
    fields = parse_qs(query, keep_blank_values=True)
    if any(len(values) != 1 for values in fields.values()):
        raise ValueError("repeated parameter")
    return {key: values[0] for key, values in fields.items()}


# --- the stand-in --------------------------------------------------------------------------------


class AlipayStandIn:
    """Start with `with AlipayStandIn(...) as alipay:`; point the provider at
    `alipay.gateway_url`. Knobs for tests: `response_key` (sign answers with another key),
    `sign_answers`, `http_status`, `defer_refunds` + `finish_refunds()`, `fail_next()`."""

    def __init__(
        self,
        *,
        app_public_key: rsa.RSAPublicKey,
        alipay_key: rsa.RSAPrivateKey,
        app_id: str = DEFAULT_APP_ID,
        seller_id: str = DEFAULT_SELLER_ID,
    ):
        self.app_id = app_id
        self.seller_id = seller_id
        self.app_public_key = app_public_key
        self.alipay_key = alipay_key
        self.response_key = alipay_key
        self.sign_answers = True
        self.http_status = 200
        self.defer_refunds = False
        self.trades: dict[str, dict] = {}
        self.accepted: list[tuple[str, dict]] = []  # (method, biz_content) of good requests
        self.rejected: list[str] = []  # why requests were refused at the door
        self._failures: dict[str, tuple[str, str, str]] = {}
        self._lock = threading.Lock()
        self._sequence = 0
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # lifecycle

    def __enter__(self) -> AlipayStandIn:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                self._answer(urlsplit(self.path).query)

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                query = urlsplit(self.path).query
                self._answer("&".join(part for part in (query, body) if part))

            def _answer(self, query: str) -> None:
                if urlsplit(self.path).path != "/gateway.do":
                    self.send_error(404)
                    return
                status, content_type, payload = standin.handle(query)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=5)
            self.server = None

    @property
    def gateway_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/gateway.do"

    # test helpers

    def _new_trade_no(self) -> str:
        self._sequence += 1
        return f"{datetime.now(BEIJING):%Y%m%d}2200140000{self._sequence:08d}"

    def open_trade(self, number: str, amount_fen: int, subject: str = "") -> dict:
        with self._lock:
            if number not in self.trades:
                self.trades[number] = {
                    "out_trade_no": number,
                    "trade_no": self._new_trade_no(),
                    "amount_fen": amount_fen,
                    "status": "WAIT_BUYER_PAY",
                    "subject": subject,
                    "refunds": {},  # out_request_no -> {"amount_fen", "done"}
                }
            return self.trades[number]

    def mark_paid(self, number: str, amount_fen: int) -> dict:
        """The buyer paid `amount_fen` for trade `number` (created if the cashier was never
        opened)."""
        trade = self.open_trade(number, amount_fen)
        with self._lock:
            trade["amount_fen"] = amount_fen
            trade["status"] = "TRADE_SUCCESS"
            trade["paid_at"] = datetime.now(BEIJING).strftime(TIME_FORMAT)
        return trade

    def refunded_fen(self, number: str) -> int:
        return sum(r["amount_fen"] for r in self.trades[number]["refunds"].values() if r["done"])

    def finish_refunds(self) -> None:
        with self._lock:
            for trade in self.trades.values():
                for refund in trade["refunds"].values():
                    refund["done"] = True
                self._close_if_refunded(trade)

    def fail_next(self, method: str, sub_code: str, sub_msg: str, code: str = "40004") -> None:
        """The next call of `method` gets this signed business failure."""
        self._failures[method] = (code, sub_code, sub_msg)

    def notification(
        self,
        number: str,
        amount_fen: int,
        trade_status: str = "TRADE_SUCCESS",
        *,
        sign_with: rsa.RSAPrivateKey | None = None,
        tamper: dict[str, str] | None = None,
        drop: tuple[str, ...] = (),
        charset: str = "utf-8",
        **overrides,
    ) -> bytes:
        """The form body Alipay posts to notify_url, signed with Alipay's private key (or
        `sign_with`). `overrides` change fields BEFORE signing (a None value removes one);
        `tamper` changes them AFTER signing; `drop` removes fields after signing."""
        trade = self.trades.get(number)
        trade_no = trade["trade_no"] if trade else self._new_trade_no()
        now = datetime.now(BEIJING)
        amount = yuan(amount_fen)
        params = {
            "gmt_create": (now - timedelta(minutes=1)).strftime(TIME_FORMAT),
            "charset": charset,
            "seller_email": "wuye@example.com",
            "subject": "物业服务费 2025年5月 1栋1单元101",
            "buyer_id": "2088102177846880",
            "invoice_amount": amount,
            "notify_id": uuid.uuid4().hex,
            "fund_bill_list": json.dumps(
                [{"amount": amount, "fundChannel": "ALIPAYACCOUNT"}], separators=(",", ":")
            ),
            "notify_type": "trade_status_sync",
            "trade_status": trade_status,
            "receipt_amount": amount,
            "buyer_pay_amount": amount,
            "app_id": self.app_id,
            "sign_type": "RSA2",
            "seller_id": self.seller_id,
            "gmt_payment": now.strftime(TIME_FORMAT),
            "notify_time": now.strftime(TIME_FORMAT),
            "version": "1.0",
            "out_trade_no": number,
            "total_amount": amount,
            "trade_no": trade_no,
            "auth_app_id": self.app_id,
            "point_amount": "0.00",
        }
        for key, value in overrides.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        params["sign"] = rsa2_sign(sign_with or self.alipay_key, notification_signing_text(params))
        params.update(tamper or {})
        for key in drop:
            params.pop(key, None)
        return urlencode(params, encoding=charset).encode("ascii")

    # the gateway

    def handle(self, query: str) -> tuple[int, str, bytes]:
        if self.http_status != 200:
            return self.http_status, "text/plain", b"upstream trouble"
        try:
            params = single_values(query)
        except ValueError:
            return self._refuse("", "isv.invalid-parameter", "重复的参数")
        method = params.get("method", "")
        if params.get("app_id") != self.app_id:
            return self._refuse(method, "isv.invalid-app-id", "无效的AppID参数")
        if params.get("charset") != "utf-8" or params.get("version") != "1.0":
            return self._refuse(method, "isv.invalid-parameter", "charset/version")
        if params.get("sign_type") != "RSA2":
            return self._refuse(method, "isv.invalid-signature-type", "无效的签名类型")
        if not verify_request(params, self.app_public_key):
            return self._refuse(method, "isv.invalid-signature", "验签出错")
        try:
            sent = datetime.strptime(params.get("timestamp", ""), TIME_FORMAT)
        except ValueError:
            return self._refuse(method, "isv.invalid-timestamp", "非法的时间戳参数")
        if abs(sent.replace(tzinfo=BEIJING) - datetime.now(BEIJING)) > TIMESTAMP_WINDOW:
            return self._refuse(method, "isv.invalid-timestamp", "时间戳与服务器时间相差过大")
        try:
            biz = json.loads(params.get("biz_content") or "{}")
        except ValueError:
            return self._refuse(method, "isv.invalid-parameter", "biz_content")
        self.accepted.append((method, biz))

        if method in PRODUCT_CODES:
            return self._cashier(method, params, biz)
        if method in self._failures:
            code, sub_code, sub_msg = self._failures.pop(method)
            return self._signed(method, self._business_error(sub_code, sub_msg, code))
        answers = {
            "alipay.trade.query": self._query,
            "alipay.trade.close": self._close,
            "alipay.trade.refund": self._refund,
            "alipay.trade.fastpay.refund.query": self._refund_query,
        }
        if method not in answers:
            return self._refuse(method, "isv.invalid-method", "不存在的方法名")
        with self._lock:
            answer = answers[method](biz)
        return self._signed(method, answer)

    def _refuse(self, method: str, sub_code: str, sub_msg: str) -> tuple[int, str, bytes]:
        """Refused at the door: an unsigned 40002, as Alipay answers bad requests."""
        self.rejected.append(sub_code)
        key = (method.replace(".", "_") + "_response") if method else "error_response"
        inner = {"code": "40002", "msg": "Invalid Arguments", "sub_code": sub_code}
        inner["sub_msg"] = sub_msg
        body = json.dumps({key: inner}, ensure_ascii=False, separators=(",", ":"))
        return 200, "text/html;charset=utf-8", body.encode("utf-8")

    def _signed(self, method: str, answer: dict) -> tuple[int, str, bytes]:
        key = method.replace(".", "_") + "_response"
        inner = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
        if self.sign_answers:
            sign = rsa2_sign(self.response_key, inner)
            text = f'{{"{key}":{inner},"sign":"{sign}"}}'
        else:
            text = f'{{"{key}":{inner}}}'
        return 200, "text/html;charset=utf-8", text.encode("utf-8")

    @staticmethod
    def _business_error(sub_code: str, sub_msg: str, code: str = "40004") -> dict:
        msg = "Business Failed" if code == "40004" else "Service Currently Unavailable"
        return {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg}

    def _find(self, biz: dict) -> dict | None:
        if biz.get("out_trade_no"):
            return self.trades.get(biz["out_trade_no"])
        for trade in self.trades.values():
            if trade["trade_no"] == biz.get("trade_no"):
                return trade
        return None

    def _cashier(self, method: str, params: dict, biz: dict) -> tuple[int, str, bytes]:
        amount = biz.get("total_amount", "")
        problems = []
        if biz.get("product_code") != PRODUCT_CODES[method]:
            problems.append(f"product_code {biz.get('product_code')}")
        if not _ALIPAY_AMOUNT.fullmatch(amount) or not 1 <= fen(amount) <= 10_000_000_000:
            problems.append(f"total_amount {amount}")
        if not biz.get("out_trade_no") or not biz.get("subject"):
            problems.append("out_trade_no/subject")
        if biz.get("time_expire"):
            expire = datetime.strptime(biz["time_expire"], TIME_FORMAT).replace(tzinfo=BEIJING)
            if expire <= datetime.now(BEIJING):
                problems.append("expired")
        if problems:
            self.rejected.append("cashier: " + ", ".join(problems))
            return 400, "text/html;charset=utf-8", ("错误: " + ", ".join(problems)).encode()
        trade = self.open_trade(biz["out_trade_no"], fen(amount), biz["subject"])
        page = f"<html><body>支付宝收银台 {trade['subject']} ¥{amount}</body></html>"
        return 200, "text/html;charset=utf-8", page.encode("utf-8")

    def _query(self, biz: dict) -> dict:
        trade = self._find(biz)
        if trade is None:
            return self._business_error("ACQ.TRADE_NOT_EXIST", "交易不存在")
        answer = {
            "code": "10000",
            "msg": "Success",
            "buyer_logon_id": "158****1562",
            "out_trade_no": trade["out_trade_no"],
            "trade_no": trade["trade_no"],
            "trade_status": trade["status"],
            "total_amount": yuan(trade["amount_fen"]),
            "buyer_pay_amount": "0.00",
            "point_amount": "0.00",
            "invoice_amount": "0.00",
            "receipt_amount": "0.00",
        }
        if trade.get("paid_at"):
            answer["send_pay_date"] = trade["paid_at"]
            answer["buyer_user_id"] = "2088102177846880"
            answer["fund_bill_list"] = [
                {"amount": yuan(trade["amount_fen"]), "fund_channel": "ALIPAYACCOUNT"}
            ]
        return answer

    def _close(self, biz: dict) -> dict:
        trade = self._find(biz)
        if trade is None:
            return self._business_error("ACQ.TRADE_NOT_EXIST", "交易不存在")
        if trade["status"] != "WAIT_BUYER_PAY":
            return self._business_error("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        trade["status"] = "TRADE_CLOSED"
        return {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade["trade_no"],
            "out_trade_no": trade["out_trade_no"],
        }

    def _close_if_refunded(self, trade: dict) -> None:
        done = sum(r["amount_fen"] for r in trade["refunds"].values() if r["done"])
        if trade["status"] in ("TRADE_SUCCESS", "TRADE_FINISHED") and done >= trade["amount_fen"]:
            trade["status"] = "TRADE_CLOSED"  # a trade refunded in full is closed

    def _refund(self, biz: dict) -> dict:
        trade = self._find(biz)
        if trade is None:
            return self._business_error("ACQ.TRADE_NOT_EXIST", "交易不存在")
        amount = str(biz.get("refund_amount", ""))
        request_no = biz.get("out_request_no") or trade["trade_no"]
        if not _ALIPAY_AMOUNT.fullmatch(amount) or fen(amount) <= 0:
            return self._business_error("ACQ.INVALID_PARAMETER", "参数无效")
        asked = fen(amount)
        previous = trade["refunds"].get(request_no)
        if previous is not None:
            if previous["amount_fen"] != asked:
                return self._business_error("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额不一致")
            return self._refund_answer(trade, fund_change="N")  # the same request again
        if trade["status"] not in ("TRADE_SUCCESS", "TRADE_FINISHED"):
            return self._business_error("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        already = sum(r["amount_fen"] for r in trade["refunds"].values())
        if already + asked > trade["amount_fen"]:
            return self._business_error("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
        done = not self.defer_refunds
        trade["refunds"][request_no] = {
            "amount_fen": asked,
            "done": done,
            "reason": biz.get("refund_reason", ""),
        }
        self._close_if_refunded(trade)
        return self._refund_answer(trade, fund_change="Y" if done else "N")

    def _refund_answer(self, trade: dict, *, fund_change: str) -> dict:
        done = sum(r["amount_fen"] for r in trade["refunds"].values() if r["done"])
        return {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade["trade_no"],
            "out_trade_no": trade["out_trade_no"],
            "buyer_logon_id": "158****1562",
            "fund_change": fund_change,
            "refund_fee": yuan(done),
            "gmt_refund_pay": datetime.now(BEIJING).strftime(TIME_FORMAT),
            "buyer_user_id": "2088102177846880",
        }

    def _refund_query(self, biz: dict) -> dict:
        trade = self._find(biz)
        if trade is None:
            return self._business_error("ACQ.TRADE_NOT_EXIST", "交易不存在")
        answer = {"code": "10000", "msg": "Success"}
        refund = trade["refunds"].get(biz.get("out_request_no", ""))
        if refund is None or not refund["done"]:
            return answer  # no data: Alipay has not (yet) got this refund
        answer.update(
            {
                "trade_no": trade["trade_no"],
                "out_trade_no": trade["out_trade_no"],
                "out_request_no": biz["out_request_no"],
                "total_amount": yuan(trade["amount_fen"]),
                "refund_amount": yuan(refund["amount_fen"]),
                "refund_status": "REFUND_SUCCESS",
            }
        )
        return answer

"""Online payments end to end (BIL-3): the REAL WeChat Pay (v3), Alipay and UnionPay providers,
configured through their settings and pointed at the local stand-ins, driven through our views
and services.

For each provider: the resident pays on the pay page (each channel: QR code, H5 redirect,
JSAPI in WeChat, Alipay's cashier, UnionPay's auto-posted form); the stand-in takes the money
and posts its signed notification to /pay/notify/<method>/, which settles the payment exactly
once however often it comes; forged notifications are refused and change nothing; a lost
notification is found by reconciliation through the provider's query API; refunds go through the
provider's refund API; and another community's resident cannot see the payment."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import parse_qsl, quote, urlencode, urlsplit
from urllib.request import urlopen

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from billing import selectors
from billing.models import Bill, Payment, PaymentNotification, PaymentRefund, Receipt
from billing.online import services as online
from billing.online.providers import get_provider
from billing.online.providers.alipay import AlipayProvider
from billing.online.providers.sandbox import SandboxProvider
from billing.online.providers.unionpay import FRONT_PATH, UnionPayProvider
from billing.online.providers.wechat import WechatPayProvider
from notices.models import Message

from . import standin_alipay as ali
from . import standin_unionpay as union
from . import standin_wechat as wx

Outcome = PaymentNotification.Outcome

AGENTS = {
    "desktop": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36"
    ),
    "mobile": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
    ),
    "in_wechat": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI "
        "Language/zh_CN"
    ),
}
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
METHODS = ["wechat", "alipay", "card"]
# (method, browser, channel): every channel of every provider.
FLOWS = [
    pytest.param("wechat", "desktop", "native", id="wechat-native-qr"),
    pytest.param("wechat", "mobile", "h5", id="wechat-h5"),
    pytest.param("wechat", "in_wechat", "jsapi", id="wechat-jsapi"),
    pytest.param("alipay", "desktop", "page", id="alipay-page"),
    pytest.param("alipay", "mobile", "wap", id="alipay-wap"),
    pytest.param("card", "desktop", "pc", id="unionpay-pc"),
    pytest.param("card", "mobile", "mobile", id="unionpay-mobile"),
]


def site_url(name: str, *args) -> str:
    return online.site_url(reverse(name, args=args))


def yuan(amount: Decimal) -> str:
    return f"{amount:.2f}"


# --- Keys (RSA 2048 is slow to make: once per module) ------------------------------------------


@pytest.fixture(scope="module")
def stranger_key():
    """A key that belongs to nobody we trust: forgers sign with it."""
    return wx.new_key()


@pytest.fixture(scope="module")
def wechat_merchant():
    return wx.Merchant.generate()


@pytest.fixture(scope="module")
def alipay_keys():
    return SimpleNamespace(app=ali.new_rsa_key(), alipay=ali.new_rsa_key())


@pytest.fixture(scope="module")
def unionpay_pki():
    authority = union.Authority()
    return SimpleNamespace(authority=authority, signer=authority.issue(), merchant=union.merchant())


# --- One adapter per provider: its stand-in, its settings, its notifications -------------------


@dataclass
class Post:
    """A notification as the provider posts it to our notify URL."""

    body: bytes
    content_type: str
    extra: dict = field(default_factory=dict)  # WSGI environ (HTTP_* headers)


class Gateway:
    method: str
    provider_class: type

    def settings(self) -> dict:
        raise NotImplementedError

    def pay(self, payment: Payment) -> None:
        """The payer pays the trade at the provider (no notification is sent)."""
        raise NotImplementedError

    def notification(self, payment: Payment, variant: str = "genuine") -> Post:
        """The provider's notification that `payment` was paid. variant: "genuine",
        "tampered" (changed after signing, in a way only the signature catches),
        "other_key" (signed by a stranger), "wrong_amount" (validly signed, other amount)."""
        raise NotImplementedError

    def accepted(self, response) -> bool:
        raise NotImplementedError

    def refused(self, response) -> bool:
        raise NotImplementedError

    def calls(self) -> int:
        """How many API requests the stand-in has answered."""
        raise NotImplementedError

    def trade_no(self, payment: Payment) -> str:
        """The provider's trade number of a paid trade."""
        raise NotImplementedError

    def finish_refunds(self) -> None:
        """The provider finishes every refund it has accepted."""
        raise NotImplementedError

    def check_checkout(self, response, payment: Payment, agent: str) -> None:
        """The pay view's answer is what the browser needs to pay at the provider (and the
        browser then does so)."""
        raise NotImplementedError


class WechatGateway(Gateway):
    method = "wechat"
    provider_class = WechatPayProvider

    def __init__(self, merchant, stranger_key):
        self.merchant = merchant
        self.stranger_key = stranger_key
        self.standin = wx.StandIn(merchant).start()

    def stop(self):
        self.standin.stop()

    def settings(self):
        return self.merchant.settings(self.standin.url)

    def pay(self, payment):
        self.standin.mark_paid(payment.number)

    def notification(self, payment, variant="genuine"):
        number = payment.number
        knobs = {}
        if variant == "tampered":
            forged = self.standin.transaction(self.standin.trades[number])
            forged["transaction_id"] = "4200000000000000000000009999"
            knobs["tamper_resource"] = forged
        elif variant == "other_key":
            knobs["sign_key"] = self.stranger_key
        elif variant == "wrong_amount":
            knobs["total"] = online.fen(payment.amount) + 1
        headers, body = self.standin.notification(number, **knobs)
        extra = {key: value for key, value in headers.items() if key.startswith("HTTP_")}
        assert set(extra) >= {"HTTP_WECHATPAY_SIGNATURE", "HTTP_WECHATPAY_SERIAL"}
        return Post(body, "application/json", extra)

    def accepted(self, response):
        return response.status_code in (200, 204)

    def refused(self, response):
        return 400 <= response.status_code < 500 and json.loads(response.content)["code"] == "FAIL"

    def calls(self):
        return len(self.standin.requests)

    def trade_no(self, payment):
        return self.standin.trades[payment.number]["transaction_id"]

    def finish_refunds(self):
        for number in list(self.standin.refunds):
            self.standin.settle_refund(number)

    def check_checkout(self, response, payment, agent):
        trade = self.standin.trades[payment.number]
        sent = trade["request"]
        assert trade["total"] == online.fen(payment.amount)
        assert sent["amount"] == {"total": online.fen(payment.amount), "currency": "CNY"}
        assert sent["notify_url"] == site_url("billing:payment_notify", "wechat")
        assert sent["mchid"] == self.merchant.mchid and sent["appid"] == self.merchant.appid
        if agent == "desktop":
            assert response.status_code == 200
            assert trade["trade_type"] == "NATIVE"
            html = response.content.decode()
            assert "<svg" in html
            assert payment.number in html
        elif agent == "mobile":
            assert response.status_code == 302
            assert trade["trade_type"] == "MWEB"
            assert sent["scene_info"]["h5_info"]["type"] == "Wap"
            return_url = site_url("billing:payment", payment.number)
            assert response["Location"] == (
                "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb"
                f"?prepay_id={trade['prepay_id']}&package=2916263004"
                f"&redirect_url={quote(return_url, safe='')}"
            )
        else:
            assert response.status_code == 200
            assert trade["trade_type"] == "JSAPI"
            assert sent["payer"] == {"openid": OPENID}
            params = json_script(response.content.decode(), "jsapi-params")
            assert params["package"] == f"prepay_id={trade['prepay_id']}"
            assert params["appId"] == self.merchant.appid
            assert params["signType"] == "RSA"
            message = "".join(
                f"{params[key]}\n" for key in ("appId", "timeStamp", "nonceStr", "package")
            )
            # What WeChat's client checks before it shows the payment sheet (raises if wrong).
            self.merchant.merchant_key.public_key().verify(
                base64.b64decode(params["paySign"]),
                message.encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )


class AlipayGateway(Gateway):
    method = "alipay"
    provider_class = AlipayProvider

    def __init__(self, keys, stranger_key):
        self.keys = keys
        self.stranger_key = stranger_key
        self.standin = ali.AlipayStandIn(
            app_public_key=keys.app.public_key(), alipay_key=keys.alipay
        )
        self.standin.start()

    def stop(self):
        self.standin.stop()

    def settings(self):
        return {
            "ALIPAY_APP_ID": ali.DEFAULT_APP_ID,
            "ALIPAY_APP_PRIVATE_KEY": ali.private_pem(self.keys.app).replace("\n", "\\n"),
            # As Alipay's console hands it out: bare base64.
            "ALIPAY_PUBLIC_KEY": ali.bare_base64(ali.public_pem(self.keys.alipay)),
            "ALIPAY_SELLER_ID": ali.DEFAULT_SELLER_ID,
            "ALIPAY_GATEWAY_URL": self.standin.gateway_url,
        }

    def pay(self, payment):
        self.standin.mark_paid(payment.number, online.fen(payment.amount))

    def notification(self, payment, variant="genuine"):
        fen = online.fen(payment.amount)
        if variant == "tampered":
            body = self.standin.notification(payment.number, fen, tamper={"trade_no": "20" * 14})
        elif variant == "other_key":
            body = self.standin.notification(payment.number, fen, sign_with=self.stranger_key)
        elif variant == "wrong_amount":
            body = self.standin.notification(payment.number, fen - 1)
        else:
            body = self.standin.notification(payment.number, fen)
        return Post(body, "application/x-www-form-urlencoded")

    def accepted(self, response):
        return response.status_code == 200 and response.content == b"success"

    def refused(self, response):
        return response.status_code == 200 and response.content == b"fail"

    def calls(self):
        return len(self.standin.accepted) + len(self.standin.rejected)

    def trade_no(self, payment):
        return self.standin.trades[payment.number]["trade_no"]

    def finish_refunds(self):
        self.standin.finish_refunds()

    def check_checkout(self, response, payment, agent):
        assert response.status_code == 302
        url = response["Location"]
        assert url.startswith(self.standin.gateway_url + "?")
        params = ali.single_values(urlsplit(url).query)
        # Signed with our app key, as Alipay checks it.
        assert ali.verify_request(params, self.keys.app.public_key())
        assert params["app_id"] == ali.DEFAULT_APP_ID
        assert params["method"] == (
            "alipay.trade.wap.pay" if agent == "mobile" else "alipay.trade.page.pay"
        )
        assert params["notify_url"] == site_url("billing:payment_notify", "alipay")
        assert params["return_url"] == site_url("billing:payment", payment.number)
        biz = json.loads(params["biz_content"])
        assert biz["out_trade_no"] == payment.number
        assert biz["total_amount"] == yuan(payment.amount)
        # The browser follows the redirect: Alipay's cashier opens and the trade exists.
        with urlopen(url, timeout=5) as page:  # noqa: S310 - the local stand-in
            assert page.status == 200
        assert self.standin.rejected == []
        trade = self.standin.trades[payment.number]
        assert trade["status"] == "WAIT_BUYER_PAY"
        assert trade["amount_fen"] == online.fen(payment.amount)


class UnionPayGateway(Gateway):
    method = "card"
    provider_class = UnionPayProvider

    def __init__(self, pki, stranger_key):
        self.pki = pki
        self.stranger_key = stranger_key
        self.standin = union.StandIn(signer=pki.signer, merchant=pki.merchant)
        self.query_ids: dict[str, str] = {}

    def stop(self):
        self.standin.close()

    def settings(self):
        return {
            "UNIONPAY_MER_ID": union.MER_ID,
            "UNIONPAY_SIGN_KEY": self.pki.merchant.key_pem.replace("\n", "\\n"),
            "UNIONPAY_SIGN_CERT": self.pki.merchant.cert_pem.replace("\n", "\\n"),
            "UNIONPAY_ROOT_CERT": self.pki.authority.root_pem.replace("\n", "\\n"),
            "UNIONPAY_MIDDLE_CERT": self.pki.authority.middle_pem.replace("\n", "\\n"),
            "UNIONPAY_GATEWAY_URL": self.standin.url,
        }

    @staticmethod
    def txn_time(payment) -> str:
        return online.payment_ref(payment).created_at_text

    def pay(self, payment):
        self.query_ids[payment.number] = self.standin.mark_paid(
            payment.number, online.fen(payment.amount), txn_time=self.txn_time(payment)
        )

    def notification(self, payment, variant="genuine"):
        fen = online.fen(payment.amount)
        fields = {"queryId": self.query_ids[payment.number], "txnTime": self.txn_time(payment)}
        if variant == "other_key":
            # A forger's own certificate with UnionPay's name, not issued by UnionPay's CA.
            forger = union.Signer(
                self.stranger_key, union.make_cert(union.UNIONPAY_SIGN_CN, self.stranger_key)
            )
            body = self.standin.notification(payment.number, fen, signer=forger, **fields)
        elif variant == "wrong_amount":
            body = self.standin.notification(payment.number, fen - 1, **fields)
        else:
            body = self.standin.notification(payment.number, fen, **fields)
        if variant == "tampered":
            pairs = dict(parse_qsl(body.decode(), keep_blank_values=True))
            pairs["queryId"] = "20990101000000" + "9" * 7
            body = urlencode(pairs).encode()
        return Post(body, "application/x-www-form-urlencoded")

    def accepted(self, response):
        return response.status_code == 200

    def refused(self, response):
        return response.status_code == 500

    def calls(self):
        return len(self.standin.requests) + len(self.standin.rejections)

    def trade_no(self, payment):
        return self.query_ids[payment.number]

    def finish_refunds(self):
        self.standin.complete_refunds()

    def check_checkout(self, response, payment, agent):
        assert response.status_code == 200
        action, fields = provider_form(response.content.decode())
        assert action == self.standin.url + FRONT_PATH
        # Signed with the merchant's key, named by its certificate's serial.
        assert union.verify(fields, self.pki.merchant.cert.public_key())
        assert fields["certId"] == str(self.pki.merchant.cert.serial_number)
        assert fields["merId"] == union.MER_ID
        assert fields["orderId"] == payment.number
        assert fields["txnType"] == "01"
        assert fields["txnAmt"] == str(online.fen(payment.amount))
        assert fields["channelType"] == ("08" if agent == "mobile" else "07")
        assert fields["backUrl"] == site_url("billing:payment_notify", "card")
        assert fields["frontUrl"] == site_url("billing:payment", payment.number)
        # The page posts the form to UnionPay; the gateway accepts it.
        page = requests.post(action, data=fields, timeout=5)
        assert page.status_code == 200
        assert self.standin.rejections == []
        assert self.standin.front_orders[payment.number]["txnAmt"] == fields["txnAmt"]


def _gateway_for(request, method) -> Gateway:
    stranger_key = request.getfixturevalue("stranger_key")
    if method == "wechat":
        return WechatGateway(request.getfixturevalue("wechat_merchant"), stranger_key)
    if method == "alipay":
        return AlipayGateway(request.getfixturevalue("alipay_keys"), stranger_key)
    return UnionPayGateway(request.getfixturevalue("unionpay_pki"), stranger_key)


@pytest.fixture
def gateway(request):
    """The stand-in of request.param's provider, running, with the real provider configured
    to talk to it (the providers' cache is cleared when the settings change, both ways)."""
    gateway = _gateway_for(request, request.param)
    try:
        with override_settings(**gateway.settings()):
            yield gateway
    finally:
        gateway.stop()


# --- Helpers -------------------------------------------------------------------------------------


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.action = None
        self.fields: dict[str, str] = {}
        self._inside = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "provider-form":
            self.action, self._inside = attrs.get("action"), True
        elif tag == "input" and self._inside and attrs.get("type") == "hidden":
            self.fields[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False


def provider_form(html: str) -> tuple[str, dict]:
    parser = _FormParser()
    parser.feed(html)
    assert parser.action, "no provider form on the page"
    return parser.action, parser.fields


class _ScriptParser(HTMLParser):
    def __init__(self, element_id):
        super().__init__()
        self.element_id = element_id
        self.text = None
        self._inside = False

    def handle_starttag(self, tag, attrs):
        self._inside = tag == "script" and dict(attrs).get("id") == self.element_id

    def handle_data(self, data):
        if self._inside:
            self.text = (self.text or "") + data

    def handle_endtag(self, tag):
        self._inside = False


def json_script(html: str, element_id: str):
    parser = _ScriptParser(element_id)
    parser.feed(html)
    assert parser.text, f"no json_script {element_id!r} on the page"
    return json.loads(parser.text)


def due(bill: Bill) -> Decimal:
    """What paying the bill costs today (its amount and the late fee so far)."""
    return bill.outstanding + selectors.late_fee_of(bill, timezone.localdate())


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def start(client: Client, bill: Bill, gateway: Gateway, agent: str = "desktop") -> Payment:
    """The resident chooses the bill and the method on the pay page, and the browser does what
    the answer says (to the provider's page)."""
    before = Payment.objects.count()
    response = client.post(
        reverse("billing:pay"),
        {"bills": [bill.pk], "method": gateway.method},
        HTTP_USER_AGENT=AGENTS[agent],
    )
    assert Payment.objects.count() == before + 1, response.content.decode()[:2000]
    payment = Payment.objects.order_by("-pk").first()
    gateway.check_checkout(response, payment, agent)
    return payment


def deliver(gateway: Gateway, post: Post):
    """The provider posts its notification (no session, no CSRF token)."""
    return Client().post(
        reverse("billing:payment_notify", args=[gateway.method]),
        data=post.body,
        content_type=post.content_type,
        **post.extra,
    )


def settled_payment(gateway: Gateway, bill: Bill, resident) -> Payment:
    payment = start(logged_in(resident), bill, gateway)
    gateway.pay(payment)
    assert gateway.accepted(deliver(gateway, gateway.notification(payment)))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    return payment


def assert_settled(payment: Payment, bill: Bill, amount: Decimal) -> None:
    payment.refresh_from_db()
    bill.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.paid_at is not None
    assert bill.status == Bill.Status.PAID
    assert bill.paid_amount == amount
    assert bill.late_fee_paid == payment.amount - amount
    assert Receipt.objects.filter(payment=payment).count() == 1


def assert_nothing_changed(payment: Payment, bill: Bill, bill_status: str) -> None:
    payment.refresh_from_db()
    bill.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert payment.trade_no == "" and payment.paid_at is None
    assert bill.status == bill_status
    assert bill.paid_amount == Decimal("0.00")
    assert not Receipt.objects.filter(payment=payment).exists()
    assert not PaymentNotification.objects.exclude(outcome=Outcome.REFUSED).exists()


# --- Configuration -------------------------------------------------------------------------------


@pytest.mark.req("BIL-3")
@pytest.mark.parametrize("gateway", METHODS, indirect=True)
def test_the_real_provider_is_used_when_configured(gateway):
    provider = get_provider(gateway.method)
    assert type(provider) is gateway.provider_class
    assert not isinstance(provider, SandboxProvider)
    assert provider.sandbox is False
    assert get_provider(gateway.method) is provider  # built once
    # Without one credential the method is off: a half-configured merchant account never
    # falls back to the sandbox, and `manage.py check` names what is missing.
    from django.core import checks

    missing = next(name for name in gateway.settings() if not name.endswith("_URL"))
    with override_settings(**{missing: ""}):
        assert get_provider(gateway.method) is None
        errors = [e for e in checks.run_checks() if e.id == "billing.E002"]
        assert len(errors) == 1 and missing in errors[0].msg
    # Without any, the sandbox stands in (where PAYMENT_SANDBOX is on, as in tests).
    with override_settings(
        **{name: "" for name in gateway.settings() if not name.endswith("_URL")}
    ):
        assert isinstance(get_provider(gateway.method), SandboxProvider)
        with override_settings(PAYMENT_SANDBOX=False):
            assert get_provider(gateway.method) is None
    assert type(get_provider(gateway.method)) is gateway.provider_class


# --- Paying, the notification, exactly once -----------------------------------------------------


@pytest.mark.req("BIL-3")
@pytest.mark.django_db
@pytest.mark.parametrize(("gateway", "agent", "channel"), FLOWS, indirect=["gateway"])
def test_pay_then_the_notification_settles_once(gateway, agent, channel, published_bill, resident):
    amount = published_bill.amount
    expected = due(published_bill)
    if agent == "in_wechat":  # signed in with the official account: we know the openid
        SocialAccount.objects.create(user=resident, provider="weixin_mp", uid=OPENID)
    payment = start(logged_in(resident), published_bill, gateway, agent)
    assert payment.status == Payment.Status.PENDING
    assert payment.method == gateway.method
    assert payment.channel == channel
    assert payment.payer == resident
    assert payment.amount == expected  # computed by the server from the bill
    assert [(item.bill_id, item.amount) for item in payment.items.all()] == [
        (published_bill.pk, amount)
    ]
    published_bill.refresh_from_db()
    assert published_bill.status in Bill.UNPAID_STATUSES

    gateway.pay(payment)
    post = gateway.notification(payment)
    reply = deliver(gateway, post)
    assert gateway.accepted(reply), (reply.status_code, reply.content)
    assert_settled(payment, published_bill, amount)
    assert payment.trade_no == gateway.trade_no(payment)
    assert payment.notification["source"] == "notify"

    # The provider retries (it did not get our answer): same answer, nothing more happens.
    for _ in range(3):
        again = deliver(gateway, post)
        assert (again.status_code, again.content) == (reply.status_code, reply.content)
    assert_settled(payment, published_bill, amount)
    outcomes = PaymentNotification.objects.filter(payment=payment).values_list("outcome", flat=True)
    assert sorted(outcomes) == sorted([Outcome.SETTLED] + [Outcome.DUPLICATE] * 3)


# --- Notifications that must not be believed ----------------------------------------------------


@pytest.mark.req("BIL-3")
@pytest.mark.django_db
@pytest.mark.parametrize("variant", ["tampered", "other_key", "wrong_amount"])
@pytest.mark.parametrize("gateway", METHODS, indirect=True)
def test_forged_notifications_are_refused(
    gateway, variant, published_bill, resident, manager, django_capture_on_commit_callbacks
):
    payment = start(logged_in(resident), published_bill, gateway)
    bill_status = Bill.objects.get(pk=published_bill.pk).status
    gateway.pay(payment)  # the money is there, but this notification is not the proof

    with django_capture_on_commit_callbacks(execute=True):
        reply = deliver(gateway, gateway.notification(payment, variant))
    assert gateway.refused(reply), (reply.status_code, reply.content)
    assert_nothing_changed(payment, published_bill, bill_status)
    logged = PaymentNotification.objects.get()
    assert logged.method == gateway.method
    assert logged.outcome == Outcome.REFUSED
    # Refused by the check meant for it: the signature (or UnionPay's certificate chain), or,
    # for a validly signed one, the amount.
    expected_reason = {"tampered": "signature", "wrong_amount": "不符"}.get(
        variant, "certificate" if gateway.method == "card" else "signature"
    )
    assert expected_reason in logged.reason
    alerts = Message.objects.filter(event="payment.alert")
    if variant == "wrong_amount":  # believed as the provider's word, but not our amount
        assert logged.payment == payment
        assert list(alerts.values_list("recipient", flat=True)) == [manager.pk]
    else:
        assert logged.payment is None
        assert not alerts.exists()

    # The genuine notification still settles it.
    assert gateway.accepted(deliver(gateway, gateway.notification(payment)))
    assert_settled(payment, published_bill, published_bill.amount)


# --- A lost notification ---------------------------------------------------------------------------


@pytest.mark.req("BIL-3")
@pytest.mark.django_db
@pytest.mark.parametrize("gateway", METHODS, indirect=True)
def test_a_lost_notification_is_found_by_reconciliation(gateway, published_bill, resident):
    payment = start(logged_in(resident), published_bill, gateway)
    gateway.pay(payment)  # paid at the provider; the notification never arrives
    nothing = {"settled": 0, "closed": 0, "refunds": 0, "unapplied": 0}
    assert online.reconcile(now=timezone.now()) == nothing  # too early to ask
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING

    later = timezone.now() + dt.timedelta(minutes=4)
    assert online.reconcile(now=later) == {**nothing, "settled": 1}
    assert_settled(payment, published_bill, published_bill.amount)
    assert payment.notification["source"] == "query"
    assert payment.trade_no == gateway.trade_no(payment)
    logged = PaymentNotification.objects.get(payment=payment)
    assert (logged.source, logged.outcome) == ("query", Outcome.SETTLED)
    assert online.reconcile(now=later) == nothing

    # The notification comes after all: acknowledged, nothing more.
    assert gateway.accepted(deliver(gateway, gateway.notification(payment)))
    assert_settled(payment, published_bill, published_bill.amount)


@pytest.mark.req("BIL-3")
@pytest.mark.django_db
@pytest.mark.parametrize("gateway", METHODS, indirect=True)
def test_i_have_paid_asks_the_provider(gateway, published_bill, resident):
    client = logged_in(resident)
    payment = start(client, published_bill, gateway)
    status_page = reverse("billing:payment", args=[payment.number])
    calls = gateway.calls()
    assert client.post(status_page).status_code == 200  # not paid yet: the provider says so
    assert gateway.calls() == calls + 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING

    gateway.pay(payment)
    assert client.post(status_page).status_code == 200
    assert_settled(payment, published_bill, published_bill.amount)
    assert payment.notification["source"] == "query"
    assert payment.trade_no == gateway.trade_no(payment)


@pytest.mark.req("BIL-3")
@pytest.mark.django_db
@pytest.mark.parametrize("gateway", METHODS, indirect=True)
def test_reconciliation_closes_an_expired_unpaid_payment(gateway, published_bill, resident):
    payment = start(logged_in(resident), published_bill, gateway)
    bill_status = Bill.objects.get(pk=published_bill.pk).status
    assert online.reconcile(now=timezone.now() + dt.timedelta(minutes=10))["closed"] == 0
    # Closed five minutes after the provider's own expiry (30 minutes), not before.
    assert online.reconcile(now=timezone.now() + dt.timedelta(minutes=31))["closed"] == 0
    assert online.reconcile(now=timezone.now() + dt.timedelta(minutes=36))["closed"] == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CLOSED
    published_bill.refresh_from_db()
    assert published_bill.status == bill_status
    if gateway.method == "wechat":  # closed at WeChat Pay too, so it cannot be paid any more
        assert gateway.standin.trades[payment.number]["trade_state"] == "CLOSED"
    elif gateway.method == "alipay":
        assert gateway.standin.trades[payment.number]["status"] == "TRADE_CLOSED"


@pytest.mark.req("BIL-3")
@pytest.mark.django_db
@pytest.mark.parametrize("gateway", ["alipay"], indirect=True)
def test_alipay_is_not_offered_inside_wechat(gateway, published_bill, resident):
    reply = logged_in(resident).post(
        reverse("billing:pay"),
        {"bills": [published_bill.pk], "method": "alipay"},
        HTTP_USER_AGENT=AGENTS["in_wechat"],
    )
    assert reply.status_code == 400
    assert not Payment.objects.exists()
    assert gateway.calls() == 0


# --- Refunds through the provider ------------------------------------------------------------------


def _partial(payment: Payment, bill: Bill) -> Decimal:
    """The late fee and 75.80 of the bill's amount."""
    return (payment.amount - bill.amount) + Decimal("75.80")


def _assert_partly_refunded(payment, bill, part):
    payment.refresh_from_db()
    bill.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.refunded_amount == part
    assert bill.paid_amount == bill.amount - Decimal("75.80")
    assert bill.late_fee_paid == Decimal("0.00")
    assert bill.status == Bill.Status.PAID  # a partial refund does not reopen the bill


def _assert_fully_refunded(payment, bill):
    payment.refresh_from_db()
    bill.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert payment.refunded_amount == payment.amount
    assert bill.paid_amount == Decimal("0.00")
    assert bill.late_fee_paid == Decimal("0.00")
    assert bill.status == Bill.Status.REFUNDED


@pytest.mark.req("BIL-3")
@pytest.mark.django_db
@pytest.mark.parametrize("gateway", ["wechat"], indirect=True)
def test_wechat_refund_processing_then_succeeded(gateway, published_bill, resident, manager):
    payment = settled_payment(gateway, published_bill, resident)
    part = _partial(payment, published_bill)
    standin = gateway.standin

    refund = online.refund_payment(payment=payment, actor=manager, reason="多收退回", amount=part)
    sent = json.loads(standin.requests[-1].body)
    assert sent["out_refund_no"] == refund.number
    assert sent["out_trade_no"] == payment.number
    assert sent["amount"] == {
        "refund": online.fen(part),
        "total": online.fen(payment.amount),
        "currency": "CNY",
    }
    # WeChat Pay answers PROCESSING: nothing moves on our side yet.
    assert refund.status == PaymentRefund.Status.PENDING
    booked = PaymentRefund.objects.get(pk=refund.pk)
    assert booked.provider_refund_no == standin.refunds[refund.number]["refund_id"]
    assert online.refund_check(PaymentRefund.objects.get(pk=refund.pk)) == "pending"
    assert_settled(payment, published_bill, published_bill.amount)

    standin.settle_refund(refund.number)
    assert online.refund_check(PaymentRefund.objects.get(pk=refund.pk)) == "succeeded"
    _assert_partly_refunded(payment, published_bill, part)

    # The rest, answered SUCCESS at once.
    standin.refund_status = "SUCCESS"
    rest = online.refund_payment(payment=payment, actor=manager, reason="退全款")
    assert rest.status == PaymentRefund.Status.SUCCEEDED
    assert rest.amount == payment.amount - part
    _assert_fully_refunded(payment, published_bill)
    assert standin.trades[payment.number]["trade_state"] == "REFUND"


@pytest.mark.req("BIL-3")
@pytest.mark.django_db
@pytest.mark.parametrize("gateway", ["alipay"], indirect=True)
def test_alipay_refund_at_once_then_deferred(gateway, published_bill, resident, manager):
    payment = settled_payment(gateway, published_bill, resident)
    part = _partial(payment, published_bill)
    standin = gateway.standin

    refund = online.refund_payment(payment=payment, actor=manager, reason="多收退回", amount=part)
    assert refund.status == PaymentRefund.Status.SUCCEEDED  # fund_change=Y
    method, biz = standin.accepted[-1]
    assert method == "alipay.trade.refund"
    assert biz["out_request_no"] == refund.number
    assert biz["refund_amount"] == yuan(part)
    assert standin.refunded_fen(payment.number) == online.fen(part)
    _assert_partly_refunded(payment, published_bill, part)

    # Alipay is slow with the rest: pending until its refund query has it.
    standin.defer_refunds = True
    rest = online.refund_payment(payment=payment, actor=manager, reason="退全款")
    assert rest.status == PaymentRefund.Status.PENDING
    later = timezone.now() + dt.timedelta(minutes=2)
    assert online.reconcile(now=later)["refunds"] == 0
    assert PaymentRefund.objects.get(pk=rest.pk).status == PaymentRefund.Status.PENDING
    _assert_partly_refunded(payment, published_bill, part)

    standin.finish_refunds()
    assert online.refund_check(PaymentRefund.objects.get(pk=rest.pk)) == "succeeded"
    _assert_fully_refunded(payment, published_bill)
    assert standin.refunded_fen(payment.number) == online.fen(payment.amount)


@pytest.mark.req("BIL-3")
@pytest.mark.django_db
@pytest.mark.parametrize("gateway", ["alipay"], indirect=True)
def test_alipay_refund_that_never_reached_alipay_is_sent_again(
    gateway, published_bill, resident, manager
):
    """The refund request fails on the way (Alipay unreachable): refund_payment keeps it
    pending "to ask again later". Alipay's refund query then answers without refund data,
    which per Alipay means it never got the request: the same request (same out_request_no,
    deduplicated by Alipay) must be sent again, or the money never goes back."""
    payment = settled_payment(gateway, published_bill, resident)
    part = _partial(payment, published_bill)
    standin = gateway.standin

    standin.http_status = 502
    refund = online.refund_payment(payment=payment, actor=manager, reason="多收退回", amount=part)
    assert refund.status == PaymentRefund.Status.PENDING
    assert refund.message  # why it is not known yet
    standin.http_status = 200
    assert standin.refunded_fen(payment.number) == 0  # Alipay never got it

    online.reconcile(now=timezone.now() + dt.timedelta(minutes=2))
    online.reconcile(now=timezone.now() + dt.timedelta(minutes=4))
    assert standin.refunded_fen(payment.number) == online.fen(part)
    assert PaymentRefund.objects.get(pk=refund.pk).status == PaymentRefund.Status.SUCCEEDED
    _assert_partly_refunded(payment, published_bill, part)


@pytest.mark.req("BIL-3")
@pytest.mark.django_db
@pytest.mark.parametrize("gateway", ["card"], indirect=True)
def test_unionpay_refund_pending_then_finished_by_reconciliation(
    gateway, published_bill, resident, manager
):
    payment = settled_payment(gateway, published_bill, resident)
    part = _partial(payment, published_bill)
    standin = gateway.standin

    refund = online.refund_payment(payment=payment, actor=manager, reason="多收退回", amount=part)
    path, sent = standin.requests[-1]
    assert path == "/gateway/api/backTransReq.do"
    assert sent["txnType"] == "04"
    assert sent["origQryId"] == payment.trade_no == gateway.trade_no(payment)
    assert sent["txnAmt"] == str(online.fen(part))
    assert sent["backUrl"] == site_url("billing:payment_notify", "card")
    # UnionPay accepts a refund and does it later.
    assert refund.status == PaymentRefund.Status.PENDING
    booked = PaymentRefund.objects.get(pk=refund.pk)
    assert booked.provider_refund_no == standin.refunds[refund.number]["queryId"]
    assert online.refund_check(PaymentRefund.objects.get(pk=refund.pk)) == "pending"
    assert_settled(payment, published_bill, published_bill.amount)

    standin.complete_refunds()
    # Refunds pending for less than a minute are not asked about yet...
    assert online.reconcile(now=timezone.now())["refunds"] == 0
    assert PaymentRefund.objects.get(pk=refund.pk).status == PaymentRefund.Status.PENDING
    # ...older ones are.
    assert online.reconcile(now=timezone.now() + dt.timedelta(minutes=2))["refunds"] == 1
    assert PaymentRefund.objects.get(pk=refund.pk).status == PaymentRefund.Status.SUCCEEDED
    _assert_partly_refunded(payment, published_bill, part)

    rest = online.refund_payment(payment=payment, actor=manager, reason="退全款")
    assert rest.status == PaymentRefund.Status.PENDING
    standin.complete_refunds()
    assert online.refund_check(PaymentRefund.objects.get(pk=rest.pk)) == "succeeded"
    _assert_fully_refunded(payment, published_bill)


@pytest.mark.req("BIL-3")
@pytest.mark.django_db
@pytest.mark.parametrize("gateway", ["card"], indirect=True)
def test_unionpay_refund_notification_finishes_the_refund(
    gateway, published_bill, resident, manager, django_capture_on_commit_callbacks
):
    """UnionPay posts the refund's result to the same backUrl: we ask about that refund."""
    payment = settled_payment(gateway, published_bill, resident)
    part = _partial(payment, published_bill)
    refund = online.refund_payment(payment=payment, actor=manager, reason="多收退回", amount=part)
    assert refund.status == PaymentRefund.Status.PENDING
    gateway.standin.complete_refunds()
    booked = gateway.standin.refunds[refund.number]
    body = gateway.standin.notification(
        refund.number,
        online.fen(part),
        txnType="04",
        txnSubType="00",
        queryId=booked["queryId"],
        origQryId=payment.trade_no,
        txnTime=booked["txnTime"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        reply = deliver(gateway, Post(body, "application/x-www-form-urlencoded"))
    assert gateway.accepted(reply)
    assert PaymentRefund.objects.get(pk=refund.pk).status == PaymentRefund.Status.SUCCEEDED
    _assert_partly_refunded(payment, published_bill, part)
    logged = PaymentNotification.objects.get(number=refund.number)
    assert logged.outcome == Outcome.IGNORED


@pytest.mark.req("BIL-3")
@pytest.mark.django_db
@pytest.mark.parametrize("gateway", METHODS, indirect=True)
def test_money_for_a_bill_paid_twice_goes_back_through_the_provider(
    gateway, published_bill, resident, family_member, django_capture_on_commit_callbacks
):
    """Two members of the household pay the same bill: the second payment's money is not
    applied but refunded, in full, through the provider's refund API."""
    first = start(logged_in(resident), published_bill, gateway)
    second = start(logged_in(family_member), published_bill, gateway, "mobile")
    gateway.pay(first)
    gateway.pay(second)
    with django_capture_on_commit_callbacks(execute=True):
        assert gateway.accepted(deliver(gateway, gateway.notification(first)))
        assert gateway.accepted(deliver(gateway, gateway.notification(second)))
    assert_settled(first, published_bill, published_bill.amount)
    second.refresh_from_db()
    assert second.unapplied
    refund = second.refunds.get()
    assert refund.amount == second.amount
    assert refund.allocation == []  # no bill gives anything back

    gateway.finish_refunds()
    assert online.reconcile(now=timezone.now() + dt.timedelta(minutes=2))["unapplied"] == 0
    refund.refresh_from_db()
    second.refresh_from_db()
    assert refund.status == PaymentRefund.Status.SUCCEEDED
    assert second.status == Payment.Status.REFUNDED
    assert second.refunded_amount == second.amount
    # The bill stays paid by the first payment; one receipt, the first payment's.
    assert_settled(first, published_bill, published_bill.amount)
    assert list(Receipt.objects.values_list("payment", flat=True)) == [first.pk]
    assert PaymentNotification.objects.get(payment=second).outcome == Outcome.UNAPPLIED


@pytest.mark.req("BIL-3")
@pytest.mark.django_db
@pytest.mark.parametrize("gateway", ["wechat"], indirect=True)
def test_a_refused_automatic_refund_is_left_to_staff(
    gateway, published_bill, resident, family_member, django_capture_on_commit_callbacks
):
    """The provider refuses the automatic refund of unapplied money (here: WeChat Pay's
    merchant balance is short). The payment is flagged for staff ("if the payment provider
    refuses, refund it here"); reconciliation, every two minutes, must not send a new refund
    request (and book a new failed refund) on every run."""
    first = start(logged_in(resident), published_bill, gateway)
    second = start(logged_in(family_member), published_bill, gateway, "mobile")
    gateway.pay(first)
    gateway.pay(second)
    refunds_api = ("POST", "/v3/refund/domestic/refunds")
    gateway.standin.replies[refunds_api] = (
        403,
        {"code": "NOT_ENOUGH", "message": "基本账户余额不足"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert gateway.accepted(deliver(gateway, gateway.notification(first)))
        assert gateway.accepted(deliver(gateway, gateway.notification(second)))
    second.refresh_from_db()
    assert second.unapplied and second.attention
    assert list(second.refunds.values_list("status", flat=True)) == ["failed"]

    def refund_requests():
        return sum(1 for r in gateway.standin.requests if r.path == refunds_api[1])

    sent = refund_requests()
    for minutes in (2, 4, 6):
        online.reconcile(now=timezone.now() + dt.timedelta(minutes=minutes))
    assert refund_requests() == sent
    assert second.refunds.count() == 1


# --- Tenant isolation ------------------------------------------------------------------------------


@pytest.mark.req("BIL-3")
@pytest.mark.django_db
@pytest.mark.parametrize("gateway", METHODS, indirect=True)
def test_another_communitys_resident_sees_nothing(gateway, published_bill, resident, outsider):
    mine = logged_in(resident)
    payment = start(mine, published_bill, gateway)
    status_page = reverse("billing:payment", args=[payment.number])
    assert mine.get(status_page).status_code == 200

    stranger = logged_in(outsider)
    calls = gateway.calls()
    assert stranger.get(status_page).status_code == 404
    # "I have paid" would ask the provider: not for someone else's payment.
    assert stranger.post(status_page).status_code == 404
    assert gateway.calls() == calls
    # Nor can they start a payment of our bill.
    reply = stranger.post(
        reverse("billing:pay"),
        {"bills": [published_bill.pk], "method": gateway.method},
        HTTP_USER_AGENT=AGENTS["desktop"],
    )
    assert reply.status_code == 400
    assert Payment.objects.count() == 1
    assert gateway.calls() == calls

    # Settled, it stays ours alone.
    gateway.pay(payment)
    assert gateway.accepted(deliver(gateway, gateway.notification(payment)))
    assert stranger.get(status_page).status_code == 404
    page = mine.get(status_page)
    assert page.status_code == 200
    assert payment.number in page.content.decode()


@pytest.mark.req("BIL-3")
@pytest.mark.django_db
@pytest.mark.parametrize("gateway", ["alipay"], indirect=True)
def test_alipay_busy_on_refund_is_sent_again(gateway, published_bill, resident, manager):
    """Alipay answers a refund "system busy" (pending, nothing refunded): reconciliation sends
    the same request again until Alipay does it."""
    payment = settled_payment(gateway, published_bill, resident)
    part = _partial(payment, published_bill)
    standin = gateway.standin
    standin.fail_next("alipay.trade.refund", "ACQ.SYSTEM_ERROR", "系统繁忙", code="20000")
    refund = online.refund_payment(payment=payment, actor=manager, reason="多收退回", amount=part)
    assert refund.status == PaymentRefund.Status.PENDING
    assert standin.refunded_fen(payment.number) == 0
    online.reconcile(now=timezone.now() + dt.timedelta(minutes=2))
    assert standin.refunded_fen(payment.number) == online.fen(part)
    assert PaymentRefund.objects.get(pk=refund.pk).status == PaymentRefund.Status.SUCCEEDED
    _assert_partly_refunded(payment, published_bill, part)


@pytest.mark.req("BIL-3")
@pytest.mark.django_db
@pytest.mark.parametrize("gateway", ["card"], indirect=True)
def test_a_card_payment_finished_at_the_last_second_is_found_after_closing(
    gateway, published_bill, resident
):
    """UnionPay orders cannot be closed, only expire: a payer finishing at the last moment
    while reconciliation closes the payment here is found when it looks again."""
    payment = start(logged_in(resident), published_bill, gateway)
    assert online.reconcile(now=timezone.now() + dt.timedelta(minutes=36))["closed"] == 1
    gateway.pay(payment)  # the notification is lost
    assert online.reconcile(now=timezone.now() + dt.timedelta(minutes=40))["settled"] == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and payment.closed_at is None
    assert_settled(payment, published_bill, published_bill.amount)


# --- A checkout started again, continued or cancelled -------------------------------------------


@pytest.mark.req("BIL-3")
@pytest.mark.django_db
@pytest.mark.parametrize(("gateway", "agent", "channel"), FLOWS, indirect=["gateway"])
def test_the_same_bills_started_twice_give_one_payment(
    gateway, agent, channel, published_bill, resident
):
    """A double tap on 确认支付 (or back and tap again): the second start hands out the same
    order, the provider takes it again, and the money settles one payment."""
    if agent == "in_wechat":
        SocialAccount.objects.create(user=resident, provider="weixin_mp", uid=OPENID)
    client = logged_in(resident)
    payment = start(client, published_bill, gateway, agent)
    again = client.post(
        reverse("billing:pay"),
        {"bills": [published_bill.pk], "method": gateway.method},
        HTTP_USER_AGENT=AGENTS[agent],
    )
    assert Payment.objects.count() == 1
    gateway.check_checkout(again, payment, agent)
    payment.refresh_from_db()
    assert (payment.status, payment.channel) == (Payment.Status.PENDING, channel)
    gateway.pay(payment)
    assert gateway.accepted(deliver(gateway, gateway.notification(payment)))
    assert_settled(payment, published_bill, published_bill.amount)


@pytest.mark.req("BIL-3")
@pytest.mark.django_db
@pytest.mark.parametrize(("gateway", "agent", "channel"), FLOWS, indirect=["gateway"])
def test_continue_paying_goes_back_to_the_provider(
    gateway, agent, channel, published_bill, resident
):
    if agent == "in_wechat":
        SocialAccount.objects.create(user=resident, provider="weixin_mp", uid=OPENID)
    client = logged_in(resident)
    payment = start(client, published_bill, gateway, agent)
    response = client.post(
        reverse("billing:payment_continue", args=[payment.number]), HTTP_USER_AGENT=AGENTS[agent]
    )
    gateway.check_checkout(response, payment, agent)
    assert Payment.objects.count() == 1


@pytest.mark.req("BIL-3")
@pytest.mark.django_db
@pytest.mark.parametrize("gateway", METHODS, indirect=True)
def test_the_payer_cancels_an_open_payment_at_the_provider(gateway, published_bill, resident):
    client = logged_in(resident)
    payment = start(client, published_bill, gateway)
    bill_status = Bill.objects.get(pk=published_bill.pk).status
    response = client.post(reverse("billing:payment_cancel", args=[payment.number]))
    assert (response.status_code, response["Location"]) == (302, reverse("billing:bills"))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CLOSED and payment.closed_at is not None
    published_bill.refresh_from_db()
    assert published_bill.status == bill_status
    # Closed at the provider too, so it cannot be paid there any more (UnionPay has no close:
    # its order expires on its own, and money that still came would settle the payment).
    if gateway.method == "wechat":
        assert gateway.standin.trades[payment.number]["trade_state"] == "CLOSED"
    elif gateway.method == "alipay":
        assert gateway.standin.trades[payment.number]["status"] == "TRADE_CLOSED"


@pytest.mark.req("BIL-3")
@pytest.mark.django_db
@pytest.mark.parametrize("gateway", METHODS, indirect=True)
def test_cancelling_a_payment_that_was_paid_settles_it(gateway, published_bill, resident):
    """Paid at the provider, the notification lost: 取消 finds the money and settles instead."""
    client = logged_in(resident)
    payment = start(client, published_bill, gateway)
    gateway.pay(payment)
    response = client.post(reverse("billing:payment_cancel", args=[payment.number]))
    assert response["Location"] == reverse("billing:payment", args=[payment.number])
    assert_settled(payment, published_bill, published_bill.amount)


@pytest.mark.req("BIL-3")
@pytest.mark.django_db
@pytest.mark.parametrize("gateway", ["wechat"], indirect=True)
def test_the_same_bills_from_another_kind_of_browser_get_their_own_order(
    gateway, published_bill, resident
):
    """An order cannot change its channel at WeChat Pay (H5 on a phone, a QR code on a
    desktop): the same bills started from the desktop after the phone get a new payment."""
    client = logged_in(resident)
    phone = start(client, published_bill, gateway, "mobile")
    desktop = start(client, published_bill, gateway, "desktop")
    assert (phone.channel, desktop.channel) == ("h5", "native")
    assert phone != desktop

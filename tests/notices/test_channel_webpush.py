"""Web Push through pywebpush against a local push service that decrypts what it receives
(http_ece, as a browser would), the subscription views, /sw.js and the manifest (NOT-2)."""

import base64
import json
import os
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse

from notices import delivery as spine
from notices.channels import DeliveryError
from notices.channels.webpush import WebPushBackend
from notices.models import Delivery, Message, PushSubscription

pytestmark = [pytest.mark.django_db, pytest.mark.req("NOT-2")]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_bytes(key) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


class PushService:
    """A push service on 127.0.0.1 that answers `status` and keeps what it was sent."""

    def __init__(self):
        self.status = 201
        self.location = ""
        self.received: list[dict] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                service.received.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                    }
                )
                self.send_response(service.status)
                if service.location:
                    self.send_header("Location", service.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def push_service(settings):
    """The stand-in, added to the allowed push services (as an operator adds one)."""
    service = PushService()
    settings.WEBPUSH_ALLOWED_SERVICES = [*settings.WEBPUSH_ALLOWED_SERVICES, service.origin]
    yield service
    service.close()


@pytest.fixture
def vapid(settings):
    key = ec.generate_private_key(ec.SECP256R1())
    settings.WEBPUSH_VAPID_PRIVATE_KEY = b64(
        key.private_numbers().private_value.to_bytes(32, "big")
    )
    settings.WEBPUSH_VAPID_PUBLIC_KEY = b64(public_bytes(key))
    settings.WEBPUSH_VAPID_SUBJECT = "mailto:ops@linli.example"
    settings.WEBPUSH_TTL_SECONDS = 3600
    settings.NOTIFY_BACKENDS = {
        **settings.NOTIFY_BACKENDS,
        "webpush": "notices.channels.webpush.WebPushBackend",
    }
    return settings


class Browser:
    """The browser's side of a subscription: its own key pair and auth secret."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    def subscribe(self, user, endpoint: str) -> PushSubscription:
        return PushSubscription.objects.create(
            user=user, endpoint=endpoint, p256dh=b64(public_bytes(self.key)), auth=b64(self.auth)
        )

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


def make_delivery(user, *, importance="normal", title="明日停水", url="/notices/1/"):
    message = Message.objects.create(
        recipient=user,
        event="notice.published",
        category="notices",
        importance=importance,
        title=title,
        body="3号楼明天 9:00–17:00 停水。",
        url=url,
    )
    return Delivery.objects.create(message=message, channel="webpush")


def jwt_claims(token: str) -> dict:
    return json.loads(unb64(token.split(".")[1]))


def test_push_is_encrypted_signed_and_marked(resident, push_service, vapid):
    browser = Browser()
    subscription = browser.subscribe(resident, f"{push_service.origin}/push/abc")
    delivery = make_delivery(resident, importance="urgent")

    assert spine.deliver_one(delivery.pk) == "sent"

    [request] = push_service.received
    assert request["path"] == "/push/abc"
    payload = browser.decrypt(request["body"])
    assert payload["title"] == "明日停水"
    assert payload["url"] == "/notices/1/"
    assert payload["body"].startswith("3号楼")
    assert payload["tag"] == f"m{delivery.message_id}"
    headers = request["headers"]
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["ttl"] == "3600"
    assert headers["topic"] == f"d{delivery.pk}"
    assert headers["urgency"] == "high"
    match = re.fullmatch(r"vapid t=([\w.-]+), ?k=([\w-]+)", headers["authorization"])
    assert match, headers["authorization"]
    assert match.group(2) == vapid.WEBPUSH_VAPID_PUBLIC_KEY
    claims = jwt_claims(match.group(1))
    assert claims["aud"] == push_service.origin
    assert claims["sub"] == "mailto:ops@linli.example"

    subscription.refresh_from_db()
    assert subscription.last_success_at is not None
    assert Delivery.objects.get(pk=delivery.pk).status == "sent"


def test_every_device_gets_it_and_normal_is_not_urgent(resident, push_service, vapid):
    phone, laptop = Browser(), Browser()
    phone.subscribe(resident, f"{push_service.origin}/push/phone")
    laptop.subscribe(resident, f"{push_service.origin}/push/laptop")

    WebPushBackend().send(make_delivery(resident))

    assert sorted(r["path"] for r in push_service.received) == ["/push/laptop", "/push/phone"]
    by_path = {r["path"]: r for r in push_service.received}
    assert phone.decrypt(by_path["/push/phone"]["body"])["title"] == "明日停水"
    assert laptop.decrypt(by_path["/push/laptop"]["body"])["title"] == "明日停水"
    assert {r["headers"]["urgency"] for r in push_service.received} == {"normal"}


def test_gone_subscription_is_deleted_and_delivery_fails_for_good(resident, push_service, vapid):
    Browser().subscribe(resident, f"{push_service.origin}/push/old")
    delivery = make_delivery(resident)
    push_service.status = 410

    assert spine.deliver_one(delivery.pk) == "failed"

    assert not PushSubscription.objects.filter(user=resident).exists()
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "410" in delivery.last_error


def test_one_gone_device_does_not_fail_the_others(resident, push_service, vapid):
    Browser().subscribe(resident, f"{push_service.origin}/push/a")
    delivery = make_delivery(resident)
    push_service.status = 404
    with pytest.raises(DeliveryError) as error:
        WebPushBackend().send(delivery)
    assert error.value.permanent
    assert PushSubscription.objects.filter(user=resident).count() == 0


def test_server_error_is_retried(resident, push_service, vapid):
    subscription = Browser().subscribe(resident, f"{push_service.origin}/push/abc")
    delivery = make_delivery(resident)
    push_service.status = 500

    with pytest.raises(DeliveryError) as error:
        WebPushBackend().send(delivery)
    assert not error.value.permanent and "500" in error.value.reason

    assert spine.deliver_one(delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert delivery.status == "queued" and delivery.next_attempt_at is not None
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()


def test_nobody_subscribed_fails_for_good(resident, vapid):
    with pytest.raises(DeliveryError) as error:
        WebPushBackend().send(make_delivery(resident))
    assert error.value.permanent


# --- Subscribing -------------------------------------------------------------------------


def post_json(client, name, data):
    body = data if isinstance(data, str) else json.dumps(data)
    return client.post(
        reverse(name), body, content_type="application/json", HTTP_USER_AGENT="Firefox/130"
    )


SUBSCRIPTION = {
    "endpoint": "https://updates.push.services.mozilla.com/wpush/v2/abc",
    "keys": {"p256dh": "BNc-key", "auth": "auth-secret"},
}


def test_subscribe_requires_login(client):
    response = post_json(client, "notices:push_subscribe", SUBSCRIPTION)
    assert response.status_code == 401
    assert not PushSubscription.objects.exists()


def test_subscribe_creates_then_updates(client, resident, family_member):
    client.force_login(resident)
    response = post_json(client, "notices:push_subscribe", SUBSCRIPTION)
    assert response.status_code == 201
    subscription = PushSubscription.objects.get()
    assert (subscription.user, subscription.p256dh, subscription.auth) == (
        resident,
        "BNc-key",
        "auth-secret",
    )
    assert subscription.user_agent == "Firefox/130"

    # The same browser, now signed in as someone else, with new keys: one row, moved over.
    client.force_login(family_member)
    changed = {**SUBSCRIPTION, "keys": {"p256dh": "new", "auth": "new-auth"}}
    assert post_json(client, "notices:push_subscribe", changed).status_code == 200
    subscription = PushSubscription.objects.get()
    assert subscription.user == family_member and subscription.p256dh == "new"


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2]",
        {"keys": SUBSCRIPTION["keys"]},
        {**SUBSCRIPTION, "endpoint": "http://push.example/abc"},
        {**SUBSCRIPTION, "endpoint": "javascript:alert(1)"},
        {"endpoint": SUBSCRIPTION["endpoint"]},
        {**SUBSCRIPTION, "keys": {"p256dh": "k"}},
        {**SUBSCRIPTION, "keys": {"p256dh": "", "auth": "a"}},
        {**SUBSCRIPTION, "padding": "x" * 5000},  # more than a subscription: not read
    ],
)
def test_subscribe_rejects_bad_requests(client, resident, body):
    client.force_login(resident)
    response = post_json(client, "notices:push_subscribe", body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert re.search(r"[\u4e00-\u9fff]", error)  # in Chinese
    assert not PushSubscription.objects.exists()


def test_subscribe_get_gives_public_key(client, resident, vapid):
    client.force_login(resident)
    response = client.get(reverse("notices:push_subscribe"))
    assert response.json() == {"publicKey": vapid.WEBPUSH_VAPID_PUBLIC_KEY}


def test_unsubscribe_removes_only_ones_own(client, resident, family_member):
    mine = PushSubscription.objects.create(
        user=resident, endpoint="https://push.example/mine", p256dh="k", auth="a"
    )
    theirs = PushSubscription.objects.create(
        user=family_member, endpoint="https://push.example/theirs", p256dh="k", auth="a"
    )
    client.force_login(resident)

    response = post_json(client, "notices:push_unsubscribe", {"endpoint": theirs.endpoint})
    assert response.status_code == 200 and response.json()["deleted"] is False
    assert PushSubscription.objects.filter(pk=theirs.pk).exists()

    response = post_json(client, "notices:push_unsubscribe", {"endpoint": mine.endpoint})
    assert response.json()["deleted"] is True
    assert not PushSubscription.objects.filter(pk=mine.pk).exists()

    assert post_json(client, "notices:push_unsubscribe", "nope").status_code == 400


def test_unsubscribe_requires_login_and_post(client, resident):
    assert post_json(client, "notices:push_unsubscribe", {"endpoint": "x"}).status_code == 401
    client.force_login(resident)
    assert client.get(reverse("notices:push_unsubscribe")).status_code == 405


# --- Service worker and manifest ---------------------------------------------------------


def test_service_worker_is_served_at_the_root(client):
    assert reverse("notices:service_worker") == "/sw.js"
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    script = response.content.decode()
    assert 'addEventListener("push"' in script
    assert 'addEventListener("notificationclick"' in script
    assert "showNotification" in script and "openWindow" in script


def test_manifest(client):
    assert reverse("notices:manifest") == "/manifest.webmanifest"
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["name"] == "邻里"
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0b785c"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert icon["src"].endswith(".png")


def test_resident_pages_link_the_manifest(client, resident):
    client.force_login(resident)
    response = client.get(reverse("notices:inbox"))
    assert b'rel="manifest" href="/manifest.webmanifest"' in response.content


# --- Only the known push services (issue 14, finding 1) ------------------------------------------


class SilentService:
    """Accepts connections (the kernel's backlog) and never answers: a push service that hangs."""

    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.origin = f"http://127.0.0.1:{self.socket.getsockname()[1]}"

    def close(self):
        self.socket.close()


@pytest.fixture
def internal_service():
    """A service inside the network that is NOT an allowed push service."""
    service = PushService()
    yield service
    service.close()


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/abc",
        "https://updates.push.services.mozilla.com/wpush/v2/abc",
        "https://web.push.apple.com/QGx",
        "https://wns2-par02p.notify.windows.com/w/?token=abc",
    ],
)
def test_subscribe_accepts_the_known_push_services(client, resident, endpoint):
    client.force_login(resident)
    response = post_json(client, "notices:push_subscribe", {**SUBSCRIPTION, "endpoint": endpoint})
    assert response.status_code == 201
    assert PushSubscription.objects.get().endpoint == endpoint


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://internal.example/push",
        "https://10.0.0.8/push",
        "https://169.254.169.254/latest/meta-data/",
        "https://localhost/push",
        "https://fcm.googleapis.com.attacker.example/push",
        "https://attacker.example/fcm.googleapis.com/push",
        "https://fcm.googleapis.com@10.0.0.8/push",
        "https://fcm.googleapis.com:8443/fcm/send/abc",
        "http://fcm.googleapis.com/fcm/send/abc",
        "https://push.apple.com.attacker.example/x",
        "https://notify.windows.com.evil/x",
    ],
)
def test_subscribe_refuses_endpoints_outside_the_push_services(client, resident, endpoint):
    client.force_login(resident)
    response = post_json(client, "notices:push_subscribe", {**SUBSCRIPTION, "endpoint": endpoint})
    assert response.status_code == 400
    assert response.json()["error"] == "不支持这个推送服务：请使用浏览器自带的推送。"
    assert not PushSubscription.objects.exists()


def test_the_allowed_services_are_a_setting(client, resident, settings):
    settings.WEBPUSH_ALLOWED_SERVICES = ["https://push.example.net", "https://*.push.example.org"]
    client.force_login(resident)
    for endpoint, status in [
        ("https://push.example.net/a", 201),
        ("https://eu.push.example.org/b", 201),
        ("https://fcm.googleapis.com/fcm/send/abc", 400),
    ]:
        body = {**SUBSCRIPTION, "endpoint": endpoint}
        assert post_json(client, "notices:push_subscribe", body).status_code == status


def test_an_account_keeps_at_most_five_subscriptions_the_oldest_goes(client, resident):
    client.force_login(resident)
    endpoints = [f"https://fcm.googleapis.com/fcm/send/device{n}" for n in range(7)]
    for endpoint in endpoints:
        body = {**SUBSCRIPTION, "endpoint": endpoint}
        assert post_json(client, "notices:push_subscribe", body).status_code == 201
    kept = list(PushSubscription.objects.filter(user=resident).values_list("endpoint", flat=True))
    assert sorted(kept) == sorted(endpoints[2:])
    # Telling the server again about a device it has (push.js does on every page) evicts none.
    body = {**SUBSCRIPTION, "endpoint": endpoints[3]}
    assert post_json(client, "notices:push_subscribe", body).status_code == 200
    assert PushSubscription.objects.filter(user=resident).count() == 5


def test_the_worker_refuses_a_stored_endpoint_outside_the_push_services(
    resident, push_service, internal_service, vapid
):
    # Stored before the check existed (or written around it): never contacted.
    Browser().subscribe(resident, f"{internal_service.origin}/admin/flush")
    with pytest.raises(DeliveryError) as error:
        WebPushBackend().send(make_delivery(resident))
    assert internal_service.received == []
    assert error.value.permanent and "not an allowed push service" in error.value.reason

    # Beside an allowed one, only the allowed one is sent to.
    Browser().subscribe(resident, f"{push_service.origin}/push/ok")
    WebPushBackend().send(make_delivery(resident))
    assert [r["path"] for r in push_service.received] == ["/push/ok"]
    assert internal_service.received == []


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_never_followed(resident, push_service, internal_service, vapid, status):
    push_service.status = status
    push_service.location = f"{internal_service.origin}/internal"
    Browser().subscribe(resident, f"{push_service.origin}/push/abc")
    with pytest.raises(DeliveryError) as error:
        WebPushBackend().send(make_delivery(resident))
    assert len(push_service.received) == 1
    assert internal_service.received == []
    assert str(status) in error.value.reason


def test_push_services_that_never_answer_hold_the_worker_for_a_bounded_time(
    resident, vapid, settings
):
    silent = SilentService()
    try:
        settings.WEBPUSH_ALLOWED_SERVICES = [silent.origin]
        settings.WEBPUSH_CONNECT_TIMEOUT_SECONDS = 1.0
        settings.WEBPUSH_TIMEOUT_SECONDS = 1.0
        settings.WEBPUSH_SEND_BUDGET_SECONDS = 1.5
        for n in range(4):
            Browser().subscribe(resident, f"{silent.origin}/push/{n}")
        started = time.monotonic()
        with pytest.raises(DeliveryError) as error:
            WebPushBackend().send(make_delivery(resident))
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    # Four silent services at 1 s each would be 4 s; the budget stops it after about 1.5 s.
    assert elapsed < 3.0, elapsed
    assert not error.value.permanent  # tried again later, with back-off

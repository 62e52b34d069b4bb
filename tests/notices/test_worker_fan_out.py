"""A real Celery worker fans a notice out and sends its Web Push deliveries to a local push
service; the worker is killed (SIGKILL) in the middle and started again. Every resident gets
exactly one inbox message, every delivery ends sent, and the push service shows each message
to its device once: the only delivery that can reach it twice is the one in flight at the
kill, and that one carries the same Topic, which a push service collapses (NOT-2).

Runs on the configured broker: Redis in CI's second pass, the filesystem transport on a bare
machine. The worker uses the test database."""

import base64
import os
import signal
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from celery import current_app
from celery.app.task import Task
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone

from accounts.models import Residency, Room, User
from notices import delivery, services
from notices.models import Delivery, Message, Notice, PushSubscription
from notices.tasks import deliver_task, notice_fan_out_task
from tests.factories import BuildingFactory, CommunityFactory
from tests.processes import wait_for
from tests.test_celery_worker import start, stop

pytestmark = [
    pytest.mark.xdist_group("celery-worker"),  # real workers share the broker
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.req("NOT-2"),
]

RESIDENTS = 300


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_bytes(key) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


class SlowPushService:
    """Accepts every push after a short pause (so that a kill can land mid-request) and keeps
    the Topic of each, in the order received."""

    def __init__(self):
        self.topics: list[str] = []
        self.lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(0.01)
                with service.lock:
                    service.topics.append(self.headers.get("Topic", ""))
                self.send_response(201)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self) -> int:
        with self.lock:
            return len(self.topics)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def push_service():
    service = SlowPushService()
    yield service
    service.close()


@pytest.fixture
def estate(push_service):
    """RESIDENTS verified residents of one building, each with a browser subscription."""
    building = BuildingFactory(community=CommunityFactory())
    browser_key = ec.generate_private_key(ec.SECP256R1())
    auth = b64(os.urandom(16))
    users = User.objects.bulk_create(
        [User(mobile=f"1370000{n:04d}", display_name=f"住户{n}") for n in range(RESIDENTS)]
    )
    users = list(User.objects.filter(mobile__startswith="1370000").order_by("pk"))
    rooms = Room.objects.bulk_create(
        [Room(building=building, number=f"{n:04d}", floor=1 + n // 10) for n in range(RESIDENTS)]
    )
    rooms = list(Room.objects.filter(building=building).order_by("pk"))
    Residency.objects.bulk_create(
        [
            Residency(
                user=u, room=r, relation="owner", status="verified", verified_at=timezone.now()
            )
            for u, r in zip(users, rooms, strict=True)
        ]
    )
    PushSubscription.objects.bulk_create(
        [
            PushSubscription(
                user=u,
                endpoint=f"{push_service.origin}/push/{u.pk}",
                p256dh=b64(public_bytes(browser_key)),
                auth=auth,
            )
            for u in users
        ]
    )
    return building.community


def worker_env(queue: str, push_service_origin: str) -> dict:
    vapid = ec.generate_private_key(ec.SECP256R1())
    return {
        "NOTIFY_QUEUE": queue,
        "NOTIFY_WEBPUSH_BACKEND": "notices.channels.webpush.WebPushBackend",
        "WEBPUSH_VAPID_PRIVATE_KEY": b64(vapid.private_numbers().private_value.to_bytes(32, "big")),
        "WEBPUSH_VAPID_PUBLIC_KEY": b64(public_bytes(vapid)),
        # The local stand-in is the only push service this worker may send to.
        "WEBPUSH_ALLOWED_SERVICES": push_service_origin,
    }


def start_worker(queue: str, env: dict):
    return start(
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
        "-Q",
        queue,
        f"--hostname={queue}@%h",
        "--without-gossip",
        "--without-mingle",
        env=env,
    )


def forget_routes() -> None:
    """Celery builds its router once, on the first apply_async of the process: drop it so
    that the routes just set are the ones used."""
    current_app.amqp._rtable = None
    current_app.amqp.__dict__.pop("router", None)


def test_killing_the_worker_mid_fan_out_delivers_each_message_once(
    estate, push_service, settings, monkeypatch
):
    queue = f"test-{os.urandom(5).hex()}"
    env = worker_env(queue, push_service.origin)
    # This test queues to its real worker: undo the in-process running of tests/conftest.py.
    for task in (deliver_task, notice_fan_out_task):
        monkeypatch.setattr(task.__class__, "apply_async", Task.apply_async)
    routes = current_app.conf.task_routes
    current_app.conf.task_routes = {"notices.tasks.*": {"queue": queue}}
    forget_routes()
    settings.NOTIFY_SENDING_LEASE_SECONDS = 1
    settings.NOTIFY_REDISPATCH_SECONDS = 1
    settings.NOTIFY_FAN_OUT_RETRY_SECONDS = 0

    worker = start_worker(queue, env)
    try:
        notice = Notice(community=estate, title="全楼停水", body="<p>明日停水</p>")
        services.notice_save(notice=notice, actor=None, buildings=[], publish="now")
        wait_for(lambda: push_service.count() >= RESIDENTS // 4, 90, "the first pushes")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        killed_at = push_service.count()
        assert killed_at < RESIDENTS, "the worker finished before it was killed"

        worker = start_worker(queue, env)
        time.sleep(1.2)  # past the lease of a send that died with the worker

        def all_sent() -> bool:
            # What beat's sweep does every minute, more often here.
            services.notices_finish_fan_out()
            delivery.sweep()
            return Delivery.objects.filter(status="sent").count() == RESIDENTS

        wait_for(all_sent, 120, "every delivery to be sent")
    finally:
        current_app.conf.task_routes = routes
        forget_routes()
        print(stop(worker)[-3000:])

    assert Message.objects.filter(event="notice.published").count() == RESIDENTS
    assert Delivery.objects.count() == RESIDENTS
    deliveries = {f"d{pk}" for pk in Delivery.objects.values_list("pk", flat=True)}
    received = Counter(push_service.topics)
    assert set(received) == deliveries, "every delivery reached the push service"
    twice = [topic for topic, n in received.items() if n > 1]
    assert len(twice) <= 1, f"only the push in flight at the kill may repeat: {twice}"
    print(f"killed after {killed_at} of {RESIDENTS} pushes; resent in flight: {twice}")

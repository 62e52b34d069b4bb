"""Faults injected into a bill run's fan-out (issue 14, finding 15), on a Redis of the test's
own and real Celery workers using the test database; everything counted in the database.

- Redis is down while the run is published: publishing succeeds, nobody is told yet and the
  run page says so; Redis comes back, the sweep runs, and every resident has exactly one
  message and one push.
- The worker is killed (SIGKILL) in the middle of the fan-out: after a restart and the sweep,
  every resident has exactly one message and one push.
"""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from celery.app.task import Task
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from kombu import pools

from accounts.models import Residency, Room, User
from billing import services
from billing.models import BillRun
from billing.tasks import notify_run_published_task
from config.celery import app
from notices.models import Delivery, FanOut, Message, PushSubscription
from notices.tasks import deliver_task, fan_out_task, sweep_task
from tests.factories import BuildingFactory, fee_rule
from tests.notices.conftest import _no_quiet_hours  # noqa: F401  (the worker's clock is not pinned: pushes must not wait for the morning)
from tests.processes import RedisServer, database_url_of, wait_for
from tests.test_celery_worker import stop

pytestmark = [
    pytest.mark.xdist_group("celery-worker"),  # real workers share one pytest-xdist process
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parent.parent
RESIDENTS = 40


@pytest.fixture
def redis():
    server = RedisServer()
    yield server
    server.stop()


def _reset_broker_pools() -> None:
    """Forget the connections to the broker this process had: kombu keeps its pools in a
    registry of its own, so they are closed and cleared there, not only dropped here."""
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(redis, monkeypatch):
    """This process hands its tasks to `redis` (running or not), for real: the in-process
    running of tests/conftest.py is undone for the spine's tasks."""
    for task in (deliver_task, fan_out_task, notify_run_published_task):
        monkeypatch.setattr(task.__class__, "apply_async", Task.apply_async)
    saved = (app.conf.broker_url, app.conf.broker_transport_options)
    app.conf.broker_url = redis.url
    app.conf.broker_transport_options = {}
    _reset_broker_pools()
    yield redis
    app.conf.broker_url, app.conf.broker_transport_options = saved
    _reset_broker_pools()


def start_worker(redis: RedisServer, *, app_module: str = "config", env: dict | None = None):
    """A real worker on `redis` and the test database (`app_module`: tests.fault_worker for
    one with small, slow chunks)."""
    environment = {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url_of(connection),
        "REDIS_URL": redis.url,
        **(env or {}),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", app_module, "worker", "--pool=solo",
         "--loglevel=INFO", "--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env={**os.environ, **environment},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip


@pytest.fixture
def estate(community, manager):
    """RESIDENTS rooms of one building, a verified owner with a browser subscription in each,
    and a published-to-be run of their property bills."""
    building = BuildingFactory(community=community, name="9栋")
    User.objects.bulk_create(
        [User(mobile=f"1371111{n:04d}", display_name=f"住户{n}") for n in range(RESIDENTS)]
    )
    users = list(User.objects.filter(mobile__startswith="1371111").order_by("pk"))
    Room.objects.bulk_create(
        [Room(building=building, number=f"{n + 1:02d}01", floor=n + 1, area="88.00")
         for n in range(RESIDENTS)]
    )  # fmt: skip
    rooms = list(Room.objects.filter(building=building).order_by("pk"))
    now = timezone.now()
    Residency.objects.bulk_create(
        [Residency(user=u, room=r, relation="owner", status="verified", verified_at=now)
         for u, r in zip(users, rooms, strict=True)]
    )  # fmt: skip
    PushSubscription.objects.bulk_create(
        [PushSubscription(user=u, endpoint=f"https://push.example.com/{u.pk}", p256dh="k", auth="a")
         for u in users]
    )  # fmt: skip
    rule = fee_rule(community, name="物业服务费")
    run = services.run_create(
        community=community, fee_rules=[rule], month=dt.date(2025, 5, 1), actor=manager
    )
    return run, users


def per_resident(run) -> tuple[Counter, Counter]:
    """Inbox messages and sent pushes of the run's `bill.published`, per person."""
    messages = Counter(
        Message.objects.filter(event="bill.published", object_id=str(run.pk)).values_list(
            "recipient_id", flat=True
        )
    )
    pushes = Counter(
        Delivery.objects.filter(
            message__event="bill.published", message__object_id=str(run.pk), status="sent"
        ).values_list("message__recipient_id", flat=True)
    )
    return messages, pushes


def everyone_told(run, users) -> bool:
    _messages, pushes = per_resident(run)
    return (
        sum(pushes.values()) >= len(users)
        and FanOut.objects.filter(finished_at__isnull=False).exists()
    )


def test_a_run_published_while_redis_is_down_reaches_everyone_once_when_it_is_back(
    client_for, cashier, estate, broker
):
    run, users = estate
    client = client_for(cashier)
    # Redis is down: publishing still succeeds, and the page does not claim any delivery.
    response = client.post(reverse("billing_staff:run_publish", args=[run.pk]))
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert f"正在通知住户（已通知0 / {RESIDENTS}）" in page.content.decode()
    run.refresh_from_db()
    assert run.status == BillRun.Status.PUBLISHED
    assert not Message.objects.filter(event="bill.published").exists()

    broker.start()
    worker = start_worker(broker)
    try:
        sweep_task.apply_async()  # what beat does every minute
        wait_for(lambda: everyone_told(run, users), 120, "every resident to be told")
        sweep_task.apply_async()  # and once more: nothing new
        time.sleep(3)
    finally:
        output = stop(worker)
    messages, pushes = per_resident(run)
    assert messages == {u.pk: 1 for u in users}, output[-3000:]
    assert pushes == {u.pk: 1 for u in users}, output[-3000:]
    assert "已通知" in client.get(response["Location"]).content.decode()


def test_a_worker_killed_in_the_middle_of_the_fan_out_leaves_everyone_told_once(
    estate, broker, manager, tmp_path
):
    run, users = estate
    broker.start()
    cue = tmp_path / "second-chunk"
    slow = {"FAULT_CHUNK": "4", "FAULT_CHUNK_SECONDS": "1", "FAULT_MARKER": str(cue)}
    worker = start_worker(broker, app_module="tests.fault_worker", env=slow)
    try:
        services.run_publish(run=run, actor=manager)  # kicked to the worker after commit

        def told() -> int:
            return Message.objects.filter(event="bill.published").count()

        wait_for(cue.exists, 120, "the fan-out to reach its second chunk")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        killed_at = told()
        assert killed_at < RESIDENTS, "the worker was not killed in the middle"
        assert FanOut.objects.get().finished_at is None

        # Started again, and the sweep (beat) finds the unfinished fan-out.
        worker = start_worker(broker, env={"NOTIFY_FAN_OUT_RETRY_SECONDS": "0"})
        sweep_task.apply_async()
        wait_for(lambda: everyone_told(run, users), 120, "every resident to be told")
        sweep_task.apply_async()
        time.sleep(3)
    finally:
        output = stop(worker)
    messages, pushes = per_resident(run)
    assert messages == {u.pk: 1 for u in users}, output[-3000:]
    assert pushes == {u.pk: 1 for u in users}, output[-3000:]
    print(f"killed after {killed_at} of {RESIDENTS} messages")

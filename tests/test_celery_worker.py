"""A real Celery worker (and beat) process on the configured broker: Redis in CI, the
filesystem transport on a bare machine. The worker uses the test database."""

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from kit.models import WorkerHeartbeat
from kit.tasks import echo
from tests.processes import database_url_of

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    # Real workers share the broker: with pytest-xdist they all run in one process.
    pytest.mark.xdist_group("celery-worker"),
]


def start(*args: str, env: dict | None = None) -> subprocess.Popen:
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url_of(connection),
        **(env or {}),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


@pytest.fixture
def queue():
    return f"test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def worker(queue):
    process = start(
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
        "-Q",
        queue,
        f"--hostname={queue}@%h",
        "--without-gossip",
        "--without-mingle",
    )
    yield process
    output = stop(process)
    print(output[-3000:])


def test_a_real_worker_runs_a_task(worker, queue):
    result = echo.apply_async(("你好，邻里",), queue=queue)
    reply = result.get(timeout=60)
    assert reply["echo"] == "你好，邻里"
    assert WorkerHeartbeat.objects.filter(name=reply["worker"]).exists()


def test_beat_schedules_from_the_database_and_the_worker_runs_it(worker, queue):
    every_second, _ = IntervalSchedule.objects.get_or_create(
        every=1, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.filter(task="kit.tasks.record_heartbeat").update(enabled=False)
    # A name only this periodic task writes: the worker's own start-up heartbeat cannot pass.
    marker = f"beat-{queue}"
    PeriodicTask.objects.create(
        name=f"heartbeat {queue}",
        interval=every_second,
        queue=queue,
        task="kit.tasks.record_heartbeat",
        kwargs=json.dumps({"name": marker}),
    )
    beat = start("beat", "--loglevel=INFO", "--max-interval=1")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not WorkerHeartbeat.objects.filter(name=marker):
            time.sleep(0.5)
    finally:
        output = stop(beat)
    assert WorkerHeartbeat.objects.filter(name=marker).exists(), output[-3000:]
    assert "DatabaseScheduler" in output

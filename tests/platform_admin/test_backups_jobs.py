"""Backups (PSET-2): retention, alerts for failed and missed backups, the S3-compatible
destination against a real S3 endpoint on localhost (moto's server), the encryption, and the
database password kept out of pg_dump's command line."""

import datetime as dt
import io
import os
import subprocess
from types import SimpleNamespace

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

from notices.models import Message
from platform_admin.backups import crypto, databases, services
from platform_admin.backups.destinations import S3Destination, destination_from_url
from platform_admin.backups.models import BackupRun
from tests.test_settings import production_env, run_django

pytestmark = pytest.mark.req("PSET-2")


@pytest.fixture
def stores(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.LINLI_BACKUP_DESTINATION = str(tmp_path / "backups")
    settings.LINLI_BACKUP_WORK_DIR = str(tmp_path / "work")
    return tmp_path


# --- Retention -----------------------------------------------------------------------------------


def test_retention_keeps_the_newest_of_each_day_week_and_month():
    start = dt.datetime(2027, 3, 31, 14, 30, tzinfo=dt.UTC)  # 22:30 in Shanghai
    # Two backups a day for 400 days, newest first.
    runs = [
        SimpleNamespace(pk=n, started_at=start - dt.timedelta(hours=12 * n)) for n in range(800)
    ]
    keep = services.runs_to_keep(runs, daily=7, weekly=4, monthly=12)
    kept = [run for run in runs if run.pk in keep]
    days = {timezone.localtime(run.started_at).date() for run in kept}
    assert runs[0].pk in keep and runs[1].pk not in keep  # the newer of the same day
    assert len(kept) <= 7 + 4 + 12
    assert len({(d.year, d.month) for d in days}) == 12
    assert min(days) >= dt.date(2026, 4, 1)


@pytest.mark.django_db(transaction=True)
def test_prune_removes_archives_beyond_the_policy(stores, settings):
    settings.LINLI_BACKUP_KEEP_DAILY = 1
    settings.LINLI_BACKUP_KEEP_WEEKLY = 0
    settings.LINLI_BACKUP_KEEP_MONTHLY = 0
    first = services.backup_execute(BackupRun.objects.create().pk)
    second = services.backup_execute(BackupRun.objects.create().pk)
    first.refresh_from_db()
    assert second.status == BackupRun.Status.SUCCEEDED
    assert first.pruned_at is not None and not (stores / "backups" / first.key).exists()
    assert second.pruned_at is None and (stores / "backups" / second.key).exists()


# --- Alerts --------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_backup_without_a_key_fails_and_alerts_the_operators(stores, settings, operator):
    settings.LINLI_BACKUP_KEY = ""
    run = services.backup_execute(BackupRun.objects.create().pk)
    assert run.status == BackupRun.Status.FAILED
    assert "LINLI_BACKUP_KEY" in run.error
    message = Message.objects.get(event="backup.failed", recipient=operator)
    assert f"#{run.pk}" in message.title and "备份" in message.title
    assert (
        not list((stores / "backups").rglob("*.linlibak"))
        if (stores / "backups").exists()
        else True
    )


def test_production_refuses_to_start_without_a_backup_key(tmp_path):
    environment = production_env(tmp_path)
    del environment["LINLI_BACKUP_KEY"]
    result = run_django(["manage.py", "check"], "config.settings.production", **environment)
    assert result.returncode != 0
    assert "LINLI_BACKUP_KEY" in result.stderr


@pytest.mark.django_db
def test_a_missed_backup_alerts_the_operators_once_a_day(operator):
    # A pinned clock: from 09:00 in Shanghai the alert and its repeat fall on the same local
    # day (from 13:30 on, "10 hours later" would already be tomorrow, with an alert of its own).
    with time_machine.travel(dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC), tick=False):
        _missed_backup_alerts_once(operator)


def _missed_backup_alerts_once(operator):
    now = timezone.now()
    BackupRun.objects.create(
        status=BackupRun.Status.SUCCEEDED, started_at=now - dt.timedelta(hours=20)
    )
    assert services.check_missed(now=now) is False
    later = now + dt.timedelta(hours=10)
    assert services.check_missed(now=later) is True
    assert services.check_missed(now=later + dt.timedelta(minutes=30)) is True
    messages = Message.objects.filter(event="backup.missed", recipient=operator)
    assert messages.count() == 1  # the same day's alert is not repeated
    assert "26" in messages.get().title


@pytest.mark.django_db
def test_a_run_the_worker_lost_is_marked_failed(operator):
    lost = BackupRun.objects.create(status=BackupRun.Status.RUNNING)
    fresh = BackupRun.objects.create(status=BackupRun.Status.QUEUED)
    BackupRun.objects.filter(pk=lost.pk).update(created_at=timezone.now() - dt.timedelta(hours=5))
    services.check_missed()
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.status == BackupRun.Status.FAILED and "worker stopped" in lost.error
    assert fresh.status == BackupRun.Status.QUEUED
    assert Message.objects.filter(event="backup.failed", recipient=operator).count() == 1


@pytest.mark.django_db
def test_no_backup_ever_counts_from_when_the_schedule_was_set_up(operator):
    from django_celery_beat.models import PeriodicTask

    from platform_admin.backups.setup import BACKUP_JOB

    entry = PeriodicTask.objects.get(name=BACKUP_JOB)
    assert services.check_missed(now=entry.date_changed + dt.timedelta(hours=2)) is False
    assert services.check_missed(now=entry.date_changed + dt.timedelta(hours=30)) is True


# --- The S3-compatible destination ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_backups_go_to_s3_compatible_storage_and_verify_from_it(stores, settings, s3_endpoint):
    import boto3

    boto3.client("s3", endpoint_url=s3_endpoint, region_name="cn-north-1").create_bucket(
        Bucket="linli-backups", CreateBucketConfiguration={"LocationConstraint": "cn-north-1"}
    )
    settings.LINLI_BACKUP_DESTINATION = "s3://linli-backups/site-a"
    settings.LINLI_BACKUP_S3_ENDPOINT_URL = s3_endpoint
    settings.LINLI_BACKUP_S3_REGION = "cn-north-1"
    storages["default"].save("poster.png", ContentFile(b"poster"))

    run = services.backup_execute(BackupRun.objects.create().pk)

    assert run.status == BackupRun.Status.SUCCEEDED, run.error
    assert run.destination == "s3://linli-backups/site-a"
    destination = destination_from_url(settings.LINLI_BACKUP_DESTINATION)
    assert isinstance(destination, S3Destination)
    assert destination.keys() == [run.key]
    head = destination.client.head_object(Bucket="linli-backups", Key=f"site-a/{run.key}")
    assert head["ContentLength"] == run.size
    verified = services.verify(run.pk)
    assert verified.verification == BackupRun.Verification.PASSED, verified.verification_result
    destination.delete(run.key)
    assert destination.keys() == []


# --- Encryption ----------------------------------------------------------------------------------


def _sealed(plain: bytes, key: bytes) -> bytes:
    out = io.BytesIO()
    with crypto.EncryptingWriter(out, key) as writer:
        writer.write(plain)
    return out.getvalue()


def _opened(sealed: bytes, key: bytes) -> bytes:
    return io.BufferedReader(crypto.DecryptingReader(io.BytesIO(sealed), key)).read()


def test_archives_decrypt_with_their_key_only(monkeypatch):
    monkeypatch.setattr(crypto, "CHUNK", 1000)  # several chunks
    key, other = crypto.derive_key("one secret"), crypto.derive_key("another secret")
    plain = os.urandom(4500)
    sealed = _sealed(plain, key)
    assert _opened(sealed, key) == plain
    with pytest.raises(crypto.BackupKeyError, match="another key"):
        _opened(sealed, other)
    with pytest.raises(crypto.BackupKeyError, match="cut off"):
        _opened(sealed[:-1100], key)  # the last chunk is gone
    tampered = bytearray(sealed)
    tampered[100] ^= 1
    with pytest.raises(crypto.BackupKeyError, match="damaged"):
        _opened(bytes(tampered), key)
    with pytest.raises(crypto.BackupKeyError, match="not set"):
        crypto.derive_key("")


# --- pg_dump's password --------------------------------------------------------------------------


def test_the_database_password_never_goes_on_the_command_line(monkeypatch, tmp_path):
    """HC小区's mysqldump job had the password in its arguments, visible to every user of the
    machine in `ps`: pg_dump and pg_restore get it through the environment."""
    calls = []

    def run(command, env, **kwargs):
        calls.append((command, env))
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(databases.subprocess, "run", run)
    fake = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "linli",
        "USER": "linli",
        "PASSWORD": "s3cret-password",
        "HOST": "db.internal",
        "PORT": "5432",
    }
    monkeypatch.setattr(databases, "settings_for", lambda alias: fake)

    class Connection:
        def execute(self, sql, *args):
            return SimpleNamespace(fetchone=lambda: ("00000003-1",), __iter__=lambda: iter(()))

        def rollback(self):
            pass

        def close(self):
            pass

    monkeypatch.setattr(databases, "pg_connect", lambda *a, **k: Connection())
    monkeypatch.setattr(databases, "_pg_tables", lambda conn: {})
    databases.dump("default", tmp_path / "x.dump")
    databases.restore("default", databases.POSTGRESQL, tmp_path / "x.dump", into="linli_verify")
    assert [command[0] for command, _env in calls] == ["pg_dump", "pg_restore"]
    for command, env in calls:
        assert not any("s3cret" in part for part in command)
        assert env["PGPASSWORD"] == "s3cret-password" and env["PGHOST"] == "db.internal"
    assert "--snapshot=00000003-1" in calls[0][0]

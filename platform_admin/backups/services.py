"""Backups (PSET-2): taking them, keeping them (retention), verifying them by a scratch restore,
and telling the operators when one failed, did not match or did not happen."""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from contextlib import ExitStack
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import platform_operators
from kit.audit import log_action
from notices.notify import notify

from . import archive, compare, crypto, databases
from .destinations import Destination, configured_destination
from .models import BackupRun

logger = logging.getLogger(__name__)


class BackupError(Exception):
    pass


# --- Taking a backup -----------------------------------------------------------------------------


@transaction.atomic
def backup_request(*, actor, request=None) -> BackupRun:
    """An operator's "back up now": queued for the worker, audited."""
    from .tasks import backup_task

    run = BackupRun.objects.create(kind=BackupRun.Kind.MANUAL, requested_by=actor)
    log_action(actor=actor, action="backup.requested", target=run, request=request)
    transaction.on_commit(lambda: backup_task.delay(run.pk))
    return run


def backup_scheduled() -> BackupRun:
    run = BackupRun.objects.create(kind=BackupRun.Kind.SCHEDULED)
    return backup_execute(run.pk)


def backup_execute(run_id: int, *, destination: Destination | None = None) -> BackupRun:
    """Take the backup of run `run_id`: every database and storage into one encrypted archive
    at the destination, then apply the retention policy. A failure is recorded on the run and
    sent to the operators; nothing half-written stays at the destination."""
    run = BackupRun.objects.get(pk=run_id)
    if run.status != BackupRun.Status.QUEUED:
        return run  # a redelivered task: the run is taken or over
    run.status = BackupRun.Status.RUNNING
    run.started_at = timezone.now()
    run.save(update_fields=["status", "started_at"])
    try:
        key = crypto.configured_key()
        destination = destination or configured_destination()
        run.destination = destination.label
        local = timezone.localtime(run.started_at)
        run.key = f"{local:%Y/%m}/linli-{local:%Y%m%d-%H%M%S}-{run.pk}.linlibak"
        run.key_fingerprint = crypto.fingerprint(key).hex()
        with archive.work_folder() as work:
            target = Path(work) / "archive.linlibak"
            run.manifest = archive.write(target, key, Path(work))
            run.size = target.stat().st_size
            destination.put(target, run.key)
    except Exception as error:
        logger.exception("Backup %s failed", run.pk)
        _fail(run, error)
        return run
    run.status = BackupRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.save()
    log_action(actor=None, action="backup.succeeded", target=run, data={"size": run.size})
    prune(destination)
    return run


def _fail(run: BackupRun, error: BaseException) -> None:
    run.status = BackupRun.Status.FAILED
    run.finished_at = timezone.now()
    run.error = f"{error.__class__.__name__}: {error}"[:4000]
    run.save()
    log_action(actor=None, action="backup.failed", target=run, data={"error": run.error[:500]})
    _alert("backup.failed", run, key=str(run.pk))


def _alert(event: str, run: BackupRun | None, *, key: str, context: dict | None = None) -> None:
    if run is None:
        url = reverse("admin:platform_backups")
    else:
        url = reverse("admin:platform_backups_detail", args=[run.pk])
    with transaction.atomic():
        notify(
            event,
            platform_operators(),
            obj=run,
            key=key,
            context={"run": run, **(context or {})},
            url=url,
        )


# --- Retention -----------------------------------------------------------------------------------


def runs_to_keep(runs: list[BackupRun], *, daily: int, weekly: int, monthly: int) -> set[int]:
    """Grandfather-father-son: the newest backup of each of the last `daily` days, `weekly`
    ISO weeks and `monthly` months that have one. `runs` newest first."""
    keep: set[int] = set()
    periods: dict[str, set] = {"day": set(), "week": set(), "month": set()}
    limits = {"day": daily, "week": weekly, "month": monthly}
    for run in runs:
        day = timezone.localtime(run.started_at).date()
        for kind, period in (
            ("day", day),
            ("week", day.isocalendar()[:2]),
            ("month", (day.year, day.month)),
        ):
            seen = periods[kind]
            if period not in seen and len(seen) < limits[kind]:
                seen.add(period)
                keep.add(run.pk)
    return keep


def prune(destination: Destination, *, now: dt.datetime | None = None) -> list[int]:
    """Remove the archives the retention policy no longer keeps; their records stay."""
    runs = list(
        BackupRun.objects.filter(status=BackupRun.Status.SUCCEEDED, pruned_at=None)
        .exclude(key="")
        .order_by("-started_at", "-pk")
    )
    keep = runs_to_keep(
        runs,
        daily=settings.LINLI_BACKUP_KEEP_DAILY,
        weekly=settings.LINLI_BACKUP_KEEP_WEEKLY,
        monthly=settings.LINLI_BACKUP_KEEP_MONTHLY,
    )
    pruned = []
    for run in runs:
        if run.pk in keep or run.destination != destination.label:
            continue
        destination.delete(run.key)
        run.pruned_at = now or timezone.now()
        run.save(update_fields=["pruned_at"])
        pruned.append(run.pk)
    return pruned


# --- Verification --------------------------------------------------------------------------------


def latest_available() -> BackupRun | None:
    return (
        BackupRun.objects.filter(status=BackupRun.Status.SUCCEEDED, pruned_at=None)
        .order_by("-started_at", "-pk")
        .first()
    )


def verify_latest() -> BackupRun | None:
    run = latest_available()
    return verify(run.pk) if run else None


def verify(run_id: int, *, destination: Destination | None = None) -> BackupRun:
    """Restore the backup into scratch databases (on PostgreSQL `<name>_verify`, on SQLite a
    file), hash its files, and compare both with the manifest. The result goes on the run."""
    run = BackupRun.objects.get(pk=run_id)
    started = time.monotonic()
    try:
        result = _verify_archive(run, destination or configured_destination())
    except Exception as error:
        logger.exception("Verification of backup %s failed", run.pk)
        result = {"ok": False, "error": f"{error.__class__.__name__}: {error}"[:4000]}
        result["trace"] = traceback.format_exc()[-2000:]
    result["seconds"] = round(time.monotonic() - started, 1)
    run.verification = (
        BackupRun.Verification.PASSED if result["ok"] else BackupRun.Verification.FAILED
    )
    run.verification_result = result
    run.verified_at = timezone.now()
    run.save(update_fields=["verification", "verification_result", "verified_at"])
    if not result["ok"]:
        _alert("backup.verification_failed", run, key=f"{run.pk}-{run.verified_at:%Y%m%d%H%M}")
    return run


def _verify_archive(run: BackupRun, destination: Destination) -> dict:
    key = crypto.configured_key()
    tables: dict[str, dict] = {}
    files: dict[str, dict] = {}
    with archive.work_folder() as work, ExitStack() as stack:
        local = Path(work) / "archive.linlibak"
        destination.get(run.key, local)

        def check(member: archive.Member) -> None:
            if member.kind == "file":
                sha256, size = archive.file_hash(member.stream)
                files.setdefault(member.alias, {})[member.name] = {"sha256": sha256, "size": size}
                return
            dumped = Path(work) / f"{member.alias}.restored"
            archive.save_stream(member.stream, dumped)
            tables[member.alias] = _scratch_tables(member.alias, dumped, stack)
            dumped.unlink(missing_ok=True)

        manifest = archive.read(local, key, check)
    result = compare.compare(manifest, tables, files)
    if manifest != run.manifest:
        result["ok"] = False
        result["error"] = "The archive's manifest is not the one recorded for this backup."
    return result


def _scratch_tables(alias: str, dumped: Path, stack: ExitStack) -> dict:
    settings_dict = databases.settings_for(alias)
    engine = databases.engine_of(settings_dict)
    if engine == databases.SQLITE:
        return databases.sqlite_tables(dumped)  # the copy is a database file by itself
    name = stack.enter_context(databases.scratch_postgresql(alias))
    databases.restore(alias, engine, dumped, into=name)
    return databases.postgresql_tables(settings_dict, name)


# --- Missed backups ------------------------------------------------------------------------------


def check_missed(*, now: dt.datetime | None = None) -> bool:
    """Alert the operators (once a day) when no backup succeeded within
    LINLI_BACKUP_MAX_AGE_HOURS: the schedule is off, beat or the worker is down, or every run
    failed. Before the first backup ever, the age counts from the oldest run or, without one,
    from when the schedule was set up."""
    now = now or timezone.now()
    _fail_lost_runs(now)
    limit = dt.timedelta(hours=settings.LINLI_BACKUP_MAX_AGE_HOURS)
    last = latest_succeeded_at() or _schedule_set_up_at()
    if last is None or now - last <= limit:
        return False
    _alert(
        "backup.missed",
        None,
        key=f"{timezone.localtime(now):%Y-%m-%d}",
        context={"last": last, "hours": settings.LINLI_BACKUP_MAX_AGE_HOURS},
    )
    return True


def _fail_lost_runs(now: dt.datetime) -> None:
    """Runs still queued or running long after the task's hard time limit: the worker was
    killed or lost the task. They are marked failed (and alerted) instead of running forever."""
    cutoff = now - dt.timedelta(seconds=settings.LINLI_BACKUP_TIME_LIMIT + 600)
    lost = BackupRun.objects.filter(
        status__in=[BackupRun.Status.QUEUED, BackupRun.Status.RUNNING], created_at__lt=cutoff
    )
    for run in lost:
        _fail(run, RuntimeError("the worker stopped before the backup finished"))


def latest_succeeded_at() -> dt.datetime | None:
    run = (
        BackupRun.objects.filter(status=BackupRun.Status.SUCCEEDED)
        .order_by("-started_at")
        .only("started_at")
        .first()
    )
    return run.started_at if run else None


def _schedule_set_up_at() -> dt.datetime | None:
    from django_celery_beat.models import PeriodicTask

    from .setup import BACKUP_JOB

    first_run = BackupRun.objects.order_by("created_at").only("created_at").first()
    if first_run:
        return first_run.created_at
    entry = PeriodicTask.objects.filter(name=BACKUP_JOB).only("date_changed").first()
    return entry.date_changed if entry else None

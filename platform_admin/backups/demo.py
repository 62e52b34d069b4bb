"""The demo's backups: one real backup of the freshly seeded site, its verification queued for
the worker (as the weekly check would be), so that the operators' page (平台运营 › 数据备份与
恢复) shows a real archive and manifest, and its verification once `make run`'s worker has
restored it (a few seconds; seed_demo does not wait for it)."""

from django.db import transaction

from .models import BackupRun


def seed_backups() -> BackupRun | None:
    from . import services, tasks

    if BackupRun.objects.exists():
        return None
    run = services.backup_execute(BackupRun.objects.create(kind=BackupRun.Kind.MANUAL).pk)
    if run.status == BackupRun.Status.SUCCEEDED:
        transaction.on_commit(tasks.verify_latest_task.delay)
    return run

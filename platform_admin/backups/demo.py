"""The demo's backups: one real backup of the freshly seeded site, verified, so that the
operators' page (平台运营 › 数据备份与恢复) shows a real archive, manifest and verification."""

from .models import BackupRun


def seed_backups() -> BackupRun | None:
    from . import services

    if BackupRun.objects.exists():
        return None
    run = services.backup_execute(BackupRun.objects.create(kind=BackupRun.Kind.MANUAL).pk)
    if run.status == BackupRun.Status.SUCCEEDED:
        run = services.verify(run.pk)
    return run

"""Celery tasks of backups: ids in, one service call. Backups and verifications run far longer
than the default limits (CELERY_TASK_SOFT_TIME_LIMIT), so they set their own."""

from celery import shared_task
from django.conf import settings

LONG = {
    "soft_time_limit": settings.LINLI_BACKUP_TIME_LIMIT,
    "time_limit": settings.LINLI_BACKUP_TIME_LIMIT + 300,
    "ignore_result": True,
    # A run is marked running before its work starts; a redelivered task finds it taken.
    "acks_late": False,
}


@shared_task(name="platform_admin.backups.tasks.backup_task", **LONG)
def backup_task(run_id: int) -> None:
    from . import services

    services.backup_execute(run_id)


@shared_task(name="platform_admin.backups.tasks.scheduled_backup_task", **LONG)
def scheduled_backup_task() -> None:
    from . import services

    services.backup_scheduled()


@shared_task(name="platform_admin.backups.tasks.verify_latest_task", **LONG)
def verify_latest_task() -> None:
    from . import services

    services.verify_latest()


@shared_task(name="platform_admin.backups.tasks.check_missed_task", ignore_result=True)
def check_missed_task() -> bool:
    from . import services

    return services.check_missed()


@shared_task(name="platform_admin.backups.tasks.community_export_task", **LONG)
def community_export_task(export_id: int) -> None:
    from . import export

    export.export_execute(export_id)

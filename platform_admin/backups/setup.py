"""The backups part of platform_admin (PSET-2): what it registers (called from
PlatformAdminConfig.ready): the operators' pages, the audit labels, the events that alert the
operators, and the periodic jobs (backup, verification, the check for a missed backup)."""

from django.utils.translation import gettext_lazy as _

BACKUP_JOB = "平台数据备份"
VERIFY_JOB = "备份恢复校验"
MISSED_JOB = "备份漏做检查"


def register() -> None:
    from kit.audit import register_actions
    from kit.periodic import Crontab, register_periodic_task
    from notices import events
    from notices.models import Importance

    from ..site import OperatorPage, register_page
    from . import admin, views  # noqa: F401  (admin registers the models)

    for page in (
        OperatorPage("platform_backups", "backups/", views.backups, _("Backups and restore"), 20),
        OperatorPage("platform_backups_detail", "backups/<int:pk>/", views.backup_detail,
                     _("Backup"), in_menu=False),
        OperatorPage("platform_backups_start", "backups/start/", views.backup_start,
                     _("Back up now"), in_menu=False),
        OperatorPage("platform_backups_export", "backups/export/", views.community_export,
                     _("Export a community"), in_menu=False),
        OperatorPage("platform_backups_export_download", "backups/exports/<int:pk>/",
                     views.export_download, _("Download a community export"), in_menu=False),
    ):  # fmt: skip
        register_page(page)
    register_actions(
        {
            "backup.requested": _("Backup requested"),
            "backup.succeeded": _("Backup taken"),
            "backup.failed": _("Backup failed"),
            "backup.community_exported": _("Community export requested"),
            "backup.community_export_downloaded": _("Community export downloaded"),
        }
    )
    for event in (
        events.Event("backup.failed", _("Backup failed"), events.Category.ACCOUNT,
                     Importance.URGENT),
        events.Event("backup.verification_failed", _("Backup verification failed"),
                     events.Category.ACCOUNT, Importance.URGENT),
        events.Event("backup.missed", _("No recent backup"), events.Category.ACCOUNT,
                     Importance.URGENT),
    ):  # fmt: skip
        events.register(event)
    register_periodic_task(
        BACKUP_JOB,
        task="platform_admin.backups.tasks.scheduled_backup_task",
        schedule=Crontab(minute="30", hour="2"),
    )
    register_periodic_task(
        VERIFY_JOB,
        task="platform_admin.backups.tasks.verify_latest_task",
        schedule=Crontab(minute="30", hour="4"),
    )
    register_periodic_task(
        MISSED_JOB,
        task="platform_admin.backups.tasks.check_missed_task",
        schedule=Crontab(minute="45", hour="*"),
    )

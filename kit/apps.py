from datetime import timedelta

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class KitConfig(AppConfig):
    name = "kit"
    # The heading of the audit log and the background processes in the admin.
    verbose_name = _("Records")

    def ready(self) -> None:
        from . import pagecache, periodic, uploads
        from .audit import register_actions
        from .heartbeat import HEARTBEAT_TASK

        uploads.register_parameters()
        pagecache.install()
        register_actions(
            {
                "kit.parameter_changed": _("Platform parameter changed"),
                "kit.parameter_cleared": _("Platform parameter reset"),
            }
        )

        periodic.register_periodic_task(
            "后台进程心跳", task=HEARTBEAT_TASK, schedule=timedelta(minutes=1)
        )
        periodic.register_periodic_task(
            "缓存失效补发",
            task="kit.tasks.replay_invalidations_task",
            schedule=timedelta(minutes=1),
        )
        # Once, for every app's registered entries.
        post_migrate.connect(periodic.ensure_periodic_tasks, sender=self)

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PlatformAdminConfig(AppConfig):
    name = "platform_admin"
    verbose_name = _("Platform administration")

    def ready(self) -> None:
        from . import audit, services

        audit.register_actions(
            {
                "platform.settings_changed": _("Platform setting changed"),
            }
        )
        post_migrate.connect(services.ensure_periodic_tasks, sender=self)

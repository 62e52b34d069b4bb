from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformAdminConfig(AppConfig):
    name = "platform_admin"
    verbose_name = _("Platform administration")

    def ready(self) -> None:
        from kit.audit import register_actions

        register_actions(
            {
                "platform.settings_changed": _("Platform setting changed"),
            }
        )

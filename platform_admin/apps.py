from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _

# The parts of the app, each with its own models, services, selectors, views and registrations:
# parameters (PSET-1), backups (PSET-2), usage (PSTA-1), business (PSTA-2), reports (PSTA-3),
# partners (PPAR-1, PPAR-2).
PARTS = ("parameters", "backups", "usage", "business", "reports", "partners")


class LinliAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the operators' pages added to its site (site.py)."""

    default = False  # platform_admin's own config stays the default of this module
    default_site = "platform_admin.site.LinliAdminSite"


class PlatformAdminConfig(AppConfig):
    name = "platform_admin"
    verbose_name = _("Platform administration")

    def ready(self) -> None:
        from . import audit_sentences  # how this app's actions read in 操作日志

        audit_sentences.register()
        from importlib import import_module

        from kit.audit import register_actions

        register_actions(
            {
                "platform.settings_changed": _("Platform setting changed"),
            }
        )
        for part in PARTS:
            import_module(f"platform_admin.{part}.setup").register()
        from .third_party import label_third_party_models

        label_third_party_models()

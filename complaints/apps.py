from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The parts of the app, each with its own services, selectors, views, URLs and registrations.
# `core` registers what they share (positions, the status event, each community's defaults).
PARTS = ("core", "filing", "handling", "conversation", "suggestions", "figures")


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints and suggestions")

    def ready(self) -> None:
        from . import audit_sentences  # how this app's actions read in 操作日志

        audit_sentences.register()
        from importlib import import_module

        for part in PARTS:
            module = "complaints.setup" if part == "core" else f"complaints.{part}.setup"
            import_module(module).register()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The parts of the app, each with its own services, selectors, views, URLs and registrations.
PARTS = ("providers", "catalogue", "bookings", "parcels", "activities", "attendance")


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("Services and activities")

    def ready(self) -> None:
        from . import audit_sentences  # how this app's actions read in 操作日志

        audit_sentences.register()
        from importlib import import_module

        for part in PARTS:
            import_module(f"services.{part}.setup").register()
        from . import room_panel

        room_panel.register()

        from staff import workday

        from .workday import SOURCES

        for source in SOURCES:
            workday.register(source)

"""The bookings part of the services app: what it registers with the layers below
(called from `ServicesConfig.ready`)."""

from datetime import timedelta

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

REMINDER_TASK = "services.bookings.tasks.booking_reminders_task"


def open_bookings_badge(request: HttpRequest) -> int:
    """我的预约's badge: the open bookings of the user's households."""
    from accounts.selectors import resident_cache_scopes
    from kit.cache import cached

    from .selectors import open_booking_count

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return cached("open-bookings", resident_cache_scopes(user), lambda: open_booking_count(user))


def register() -> None:
    from accounts.portal import Entry, register_entry
    from kit.audit import register_actions
    from kit.periodic import register_periodic_task
    from notices import events
    from notices.models import Importance
    from staff import menu, scoping
    from staff.positions import FRONT_DESK, MANAGER, register_position_defaults

    from ..models import Booking
    from ..portal import ProviderTab, register_provider_tab
    from . import tasks  # noqa: F401  (the reminder's task, known to the worker)

    register_entry(
        Entry(
            _("My bookings"),
            "services:booking_list",
            "calendar-check",
            20,
            badge=open_bookings_badge,
            badge_label=_("open bookings"),
        )
    )
    register_provider_tab(
        ProviderTab(_("Bookings"), "services_provider:booking_list", "calendar-check", 20)
    )
    menu.register(
        menu.MenuEntry(
            _("Service bookings"),
            "services_staff:booking_list",
            "calendar-check",
            62,
            "services.view_booking",
            group=menu.SERVICES,
        )
    )
    scoping.register("booking_id", Booking, "community")
    register_position_defaults(
        {
            MANAGER: ["services.view_booking", "services.change_booking"],
            FRONT_DESK: ["services.view_booking", "services.change_booking"],
        }
    )
    register_actions(
        {
            "booking.created": _("Service booked"),
            "booking.confirmed": _("Booking confirmed by the provider"),
            "booking.in_service": _("Service started"),
            "booking.done": _("Service finished"),
            "booking.cancelled": _("Booking cancelled"),
            "booking.no_show": _("Booking missed (no-show)"),
        }
    )
    for event in (
        events.Event("booking.created", _("Service booked"), events.Category.COMMUNITY),
        events.Event("booking.requested", _("New booking for your company"),
                     events.Category.COMMUNITY, Importance.IMPORTANT),
        events.Event("booking.status_changed", _("Service booking status changed"),
                     events.Category.COMMUNITY),
        events.Event("booking.reminder", _("Service booking tomorrow"),
                     events.Category.COMMUNITY),
    ):  # fmt: skip
        events.register(event)
    register_periodic_task("服务预约前一天提醒", task=REMINDER_TASK, schedule=timedelta(hours=1))

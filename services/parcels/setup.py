"""The parcels part of the services app: what it registers with the layers below
(called from `ServicesConfig.ready`)."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

VIEW = "services.view_parcel"
ADD = "services.add_parcel"
HAND_OVER = "services.hand_over_parcel"
REMIND_TASK = "services.parcels.tasks.remind_waiting_parcels_task"


def waiting_badge(request: HttpRequest) -> int:
    """The resident's entry-grid badge: parcels waiting for their households."""
    from accounts.selectors import resident_cache_scopes
    from kit.cache import cached

    from . import selectors

    user = request.user
    return cached(
        "waiting-parcels",
        resident_cache_scopes(user),
        lambda: selectors.waiting_count_for_user(user),
    )


def register() -> None:
    from django.conf import settings

    from accounts.portal import Entry, register_entry
    from kit.audit import register_actions
    from kit.parameters import INT, Parameter, register_parameters
    from kit.periodic import Crontab, register_periodic_task
    from notices import events
    from notices.models import Importance
    from staff import menu, scoping
    from staff.positions import FRONT_DESK, MANAGER, register_position_defaults

    from ..models import Parcel
    from . import tasks  # noqa: F401  (Celery finds services.tasks only, not the parts' tasks)

    menu.register(
        menu.MenuEntry(
            _("Parcel desk"),
            "services_staff:parcel_list",
            "box-seam",
            64,
            VIEW,
            group=menu.SERVICES,
        )
    )
    scoping.register("parcel_id", Parcel, "community")
    register_parameters(
        [
            Parameter(
                key="parcels.remind_after_days", module=_("Community services"), kind=INT,
                default=lambda: settings.LINLI_PARCEL_REMIND_AFTER_DAYS, minimum=1,
                maximum=30, label=_("Remind about a waiting parcel after"), unit=_("days"),
                order=310,
                help=_("The household is reminded once a day from then on."),
            )
        ]
    )  # fmt: skip
    register_position_defaults(
        {MANAGER: [VIEW, ADD, HAND_OVER], FRONT_DESK: [VIEW, ADD, HAND_OVER]}
    )
    register_actions(
        {
            "parcel.logged": _("Parcel logged"),
            "parcel.picked_up": _("Parcel picked up"),
            "parcel.returned": _("Parcel returned to the carrier"),
        }
    )
    for event in (
        events.Event("parcel.arrived", _("Parcel arrived"), events.Category.COMMUNITY,
                     Importance.IMPORTANT),
        events.Event("parcel.picked_up", _("Parcel picked up"), events.Category.COMMUNITY),
        events.Event("parcel.returned", _("Parcel returned to the carrier"),
                     events.Category.COMMUNITY, Importance.IMPORTANT),
        events.Event("parcel.reminder", _("Parcel waiting for pickup"), events.Category.COMMUNITY,
                     Importance.IMPORTANT),
    ):  # fmt: skip
        events.register(event)
    register_entry(
        Entry(_("Parcels"), "services:parcel_list", "box-seam", 30, badge=waiting_badge,
              badge_label=_("waiting for pickup"))
    )  # fmt: skip
    register_periodic_task("快递滞留提醒", task=REMIND_TASK, schedule=Crontab(minute="0", hour="9"))

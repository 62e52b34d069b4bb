"""The activities part of the services app: what it registers with the layers below
(called from `ServicesConfig.ready`)."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

EXPIRE_TASK = "services.activities.tasks.offers_expire_task"
REMIND_TASK = "services.activities.tasks.reminders_send_task"


def register() -> None:
    from accounts.portal import Entry, register_entry
    from kit.audit import register_actions
    from kit.periodic import register_periodic_task
    from notices import events
    from notices.models import Importance
    from staff import menu, scoping
    from staff.positions import FRONT_DESK, MANAGER, register_position_defaults

    from ..models import Activity, ActivitySignup
    from . import tasks  # noqa: F401  (Celery finds only services.tasks by itself)

    register_entry(Entry(_("Activities"), "services:activity_list", "calendar-event", 40))
    menu.register(
        menu.MenuEntry(
            _("Community activities"),
            "services_staff:activity_list",
            "calendar-event",
            66,
            "services.view_activity",
            group=menu.SERVICES,
        )
    )
    scoping.register("activity_id", Activity, "community")
    scoping.register("signup_id", ActivitySignup, "activity__community")
    register_position_defaults(
        {
            MANAGER: [
                "services.view_activity",
                "services.add_activity",
                "services.change_activity",
                "services.publish_activity",
                "services.change_activitysignup",
            ],
            FRONT_DESK: ["services.view_activity"],
        }
    )
    register_actions(
        {
            "activity.created": _("Activity created"),
            "activity.changed": _("Activity changed"),
            "activity.published": _("Activity published"),
            "activity.cancelled": _("Activity cancelled"),
            "activity.signed_up": _("Signed up for an activity"),
            "activity.signup_cancelled": _("Activity sign-up cancelled"),
            "activity.signup_approved": _("Activity sign-up approved"),
            "activity.signup_refused": _("Activity sign-up refused"),
            "activity.place_offered": _("Freed activity place offered"),
            "activity.place_claimed": _("Offered activity place claimed"),
            "activity.place_declined": _("Offered activity place declined"),
            "activity.offer_expired": _("Offered activity place expired"),
        }
    )
    for event in (
        events.Event("activity.published", _("New community activity"),
                     events.Category.COMMUNITY),
        events.Event("activity.signup_changed", _("Your activity sign-up"),
                     events.Category.COMMUNITY),
        events.Event("activity.place_offered", _("A place at an activity is free for you"),
                     events.Category.COMMUNITY, Importance.IMPORTANT),
        events.Event("activity.cancelled", _("Activity cancelled"), events.Category.COMMUNITY,
                     Importance.IMPORTANT),
        events.Event("activity.reminder", _("Activity tomorrow"), events.Category.COMMUNITY),
        events.Event("activity.signup_pending", _("Activity sign-up awaiting approval"),
                     events.Category.COMMUNITY),
    ):  # fmt: skip
        events.register(event)
    register_periodic_task("活动候补名额过期", task=EXPIRE_TASK, schedule=timedelta(minutes=5))
    register_periodic_task("活动前一天提醒", task=REMIND_TASK, schedule=timedelta(hours=1))

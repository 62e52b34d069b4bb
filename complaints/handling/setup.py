"""The handling part of the complaints app: what it registers with the layers below (called from
`ComplaintsConfig.ready`)."""

from datetime import timedelta

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

ESCALATION_TASK = "complaints.handling.tasks.escalate_overdue_task"


def submitted_badge(request: HttpRequest) -> int:
    """New complaints waiting to be accepted, on the staff menu."""
    from ..selectors import waiting_counts

    return waiting_counts(request)["complaints"]


def register() -> None:
    from kit.audit import register_actions
    from kit.periodic import register_periodic_task
    from notices import events
    from notices.models import Importance
    from staff import menu, search, workday

    from ..setup import VIEW_COMPLAINT
    from . import tasks  # noqa: F401  (Celery finds the apps' tasks modules only)
    from .search import SEARCHER
    from .workday import SOURCE as WORKDAY

    workday.register(WORKDAY)
    search.register(SEARCHER)
    menu.register(
        menu.MenuEntry(
            _("Complaint desk"), "complaints_staff:queue", "megaphone", 70, VIEW_COMPLAINT,
            badge=submitted_badge, group=menu.COMPLAINTS,
        )
    )  # fmt: skip
    for event in (
        events.Event("complaint.routed", _("Complaint passed to you"), events.Category.COMMUNITY,
                     Importance.IMPORTANT),
        events.Event("complaint.overdue", _("Complaint overdue"), events.Category.COMMUNITY,
                     Importance.IMPORTANT),
    ):  # fmt: skip
        events.register(event)
    register_actions(
        {
            "complaint.accepted": _("Complaint accepted"),
            "complaint.routed": _("Complaint passed to a department"),
            "complaint.rerouted": _("Complaint passed to another department"),
            "complaint.route_note": _("Note on passing a complaint on"),
            "complaint.replied": _("Complaint replied to"),
            "complaint.escalated": _("Complaint escalated"),
        }
    )
    register_periodic_task(
        "投诉超时检查与升级", task=ESCALATION_TASK, schedule=timedelta(minutes=5)
    )

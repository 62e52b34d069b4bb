"""The filing part of the complaints app: what it registers with the layers below (called from
`ComplaintsConfig.ready`): the resident's entry square, the events and audit labels of filing,
returning, closing and rating, and the daily closing of replies nobody answered."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

AUTO_CLOSE_TASK = "complaints.filing.tasks.auto_close_unanswered_task"


def awaiting_badge(request: HttpRequest) -> int:
    """The resident's entry-grid badge: replies waiting for the household's answer."""
    from accounts.selectors import resident_cache_scopes
    from kit.cache import cached

    from . import selectors

    user = request.user
    return cached(
        "complaints-awaiting-answer",
        resident_cache_scopes(user),
        lambda: selectors.awaiting_answer_count(user),
    )


def register() -> None:
    from accounts.portal import Entry, register_entry
    from kit.audit import register_actions
    from kit.periodic import Crontab, register_periodic_task
    from notices import events
    from notices.models import Importance

    from . import tasks  # noqa: F401  (Celery finds complaints.tasks only, not the parts' tasks)

    register_entry(
        Entry(_("Complaints and suggestions"), "complaints:home", "megaphone", 50,
              badge=awaiting_badge, badge_label=_("replies waiting for your answer"))
    )  # fmt: skip
    register_actions(
        {
            "complaint.filed": _("Complaint filed"),
            "complaint.logged": _("Complaint logged on a resident's behalf"),
            "complaint.closed": _("Complaint closed"),
            "complaint.returned": _("Complaint returned by the resident"),
            "complaint.withdrawn": _("Complaint withdrawn"),
            "complaint.rated": _("Complaint rated"),
        }
    )
    for event in (
        events.Event("complaint.filed", _("New complaint"), events.Category.COMMUNITY,
                     Importance.IMPORTANT),
        events.Event("complaint.returned", _("Complaint returned by the resident"),
                     events.Category.COMMUNITY, Importance.IMPORTANT),
        events.Event("complaint.low_rating", _("Low rating of a complaint's handling"),
                     events.Category.COMMUNITY, Importance.IMPORTANT),
    ):  # fmt: skip
        events.register(event)
    register_periodic_task(
        "投诉答复逾期自动办结", task=AUTO_CLOSE_TASK, schedule=Crontab(minute="20", hour="*")
    )

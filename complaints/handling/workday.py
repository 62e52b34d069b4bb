"""The complaints figures of the work home page (staff.workday): new, unassigned and overdue
complaints, each linking to the complaint desk filtered to exactly those complaints."""

import datetime as dt

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from staff.workday import Values, WorkFigure, WorkSource, by_community

from ..models import Complaint
from ..setup import VIEW_COMPLAINT

Status = Complaint.Status
QUEUE = "complaints_staff:queue"

# Accepted (or further) with nobody handling it yet; a new one is counted as new.
UNASSIGNED = Q(handler__isnull=True) & ~Q(status=Status.SUBMITTED)


def overdue_q(now: dt.datetime) -> Q:
    """Open complaints past their service level (as `selectors.overdue_annotation`)."""
    return Q(status=Status.SUBMITTED, accept_due_at__lt=now) | Q(reply_due_at__lt=now)


def figures(community_ids: list[int], now: dt.datetime) -> Values:
    rows = (
        Complaint.objects.filter(community_id__in=community_ids, status__in=Complaint.OPEN_STATUSES)
        .order_by()
        .values("community")
        .annotate(
            new=Count("pk", filter=Q(status=Status.SUBMITTED)),
            unassigned=Count("pk", filter=UNASSIGNED),
            overdue=Count("pk", filter=overdue_q(now)),
        )
    )
    return by_community(rows)


SOURCE = WorkSource(
    name="complaints",
    group=_("Complaints and suggestions"),
    order=20,
    compute=figures,
    figures=(
        WorkFigure("new", _("New complaints"), "chat-left-text", VIEW_COMPLAINT, 1, QUEUE,
                   {"status": Status.SUBMITTED}, tone="primary"),
        WorkFigure("unassigned", _("Complaints nobody handles"), "person-dash", VIEW_COMPLAINT,
                   2, QUEUE, {"unassigned": "on"}, tone="warning"),
        WorkFigure("overdue", _("Overdue complaints"), "alarm", VIEW_COMPLAINT, 3, QUEUE,
                   {"overdue": "on"}, tone="danger", key=True),
    ),
)  # fmt: skip

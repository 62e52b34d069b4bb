"""The repairs figures of the work home page (staff.workday): new, unassigned and overdue
orders, each linking to the repair queue filtered to exactly those orders."""

import datetime as dt

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from staff.workday import Values, WorkFigure, WorkSource, by_community

from .models import RepairOrder

Status = RepairOrder.Status
VIEW = "repairs.view_repairorder"
QUEUE = "repairs_staff:queue"

# Unassigned: accepted by the desk but with no technician (a new order is counted as new).
UNASSIGNED = Q(technician__isnull=True) & ~Q(status=Status.PENDING)


def overdue_q(now: dt.datetime) -> Q:
    """Open orders past their service level (as `selectors.overdue_annotation`)."""
    return Q(status=Status.PENDING, accept_due_at__lt=now) | Q(finish_due_at__lt=now)


def figures(community_ids: list[int], now: dt.datetime) -> Values:
    rows = (
        RepairOrder.objects.filter(
            community_id__in=community_ids, status__in=RepairOrder.OPEN_STATUSES
        )
        .order_by()
        .values("community")
        .annotate(
            new=Count("pk", filter=Q(status=Status.PENDING)),
            unassigned=Count("pk", filter=UNASSIGNED),
            overdue=Count("pk", filter=overdue_q(now)),
        )
    )
    return by_community(rows)


SOURCE = WorkSource(
    name="repairs",
    group=_("Repairs"),
    order=10,
    compute=figures,
    figures=(
        WorkFigure("new", _("New repair orders"), "inbox", VIEW, 1, QUEUE,
                   {"status": Status.PENDING}, tone="primary", key=True),
        WorkFigure("unassigned", _("Waiting to be dispatched"), "person-dash", VIEW, 2, QUEUE,
                   {"unassigned": "on"}, tone="warning"),
        WorkFigure("overdue", _("Overdue repairs"), "alarm", VIEW, 3, QUEUE,
                   {"overdue": "on"}, tone="danger", key=True),
    ),
)  # fmt: skip

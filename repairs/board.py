"""The service desk's queries: the queue, the monitoring board and the technicians' workload.

Each is a fixed number of SQL queries whatever the number of orders: counts are aggregates in
the database (Count with filter=Q), never Python loops over rows."""

import datetime as dt

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.timesince import timesince

from accounts.models import Community
from staff.models import StaffMember

from . import selectors
from .models import RepairOrder

Status = RepairOrder.Status

# The columns of the board, in the order work flows.
BOARD_COLUMNS = (Status.PENDING, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS)
BOARD_COLUMN_LIMIT = 30


def overdue_q(now: dt.datetime, prefix: str = "") -> Q:
    """Past its service level: not accepted, or not finished, in time (as overdue_annotation)."""
    return Q(**{f"{prefix}status": Status.PENDING, f"{prefix}accept_due_at__lt": now}) | Q(
        **{f"{prefix}status__in": RepairOrder.OPEN_STATUSES, f"{prefix}finish_due_at__lt": now}
    )


def _waiting_since() -> Case:
    """Since when the order has waited for its next step."""
    return Case(
        When(status=Status.ACCEPTED, then=Coalesce("accepted_at", "created_at")),
        When(status=Status.ASSIGNED, then=Coalesce("assigned_at", "created_at")),
        When(status=Status.IN_PROGRESS, then=Coalesce("started_at", "assigned_at", "created_at")),
        default=F("created_at"),
    )


def queue_orders(community: Community, now: dt.datetime | None = None) -> QuerySet[RepairOrder]:
    """The community's orders for the queue: overdue ones first, then those awaiting
    acceptance, then the other open ones, then the closed; newest first within each."""
    now = now or timezone.now()
    return (
        selectors.orders_for_community(community)
        .annotate(
            is_overdue=selectors.overdue_annotation(now),
            queue_rank=Case(
                When(overdue_q(now), then=Value(0)),
                When(status=Status.PENDING, then=Value(1)),
                When(status__in=RepairOrder.OPEN_STATUSES, then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            ),
        )
        .order_by("queue_rank", "-created_at", "-pk")
    )


def status_counts(community: Community, now: dt.datetime | None = None) -> dict[str, int]:
    """Open orders per status, overdue ones, and today's completions: one query."""
    now = now or timezone.now()
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    counts = {status.value: Count("pk", filter=Q(status=status)) for status in BOARD_COLUMNS}
    # Only rows that can count: open orders and those closed today (an index serves both),
    # not the community's whole history.
    relevant = (
        Q(status__in=RepairOrder.OPEN_STATUSES)
        | Q(status=Status.COMPLETED, completed_at__gte=start_of_day)
        | Q(status=Status.CANCELLED, cancelled_at__gte=start_of_day)
    )
    return (
        RepairOrder.objects.filter(community=community)
        .filter(relevant)
        .aggregate(
            **counts,
            overdue=Count("pk", filter=overdue_q(now)),
            completed_today=Count(
                "pk", filter=Q(status=Status.COMPLETED, completed_at__gte=start_of_day)
            ),
            cancelled_today=Count(
                "pk", filter=Q(status=Status.CANCELLED, cancelled_at__gte=start_of_day)
            ),
        )
    )


def board_column(
    community: Community, status: str, now: dt.datetime | None = None
) -> list[RepairOrder]:
    """One column of the board: overdue orders on top, then the longest waiting."""
    now = now or timezone.now()
    orders = list(
        selectors.orders_for_community(community)
        .filter(status=status)
        .annotate(is_overdue=selectors.overdue_annotation(now), waiting_since=_waiting_since())
        .order_by("-is_overdue", "waiting_since", "pk")[:BOARD_COLUMN_LIMIT]
    )
    for order in orders:
        order.waited = timesince(order.waiting_since, now, depth=2)
    return orders


def _jobs(community: Community, *conditions: Q, **filters) -> Coalesce:
    """How many of a technician's orders in `community` match: a correlated count that the
    (technician, status) and (technician, completed_at) indexes answer, so the cost follows
    the technician's current work, not the community's whole history."""
    matching = (
        RepairOrder.objects.filter(*conditions, technician=OuterRef("pk"), community=community,
                                   **filters)
        .order_by()
        .values("technician")
        .annotate(count=Count("pk"))
        .values("count")
    )  # fmt: skip
    return Coalesce(Subquery(matching, output_field=IntegerField()), Value(0))


def technician_workload(
    community: Community, now: dt.datetime | None = None
) -> QuerySet[StaffMember]:
    """The community's technicians with their open, in-repair, overdue and today's completed
    orders in this community, busiest first (one query)."""
    now = now or timezone.now()
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    working = (Status.ASSIGNED, Status.IN_PROGRESS)
    return (
        selectors.technicians_of(community)
        .annotate(
            open_jobs=_jobs(community, status__in=working),
            in_progress_jobs=_jobs(community, status=Status.IN_PROGRESS),
            overdue_jobs=_jobs(community, status__in=working, finish_due_at__lt=now),
            completed_today=_jobs(
                community, status=Status.COMPLETED, completed_at__gte=start_of_day
            ),
        )
        .order_by("-open_jobs", "-in_progress_jobs", "user__display_name", "pk")
    )


def technicians_with_open_jobs(community: Community) -> QuerySet[StaffMember]:
    """The technicians one may dispatch to, each with their current open jobs (one query)."""
    return selectors.technicians_of(community).annotate(
        open_jobs=_jobs(community, status__in=(Status.ASSIGNED, Status.IN_PROGRESS))
    )


def is_overdue(order: RepairOrder, now: dt.datetime) -> bool:
    """overdue_annotation for one order already loaded."""
    if order.status == Status.PENDING and order.accept_due_at < now:
        return True
    return order.is_open and order.finish_due_at < now

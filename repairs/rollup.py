"""The daily roll-up of the repair figures (`RepairDayFigures`), kept exact.

A community's day is recomputed from its orders, whole, whenever something changes what one of
its orders adds to it: the services call `order_reported` when an order is reported (its day,
and the days of the earlier orders of the room it makes repeat repairs), `order_changed` when an
order is completed, cancelled or rated. It runs in the service's transaction, after the write,
so the roll-up commits (or rolls back) with the order.

Two transactions changing orders of the same day are ordered by a lock per community and day
(PostgreSQL advisory locks; SQLite writes one transaction at a time anyway): the second
recomputes the day only once the first has committed, and so sees its orders. `rebuild` (the
`repairs_figures_rebuild` command; `migrate`, for communities with orders and no figures)
recomputes whole communities, for orders written around the services (bulk loads, the demo,
the benches) or before the roll-up existed.

Days are local days in settings.TIME_ZONE, the zone the staff portal shows.
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate

from kit.db import analyze

from .models import RepairDayFigures, RepairOrder
from .performance import REPEAT_WINDOW, SUMMED, _figures, _within

Status = RepairOrder.Status

# Advisory lock keys: one namespace, then the community and the day (or 0 for the whole
# community). Two communities or days sharing a key only wait for each other.
_LOCK_NAMESPACE = 0x52 << 44
_WHOLE_COMMUNITY = 0


def zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_day(moment: dt.datetime | None) -> dt.date | None:
    return None if moment is None else moment.astimezone(zone()).date()


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone())


def order_days(order: RepairOrder) -> set[dt.date]:
    """The days whose figures `order` adds to: the day it was reported, and the day it was
    completed."""
    return {day for day in (local_day(order.created_at), local_day(order.completed_at)) if day}


def order_reported(order: RepairOrder) -> None:
    """A new order: its day's count, and the days of the room's orders of the same category
    completed within REPEAT_WINDOW before it (it makes them repeat repairs)."""
    days = order_days(order)
    if order.room_id is not None:
        # A day wider than the window: recomputing a day too many costs little, one too few lies.
        earlier = RepairOrder.objects.filter(
            room_id=order.room_id,
            category_id=order.category_id,
            status=Status.COMPLETED,
            completed_at__gte=order.created_at - REPEAT_WINDOW - dt.timedelta(days=1),
            completed_at__lt=order.created_at,
        ).values_list("completed_at", flat=True)
        days |= {local_day(moment) for moment in earlier}
    refresh(order.community_id, days)


def order_changed(order: RepairOrder, before: Iterable[dt.date] = ()) -> None:
    """`order` was completed, cancelled or rated: its days now, and `before` (its days before
    the change), are recomputed."""
    refresh(order.community_id, order_days(order) | set(before))


def refresh(community_id: int, days: Iterable[dt.date]) -> None:
    """Recompute the community's figures of `days` from its orders (two grouped queries over
    those days' orders, a delete and an insert)."""
    days = sorted({day for day in days if day is not None})
    if not days:
        return
    with transaction.atomic():
        _lock(community_id, days, shared=True)
        ranges = [(midnight(day), midnight(day + dt.timedelta(days=1))) for day in days]
        rows = _rows(RepairOrder.objects.filter(community_id=community_id), ranges)
        RepairDayFigures.objects.filter(community_id=community_id, day__in=days).delete()
        RepairDayFigures.objects.bulk_create(rows, batch_size=1000)


def rebuild(community_ids: Iterable[int] | None = None) -> int:
    """Recompute the figures of every day of the communities (all of them when None) from their
    orders, one community per transaction; the number of rows written."""
    if community_ids is None:
        community_ids = (
            RepairOrder.objects.order_by().values_list("community_id", flat=True).distinct()
        )
        stale = RepairDayFigures.objects.exclude(community_id__in=list(community_ids))
        stale.delete()
    written = 0
    for community_id in sorted(set(community_ids)):
        with transaction.atomic():
            _lock(community_id, [], shared=False)
            rows = _rows(RepairOrder.objects.filter(community_id=community_id), None)
            RepairDayFigures.objects.filter(community_id=community_id).delete()
            RepairDayFigures.objects.bulk_create(rows, batch_size=1000)
            written += len(rows)
    # The planner's statistics of a table just filled (autovacuum would take a while): without
    # them it expects one row per community and sorts a year of rows to group them.
    analyze(RepairDayFigures)
    return written


def _rows(orders: QuerySet[RepairOrder], ranges: list[tuple] | None) -> list[RepairDayFigures]:
    """The roll-up's rows of `orders` over the ranges of moments (whole local days; all when
    None): orders reported per day, and the completed orders' sums per day and technician."""
    orders = orders.order_by()
    reported = _within("created_at", ranges) if ranges else Q()
    completed = Q(status=Status.COMPLETED) & (
        _within("completed_at", ranges) if ranges else Q(completed_at__isnull=False)
    )
    figures = _figures()
    rows: dict[tuple, RepairDayFigures] = {}

    def row(community_id: int, day: dt.date, technician_id: int | None) -> RepairDayFigures:
        key = (community_id, day, technician_id)
        if key not in rows:
            rows[key] = RepairDayFigures(
                community_id=community_id, day=day, technician_id=technician_id
            )
        return rows[key]

    for values in (
        orders.filter(reported)
        .annotate(day=TruncDate("created_at", tzinfo=zone()))
        .values("community_id", "day")
        .annotate(reported=Count("pk"), cancelled=Count("pk", filter=Q(status=Status.CANCELLED)))
    ):
        target = row(values["community_id"], values["day"], None)
        target.reported, target.cancelled = values["reported"], values["cancelled"]
    for values in (
        orders.filter(completed)
        .annotate(day=TruncDate("completed_at", tzinfo=zone()))
        .values("community_id", "day", "technician_id")
        .annotate(**{name: figures[name] for name in SUMMED})
    ):
        target = row(values["community_id"], values["day"], values["technician_id"])
        for name in SUMMED:
            setattr(target, name, values[name] or 0)
    return list(rows.values())


def _lock(community_id: int, days: list[dt.date], *, shared: bool) -> None:
    """Wait for the transactions changing the same days of the community (or, `shared` False,
    any of its days) to commit, and hold them off until this one does. Days in order, so two
    transactions never wait for each other."""
    if connection.vendor != "postgresql":
        return
    base = _LOCK_NAMESPACE | ((community_id & 0xFFFFFF) << 20)
    whole = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {whole}(%s)", [base | _WHOLE_COMMUNITY])
        for day in days:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [base | day.toordinal()])

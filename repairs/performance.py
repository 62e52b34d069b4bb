"""Technician performance and ratings figures for a period, computed in the database.

A period is a range of local calendar days, [start 00:00, end + 1 day 00:00) in the current
time zone. An order counts for the period in which it was completed; its rating counts with it.
`technician_performance` runs two queries (figures per technician, then the technicians) and
`community_summary` one, however many technicians and orders there are: both read the daily
roll-up (`RepairDayFigures`, kept exact by `repairs.rollup`), whose sums add up to what the
`..._from_orders` functions compute from the orders themselves.
"""

import datetime as dt
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce

from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import Community
from staff.models import StaffMember

from .models import RepairDayFigures, RepairOrder, RepairRating
from .selectors import technicians_of

Status = RepairOrder.Status

# A new order for the same room and category this soon after completion is a repeat repair.
REPEAT_WINDOW = dt.timedelta(days=30)


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The aware datetimes [start 00:00 local, end + 1 day 00:00 local)."""
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def completed_in(community: Community, start: dt.date, end: dt.date) -> QuerySet[RepairOrder]:
    since, until = period_bounds(start, end)
    return RepairOrder.objects.filter(
        community=community,
        status=Status.COMPLETED,
        completed_at__gte=since,
        completed_at__lt=until,
    )


class PlusDays(Func):
    """A datetime `days` later. Django's own `datetime + timedelta` calls back into Python on
    SQLite for every row (slow over a year of orders), so there the date is shifted natively
    to the second and the stored fraction of a second (whole days leave it alone) appended:
    the same text Django stores, so comparisons stay exact."""

    output_field = DateTimeField()

    def __init__(self, expression, days: int):
        self.days = days
        super().__init__(expression)

    def as_sql(self, compiler, connection, **extra_context):
        expression = self.source_expressions[0] + Value(dt.timedelta(days=self.days))
        return compiler.compile(expression)

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"(strftime(%s, {sql}, %s) || substr({sql}, 20))",
            ["%Y-%m-%d %H:%M:%S", *params, f"+{self.days} days", *params],
        )


def repeated_later() -> Exists:
    """True for a completed order of a room when the same room got a new order of the same
    category within REPEAT_WINDOW after completion, whatever became of it (a report cancelled
    later still says the fault came back). Public-area orders are never repeats (no room)."""
    return Exists(
        RepairOrder.objects.filter(
            room=OuterRef("room"),
            category=OuterRef("category"),
            created_at__gt=OuterRef("completed_at"),
            created_at__lte=PlusDays(OuterRef("completed_at"), REPEAT_WINDOW.days),
        )
    )


def _figures(among: Q | None = None, *, repeats: bool = True) -> dict:
    """The aggregates shared by the per-technician rows and the community summary, over
    completed orders; `among` narrows them when the rows aggregated are not all completed.
    Without `repeats`, no repeat repairs (a subquery per order; the platform figures do not
    show them)."""

    def where(condition: Q | None = None) -> Q | None:
        if among is None:
            return condition
        return among if condition is None else among & condition

    low = (
        Q(rating__speed__lte=RepairRating.LOW_SCORE)
        | Q(rating__quality__lte=RepairRating.LOW_SCORE)
        | Q(rating__attitude__lte=RepairRating.LOW_SCORE)
    )
    repeated = (
        {"repeated": Count("pk", filter=where(Q(room__isnull=False) & Q(repeated_later())))}
        if repeats
        else {}
    )
    return {
        **repeated,
        "completed": Count("pk", filter=where()),
        "avg_response": Avg("technician_response_seconds", filter=where()),
        "avg_finish": Avg("technician_finish_seconds", filter=where()),
        "timed": Count("pk", filter=where(Q(finished_on_time__isnull=False))),
        "on_time": Count("pk", filter=where(Q(finished_on_time=True))),
        "avg_speed": Avg("rating__speed", filter=where()),
        "avg_quality": Avg("rating__quality", filter=where()),
        "avg_attitude": Avg("rating__attitude", filter=where()),
        "ratings": Count("rating", filter=where()),
        "low_ratings": Count("rating", filter=where(low)),
        # Sums and counts behind the averages, so that per-technician rows add up exactly to
        # the community's (community_summary) without aggregating the period twice.
        "response_total": Sum("technician_response_seconds", filter=where()),
        "response_count": Count("technician_response_seconds", filter=where()),
        "finish_total": Sum("technician_finish_seconds", filter=where()),
        "finish_count": Count("technician_finish_seconds", filter=where()),
        "speed_total": Sum("rating__speed", filter=where()),
        "quality_total": Sum("rating__quality", filter=where()),
        "attitude_total": Sum("rating__attitude", filter=where()),
    }


SUMMED = ("completed", "timed", "on_time", "ratings", "low_ratings", "repeated",
          "response_total", "response_count", "finish_total", "finish_count", "speed_total",
          "quality_total", "attitude_total")  # fmt: skip


def _combined(rows: list[dict]) -> dict:
    """The figures of several technicians' rows as one: sums added, averages re-derived from
    them (never an average of averages)."""
    totals = {key: sum(row.get(key) or 0 for row in rows) for key in SUMMED}

    def mean(total: str, count: str) -> float | None:
        return totals[total] / totals[count] if totals[count] else None

    return {
        **totals,
        "avg_response": mean("response_total", "response_count"),
        "avg_finish": mean("finish_total", "finish_count"),
        "avg_speed": mean("speed_total", "ratings"),
        "avg_quality": mean("quality_total", "ratings"),
        "avg_attitude": mean("attitude_total", "ratings"),
    }


@dataclass
class Figures:
    completed: int = 0
    avg_response_seconds: float | None = None
    avg_finish_seconds: float | None = None
    on_time_rate: float | None = None
    avg_speed: float | None = None
    avg_quality: float | None = None
    avg_attitude: float | None = None
    ratings: int = 0
    low_ratings: int = 0
    repeated: int = 0
    repeat_rate: float | None = None

    @property
    def avg_rating(self) -> float | None:
        """The mean of the three averages (each rating weighs the same in all three)."""
        scores = (self.avg_speed, self.avg_quality, self.avg_attitude)
        if any(score is None for score in scores):
            return None
        return sum(scores) / 3

    @classmethod
    def from_values(cls, values: dict, **extra) -> "Figures":
        completed = values.get("completed") or 0
        timed = values.get("timed") or 0
        return cls(
            completed=completed,
            avg_response_seconds=_number(values.get("avg_response")),
            avg_finish_seconds=_number(values.get("avg_finish")),
            on_time_rate=(values["on_time"] / timed) if timed else None,
            avg_speed=_number(values.get("avg_speed")),
            avg_quality=_number(values.get("avg_quality")),
            avg_attitude=_number(values.get("avg_attitude")),
            ratings=values.get("ratings") or 0,
            low_ratings=values.get("low_ratings") or 0,
            repeated=values.get("repeated") or 0,
            repeat_rate=(values["repeated"] / completed)
            if completed and "repeated" in values
            else None,
            **extra,
        )


@dataclass
class TechnicianPerformance(Figures):
    technician: StaffMember | None = None
    totals: dict = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.technician.user.get_full_name() if self.technician else ""


@dataclass
class CommunitySummary(Figures):
    reported: int = 0
    cancelled: int = 0


@dataclass
class SummaryWithSums(CommunitySummary):
    """A community's summary with the sums behind its averages (`communities_summary`), so
    that several add up into one exactly."""

    totals: dict = field(default_factory=dict, repr=False)

    @classmethod
    def added(cls, summaries: Iterable["SummaryWithSums"]) -> "SummaryWithSums":
        """Several communities' summaries as one: sums added, averages re-derived from them."""
        summaries = list(summaries)
        totals = _combined([summary.totals for summary in summaries])
        return cls.from_values(
            totals,
            reported=sum(summary.reported for summary in summaries),
            cancelled=sum(summary.cancelled for summary in summaries),
            totals=totals,
        )


def _number(value: float | Decimal | None) -> float | None:
    # AVG over integers is a float on SQLite and a numeric (Decimal) on PostgreSQL.
    return None if value is None else float(value)


def technician_performance(
    community: Community, start: dt.date, end: dt.date
) -> list[TechnicianPerformance]:
    """One row per technician who completed orders of `community` in the period, or serves it
    now (with zeros), ordered by name. Two queries, the figures read from the daily roll-up
    (a row per technician and day, whatever the number of orders)."""
    if not _rolled_up():
        return technician_performance_from_orders(community, start, end)
    per_technician = {
        values.pop("technician_id"): _combined([values])
        for values in _days(community, start, end)
        .filter(technician__isnull=False)
        .values("technician_id")
        .annotate(**{name: Sum(name) for name in SUMMED})
        .order_by()
    }
    return _with_technicians(community, per_technician)


def _with_technicians(
    community: Community, per_technician: dict[int, dict]
) -> list[TechnicianPerformance]:
    technicians = (
        StaffMember.objects.filter(
            Q(pk__in=technicians_of(community).order_by().values("pk"))
            | Q(pk__in=list(per_technician))
        )
        .select_related("user")
        .order_by("user__display_name", "pk")
    )
    return [
        TechnicianPerformance.from_values(
            per_technician.get(member.pk, {}),
            technician=member,
            totals=per_technician.get(member.pk, {}),
        )
        for member in technicians
    ]


def community_summary(
    community: Community,
    start: dt.date,
    end: dt.date,
    rows: list[TechnicianPerformance] | None = None,
) -> CommunitySummary:
    """The community's totals for the period: orders reported and cancelled in it, and the
    figures of the orders completed in it over all technicians. Given the period's
    `technician_performance` rows, it adds them up and asks only for the reported and
    cancelled counts. One query of the daily roll-up either way."""
    if not _rolled_up():
        return community_summary_from_orders(community, start, end, rows)
    names = ("reported", "cancelled") if rows is not None else ("reported", "cancelled", *SUMMED)
    sums = _days(community, start, end).aggregate(**{name: Sum(name) for name in names})
    sums = {name: value or 0 for name, value in sums.items()}
    values = _combined([row.totals for row in rows] if rows is not None else [sums])
    return CommunitySummary.from_values(
        values, reported=sums["reported"], cancelled=sums["cancelled"]
    )


def _rolled_up() -> bool:
    """Whether the period's days are the roll-up's (the local days of settings.TIME_ZONE)."""
    return timezone.get_current_timezone_name() == settings.TIME_ZONE


def _days(community: Community, start: dt.date, end: dt.date) -> QuerySet[RepairDayFigures]:
    return RepairDayFigures.objects.filter(community=community, day__gte=start, day__lte=end)


def technician_performance_from_orders(
    community: Community, start: dt.date, end: dt.date
) -> list[TechnicianPerformance]:
    """`technician_performance` computed from the orders themselves (two queries): what the
    roll-up must add up to, and what is read when the page shows another time zone's days."""
    per_technician = {
        values["technician_id"]: values
        for values in completed_in(community, start, end)
        .filter(technician__isnull=False)
        .values("technician_id")
        .annotate(**_figures())
        .order_by()
    }
    return _with_technicians(community, per_technician)


def community_summary_from_orders(
    community: Community,
    start: dt.date,
    end: dt.date,
    rows: list[TechnicianPerformance] | None = None,
) -> CommunitySummary:
    """`community_summary` computed from the orders themselves (one query either way)."""
    since, until = period_bounds(start, end)
    reported = Q(created_at__gte=since, created_at__lt=until)
    counts = {
        "reported": Count("pk", filter=reported),
        "cancelled": Count("pk", filter=reported & Q(status=Status.CANCELLED)),
    }
    if rows is not None:
        values = (
            RepairOrder.objects.filter(community=community).filter(reported).aggregate(**counts)
        )
        values.update(_combined([row.totals for row in rows]))
    else:
        completed = Q(status=Status.COMPLETED, completed_at__gte=since, completed_at__lt=until)
        values = (
            RepairOrder.objects.filter(community=community)
            .filter(reported | completed)
            .aggregate(**counts, **_figures(among=completed))
        )
    return CommunitySummary.from_values(
        values, reported=values["reported"], cancelled=values["cancelled"]
    )


# --- Ratings list ----------------------------------------------------------------------------------


def ratings_of(
    community: Community,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    technician: StaffMember | None = None,
    low_only: bool = False,
) -> QuerySet[RepairRating]:
    """Ratings of the community's orders, newest first, with what the list shows joined in.
    The period is that of the orders' completion, as on the performance page, so its counts
    and this list agree."""
    ratings = (
        RepairRating.objects.filter(order__community=community)
        .select_related(
            "order__category",
            "order__room__building",
            "order__room__unit",
            "order__technician__user",
        )
        .annotate(
            average_score=ExpressionWrapper(
                (F("speed") + F("quality") + F("attitude")) / Value(3.0),
                output_field=FloatField(),
            )
        )
        .order_by("-created_at", "-pk")
    )
    if start is not None and end is not None:
        since, until = period_bounds(start, end)
        ratings = ratings.filter(order__completed_at__gte=since, order__completed_at__lt=until)
    if technician is not None:
        ratings = ratings.filter(order__technician=technician)
    if low_only:
        low = RepairRating.LOW_SCORE
        ratings = ratings.filter(Q(speed__lte=low) | Q(quality__lte=low) | Q(attitude__lte=low))
    return ratings


def rated_technicians(community: Community) -> QuerySet[StaffMember]:
    """Whom the ratings list may be filtered by: the community's technicians, and anyone who
    has carried out one of its orders (and may since have left or moved)."""
    return (
        StaffMember.objects.filter(
            Q(pk__in=technicians_of(community).order_by().values("pk"))
            | Q(
                pk__in=RepairOrder.objects.filter(community=community, technician__isnull=False)
                .order_by()
                .values("technician_id")
            )
        )
        .select_related("user")
        .order_by("user__display_name", "pk")
    )


# --- The platform statistics (PSTA-2) ------------------------------------------------------------


def communities_summary(
    communities: Iterable[Community | int], start: dt.date, end: dt.date
) -> dict[int, SummaryWithSums]:
    """`community_summary` of many communities at once (by id, every community asked for,
    zeros included): one query grouped by community, whatever their number. What the platform
    statistics (PSTA-2) read."""
    ids = [getattr(community, "pk", community) for community in communities]
    if not ids:
        return {}
    since, until = period_bounds(start, end)
    reported = Q(created_at__gte=since, created_at__lt=until)
    completed = Q(status=Status.COMPLETED, completed_at__gte=since, completed_at__lt=until)
    rows = {
        values["community_id"]: values
        for values in RepairOrder.objects.filter(community_id__in=ids)
        .filter(reported | completed)
        .values("community_id")
        .annotate(
            reported=Count("pk", filter=reported),
            cancelled=Count("pk", filter=reported & Q(status=Status.CANCELLED)),
            **_figures(among=completed, repeats=False),
        )
        .order_by()
    }
    return {
        pk: SummaryWithSums.from_values(
            rows.get(pk, {}),
            reported=rows.get(pk, {}).get("reported", 0),
            cancelled=rows.get(pk, {}).get("cancelled", 0),
            totals={key: rows.get(pk, {}).get(key) or 0 for key in SUMMED},
        )
        for pk in ids
    }


def orders_by_month(
    communities: Iterable[Community | int], start: dt.date, end: dt.date
) -> dict[dt.date, dict[str, int]]:
    """{first day of a month: {"reported": n, "completed": n}} over the communities: orders
    reported and orders completed in each month of the period (two queries)."""
    ids = [getattr(community, "pk", community) for community in communities]
    since, until = period_bounds(start, end)
    months: dict[dt.date, dict[str, int]] = {}
    orders = RepairOrder.objects.filter(community_id__in=ids)
    reported = (
        orders.filter(created_at__gte=since, created_at__lt=until)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    completed = (
        orders.filter(status=Status.COMPLETED, completed_at__gte=since, completed_at__lt=until)
        .annotate(month=TruncMonth("completed_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for key, rows in (("reported", reported), ("completed", completed)):
        for row in rows:
            month = timezone.localtime(row["month"]).date()
            months.setdefault(month, {"reported": 0, "completed": 0})[key] = row["n"]
    return months


# --- Summable figures for the platform's roll-up (PSTA-2) ----------------------------------------

# What a community's orders add up to over some ranges of moments: orders reported (and
# cancelled of them) in them, and the numerators and denominators of the figures of the orders
# completed in them. Sums only, so that the nightly roll-up's months and the raw rest add up
# into exactly what `communities_summary` says of the whole period.
REPORTED_SUMS = ("reported", "cancelled")
COMPLETED_SUMS = tuple(name for name in SUMMED if name != "repeated")
ORDER_SUMS = REPORTED_SUMS + COMPLETED_SUMS

# [since, until) moments; each bound a datetime or an expression giving one, since None for
# "from the first order on".
Ranges = list[tuple]


def _within(field: str, ranges: Ranges) -> Q:
    """In any of the (at least one) ranges."""
    parts = []
    for since, until in ranges:
        part = Q(**{f"{field}__lt": until})
        parts.append(part if since is None else part & Q(**{f"{field}__gte": since}))
    return reduce(operator.or_, parts)


def _sums(reported: Q | None, completed: Q | None) -> dict:
    figures = {}
    if reported is not None:
        figures["reported"] = Count("pk", filter=reported)
        figures["cancelled"] = Count("pk", filter=reported & Q(status=Status.CANCELLED))
    if completed is not None:
        every = _figures(among=completed, repeats=False)
        figures.update({name: every[name] for name in COMPLETED_SUMS})
    return figures


def order_sums(
    ids: Iterable[int] | QuerySet | None, ranges: Ranges, *, monthly: bool = False
) -> list[dict]:
    """The ORDER_SUMS of the orders of the communities (ids, a queryset of their ids, or all
    when None) over the
    ranges, one dict per community ("community") — or per community and local month
    ("community", "month": the month an order was reported in for the reported counts, the
    month it was completed in for the rest) when `monthly`. One query, two when monthly."""
    orders = RepairOrder.objects.order_by()
    if ids is not None:
        orders = orders.filter(community_id__in=ids)
    reported = _within("created_at", ranges)
    completed = Q(status=Status.COMPLETED) & _within("completed_at", ranges)
    if not monthly:
        return [
            {"community": row.pop("community_id"), **{k: v or 0 for k, v in row.items()}}
            for row in orders.filter(reported | completed)
            .values("community_id")
            .annotate(**_sums(reported, completed))
        ]
    rows: dict[tuple, dict] = {}
    for moment, condition, figures in (
        ("created_at", reported, _sums(reported, None)),
        ("completed_at", completed, _sums(None, completed)),
    ):
        grouped = (
            orders.filter(condition)
            .annotate(month=TruncMonth(moment))
            .values("community_id", "month")
            .annotate(**figures)
        )
        for row in grouped:
            month = timezone.localtime(row.pop("month")).date()
            key = (row.pop("community_id"), month)
            sums = rows.setdefault(key, dict.fromkeys(ORDER_SUMS, 0))
            for name, value in row.items():
                sums[name] += value or 0
    return [{"community": pk, "month": month, **sums} for (pk, month), sums in rows.items()]


def summary_from_sums(sums: dict) -> SummaryWithSums:
    """The summary whose ORDER_SUMS are `sums` (missing ones zero), averages derived from the
    sums as `communities_summary` does."""
    totals = {name: sums.get(name) or 0 for name in SUMMED}
    values = _combined([totals])
    del values["repeated"]  # the platform figures have no repeats (as communities_summary)
    return SummaryWithSums.from_values(
        values,
        reported=sums.get("reported") or 0,
        cancelled=sums.get("cancelled") or 0,
        totals=totals,
    )

"""The business figures of the platform (PSTA-2): repairs, money, activities, services,
complaints and suggestions of a set of communities over a period, for the statistics page and
the analysis reports.

Nothing is computed twice: each figure is the one its app already answers per community
(repairs.performance, billing.reports.queries, services.attendance / services.bookings,
complaints.figures), asked once for all the communities together. The totals (key None) add
the numerators and denominators up and derive their rates from the sums, never by averaging
the communities' rates. A fixed number of queries whatever the number of communities or rows."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DateField, DateTimeField, F, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least, TruncMonth
from django.utils import timezone

from accounts.models import Community
from billing.reports import queries as billing_figures
from billing.reports.queries import grouped_sums, summed_rows
from complaints.figures import selectors as complaint_selectors
from repairs import performance
from services.attendance.selectors import (
    Participation,
    participation_by_month,
    participation_figures,
)
from services.bookings.selectors import BookingFigures, booking_figures

from ..figures import BusinessFigures
from ..scope import Period, _add_months
from .models import BusinessRollup, DailyPayments, MonthlyBills, MonthlyRepairs

HOURS = Decimal("0.1")
SCORE = Decimal("0.01")
RATE = Decimal("0.0001")
ZERO = Decimal("0.00")
# The charts show at least this many months, ending with the period's last.
SERIES_MONTHS = 12


def _ids(communities: QuerySet[Community] | Iterable[Community | int]) -> list[int]:
    if isinstance(communities, QuerySet):
        return list(communities.order_by().values_list("pk", flat=True))
    return [getattr(community, "pk", community) for community in communities]


def _decimal(value: float | Decimal | None, places: Decimal) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(places, rounding=ROUND_HALF_UP)


def _ratio(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE, rounding=ROUND_HALF_UP)


def _hours(seconds: float | Decimal | None) -> Decimal | None:
    return None if seconds is None else _decimal(Decimal(str(seconds)) / 3600, HOURS)


def _figures(
    repairs: performance.SummaryWithSums,
    money: billing_figures.Figures,
    by_method: dict[str, Decimal],
    activities: Participation,
    bookings: BookingFigures,
    complaints: complaint_selectors.ComplaintFigures,
    themes: list[tuple[str, int]],
) -> BusinessFigures:
    totals = repairs.totals
    sums, suggestions = complaints.complaints, complaints.suggestions
    return BusinessFigures(
        repairs=repairs.reported,
        repairs_finished=repairs.completed,
        repairs_overdue=totals.get("timed", 0) - totals.get("on_time", 0),
        repair_on_time_rate=_ratio(totals.get("on_time", 0), totals.get("timed", 0)),
        repair_accept_hours=_hours(repairs.avg_response_seconds),
        repair_finish_hours=_hours(repairs.avg_finish_seconds),
        repair_rating=_decimal(repairs.avg_rating, SCORE),
        repair_ratings=repairs.ratings,
        billed=money.billed,
        collected=money.collected,
        arrears=money.arrears,
        collection_rate=_decimal(money.rate, RATE),
        received=money.received_total,
        collected_by_method=by_method,
        activities=activities.activities,
        activity_signups=activities.participants,
        activity_attendance=activities.checked_in,
        attendance_rate=activities.attendance_rate,
        bookings=bookings.bookings,
        bookings_completed=bookings.completed,
        booking_rating=bookings.rating,
        booking_reviews=bookings.reviews,
        complaints=sums.filed,
        complaints_closed=sums.closed,
        complaint_close_hours=_hours(sums.avg_close_seconds),
        complaint_satisfaction=sums.avg_satisfaction,
        complaints_rated=sums.rated,
        complaint_themes=themes,
        suggestions=suggestions.submitted,
        suggestions_adopted=suggestions.taken_up,
        suggestions_decided=suggestions.decided,
        suggestion_adoption_rate=suggestions.adoption_rate,
    )


def business_figures(
    communities: QuerySet[Community] | Iterable[Community | int], period: Period
) -> dict[int | None, BusinessFigures]:
    """{community id: its figures} for every community asked for, and {None: the total of all
    of them}. Thirteen queries whatever the number of communities, orders, bills or people.

    Repairs reported in the period, and the figures (times, on time, ratings) of those
    completed in it; bills of the period (billed, collected against them, the collection
    rate) and money received in it by method; activities held in it; bookings made and reviews
    written in it; complaints filed and suggestions submitted in it."""
    ids = _ids(communities)
    start, last = period.start, period.last_day
    repairs = repairs_by_community(ids, start, period.end)
    money, methods = money_by_community(ids, start, period.end)
    activities = participation_figures(ids, start, last)
    bookings = booking_figures(ids, start, last)
    complaints = complaint_selectors.complaint_figures(ids, start, last)
    themes = complaint_selectors.complaint_themes(ids, start, last)
    figures: dict[int | None, BusinessFigures] = {
        pk: _figures(
            repairs[pk],
            money[pk],
            methods[pk],
            activities[pk],
            bookings[pk],
            complaints[pk],
            themes[pk],
        )  # fmt: skip
        for pk in ids
    }
    figures[None] = _figures(*_totals(ids, repairs, money, methods, activities, bookings,
                                      complaints, themes))  # fmt: skip
    return figures


def _totals(ids, repairs, money, methods, activities, bookings, complaints, themes) -> tuple:
    """Each app's figures of all the communities added up into one of the same kind."""
    money_total = billing_figures.Figures(label="")
    by_method: Counter = Counter()
    theme_counts: Counter = Counter()
    for pk in ids:
        money_total.add(money[pk])
        by_method.update(methods[pk])
        theme_counts.update(dict(themes[pk]))
    participation = Participation(
        community_id=0,
        **{
            name: sum(getattr(activities[pk], name) for pk in ids)
            for name in ("activities", "signups", "participants", "checked_in")
        },
    )
    booking = BookingFigures(
        community_id=0,
        **{
            name: sum(getattr(bookings[pk], name) for pk in ids)
            for name in ("bookings", "completed", "reviews", "rating_sum")
        },
    )
    complaint = complaint_selectors.ComplaintFigures(
        community_id=0,
        complaints=complaint_selectors.ComplaintSums.added(complaints[pk].complaints for pk in ids),
        suggestions=complaint_selectors.SuggestionSums.added(
            complaints[pk].suggestions for pk in ids
        ),
    )
    return (
        performance.SummaryWithSums.added(repairs[pk] for pk in ids),
        money_total,
        {method: amount for method, amount in by_method.items() if amount},
        participation,
        booking,
        complaint,
        sorted(theme_counts.items(), key=lambda pair: (-pair[1], pair[0])),
    )


# --- Money: the roll-up's closed months and days, the rest raw ----------------------------------

# The roll-up is trusted for this long after its run; an older one (the nightly task stopped)
# is ignored: the pages read the raw tables, slower but never stale.
ROLLUP_MAX_AGE = dt.timedelta(hours=36)
BILL_FIGURES = ("bills", "billed", "waived", "collected", "arrears")
ITEM_FIGURES = ("received", "late_fees")
CENT = Decimal("0.01")


def _month_up(day: dt.date) -> dt.date:
    return day if day.day == 1 else _add_months(day.replace(day=1), 1)


def rollup() -> BusinessRollup | None:
    """The run of the roll-up the figures read, None when none is recent enough (one query)."""
    return _trusted_runs().first()


def _trusted_runs():
    cutoff = timezone.now() - ROLLUP_MAX_AGE
    return BusinessRollup.objects.filter(finished_at__gte=cutoff).order_by("-finished_at")


def _run(field: str, output_field) -> Subquery:
    """`field` of the newest finished run of the roll-up recent enough to trust, NULL when
    there is none: a subquery, so that reading the roll-up and the raw rows after it is one
    query."""
    return Subquery(_trusted_runs().values(field)[:1], output_field=output_field)


def _between(low, value, high, output_field):
    """value bounded to [low, high], low when it is NULL."""
    low, high = Value(low, output_field=output_field), Value(high, output_field=output_field)
    return Greatest(
        low, Least(high, Coalesce(value, low), output_field=output_field),
        output_field=output_field,
    )  # fmt: skip


def _bill_rows(ids: list[int], start: dt.date, end: dt.date, by: tuple[str, ...]) -> list[dict]:
    """The bills of [start, end) summed per `by`, from the roll-up for its whole closed months
    and raw for the rest (a month's first days when `start` is not a month's first, the open
    months, all when no run is trusted): one query."""
    first = min(_month_up(start), end)  # the period's whole months: [first, last)
    last = max(first, end.replace(day=1))
    through = _between(first, _run("months_through", DateField()), last, DateField())
    rolled = grouped_sums(
        MonthlyBills.objects.filter(community_id__in=ids, month__gte=first, month__lt=through),
        {"community": F("community_id"), "month": F("month")},
        by,
        {name: Sum(name) for name in BILL_FIGURES},
    )
    ranges = [(start, first)] if start < first else []
    raw = billing_figures.bill_sums(ids, [*ranges, (through, end)], by)
    return summed_rows(raw.union(rolled, all=True), by)


def _received_rows(ids: list[int], start: dt.date, end: dt.date, by: tuple[str, ...]) -> list[dict]:
    """The money received in [start, end) summed per `by`, from the roll-up for the days it
    has and raw from then on (all raw when no run is trusted): one query."""
    zone = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(end, dt.time.min, tzinfo=zone)
    through = _between(start, _run("days_through", DateField()), end, DateField())
    rolled = grouped_sums(
        DailyPayments.objects.filter(community_id__in=ids, day__gte=start, day__lt=through),
        {
            "community": F("community_id"),
            "method": F("method"),
            "day": F("day"),
            "month": TruncMonth("day"),
        },  # fmt: skip
        by,
        {name: Sum(name) for name in ITEM_FIGURES},
    )
    moment = _between(since, _run("received_before", DateTimeField()), until, DateTimeField())
    raw = billing_figures.received_sums(ids, [(moment, until)], by)
    return summed_rows(raw.union(rolled, all=True), by)


def _added(rows: list[dict], by: tuple[str, ...]) -> dict[tuple, dict]:
    """The rows' figures added up per their `by` keys."""
    added: dict[tuple, dict] = {}
    for row in rows:
        sums = added.setdefault(tuple(row[name] for name in by), {})
        for name, value in row.items():
            if name not in by:
                sums[name] = sums.get(name, 0) + value
    return added


def money_by_community(
    ids: list[int], start: dt.date, end: dt.date
) -> tuple[dict[int, billing_figures.Figures], dict[int, dict[str, Decimal]]]:
    """The collection figures of [start, end) of each community, and the money it received by
    method: two queries (the bills, and the payments per community and method: one scan for
    both), each reading the roll-up and the raw rows after it."""
    if not ids:
        return {}, {}
    bills = _added(_bill_rows(ids, start, end, ("community",)), ("community",))
    items = _added(
        _received_rows(ids, start, end, ("community", "method")), ("community", "method")
    )
    figures = {pk: billing_figures.Figures(label="", key=pk, **bills.get((pk,), {})) for pk in ids}
    by_method: dict[int, dict[str, Decimal]] = {pk: {} for pk in ids}
    for (pk, method), sums in items.items():
        received, late_fees = sums.get("received", ZERO), sums.get("late_fees", ZERO)
        figures[pk].received += received
        figures[pk].late_fees += late_fees
        if received + late_fees:
            by_method[pk][method] = received + late_fees
    return figures, by_method


# --- Repairs: the roll-up's closed months, the rest raw --------------------------------------------


def _repair_rows(
    ids: list[int] | QuerySet, start: dt.date, end: dt.date, monthly: bool
) -> list[dict]:
    """The repairs.performance.ORDER_SUMS of the orders of [start, end) per community (and
    month when `monthly`), from the roll-up for its whole closed months and raw for the rest
    (a month's first days when `start` is not a month's first, the open months, all when no
    run is trusted): two queries, three when monthly."""
    zone = timezone.get_current_timezone()

    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.min, tzinfo=zone)

    first = min(_month_up(start), end)  # the period's whole months: [first, last)
    last = max(first, end.replace(day=1))
    # Both bounded alike, so the rolled months end where the raw moments begin.
    through = _between(first, _run("months_through", DateField()), last, DateField())
    before = _between(
        midnight(first), _run("months_before", DateTimeField()), midnight(last), DateTimeField()
    )
    keys = ("community_id", "month") if monthly else ("community_id",)
    rolled = [
        {"community": row.pop("community_id"), **row}
        for row in MonthlyRepairs.objects.filter(
            community_id__in=ids, month__gte=first, month__lt=through
        )
        .order_by()
        .values(*keys)
        .annotate(**{name: Sum(name) for name in performance.ORDER_SUMS})
    ]
    ranges = [(midnight(start), midnight(first))] if start < first else []
    raw = performance.order_sums(ids, [*ranges, (before, midnight(end))], monthly=monthly)
    return rolled + raw


def repairs_by_community(
    ids: list[int], start: dt.date, end: dt.date
) -> dict[int, performance.SummaryWithSums]:
    """What `performance.communities_summary` says of [start, end) for each community, read
    from the roll-up and the raw orders after it (two queries)."""
    sums = _added(_repair_rows(ids, start, end, False), ("community",)) if ids else {}
    return {pk: performance.summary_from_sums(sums.get((pk,), {})) for pk in ids}


# --- Monthly series for the charts ---------------------------------------------------------------


def series_months(period: Period) -> list[dt.date]:
    """The first days of the months a chart shows: the period's months, and at least the
    SERIES_MONTHS months ending with the period's last (a month alone is no trend)."""
    last = period.last_day.replace(day=1)
    first = min(period.start.replace(day=1), _add_months(last, 1 - SERIES_MONTHS))
    months, month = [], first
    while month <= last:
        months.append(month)
        month = _add_months(month, 1)
    return months


@dataclass(frozen=True)
class MonthlySeries:
    months: list[dt.date]
    rows: list[dict]  # one per month: "month" and the figures

    @property
    def labels(self) -> list[str]:
        return [f"{month:%Y-%m}" for month in self.months]

    def values(self, key: str) -> list:
        return [row[key] for row in self.rows]


def _window(period: Period) -> tuple[list[dt.date], dt.date, dt.date]:
    months = series_months(period)
    return months, months[0], _add_months(months[-1], 1)


def repairs_by_month(communities, period: Period) -> MonthlySeries:
    """Orders reported and completed per month (three queries: the roll-up's months, and the
    raw orders after them by month reported and by month completed; none for the
    communities)."""
    months, start, end = _window(period)
    # A queryset of communities is read as a subquery: no query of its own.
    ids = (
        communities.order_by().values("pk")
        if isinstance(communities, QuerySet)
        else _ids(communities)
    )
    counts = _added(_repair_rows(ids, start, end, True), ("month",))
    rows = []
    for month in months:
        sums = counts.get((month,), {})
        rows.append(
            {"month": month, "reported": sums.get("reported", 0),
             "completed": sums.get("completed", 0)}
        )  # fmt: skip
    return MonthlySeries(months, rows)


def money_by_month(communities, period: Period) -> MonthlySeries:
    """Billed (bills of the month), collected against them, and the collection rate (two
    queries: bills and payments, each reading the roll-up and the raw rows after it)."""
    months, start, end = _window(period)
    ids = _ids(communities)
    bills = _added(_bill_rows(ids, start, end, ("month",)), ("month",)) if ids else {}
    items = _added(_received_rows(ids, start, end, ("month",)), ("month",)) if ids else {}
    rows = [
        billing_figures.Figures(
            label=f"{month:%Y-%m}",
            key=month,
            **bills.get((month,), {}),
            **items.get((month,), {}),
        )  # fmt: skip
        for month in months
    ]
    return MonthlySeries(
        months,
        [
            {
                "month": row.key,
                "billed": row.billed,
                "collected": row.collected,
                "received": row.received_total,
                "rate": row.rate,
            }  # fmt: skip
            for row in rows
        ],
    )


def attendance_by_month(communities, period: Period) -> MonthlySeries:
    """People signed up to the month's activities and how many came (one query)."""
    months, start, end = _window(period)
    counts = participation_by_month(_ids(communities), start, end - dt.timedelta(days=1))
    rows = []
    for month in months:
        row = counts.get(month, {"participants": 0, "checked_in": 0})
        rows.append({"month": month, **row, "rate": _ratio(row["checked_in"], row["participants"])})
    return MonthlySeries(months, rows)


def complaints_by_month(communities, period: Period) -> MonthlySeries:
    """Complaints filed (and closed of them) and suggestions submitted per month (two
    queries)."""
    months, start, end = _window(period)
    counts = complaint_selectors.complaints_by_month(
        _ids(communities), start, end - dt.timedelta(days=1)
    )
    zero = {"filed": 0, "closed": 0, "suggestions": 0}
    return MonthlySeries(months, [{"month": m, **counts.get(m, zero)} for m in months])

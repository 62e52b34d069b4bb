"""The figures of the user statistics (PSTA-1): sign-ups, the funnel, active users and how
often each feature is used, for a set of communities over a period, in a bounded number of
queries whatever the number of communities or rows.

Additive figures (user-days, feature days, daily active users) read the nightly roll-up
(UsageSummary) for the days it covers and the raw rows (UsageDay) for the days after (today).
Distinct users over a span (active users of a period, of a week or a month) cannot be added up
from days; they are counted on the raw rows, through the (day, community, user) index.

The whole platform (an unfiltered queryset of communities, Scope().communities()) also counts
what belongs to no community: accounts without a room and residents not yet verified."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts import selectors as accounts_selectors
from accounts.models import Community, SignupChannel
from platform_admin.figures import CHANNELS, FEATURES, UsageFigures
from platform_admin.scope import MONTH, QUARTER, RANGE, YEAR, Period, today

from .models import FEATURE_LABELS, UsageDay, UsageSummary

DAY, WEEK, MONTHLY = "day", "week", "month"
TWO_PLACES = Decimal("0.01")


def _ids_and_whole(communities: QuerySet[Community] | Iterable) -> tuple[list[int], bool]:
    if isinstance(communities, QuerySet):
        whole = not communities.query.has_filters()
        return list(communities.order_by().values_list("pk", flat=True)), whole
    return [getattr(each, "pk", each) for each in communities], False


def _ratio(numerator: int | Decimal, denominator: int) -> Decimal:
    if not denominator:
        return Decimal("0")
    return (Decimal(numerator) / denominator).quantize(TWO_PLACES, ROUND_HALF_UP)


def elapsed_days(period: Period) -> int:
    """The days of the period up to today (all of them for a past period, at least one)."""
    last = min(period.end, today() + dt.timedelta(days=1))
    return max((last - period.start).days, 1)


def last_rolled_up_day() -> dt.date | None:
    return UsageSummary.objects.aggregate(last=Max("day"))["last"]


def _split(period_start: dt.date, period_end: dt.date) -> tuple[dt.date, dt.date]:
    """[start, boundary) is read from the roll-up, [boundary, end) from the raw rows."""
    last = last_rolled_up_day()
    boundary = period_start if last is None else last + dt.timedelta(days=1)
    return period_start, min(max(boundary, period_start), period_end)


def _community_filter(ids: list[int], whole: bool) -> Q:
    return Q() if whole else Q(community_id__in=ids)


def _day_sums(ids: list[int], whole: bool, start: dt.date, end: dt.date, by: str) -> list[dict]:
    """User-days and feature days grouped by `by` ("community" or "day"): the roll-up for the
    days it covers, the raw rows after. Three queries."""
    _, boundary = _split(start, end)
    where = _community_filter(ids, whole)
    summed = (
        UsageSummary.objects.filter(where, day__gte=start, day__lt=boundary)
        .values(by)
        .annotate(user_days=Sum("active_users"), **{f: Sum(f) for f in FEATURES})
        .order_by()
    )
    raw = (
        UsageDay.objects.filter(where, day__gte=boundary, day__lt=end)
        .values(by)
        .annotate(
            user_days=Count("pk"), **{f: Count("pk", filter=Q(**{f: True})) for f in FEATURES}
        )
        .order_by()
    )
    rows = list(summed) if boundary > start else []
    if boundary < end:
        rows += list(raw)
    return rows


def _distinct_rows(
    ids: list[int], whole: bool, period: Period, by_community: bool
) -> tuple[list[dict], dict]:
    """Distinct active users and users of each feature per community, and together (a user
    active in two communities counts once). Two queries."""
    rows = UsageDay.objects.filter(
        _community_filter(ids, whole), day__gte=period.start, day__lt=period.end
    )
    counts = {
        "active": Count("user", distinct=True),
        **{f: Count("user", distinct=True, filter=Q(**{f: True})) for f in FEATURES},
    }
    grouped = list(rows.values("community").annotate(**counts).order_by()) if by_community else []
    return grouped, rows.aggregate(**counts)


def usage_figures(
    communities: QuerySet[Community] | Iterable, period: Period, *, by_community: bool = True
) -> dict[int | None, UsageFigures]:
    """UsageFigures per community id and for all of them together (None), in ten queries;
    with by_community=False only the total is filled (seven queries)."""
    ids, whole = _ids_and_whole(communities)
    figures: dict[int | None, UsageFigures] = {
        key: UsageFigures(
            signups_by_channel=dict.fromkeys(CHANNELS, 0),
            feature_users=dict.fromkeys(FEATURES, 0),
            feature_days=dict.fromkeys(FEATURES, 0),
        )
        for key in [*ids, None]
    }
    start, end = period.bounds()
    _add_signups(figures, ids, whole, start, end, by_community=by_community)
    for key, count in accounts_selectors.resident_counts(end, ids, by_community).items():
        figures[key].residents = count
    # Distinct active users.
    grouped, together = _distinct_rows(ids, whole, period, by_community)
    for key, row in [*((row["community"], row) for row in grouped if row["community"]),
                     (None, together)]:  # fmt: skip
        figures[key].active_users = row["active"] or 0
        figures[key].feature_users = {f: row[f] or 0 for f in FEATURES}
    _add_user_days(figures, ids, whole, period)
    return figures


def _add_signups(figures, ids, whole, start, end, *, by_community: bool) -> None:
    """Sign-ups and the funnel: per community, then together."""
    rows = [
        (row["community"], row)
        for row in (
            accounts_selectors.signup_counts(start, end, ids, by_community=True)
            if by_community
            else []
        )
    ] + [
        (None, row)
        for row in accounts_selectors.signup_counts(
            start, end, None if whole else ids, by_community=False
        )
    ]
    for key, row in rows:
        each = figures[key]
        each.signups += row["signups"]
        each.signups_by_channel[row["channel"]] = (
            each.signups_by_channel.get(row["channel"], 0) + row["signups"]
        )
        each.requested_room += row["requested"]
        each.verified += row["verified"]


def _add_user_days(figures, ids, whole, period: Period) -> None:
    """User-days and feature days (additive: from the roll-up and today's rows), and the
    averages drawn from them."""
    user_days = dict.fromkeys(figures, 0)
    for row in _day_sums(ids, whole, period.start, period.end, "community"):
        keys = [None] if row["community"] is None else [row["community"], None]
        for key in keys:
            user_days[key] += row["user_days"] or 0
            for f in FEATURES:
                figures[key].feature_days[f] += row[f] or 0
    days = elapsed_days(period)
    for key, each in figures.items():
        each.daily_active_average = _ratio(user_days[key], days)
        each.active_days_per_user = _ratio(user_days[key], each.active_users)


# --- Series for the charts ---------------------------------------------------------------------


@dataclass
class UsageBucket:
    """One day, week or month of a period (clipped to the period): sign-ups, distinct active
    users (DAU, WAU or MAU by the grain), user-days and the feature days in it."""

    start: dt.date
    end: dt.date  # exclusive
    label: str
    signups: int = 0
    active_users: int = 0
    user_days: int = 0
    feature_days: dict[str, int] | None = None

    @property
    def short_label(self) -> str:
        """For a chart's axis: 12-01, or 3月 for a month."""
        return f"{self.start.month}月" if self.label[4:5] == "-" else self.label

    @property
    def daily_active_average(self) -> Decimal:
        last = min(self.end, today() + dt.timedelta(days=1))
        return _ratio(self.user_days, max((last - self.start).days, 1))


def default_grain(period: Period) -> str:
    if period.kind == MONTH or (period.kind not in (QUARTER, YEAR) and period.days <= 62):
        return DAY
    if period.kind == QUARTER or period.days <= 190:
        return WEEK
    return MONTHLY


def buckets(period: Period, grain: str) -> list[UsageBucket]:
    result = []
    start = period.start
    while start < period.end:
        if grain == DAY:
            following, label = start + dt.timedelta(days=1), f"{start:%m-%d}"
        elif grain == WEEK:
            following = start + dt.timedelta(days=7 - start.weekday())
            label = f"{start:%m-%d}"
        else:
            following = (start.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
            label = f"{start:%Y-%m}"
        result.append(UsageBucket(start, min(following, period.end), label,
                                  feature_days=dict.fromkeys(FEATURES, 0)))  # fmt: skip
        start = following
    return result


def usage_series(
    communities: QuerySet[Community] | Iterable, period: Period, grain: str | None = None
) -> list[UsageBucket]:
    """The period in days, weeks (from Monday) or months: sign-ups, daily/weekly/monthly active
    users, user-days and feature days. Six queries whatever the period."""
    ids, whole = _ids_and_whole(communities)
    grain = grain or default_grain(period)
    series = [bucket for bucket in buckets(period, grain) if bucket.start <= today()]
    index = {}
    for position, bucket in enumerate(series):
        for offset in range((bucket.end - bucket.start).days):
            index[bucket.start + dt.timedelta(days=offset)] = position
    start, end = period.bounds()
    for day, count in accounts_selectors.signups_per_day(
        start, end, None if whole else ids
    ).items():
        if day in index:
            series[index[day]].signups += count
    for row in _day_sums(ids, whole, period.start, period.end, "day"):
        if row["day"] not in index:
            continue
        bucket = series[index[row["day"]]]
        bucket.user_days += row["user_days"] or 0
        for f in FEATURES:
            bucket.feature_days[f] += row[f] or 0
    if grain == DAY:
        for bucket in series:
            bucket.active_users = bucket.user_days  # one row per user and day
        return series
    trunc = TruncWeek("day") if grain == WEEK else TruncMonth("day")
    distinct = (
        UsageDay.objects.filter(
            _community_filter(ids, whole), day__gte=period.start, day__lt=period.end
        )
        .annotate(bucket=trunc)
        .values("bucket")
        .annotate(active=Count("user", distinct=True))
        .order_by()
    )
    for row in distinct:
        first = row["bucket"]
        first = first.date() if isinstance(first, dt.datetime) else first
        if max(first, period.start) in index:
            series[index[max(first, period.start)]].active_users = row["active"]
    return series


# --- The operators' page 用户统计 ---------------------------------------------------------------


@dataclass
class Card:
    label: str
    value: int | Decimal | str
    change: str = ""  # against the previous period, e.g. "+12.5 %" or "−3"


@dataclass
class Table:
    """A table of the page, also a sheet of its Excel export."""

    title: str
    headers: list[str]
    rows: list[list]
    numbers_from: int = 1  # columns from this one are numbers (right-aligned)


@dataclass
class UsagePage:
    figures: UsageFigures
    previous: UsageFigures
    by_community: dict[int | None, UsageFigures]
    series: list[UsageBucket]
    grain: str
    cards: list[Card]
    tables: dict[str, Table]
    to_date: bool = False  # compared with the same first days of the previous period


def _change(now: int | Decimal, before: int | Decimal) -> str:
    if not before:
        return ""  # nothing to compare with
    ratio = (Decimal(now) - Decimal(before)) / Decimal(before) * 100
    return f"{ratio:+.1f}%"


def _percent(part: int, whole: int) -> str:
    return f"{Decimal(part) / whole * 100:.1f}%" if whole else "—"


ACTIVE_HEADERS = {
    DAY: lambda: _("Daily active users"),
    WEEK: lambda: _("Weekly active users"),
    MONTHLY: lambda: _("Monthly active users"),
}


def comparable_previous(period: Period) -> Period:
    """The period to compare with: the previous one, or while this one is running, as many of
    its first days as have passed of this one (the first ten days of last month on the 10th)."""
    previous = period.previous()
    elapsed = elapsed_days(period)
    if elapsed >= period.days:
        return previous
    return Period(
        RANGE, previous.start, min(previous.end, previous.start + dt.timedelta(days=elapsed))
    )


def usage_page(scope, period: Period, grain: str | None = None) -> UsagePage:
    """Everything the page and its export show, in a bounded number of queries (about thirty:
    the figures of the period and of the one before, and the series)."""
    communities = list(scope.communities())
    queryset = scope.communities()
    figures_now = usage_figures(queryset, period)
    before = usage_figures(queryset, comparable_previous(period), by_community=False)[None]
    now = figures_now[None]
    grain = grain or default_grain(period)
    series = usage_series(queryset, period, grain)
    cards = [
        Card(pgettext("accounts opened", "Sign-ups"), now.signups, _change(now.signups, before.signups)),
        Card(_("Verified"), now.verified, _change(now.verified, before.verified)),
        Card(_("Active users"), now.active_users, _change(now.active_users, before.active_users)),
        Card(_("Daily active (average)"), now.daily_active_average,
             _change(now.daily_active_average, before.daily_active_average)),
        Card(_("Active days per user"), now.active_days_per_user,
             _change(now.active_days_per_user, before.active_days_per_user)),
        Card(pgettext("statistics", "Residents"), now.residents, _change(now.residents, before.residents)),
    ]  # fmt: skip
    bucket_header = {DAY: _("Day"), WEEK: _("Week from"), MONTHLY: _("Month")}[grain]
    active_header = ACTIVE_HEADERS[grain]()
    tables = {
        "signups": Table(
            pgettext("accounts opened", "Sign-ups"),
            [bucket_header, pgettext("accounts opened", "Sign-ups")],
            [[b.label, b.signups] for b in series],
        ),  # fmt: skip
        "active": Table(
            _("Active users"),
            [bucket_header, active_header, _("Daily active (average)")],
            [[b.label, b.active_users, b.daily_active_average] for b in series],
        ),
        "channels": Table(
            _("Sign-ups by channel"),
            [_("Channel"), pgettext("accounts opened", "Sign-ups"), _("Share")],
            [
                [
                    str(SignupChannel(c).label),
                    now.signups_by_channel.get(c, 0),
                    _percent(now.signups_by_channel.get(c, 0), now.signups),
                ]
                for c in CHANNELS
            ],
        ),  # fmt: skip
        "funnel": Table(
            _("From sign-up to verified room"),
            [pgettext("funnel", "Step"), _("People"), _("Of sign-ups")],
            [
                [_("Signed up"), now.signups, _percent(now.signups, now.signups)],
                [
                    _("Asked to bind a room"),
                    now.requested_room,
                    _percent(now.requested_room, now.signups),
                ],
                [_("Verified"), now.verified, _percent(now.verified, now.signups)],
            ],
        ),  # fmt: skip
        "features": Table(
            _("Use of each feature"),
            [_("Feature"), _("Users"), _("Of active users"), _("User-days"), _("Days per user")],
            [
                [
                    str(FEATURE_LABELS[f]),
                    now.feature_users[f],
                    _percent(now.feature_users[f], now.active_users),
                    now.feature_days[f],
                    _ratio(now.feature_days[f], now.feature_users[f]),
                ]
                for f in FEATURES
            ],
        ),  # fmt: skip
    }
    if scope.community is None:
        tables["communities"] = Table(
            _("By community"),
            [_("Community"), _("Property company"), pgettext("accounts opened", "Sign-ups"), _("Verified"), pgettext("statistics", "Residents"),
             _("Active users"), _("Of residents"), _("Daily active (average)")],
            [
                [c.name, c.company.name, f.signups, f.verified, f.residents, f.active_users,
                 _percent(f.active_users, f.residents), f.daily_active_average]
                for c in communities
                for f in [figures_now[c.pk]]
            ],
            numbers_from=2,
        )  # fmt: skip
    return UsagePage(now, before, figures_now, series, grain, cards, tables,
                     to_date=elapsed_days(period) < period.days)  # fmt: skip

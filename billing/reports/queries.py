"""Arrears and collection figures, computed in the database with a fixed number of queries
however many rooms and bills a community has.

A report covers a period [start, end) of whole months and two kinds of money:
- the bills *of* the period (published bills whose period starts in it): billed, waived,
  collected against them so far, and what is still owed (arrears);
- the money *received in* the period (successful payments paid in it), whatever bills it
  paid: bill amounts and late fees.
"""

import datetime as dt
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from accounts.models import Building, Community

from .. import rules
from ..models import Bill, FeeKind, Payment, PaymentItem
from ..rules import yuan

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
UNPAID = Q(status__in=Bill.UNPAID_STATUSES)


def money_text(value: Decimal | None) -> str:
    """¥1,234.50, and ¥0.00 for no amount (a report's empty cell is a zero)."""
    return yuan(value or ZERO)


def rate_text(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _sum(expression, condition: Q | None = None) -> Coalesce:
    return Coalesce(
        Sum(expression, filter=condition, output_field=MONEY_FIELD),
        Value(ZERO),
        output_field=MONEY_FIELD,
    )


def _fen(values: dict) -> dict:
    """Sums to the fen. (SQLite sums decimals as floats and Django hands back 15 significant
    digits, e.g. 95669.8999999997; PostgreSQL's numeric is exact already.)"""
    return {
        key: value.quantize(CENT) if isinstance(value, Decimal) else value
        for key, value in values.items()
    }


def outstanding() -> F:
    return F("amount") - F("paid_amount")


# --- The arrears list's summary ------------------------------------------------------------------


@dataclass(frozen=True)
class ArrearsSummary:
    bills: int
    outstanding: Decimal
    overdue: int
    late_fees: Decimal


def arrears_summary(bills: QuerySet[Bill], today: dt.date) -> ArrearsSummary:
    """Count, what is owed, how many are overdue and the late fees accrued to `today`, over
    the whole filtered set (two queries).

    The late fees are summed per (due date, daily rate, cap) group: for bills sharing those,
    min(owed × rate × days, owed × cap) adds up exactly, so the total equals the sum of
    `rules.late_fee` per bill except for its rounding of each bill to the fen."""
    bills = bills.order_by()
    figures = _fen(
        bills.aggregate(
            bills=Count("pk"),
            outstanding=_sum(outstanding(), UNPAID),
            overdue=Count("pk", filter=UNPAID & Q(due_date__lt=today)),
        )
    )
    groups = (
        bills.filter(UNPAID, due_date__lt=today, late_fee_daily_rate__gt=0)
        .values("due_date", "late_fee_daily_rate", "late_fee_cap_rate")
        .annotate(owed=_sum(outstanding()))
    )
    late_fees = ZERO
    for group in groups:
        days = (today - group["due_date"]).days
        share = group["late_fee_daily_rate"] * days
        if group["late_fee_cap_rate"] > 0:
            share = min(share, group["late_fee_cap_rate"])
        owed = group["owed"].quantize(CENT)
        if owed > 0:
            late_fees += owed * share
    return ArrearsSummary(
        bills=figures["bills"],
        outstanding=figures["outstanding"],
        overdue=figures["overdue"],
        late_fees=rules.to_fen(late_fees),
    )


# --- Collection reports -------------------------------------------------------------------------


@dataclass
class Figures:
    """One row of a collection report."""

    label: str
    key: object = None
    bills: int = 0
    billed: Decimal = ZERO
    waived: Decimal = ZERO
    collected: Decimal = ZERO
    arrears: Decimal = ZERO
    received: Decimal = ZERO
    late_fees: Decimal = ZERO

    @property
    def rate(self) -> Decimal | None:
        """Collected ÷ what was to be collected (billed less waived and refunded bills)."""
        due = self.collected + self.arrears
        return (self.collected / due) if due else None

    @property
    def received_total(self) -> Decimal:
        return self.received + self.late_fees

    def add(self, other: "Figures") -> None:
        for name in ("bills", "billed", "waived", "collected", "arrears", "received",
                     "late_fees"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class CollectionReport:
    community: Community
    start: dt.date
    end: dt.date  # exclusive
    total: Figures
    by_kind: list[Figures]
    by_building: list[Figures]
    by_month: list[Figures] = field(default_factory=list)

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def _community_filter(community: Community | list[int], field: str = "community") -> Q:
    """One community, or the communities of a list of ids (the platform statistics)."""
    if isinstance(community, list):
        return Q(**{f"{field}_id__in": community})
    return Q(**{field: community})


def _bills_of(community: Community | list[int], start: dt.date, end: dt.date) -> QuerySet[Bill]:
    return (
        Bill.objects.filter(
            _community_filter(community), period_start__gte=start, period_start__lt=end
        )
        .exclude(status=Bill.Status.DRAFT)
        .order_by()
    )


def _items_received(
    community: Community | list[int], start: dt.date, end: dt.date
) -> QuerySet[PaymentItem]:
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end, dt.time.min, tzinfo=tz)
    return PaymentItem.objects.filter(
        _community_filter(community, "payment__community"),
        payment__status=Payment.Status.SUCCEEDED,
        payment__unapplied=False,  # money for bills already paid is on its way back
        payment__paid_at__gte=since,
        payment__paid_at__lt=until,
    ).order_by()


BILL_FIGURES = {
    "bills": Count("pk"),
    "billed": _sum("amount"),
    "waived": _sum("amount", Q(status=Bill.Status.WAIVED)),
    "collected": _sum("paid_amount"),
    "arrears": _sum(outstanding(), UNPAID),
}
# What was received and kept: refunds (whole or partial) are taken off.
ITEM_FIGURES = {
    "received": _sum(F("amount") - F("refunded_amount")),
    "late_fees": _sum(F("late_fee") - F("refunded_late_fee")),
}


def _grouped(
    bills: QuerySet[Bill], items: QuerySet[PaymentItem], bill_key, item_key
) -> dict[object, dict]:
    """{group key: figures} from one query over the bills and one over the payment items."""
    grouped: dict[object, dict] = {}
    for row in bills.annotate(group=bill_key).values("group").annotate(**BILL_FIGURES):
        grouped.setdefault(_day(row.pop("group")), {}).update(_fen(row))
    for row in items.annotate(group=item_key).values("group").annotate(**ITEM_FIGURES):
        grouped.setdefault(_day(row.pop("group")), {}).update(_fen(row))
    return grouped


def _day(value):
    """A month truncated from a datetime column comes back as an aware datetime."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def collection_report(
    community: Community, start: dt.date, end: dt.date, *, by_month: bool = False
) -> CollectionReport:
    """The period's figures by fee kind and by building (five queries), and by month (two
    more) when asked. Totals add the rows up, so they always agree with them."""
    bills = _bills_of(community, start, end)
    items = _items_received(community, start, end)

    kinds = _grouped(bills, items, F("kind"), F("bill__kind"))
    by_kind = [
        Figures(label=str(label), key=value, **kinds[value])
        for value, label in FeeKind.choices
        if value in kinds
    ]

    buildings = _grouped(bills, items, F("room__building"), F("bill__room__building"))
    names = _building_names(set(buildings))
    by_building = [
        Figures(label=names[pk][1], key=pk, **figures)
        for pk, figures in sorted(buildings.items(), key=lambda pair: names[pair[0]])
    ]

    total = Figures(label="")
    for row in by_kind:
        total.add(row)

    months = []
    if by_month:
        per_month = _grouped(
            bills, items, TruncMonth("period_start"), TruncMonth("payment__paid_at")
        )
        month = start
        while month < end:
            months.append(Figures(label=f"{month:%Y-%m}", key=month, **per_month.get(month, {})))
            month = add_months(month, 1)
    return CollectionReport(
        community=community, start=start, end=end, total=total, by_kind=by_kind,
        by_building=by_building, by_month=months,
    )  # fmt: skip


def _building_names(keys: set) -> dict[int, tuple]:
    """(sort order, name) of the buildings that have figures: one query."""
    if not keys:
        return {}
    return {
        building.pk: (building.sort_order, building.name)
        for building in Building.objects.filter(pk__in=keys).only("pk", "sort_order", "name")
    }


# --- Sums for the platform's business roll-up (PSTA-2) -------------------------------------------

BILL_KEYS = {"community": F("community_id"), "month": TruncMonth("period_start")}
ITEM_KEYS = {
    "community": F("payment__community_id"),
    "method": F("payment__method"),
    "day": TruncDate("payment__paid_at"),
    "month": TruncMonth(TruncDate("payment__paid_at")),  # a date, as the roll-up's
}
# [start, end) bounds: values or expressions; start None is from the beginning.
Ranges = Iterable[tuple[object, object]]


def _in_ranges(field: str, ranges: Ranges) -> Q:
    parts = []
    for start, end in ranges:
        part = Q(**{f"{field}__lt": end})
        if start is not None:
            part &= Q(**{f"{field}__gte": start})
        parts.append(part)
    return reduce(operator.or_, parts)


def grouped_sums(queryset: QuerySet, keys: dict, by: tuple[str, ...], figures: dict) -> QuerySet:
    """`queryset` summed per `by` (names of `keys`): a values() queryset of key_<name> columns
    and the figures, to run or to unite with another of the same columns."""
    rows = queryset.order_by().annotate(**{f"key_{name}": keys[name] for name in by})
    return rows.values(*(f"key_{name}" for name in by)).annotate(**figures)


def summed_rows(rows: Iterable[dict], by: tuple[str, ...]) -> list[dict]:
    """The rows of `grouped_sums` as {name: key, figure: value}, months and days as dates and
    sums to the fen."""
    return [{**{name: _day(row.pop(f"key_{name}")) for name in by}, **_fen(row)} for row in rows]


def bill_sums(ids: list[int] | None, ranges: Ranges, by: tuple[str, ...]) -> QuerySet:
    """The published bills whose period starts in any of the [start, end) ranges of days (of
    every community when `ids` is None), summed per `by` ("community", "month"): bills,
    billed, waived, collected, arrears (see `grouped_sums`)."""
    bills = Bill.objects.exclude(status=Bill.Status.DRAFT).filter(
        _in_ranges("period_start", ranges)
    )
    if ids is not None:
        bills = bills.filter(community_id__in=ids)
    return grouped_sums(bills, BILL_KEYS, by, BILL_FIGURES)


def received_sums(ids: list[int] | None, ranges: Ranges, by: tuple[str, ...]) -> QuerySet:
    """The money received and kept (refunds taken off; late fees apart) in any of the
    [start, end) ranges of moments, summed per `by` ("community", "method", "day", "month"
    in local time): received, late_fees (see `grouped_sums`)."""
    items = PaymentItem.objects.filter(
        _in_ranges("payment__paid_at", ranges),
        payment__status=Payment.Status.SUCCEEDED,
        payment__unapplied=False,
    )
    if ids is not None:
        items = items.filter(payment__community_id__in=ids)
    return grouped_sums(items, ITEM_KEYS, by, ITEM_FIGURES)

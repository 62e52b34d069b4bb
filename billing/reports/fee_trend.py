"""The resident's fee trend (BIL-2): monthly amounts per fee kind of the user's rooms, as
numbers for the page's table and as an SVG drawn by matplotlib on the server.

The SVG is cached until the rooms' bills change: the cache key holds a version made of a
cheap aggregate over those bills (count, newest id, latest publication and payment, the sum
paid), so a new, paid, waived or refunded bill makes a new key and the old entry expires."""

import datetime as dt
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache as django_cache
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kit.fonts import matplotlib_font

from ..models import Bill, FeeKind

TREND_MONTHS = (12, 24)
# What was billed: published bills, paid or not. Drafts were never sent; waived and refunded
# bills were not charged in the end.
CHART_STATUSES = (*Bill.UNPAID_STATUSES, Bill.Status.PAID)
CACHE_SECONDS = 7 * 24 * 3600
# Part of the cache key and ETag: change it when the drawing changes, so no old chart is served.
CHART_STYLE = "2"
KIND_COLOURS = {
    FeeKind.PROPERTY: "#0e8a6a",
    FeeKind.WATER: "#3b82f6",
    FeeKind.ELECTRICITY: "#f59e0b",
    FeeKind.GAS: "#ef4444",
    FeeKind.PARKING: "#8b5cf6",
    FeeKind.FIXED: "#64748b",
}


@dataclass(frozen=True)
class Scope:
    """Whose bills a trend is drawn from: a filter on Bill, and text that names it in the cache
    key (billing.selectors.trend_scope_for_user: a household's own time in its rooms)."""

    filter: Q
    key: str
    empty: bool = False


def _scope(rooms: Scope | Iterable[int]) -> Scope:
    """A Scope as is, or every bill of these room ids."""
    if isinstance(rooms, Scope):
        return rooms
    ids = sorted(rooms)
    return Scope(filter=Q(room_id__in=ids), key=",".join(str(pk) for pk in ids), empty=not ids)


@dataclass
class Trend:
    months: list[dt.date]
    kinds: list[str]
    amounts: dict[tuple[dt.date, str], Decimal] = field(default_factory=dict)

    def amount(self, month: dt.date, kind: str) -> Decimal:
        return self.amounts.get((month, kind), Decimal("0.00"))

    def month_total(self, month: dt.date) -> Decimal:
        return sum((self.amount(month, kind) for kind in self.kinds), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), Decimal("0.00"))

    @property
    def billed_months(self) -> list[dt.date]:
        return [
            month for month in self.months if any((month, k) in self.amounts for k in self.kinds)
        ]

    @property
    def kind_labels(self) -> list[tuple[str, str]]:
        return [(kind, str(FeeKind(kind).label)) for kind in self.kinds]

    def rows(self) -> list[dict]:
        """The table: one row per month with bills, newest first."""
        return [
            {
                "month": month,
                "amounts": [self.amount(month, kind) for kind in self.kinds],
                "total": self.month_total(month),
            }
            for month in reversed(self.billed_months)
        ]


def month_window(months: int, today: dt.date) -> list[dt.date]:
    """The first days of the last `months` months, oldest first, ending with this month."""
    year, month = today.year, today.month
    firsts = []
    for _step in range(months):
        firsts.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return firsts[::-1]


def monthly_amounts(rooms: Scope | Iterable[int], months: int, today: dt.date) -> Trend:
    """Billed amounts by month of the period's start and fee kind, in one aggregate query."""
    window = month_window(months, today)
    rows = (
        Bill.objects.filter(
            _scope(rooms).filter,
            status__in=CHART_STATUSES,
            period_start__gte=window[0],
            period_start__lt=_next_month(window[-1]),
        )
        .annotate(month=TruncMonth("period_start"))
        .values("month", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    amounts = {(row["month"], row["kind"]): row["total"] for row in rows}
    present = {kind for _month, kind in amounts}
    return Trend(
        months=window,
        kinds=[kind for kind in FeeKind.values if kind in present],
        amounts=amounts,
    )


def _next_month(first: dt.date) -> dt.date:
    return (
        dt.date(first.year + 1, 1, 1) if first.month == 12 else first.replace(month=first.month + 1)
    )


def data_version(rooms: Scope | Iterable[int]) -> str:
    """Changes whenever a bill of these rooms is added, published, paid, waived or refunded."""
    version = (
        Bill.objects.filter(_scope(rooms).filter)
        .exclude(status=Bill.Status.DRAFT)
        .aggregate(
            count=Count("pk"),
            charged=Count("pk", filter=Q(status__in=CHART_STATUSES)),
            newest=Max("pk"),
            published=Max("published_at"),
            paid=Max("paid_at"),
            paid_sum=Sum("paid_amount"),
        )
    )
    text = "|".join(str(version[key]) for key in sorted(version))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def trend_svg(
    rooms: Scope | Iterable[int], months: int, today: dt.date, *, version: str | None = None
) -> str:
    """The chart of these rooms, drawn only when the cache has none for their current data
    (`version`, from data_version, when the caller has it already)."""
    scope = _scope(rooms)
    version = version or data_version(scope)
    key = (
        "billing:trend:"
        + hashlib.sha256(
            f"{CHART_STYLE}|{scope.key}|{months}|{today:%Y-%m}|{get_language()}|{version}".encode()
        ).hexdigest()
    )
    svg = django_cache.get(key)
    if svg is None:
        svg = draw_trend(monthly_amounts(scope, months, today))
        django_cache.set(key, svg, CACHE_SECONDS)
    return svg


def _month_label(month: dt.date, index: int) -> str:
    """ "25/12", then "1", "2" … with the year again each January."""
    if index == 0 or month.month == 1:
        return f"{month.year % 100}/{month.month}"
    return str(month.month)


def draw_trend(trend: Trend) -> str:
    """Stacked monthly bars per fee kind. Text is drawn as paths (svg.fonttype "path"), so
    the Chinese labels show on phones without Chinese fonts, e.g. inside WeChat."""
    import matplotlib

    # Imported here: matplotlib weighs tens of MB in every web worker. The object API: no
    # pyplot, no global state, no GUI.
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    with matplotlib.rc_context(
        {
            "font.family": [matplotlib_font().get_name(), "DejaVu Sans"],
            "font.size": 9,
            "svg.fonttype": "path",
            "svg.hashsalt": "linli-trend",  # the same data gives the same bytes
            "axes.unicode_minus": False,
        }
    ):
        figure = Figure(figsize=(4.8, 3.3))
        axes = figure.add_subplot()
        positions = list(range(len(trend.months)))
        bottoms = [0.0] * len(trend.months)
        for kind, label in trend.kind_labels:
            # float only to place bars on the canvas; every number shown is a Decimal
            heights = [float(trend.amount(month, kind)) for month in trend.months]
            axes.bar(
                positions, heights, bottom=bottoms, width=0.7, label=label,
                color=KIND_COLOURS.get(kind, "#94a3b8"),
            )  # fmt: skip
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
        step = 1 if len(trend.months) <= 12 else 3
        axes.set_xticks(positions[::step])
        axes.set_xticklabels([_month_label(m, i) for i, m in enumerate(trend.months)][::step])
        axes.set_ylabel(_("Yuan"))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))
        axes.spines[["top", "right"]].set_visible(False)
        axes.spines[["left", "bottom"]].set_color("#cbd5e1")
        axes.tick_params(colors="#475569", length=2)
        axes.grid(axis="y", color="#e2e8f0", linewidth=0.6)
        axes.set_axisbelow(True)
        axes.set_xlim(-0.6, len(trend.months) - 0.4)
        if trend.kinds:
            axes.set_ylim(0, max(bottoms) * 1.12 or 1)
            axes.legend(
                frameon=False, ncols=min(3, len(trend.kinds)), loc="lower left",
                bbox_to_anchor=(0, 1.0), borderaxespad=0.2, handlelength=1, columnspacing=1,
            )  # fmt: skip
        else:
            axes.set_ylim(0, 1)
            axes.set_yticks([])
            axes.text(
                0.5, 0.5, _("No bills in this period"), transform=axes.transAxes,
                ha="center", va="center", fontsize=10, color="#64748b",
            )  # fmt: skip
        figure.tight_layout(pad=0.4)
        output = io.StringIO()
        figure.savefig(output, format="svg", metadata={"Date": None}, transparent=True)
    return output.getvalue()

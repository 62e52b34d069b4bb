"""The collection report's chart as SVG: billed and collected bars per building (monthly) or
per month (annual), with the collection rate as a line on its own axis.

Drawn with matplotlib's object API on the Agg canvas (no pyplot: no global state shared
between requests). Text is turned into paths, so the SVG shows Chinese without fonts on the
viewer's machine."""

import io

import matplotlib
from django.utils.translation import gettext as _
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from kit.fonts import matplotlib_font

from .queries import Figures

BILLED_COLOUR = "#9bb8d9"
COLLECTED_COLOUR = "#2f6fb2"
RATE_COLOUR = "#e07b39"
GRID_COLOUR = "#e5e7eb"
MAX_BARS = 40  # more buildings than this and the chart keeps the largest by amount billed


def _yuan(value: float, _position) -> str:
    return f"{value:,.0f}"


def collection_chart(rows: list[Figures], *, title: str, fmt: str = "svg") -> bytes:
    """The chart of `rows` (one group of bars each) as SVG, or PNG with fmt="png"."""
    if len(rows) > MAX_BARS:
        rows = sorted(rows, key=lambda row: row.billed, reverse=True)[:MAX_BARS]
    width = max(11.0, min(14.0, 2.5 + 0.55 * len(rows)))
    figure = Figure(figsize=(width, 3.6), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    small, normal = matplotlib_font(10), matplotlib_font(11)

    labels = [row.label for row in rows]
    positions = list(range(len(rows)))
    bar = 0.38
    billed = [float(row.billed) for row in rows]
    collected = [float(row.collected) for row in rows]
    axes.bar([x - bar / 2 for x in positions], billed, bar, color=BILLED_COLOUR,
             label=_("Amount billed"))  # fmt: skip
    axes.bar([x + bar / 2 for x in positions], collected, bar, color=COLLECTED_COLOUR,
             label=_("Amount collected"))  # fmt: skip
    axes.set_xticks(positions, labels)
    for label in axes.get_xticklabels():
        label.set_fontproperties(small)
        if len(rows) > 12:
            label.set_rotation(45)
            label.set_horizontalalignment("right")
    axes.yaxis.set_major_formatter(FuncFormatter(_yuan))
    for label in axes.get_yticklabels():
        label.set_fontproperties(small)
    axes.set_ylabel(_("Amount (yuan)"), fontproperties=small)
    axes.grid(axis="y", color=GRID_COLOUR, linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    # Headroom above the bars keeps the rate line (near 100 % most months) clear of them.
    highest = max(billed + collected, default=0)
    if highest > 0:
        axes.set_ylim(0, highest * 1.3)
    if not rows:
        axes.set_xticks([])
        axes.text(0.5, 0.5, _("No bills in this period."), transform=axes.transAxes,
                  ha="center", va="center", fontproperties=normal, color="#6b7280")  # fmt: skip
        axes.set_ylim(0, 1)

    rate_axes = axes.twinx()
    rates = [float(row.rate) if row.rate is not None else float("nan") for row in rows]
    rate_axes.plot(positions, rates, color=RATE_COLOUR, marker="o", markersize=4, linewidth=1.6,
                   label=_("Collection rate"))  # fmt: skip
    rate_axes.set_ylim(0, 1.08)
    rate_axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    for label in rate_axes.get_yticklabels():
        label.set_fontproperties(small)
        label.set_color(RATE_COLOUR)
    rate_axes.spines["top"].set_visible(False)

    handles = axes.get_legend_handles_labels()
    rate_handles = rate_axes.get_legend_handles_labels()
    figure.legend(handles[0] + rate_handles[0], handles[1] + rate_handles[1],
                  loc="upper right", ncols=3, prop=small, frameon=False)  # fmt: skip
    figure.suptitle(title, x=0.01, ha="left", fontproperties=matplotlib_font(12.5))
    figure.tight_layout(rect=(0, 0, 1, 0.98))

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "linli"}):
        figure.savefig(
            buffer, format=fmt, metadata=_metadata(fmt), dpi=200 if fmt == "png" else "figure"
        )
    return buffer.getvalue()


def _metadata(fmt: str) -> dict:
    # No creation date: the same figures give the same bytes.
    return {"Date": None} if fmt == "svg" else {}

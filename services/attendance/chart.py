"""An activity's turnout by building as SVG: people signed up and people checked in, one pair
of bars per building. matplotlib's object API on the Agg canvas (no pyplot, no state shared
between requests), the CJK font of kit/fonts.py, text as paths (the SVG needs no fonts)."""

import io

import matplotlib
from django.utils.translation import gettext as _
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from kit.fonts import matplotlib_font

from .selectors import BuildingTurnout

SIGNED_UP_COLOUR = "#9bb8d9"
CHECKED_IN_COLOUR = "#2f6fb2"
GRID_COLOUR = "#e5e7eb"
MAX_BARS = 40  # more buildings than this and the chart keeps those with most people


def turnout_chart(rows: list[BuildingTurnout], *, title: str) -> bytes:
    if len(rows) > MAX_BARS:
        rows = sorted(rows, key=lambda row: row.people, reverse=True)[:MAX_BARS]
    figure = Figure(figsize=(max(9.0, min(14.0, 2.5 + 0.6 * len(rows))), 3.2), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    small = matplotlib_font(10)
    positions = list(range(len(rows)))
    bar = 0.38
    axes.bar([x - bar / 2 for x in positions], [row.people for row in rows], bar,
             color=SIGNED_UP_COLOUR, label=_("People signed up"))  # fmt: skip
    axes.bar([x + bar / 2 for x in positions], [row.checked_in for row in rows], bar,
             color=CHECKED_IN_COLOUR, label=_("Checked in"))  # fmt: skip
    axes.set_xticks(positions, [row.name for row in rows])
    for label in axes.get_xticklabels() + axes.get_yticklabels():
        label.set_fontproperties(small)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel(_("People"), fontproperties=small)
    axes.grid(axis="y", color=GRID_COLOUR, linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if rows:
        # A few buildings keep slim bars instead of filling the width.
        axes.set_xlim(-0.7, max(len(rows), 6) - 0.3)
        figure.legend(loc="upper right", ncols=2, prop=small, frameon=False)
    else:
        axes.set_xticks([])
        axes.set_ylim(0, 1)
        axes.text(0.5, 0.5, _("No confirmed sign-ups yet."), transform=axes.transAxes,
                  ha="center", va="center", fontproperties=matplotlib_font(11),
                  color="#6b7280")  # fmt: skip
    figure.suptitle(title, x=0.01, ha="left", fontproperties=matplotlib_font(12))
    figure.tight_layout(rect=(0, 0, 1, 0.98))
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "linli"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()

"""Charts of the operators' pages and reports: bars or lines over labelled points, drawn with
matplotlib's object API on the Agg canvas (no pyplot state shared between requests) and the
CJK font of kit/fonts.py. SVG for pages (text as paths: Chinese shows without fonts on the
viewer's machine), PNG for the PDF reports."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import cache

from kit.fonts import matplotlib_font

# matplotlib is imported where a chart is drawn: it weighs tens of MB in every web worker,
# and only the operators' pages and reports draw charts.

PALETTE = ("#2f6fb2", "#0e8a6a", "#e07b39", "#9b59b6", "#c0392b", "#7f8c8d")
GRID_COLOUR = "#e5e7eb"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | int | None]
    kind: str = "bar"  # "bar" or "line"
    secondary: bool = False  # on a second axis at the right (a rate beside counts)


def chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str = "",
    y_label: str = "",
    secondary_label: str = "",
    secondary_percent: bool = False,
    fmt: str = "svg",
    width: float = 10.0,
    height: float = 3.4,
) -> bytes:
    """One chart: bars side by side and/or lines over `labels`. Rates on the secondary axis as
    percentages with `secondary_percent` (values as fractions)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100 if fmt == "svg" else 150)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    other = axes.twinx() if any(item.secondary for item in series) else None
    small = matplotlib_font(9)
    handles = _draw(axes, other, labels, series)
    _style_axes(axes, labels, y_label, small)
    if other is not None:
        _style_secondary(other, secondary_label, secondary_percent, small)
    if title:
        axes.set_title(title, fontproperties=matplotlib_font(11), loc="left")
    if len(series) > 1:
        # Room above the tallest bar for the legend, which sits inside the plot at the top.
        for target in filter(None, (axes, other)):
            target.set_ylim(top=target.get_ylim()[1] * 1.2)
        axes.legend(handles=handles, prop=small, frameon=False, loc="upper left",
                    ncols=min(len(series), 4))  # fmt: skip
    figure.tight_layout()
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "linli"}):
        figure.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()


def _draw(axes, other, labels: Sequence[str], series: Sequence[Series]) -> list:
    """Each series as bars (side by side) or a line, on its axis; the legend's handles."""
    positions = list(range(len(labels)))
    bars = [item for item in series if item.kind == "bar"]
    bar_width = 0.8 / max(len(bars), 1)
    handles = []
    for index, item in enumerate(series):
        target = other if item.secondary and other is not None else axes
        colour = PALETTE[index % len(PALETTE)]
        values = [float("nan") if value is None else float(value) for value in item.values]
        if item.kind == "line":
            (handle,) = target.plot(positions, values, marker="o", markersize=3, color=colour,
                                    label=item.name)  # fmt: skip
        else:
            offset = (bars.index(item) - (len(bars) - 1) / 2) * bar_width
            handle = target.bar([x + offset for x in positions], values, bar_width, color=colour,
                                label=item.name)  # fmt: skip
        handles.append(handle)
    return handles


def _style_axes(axes, labels: Sequence[str], y_label: str, small) -> None:
    positions = list(range(len(labels)))
    step = max(1, len(labels) // 16)
    axes.set_xticks(positions[::step], [labels[i] for i in positions[::step]])
    for label in axes.get_xticklabels() + axes.get_yticklabels():
        label.set_fontproperties(small)
    if len(labels) > 12:
        for label in axes.get_xticklabels():
            label.set_rotation(45)
            label.set_horizontalalignment("right")
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _position: f"{value:,.0f}"))
    # Whole ticks: the labels show no decimals, so 0.5 steps would read "0, 0, 1, 1, 2".
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(bottom=0)
    if y_label:
        axes.set_ylabel(y_label, fontproperties=small)
    axes.grid(axis="y", color=GRID_COLOUR, linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _style_secondary(other, secondary_label: str, secondary_percent: bool, small) -> None:
    other.set_ylim(bottom=0)
    if secondary_percent:
        from matplotlib.ticker import PercentFormatter

        other.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    if secondary_label:
        other.set_ylabel(secondary_label, fontproperties=small)
    for label in other.get_yticklabels():
        label.set_fontproperties(small)
    other.spines["top"].set_visible(False)


CACHE_SECONDS = 24 * 3600


def cached_chart(labels: Sequence[str], series: Sequence[Series], **options) -> bytes:
    """`chart`, drawn once for the same labels, series and options and then taken from the
    cache (matplotlib takes a fifth of a second a chart; a closed period's numbers never
    change, a running one's only now and then)."""
    spec = repr((list(labels), [(s.name, [str(v) for v in s.values], s.kind, s.secondary)
                                for s in series], sorted(options.items())))  # fmt: skip
    key = "chart:" + hashlib.sha256(spec.encode()).hexdigest()
    drawn = cache.get(key)
    if drawn is None:
        drawn = chart(labels, series, **options)
        cache.set(key, drawn, CACHE_SECONDS)
    return drawn

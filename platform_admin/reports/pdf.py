"""The analysis report as a PDF (A4 portrait, reportlab platypus, the CJK font of kit.fonts):
a cover, the key figures against the previous period, the written findings, charts with their
numbers, the table by community (for a company or the platform), page numbers and a footer.

Like the findings, the document is written in Chinese: it is a report for Chinese property
managers whose sentences are built from numbers and counting words, not an interface that
switches language."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from kit.fonts import reportlab_font_name
from platform_admin.charts import Series, chart

from . import findings as rules
from .findings import METRIC, SUMMARY, Finding, ScopeFigures

INK = colors.HexColor("#1f2937")
MUTED = colors.HexColor("#6b7280")
ACCENT = colors.HexColor("#2f6fb2")
HEADER_FILL = colors.HexColor("#eef2f7")
LINE = colors.HexColor("#c8d0db")
TONE_COLOURS = {rules.GOOD: "#0e8a6a", rules.BAD: "#c0392b", rules.NEUTRAL: "#2f6fb2"}
# The findings' groups, in the order a manager wants to read them.
GROUPS = (
    (rules.BAD, "（一）需要关注的问题"),
    (rules.GOOD, "（二）向好的方面"),
    (rules.NEUTRAL, "（三）其他情况"),
)
MARGIN = 18 * mm
PRODUCT = "邻里智慧社区"


def _escape(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "base", fontName=font, fontSize=10.5, leading=17, textColor=INK, wordWrap="CJK"
    )
    return {
        "base": base,
        "cover_kicker": ParagraphStyle(
            "kicker", parent=base, fontSize=12, textColor=MUTED, alignment=TA_CENTER, leading=18
        ),  # fmt: skip
        "cover_title": ParagraphStyle(
            "cover_title",
            parent=base,
            fontSize=26,
            leading=36,
            alignment=TA_CENTER,
            textColor=ACCENT,
        ),  # fmt: skip
        "cover_sub": ParagraphStyle(
            "cover_sub", parent=base, fontSize=15, leading=24, alignment=TA_CENTER
        ),  # fmt: skip
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontSize=15,
            leading=22,
            spaceBefore=10,
            spaceAfter=6,
            textColor=ACCENT,
            keepWithNext=1,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontSize=11.5,
            leading=17,
            spaceBefore=8,
            spaceAfter=4,
            keepWithNext=1,
        ),  # fmt: skip
        "cover_point": ParagraphStyle(
            "cover_point",
            parent=base,
            fontSize=10,
            leading=16,
            leftIndent=12,
            firstLineIndent=-12,
            spaceAfter=4,
        ),  # fmt: skip
        "finding": ParagraphStyle(
            "finding", parent=base, leftIndent=14, firstLineIndent=-14, spaceAfter=5
        ),  # fmt: skip
        "note": ParagraphStyle("note", parent=base, fontSize=8.5, leading=13, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=12),
    }


def _table(data: list[list], widths: Sequence[float], font: str, *, total: bool = False) -> Table:
    table = Table(data, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, LINE),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, LINE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if total:
        style += [
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, MUTED),
            ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f8fafc")),
        ]
    table.setStyle(TableStyle(style))
    return table


def _image(png: bytes, width: float, max_height: float) -> Image:
    image = Image(io.BytesIO(png))
    scale = min(width / image.imageWidth, max_height / image.imageHeight)
    image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
    image.hAlign = "LEFT"
    return image


# --- the charts, each with the numbers it draws ---

COMPARED = ("repairs", "complaints", "activities", "bookings", "signups")


def chart_current_vs_previous(current: ScopeFigures, previous: ScopeFigures, period_label: str,
                              previous_label: str) -> tuple[bytes, list[list[str]]]:  # fmt: skip
    metrics = [METRIC[key] for key in COMPARED]
    now = [metric.value(current) or 0 for metric in metrics]
    before = [metric.value(previous) or 0 for metric in metrics]
    png = chart(
        [metric.label for metric in metrics],
        [Series(previous_label, before), Series(period_label, now)],
        title="本期与上期的业务量",
        fmt="png",
        width=8.5,
        height=3.2,
    )
    rows = [["指标", previous_label, period_label]]
    rows += [[m.label, m.show(b), m.show(n)] for m, b, n in zip(metrics, before, now, strict=True)]
    return png, rows


def chart_rates_by_community(
    current: ScopeFigures, names: dict[int, str]
) -> tuple[bytes, list[list[str]]]:
    labels = list(names.values())
    rate = METRIC["collection_rate"]
    on_time = METRIC["repair_on_time_rate"]
    png = chart(
        labels,
        [
            Series("收缴率", [_fraction(rate.value(current, pk)) for pk in names]),
            Series("报修按时完成率", [_fraction(on_time.value(current, pk)) for pk in names]),
        ],
        title="各小区收缴率与报修按时完成率（%）",
        fmt="png",
        width=8.5,
        height=3.2,
    )
    rows = [["小区", "收缴率", "报修按时完成率"]]
    rows += [
        [name, rate.show(rate.value(current, pk)), on_time.show(on_time.value(current, pk))]
        for pk, name in names.items()
    ]
    return png, rows


def _fraction(value: Decimal | None) -> float | None:
    return None if value is None else float(value) * 100


def chart_themes(current: ScopeFigures) -> tuple[bytes, list[list[str]]] | None:
    total = current.business_of(None)
    themes = sorted(total.complaint_themes, key=lambda item: (-item[1], item[0]))[:6]
    if not themes:
        return None
    png = chart(
        [name for name, _number in themes],
        [Series("件数", [number for _name, number in themes])],
        title="投诉建议的主题",
        fmt="png",
        width=8.5,
        height=2.8,
    )
    rows = [["主题", "件数", "占比"]]
    rows += [
        [name, rules.count(number), rules.percent(rules.ratio(number, total.complaints))]
        for name, number in themes
    ]
    return png, rows


def chart_features(current: ScopeFigures) -> tuple[bytes, list[list[str]]] | None:
    usage = current.usage_of(None)
    if not any(usage.feature_users.values()):
        return None
    keys = [key for key in rules.FEATURE_LABELS if key in usage.feature_users]
    labels = [rules.FEATURE_LABELS[key] for key in keys]
    png = chart(
        labels,
        [
            Series("使用人数", [usage.feature_users.get(key, 0) for key in keys]),
            Series("使用人天", [usage.feature_days.get(key, 0) for key in keys]),
        ],
        title="各功能的使用",
        fmt="png",
        width=8.5,
        height=2.8,
    )
    rows = [["功能", "使用人数", "使用人天"]]
    rows += [
        [label, rules.count(usage.feature_users.get(key, 0)),
         rules.count(usage.feature_days.get(key, 0))]
        for label, key in zip(labels, keys, strict=True)
    ]  # fmt: skip
    return png, rows


def charts(
    current: ScopeFigures,
    previous: ScopeFigures,
    names: dict[int, str],
    period_label: str,
    previous_label: str,
) -> list[tuple[str, bytes, list[list[str]]]]:
    """(heading, PNG, numbers table) for each chart the scope has data for."""
    made = []
    png, rows = chart_current_vs_previous(current, previous, period_label, previous_label)
    made.append(("本期与上期对比", png, rows))
    if len(names) > 1:
        made.append(("各小区对比", *chart_rates_by_community(current, names)))
    themes = chart_themes(current)
    if themes is not None:
        made.append(("投诉建议主题", *themes))
    features = chart_features(current)
    if features is not None:
        made.append(("功能使用情况", *features))
    return made


# --- the document ---

COMMUNITY_COLUMNS = (
    ("repairs", "报修"),
    ("repair_on_time_rate", "按时率"),
    ("repairs_overdue", "超时"),
    ("collected", "实收"),
    ("collection_rate", "收缴率"),
    ("complaints", "投诉建议"),
    ("complaint_satisfaction", "满意度"),
    ("active_users", "活跃用户"),
)


def community_rows(current: ScopeFigures, names: dict[int, str]) -> list[list[str]]:
    rows = [["小区", *[label for _key, label in COMMUNITY_COLUMNS]]]
    for pk, name in [*names.items(), (None, "合计")]:
        cells = []
        for key, _label in COMMUNITY_COLUMNS:
            metric = METRIC[key]
            value = metric.value(current, pk)
            cells.append(metric.show(value).removesuffix(metric.suffix))
        rows.append([name, *cells])
    return rows


def summary_rows(current: ScopeFigures, previous: ScopeFigures) -> list[list[str]]:
    rows = [["指标", "本期", "上期", "变化"]]
    for key in SUMMARY:
        metric = METRIC[key]
        now, before = metric.value(current), metric.value(previous)
        moved = rules.change(now, before)
        rows.append([metric.label, metric.show(now), metric.show(before),
                     rules.change_text(metric, moved)])  # fmt: skip
    return rows


def _summary_table(current: ScopeFigures, previous: ScopeFigures, font: str, width: float):
    table = _table(summary_rows(current, previous), [width * 0.34] + [width * 0.22] * 3, font)
    # The change in green where it is good news, in red where it needs attention.
    for row, key in enumerate(SUMMARY, start=1):
        metric = METRIC[key]
        moved = rules.change(metric.value(current), metric.value(previous))
        if moved.comparable and moved.difference:
            colour = colors.HexColor(TONE_COLOURS[rules.tone_of(metric, moved.difference)])
            if rules.tone_of(metric, moved.difference) != rules.NEUTRAL:
                table.setStyle(TableStyle([("TEXTCOLOR", (3, row), (3, row), colour)]))
    return table


def report_pdf(
    *,
    title: str,
    scope_label: str,
    period_label: str,
    previous_label: str,
    current: ScopeFigures,
    previous: ScopeFigures,
    names: dict[int, str],
    found: list[Finding],
    generated_at: dt.datetime | None = None,
) -> bytes:
    font = reportlab_font_name()
    styles = _styles(font)
    generated_at = timezone.localtime(generated_at or timezone.now())
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=16 * mm,
        bottomMargin=18 * mm, title=title, author=PRODUCT, subject=f"{scope_label} {period_label}",
    )  # fmt: skip
    width = document.width
    story: list = [
        Spacer(1, 60 * mm),
        Paragraph(_escape(PRODUCT), styles["cover_kicker"]),
        Spacer(1, 6 * mm),
        Paragraph(_escape(title), styles["cover_title"]),
        Spacer(1, 6 * mm),
        Paragraph(_escape(scope_label), styles["cover_sub"]),
        Spacer(1, 30 * mm),
        _cover_table(
            [
                ("报告范围", scope_label),
                ("报告期间", f"{period_label}（对比：{previous_label}）"),
                ("生成时间", f"{generated_at:%Y-%m-%d %H:%M}"),
                ("结论条数", f"{len(found)}条"),
            ],
            font,
            width,
        ),
        *cover_points(found, styles),
        PageBreak(),
        Paragraph("一、主要指标", styles["h1"]),
        _summary_table(current, previous, font, width),
        Spacer(1, 3 * mm),
        Paragraph(
            "变化：金额与件数按增减幅度计，比率按百分点计，评分按分值计；上期没有数据时记为“—”。",
            styles["note"],
        ),
    ]
    if len(names) > 1:
        rows = community_rows(current, names)
        first = width * 0.2
        rest = (width - first) / (len(rows[0]) - 1)
        table = _table(rows, [first] + [rest] * (len(rows[0]) - 1), font, total=True)
        heading = Paragraph("各小区主要指标", styles["h2"])
        # A short table stays whole with its heading; a long one breaks across pages.
        if len(rows) < 30:
            story.append(KeepTogether([heading, table]))
        else:
            story += [heading, table]
    story.append(Paragraph("二、分析结论", styles["h1"]))
    story += findings_story(found, styles)
    story += [CondPageBreak(110 * mm), Paragraph("三、图表", styles["h1"])]
    for number, (heading, png, rows) in enumerate(
        charts(current, previous, names, period_label, previous_label), start=1
    ):
        block = [Paragraph(f"{number}. {_escape(heading)}", styles["h2"]),
                 _image(png, width, 78 * mm)]  # fmt: skip
        if rows:
            columns = len(rows[0])
            block += [Spacer(1, 2 * mm),
                      _table(rows, [width * 0.34] + [width * 0.66 / (columns - 1)] * (columns - 1),
                             font)]  # fmt: skip
        story.append(KeepTogether(block))
    decorate = _page_decoration(font, f"{PRODUCT} · {title}", generated_at)
    document.build(story, onFirstPage=_cover_decoration(font), onLaterPages=decorate)
    return buffer.getvalue()


def cover_points(found: list[Finding], styles: dict[str, ParagraphStyle]) -> list:
    """The three weightiest findings on the cover, for the reader who reads only that."""
    if not found:
        return []
    points = [Spacer(1, 12 * mm), Paragraph("本期要点", styles["h2"])]
    points += [
        Paragraph(f"· {_escape(finding.text)}", styles["cover_point"]) for finding in found[:3]
    ]
    return points


def findings_story(found: list[Finding], styles: dict[str, ParagraphStyle]) -> list:
    """The findings grouped: what needs attention, what went well, the rest; weightiest first
    in each group, numbered through."""
    if not found:
        return [Paragraph("本期数据不足，没有可以得出的结论。", styles["base"])]
    counts = {tone: sum(1 for item in found if item.tone == tone) for tone, _title in GROUPS}
    story = [
        Paragraph(
            f"根据本期与上期的数据，共得出{len(found)}条结论，其中需要关注{counts[rules.BAD]}条，"
            f"向好{counts[rules.GOOD]}条，其他情况{counts[rules.NEUTRAL]}条。",
            styles["base"],
        )
    ]
    number = 0
    for tone, title in GROUPS:
        group = [item for item in found if item.tone == tone]
        if not group:
            continue
        story.append(Paragraph(title, styles["h2"]))
        colour = TONE_COLOURS[tone]
        for finding in group:
            number += 1
            story.append(
                Paragraph(
                    f'<font color="{colour}">{number}.</font> {_escape(finding.text)}',
                    styles["finding"],
                )
            )
    story.append(Paragraph("结论由系统按规则从本期与上期的数据生成，供管理参考。", styles["note"]))
    return story


def _cover_table(rows: list[tuple[str, str]], font: str, width: float) -> Table:
    table = Table([[label, value] for label, value in rows],
                  colWidths=[width * 0.25, width * 0.55], hAlign="CENTER")  # fmt: skip
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 11),
                ("TEXTCOLOR", (0, 0), (0, -1), MUTED),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, LINE),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _cover_decoration(font: str):
    def draw(canvas, document):
        canvas.saveState()
        canvas.setFillColor(ACCENT)
        canvas.rect(0, document.pagesize[1] - 12 * mm, document.pagesize[0], 12 * mm, stroke=0,
                    fill=1)  # fmt: skip
        canvas.setFont(font, 8)
        canvas.setFillColor(MUTED)
        canvas.drawCentredString(document.pagesize[0] / 2, 12 * mm,
                                 "本报告由系统根据平台数据自动生成，仅供内部管理参考。")  # fmt: skip
        canvas.restoreState()

    return draw


def _page_decoration(font: str, footer: str, generated_at: dt.datetime):
    def draw(canvas, document):
        canvas.saveState()
        page_width = document.pagesize[0]
        canvas.setStrokeColor(LINE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, 13 * mm, page_width - MARGIN, 13 * mm)
        canvas.setFont(font, 8)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, 9 * mm, footer)
        canvas.drawRightString(page_width - MARGIN, 9 * mm, f"第{document.page}页")
        canvas.restoreState()

    return draw

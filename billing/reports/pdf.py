"""The collection report as a PDF (A4 landscape): title, period, the summary, the chart and
the tables of the page, in the embedded CJK font (kit.fonts)."""

import io
from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from kit.fonts import reportlab_font_name

from .queries import CollectionReport, Figures

HEADER_FILL = colors.HexColor("#eef2f7")
LINE = colors.HexColor("#c8d0db")


def report_pdf(
    report: CollectionReport,
    *,
    title: str,
    period: str,
    sections: list[tuple[str, list[Figures], list[tuple[str, Callable[[Figures], str]]]]],
    summary: list[tuple[str, str]],
    chart_png: bytes | None = None,
) -> bytes:
    font = reportlab_font_name()
    styles = {
        "title": ParagraphStyle("title", fontName=font, fontSize=16, leading=22),
        "meta": ParagraphStyle(
            "meta", fontName=font, fontSize=9.5, leading=14, textColor=colors.HexColor("#4b5563")
        ),  # fmt: skip
        "heading": ParagraphStyle(
            "heading", fontName=font, fontSize=11.5, leading=16, spaceBefore=8, spaceAfter=4
        ),  # fmt: skip
    }
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=landscape(A4), leftMargin=14 * mm, rightMargin=14 * mm,
        topMargin=12 * mm, bottomMargin=14 * mm, title=title, author=report.community.name,
    )  # fmt: skip
    printed = timezone.localtime()
    story = [
        Paragraph(_escape(title), styles["title"]),
        Paragraph(
            _escape(
                _("Period: %(period)s · Printed %(printed)s")
                % {"period": period, "printed": f"{printed:%Y-%m-%d %H:%M}"}
            ),
            styles["meta"],
        ),  # fmt: skip
        Spacer(1, 4 * mm),
        _summary_table(summary, font, document.width),
    ]
    for index, (heading, rows, columns) in enumerate(sections):
        # The heading stays with its table (a long table still breaks across pages).
        heading_paragraph = Paragraph(_escape(heading), styles["heading"])
        table = _figures_table(rows, report.total, columns, font, document.width)
        story.append(KeepTogether([heading_paragraph, table]))
        if index == 0 and chart_png:
            # After the first table: the title page keeps the main figures whole.
            story += [Spacer(1, 4 * mm), _chart_image(chart_png, document.width)]
    story += [
        Spacer(1, 4 * mm),
        Paragraph(_escape(note_text()), styles["meta"]),
    ]
    document.build(story, onFirstPage=_page_number(font), onLaterPages=_page_number(font))
    return buffer.getvalue()


def note_text() -> str:
    return _(
        "Bills of the period: published bills whose billing period starts in it. Collected: paid "
        "against those bills so far. Collection rate: collected ÷ (collected + arrears), i.e. "
        "what was billed less waived and refunded bills. Received: payments made in the period "
        "for any bills, late fees included."
    )


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _chart_image(png: bytes, width: float) -> Image:
    image = Image(io.BytesIO(png))
    scale = min(width / image.imageWidth, 62 * mm / image.imageHeight)
    image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
    return image


def _summary_table(summary: list[tuple[str, str]], font: str, width: float) -> Table:
    table = Table(
        [[label for label, _value in summary], [value for _label, value in summary]],
        colWidths=[width / len(summary)] * len(summary),
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, 0), 8.5),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.HexColor("#6b7280")),
                ("FONTSIZE", (0, 1), (-1, 1), 13),
                ("TOPPADDING", (0, 1), (-1, 1), 4),
                ("BOTTOMPADDING", (0, 1), (-1, 1), 7),
                ("BOX", (0, 0), (-1, -1), 0.6, LINE),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f8fafc")),
            ]
        )
    )
    return table


def _figures_table(rows, total, columns, font: str, width: float) -> Table:
    data = [[label for label, _cell in columns]]
    data += [[cell(row) for _label, cell in columns] for row in rows]
    data.append([_("Total"), *[cell(total) for _label, cell in columns[1:]]])
    first = width * 0.13
    rest = (width - first) / (len(columns) - 1)
    table = Table(data, colWidths=[first] + [rest] * (len(columns) - 1), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, LINE),
                ("LINEBELOW", (0, 1), (-1, -2), 0.3, LINE),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.HexColor("#6b7280")),
                ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f8fafc")),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return table


def _page_number(font: str):
    def draw(canvas, document):
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.HexColor("#6b7280"))
        canvas.drawRightString(
            document.pagesize[0] - 14 * mm, 8 * mm, _("Page %(page)s") % {"page": document.page}
        )
        canvas.restoreState()

    return draw

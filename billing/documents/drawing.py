"""What the papers of billing share: colours, paragraph styles in the CJK font, a line that never
wraps, the QR code, and the dates and periods as printed."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph

from kit.templatetags.periods import period_label

from ..models import Bill

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#6b7280")
RULE = colors.HexColor("#9aa5b1")
HEADER_BG = colors.HexColor("#eef2f5")
RED = colors.HexColor("#c0392b")
BRAND = colors.HexColor("#0a6b52")


def period(bill: Bill) -> str:
    return period_label(bill.period_start, bill.period_end)


def local(moment: dt.datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return timezone.localtime(moment).strftime(pattern) if moment else "—"


@dataclass
class Styles:
    """Paragraph styles in one font: `style("label", size=8.5)`, each made once per name and
    overrides."""

    font: str
    base: float = 9
    cache: dict = field(default_factory=dict)

    def __call__(self, name: str, **overrides) -> ParagraphStyle:
        key = (name, tuple(sorted(overrides.items())))
        if key not in self.cache:
            size = overrides.pop("size", self.base)
            options = {
                "fontName": self.font,
                "fontSize": size,
                "leading": size * 1.4,
                "textColor": INK,
                "wordWrap": "CJK",
                **overrides,
            }
            self.cache[key] = ParagraphStyle(name, **options)
        return self.cache[key]


def escape(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def paragraph(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def qr_code(value: str, size: float) -> Drawing:
    widget = QrCodeWidget(value, barLevel="M", barBorder=0)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    return drawing


class TextLine(Flowable):
    """One line that never wraps, drawn straight onto the canvas: far cheaper than a
    Paragraph, which measures every CJK character to find line breaks."""

    def __init__(self, text: str, font: str, size: float, *, align: str = "left",
                 color=INK, leading: float | None = None):  # fmt: skip
        super().__init__()
        self.text, self.font, self.size, self.align, self.color = text, font, size, align, color
        self.height = leading or size * 1.4

    def wrap(self, available_width, available_height):
        self.width = available_width
        return available_width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.setFont(self.font, self.size)
        canvas.setFillColor(self.color)
        baseline = (self.height - self.size) / 2 + self.size * 0.18
        if self.align == "center":
            canvas.drawCentredString(self.width / 2, baseline, self.text)
        elif self.align == "right":
            canvas.drawRightString(self.width, baseline, self.text)
        else:
            canvas.drawString(0, baseline, self.text)


class LinkedDrawing(Flowable):
    """A drawing (the QR code) that is also a link, for those who open the PDF on a phone."""

    def __init__(self, drawing: Drawing, url: str):
        super().__init__()
        self.drawing, self.url = drawing, url
        self.width, self.height = drawing.width, drawing.height

    def draw(self) -> None:
        self.drawing.drawOn(self.canv, 0, 0)
        self.canv.linkURL(self.url, (0, 0, self.width, self.height), relative=1)

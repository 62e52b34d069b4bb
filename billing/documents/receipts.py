"""The receipt of a payment (收款收据), with a QR code to the public verification page.

Drawn with reportlab's platypus in the embedded CJK font of `kit.fonts`. Labels are
translated msgids; amounts come from the rows as stored (`billing.rules` did the arithmetic).
`receipt_pdf` puts the parts together, top to bottom: the header, the payment's details, the
items with their totals, the partial-refund note, the footer with the QR code, and on the
canvas the page number and the refunded stamp."""

import io
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import HRFlowable

from accounts.models import Room
from kit.fonts import reportlab_font_name

from .. import rules
from ..models import Payment, Receipt
from ..rules import yuan
from .drawing import (
    BRAND,
    HEADER_BG,
    INK,
    MUTED,
    RED,
    RULE,
    LinkedDrawing,
    Styles,
    escape,
    local,
    paragraph,
    period,
    qr_code,
)

PAGE_WIDTH, PAGE_HEIGHT = A5
MARGIN = 11 * mm
WIDTH = PAGE_WIDTH - 2 * MARGIN


# --- Small helpers shared with the views --------------------------------------------------------


def verification_url(receipt: Receipt) -> str:
    return settings.LINLI_SITE_URL + reverse("billing:verify", args=[receipt.token])


def masked_room(room: Room) -> str:
    """3栋1201 → 3栋12**: enough to recognise one's own receipt, not to find a door."""
    number = room.number
    shown = number[:-2] if len(number) > 2 else ""
    unit = room.unit.name if room.unit_id else ""
    return f"{room.building.name}{unit}{shown}{'*' * (len(number) - len(shown))}"


# --- 收款收据 -------------------------------------------------------------------------------------


@dataclass
class _Sheet:
    """One receipt being drawn: the rows it shows, the font and its styles."""

    receipt: Receipt
    font: str
    style: Styles

    def __post_init__(self) -> None:
        self.payment = self.receipt.payment
        self.room = self.payment.room
        self.community = self.room.building.community
        self.company = self.receipt.company
        self.refunded = self.payment.status == Payment.Status.REFUNDED
        self.voided = self.payment.status == Payment.Status.VOIDED
        # Part of the payment given back: the receipt stays valid and says how much was
        # refunded.
        self.partly_refunded = not self.refunded and self.payment.refunded_amount > 0
        self.label = self.style("label", textColor=MUTED, size=8.5)


def receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt of a payment, on A5 portrait. `receipt` comes from
    `selectors.receipt_with_details` (company, room, cashier, payer and items loaded)."""
    font = reportlab_font_name()
    sheet = _Sheet(receipt, font, Styles(font))
    story: list = [
        *_header(sheet),
        _details(sheet),
        Spacer(0, 3 * mm),
        _items(sheet),
        Spacer(0, 5 * mm),
        *_partly_refunded_note(sheet),
        KeepTogether([_footer(sheet)]),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A5,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=_("Receipt %(number)s") % {"number": receipt.display_number},
        author=sheet.company.name,
        creator=settings.LINLI_SITE_URL,
    )

    def decorate(canvas, doc) -> None:
        _page_decoration(sheet, canvas, doc.page)

    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def _header(sheet: _Sheet) -> list:
    """The company, the title, and the issue time beside the receipt number."""
    style, receipt = sheet.style, sheet.receipt
    receipt_no = pgettext("billing document", "Receipt no.")
    number_row = Table(
        [
            [
                paragraph(
                    _("Issued %(time)s") % {"time": local(receipt.issued_at)},
                    style("issued", size=8.5, textColor=MUTED),
                ),
                Paragraph(
                    f"{escape(receipt_no)} "
                    f'<font color="#c0392b" size="11">{escape(receipt.display_number)}</font>',
                    style("number", size=8.5, alignment=TA_RIGHT, textColor=MUTED, leading=13),
                ),
            ]
        ],
        colWidths=[WIDTH * 0.5, WIDTH * 0.5],
    )
    number_row.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return [
        paragraph(sheet.company.name, style("company", size=12, alignment=TA_CENTER, leading=16)),
        Spacer(0, 1 * mm),
        paragraph(_("Payment receipt"), style("title", size=18, alignment=TA_CENTER, leading=24)),
        HRFlowable(width="38%", thickness=0.8, color=INK, spaceBefore=1, spaceAfter=1),
        HRFlowable(width="38%", thickness=0.4, color=INK, spaceAfter=3 * mm),
        number_row,
    ]


def _payer(sheet: _Sheet) -> str:
    """The same on the page, in the list and in the search: `Payment.payer_display`."""
    return sheet.payment.payer_display


def _details(sheet: _Sheet) -> Table:
    """Who paid, when, where, how; the cashier at the counter; the refund if any."""
    payment, room, community, company = sheet.payment, sheet.room, sheet.community, sheet.company
    method = payment.get_method_display()
    if payment.reference:
        method = _("%(method)s, ref. %(reference)s") % {
            "method": method,
            "reference": payment.reference,
        }
    info = [
        [
            pgettext("billing document", "Received from"),
            _payer(sheet),
            pgettext("billing document", "Paid at"),
            local(payment.paid_at),
        ],
        [_("Community"), community.name, pgettext("billing document", "Room"), room.label],
        [
            pgettext("billing document", "Payment method"),
            method,
            pgettext("billing document", "Payment no."),
            payment.number,
        ],
    ]
    if payment.tendered is not None:
        info.append(
            [
                pgettext("billing document", "Cash tendered"),
                yuan(payment.tendered),
                pgettext("billing document", "Change"),
                yuan(payment.change),
            ]  # fmt: skip
        )
    if payment.method in Payment.BILL_COUNTER_METHODS and payment.cashier:
        info.append(
            [
                pgettext("billing document", "Cashier"),
                payment.cashier.get_full_name(),
                pgettext("billing document", "Service phone"),
                community.service_phone or company.service_phone or "—",
            ]  # fmt: skip
        )
    if sheet.voided:
        info.append(
            [
                pgettext("billing document", "Voided at"),
                local(payment.voided_at),
                pgettext("billing document", "Reason for voiding"),
                payment.void_reason or "—",
            ]  # fmt: skip
        )
    if sheet.refunded or sheet.partly_refunded:
        info.append(
            [
                pgettext("billing document", "Refunded at"),
                local(payment.refunded_at),
                pgettext("billing document", "Reason for refund"),
                payment.refund_reason or "—",
            ]  # fmt: skip
        )
    value = sheet.style("value", size=9)
    table = Table(
        [
            [
                paragraph(cell, sheet.label if index % 2 == 0 else value)
                for index, cell in enumerate(row)
            ]
            for row in info
        ],  # fmt: skip
        colWidths=[WIDTH * 0.15, WIDTH * 0.35, WIDTH * 0.15, WIDTH * 0.35],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, RULE),
                ("BACKGROUND", (0, 0), (0, -1), HEADER_BG),
                ("BACKGROUND", (2, 0), (2, -1), HEADER_BG),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _items(sheet: _Sheet) -> Table:
    """One row per bill paid, then the totals and the total in Chinese capitals."""
    style, payment = sheet.style, sheet.payment
    head = style("head", size=8.5, alignment=TA_CENTER)
    cell = style("cell", size=8.5)
    money = style("money", size=8.5, alignment=TA_RIGHT)
    header = [
        pgettext("billing document", "Item"),
        pgettext("billing document", "Billing period"),
        pgettext("billing document", "Amount"),
        pgettext("billing document", "Late fee"),
        pgettext("billing document", "Subtotal"),
    ]
    rows: list[list] = [[paragraph(text, head) for text in header]]
    total_amount = total_late_fee = Decimal("0.00")
    items = sorted(payment.items.all(), key=lambda item: (item.bill.period_start, item.bill.kind))
    if payment.purpose == Payment.Purpose.PREPAYMENT:
        rows.append(
            [
                paragraph(_("Prepayment into the room's prepaid balance"), cell),
                paragraph("—", cell),
                paragraph(yuan(payment.amount), money),
                paragraph(yuan(Decimal("0.00")), money),
                paragraph(yuan(payment.amount), money),
            ]
        )
        total_amount += payment.amount
    for item in items:
        rows.append(
            [
                paragraph(item.bill.title, cell),
                paragraph(period(item.bill), cell),
                paragraph(yuan(item.amount), money),
                paragraph(yuan(item.late_fee), money),
                paragraph(yuan(item.amount + item.late_fee), money),
            ]
        )
        total_amount += item.amount
        total_late_fee += item.late_fee
    rows += _totals(sheet, total_amount, total_late_fee)
    table = Table(
        rows,
        colWidths=[WIDTH * 0.29, WIDTH * 0.25, WIDTH * 0.155, WIDTH * 0.145, WIDTH * 0.16],
        repeatRows=1,
    )
    last = len(rows) - 1
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, RULE),
                ("BOX", (0, 0), (-1, -1), 0.9, INK),
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
                ("BACKGROUND", (0, last - 1), (1, last - 1), HEADER_BG),
                ("BACKGROUND", (0, last), (0, last), HEADER_BG),
                ("SPAN", (0, last - 1), (1, last - 1)),
                ("SPAN", (1, last), (-1, last)),
                ("FONT", (0, last - 1), (0, last), sheet.font, 8.5),
                ("ALIGN", (0, last - 1), (0, last), "CENTER"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _totals(sheet: _Sheet, total_amount: Decimal, total_late_fee: Decimal) -> list[list]:
    """The last two rows of the items: the sums, and the payment's amount in words."""
    style, total = sheet.style, sheet.payment.amount
    money = style("money", size=8.5, alignment=TA_RIGHT)
    return [
        [
            pgettext("billing document", "Total"),
            "",
            paragraph(yuan(total_amount), money),
            paragraph(yuan(total_late_fee), money),
            paragraph(yuan(total), style("total", size=9, alignment=TA_RIGHT)),
        ],
        [
            _("Total in words"),
            Paragraph(
                f"{escape(rules.to_chinese_capitals(total))}"
                f'&nbsp;&nbsp;&nbsp;<font color="#6b7280">{escape(yuan(total))}</font>',
                style("capitals", size=10, leading=14),
            ),
            "",
            "",
            "",
        ],
    ]


def _partly_refunded_note(sheet: _Sheet) -> list:
    if not sheet.partly_refunded:
        return []
    payment = sheet.payment
    return [
        paragraph(
            _("Refunded %(refunded)s; net amount received %(net)s.")
            % {"refunded": yuan(payment.refunded_amount), "net": yuan(payment.refundable)},
            sheet.style("partly-refunded", size=9.5, textColor=RED),
        ),
        Spacer(0, 4 * mm),
    ]


def _footer(sheet: _Sheet) -> Table:
    """The QR code of the verification page beside the issuer and the page's address."""
    style, label = sheet.style, sheet.label
    url = verification_url(sheet.receipt)
    qr_size = 25 * mm
    issuer = [
        paragraph(
            _("Issued by: %(company)s") % {"company": sheet.company.name},
            style("issuer", size=9.5),
        ),
        Spacer(0, 1.5 * mm),
        paragraph(_("This receipt was issued automatically by the system."), label),
        paragraph(_("Scan the QR code or open the address below to check it is genuine:"), label),
        Spacer(0, 1 * mm),
        paragraph(url, style("url", size=6.5, textColor=BRAND, leading=8.5, wordWrap=None)),
    ]
    footer = Table(
        [[LinkedDrawing(qr_code(url, qr_size), url), issuer]],
        colWidths=[qr_size + 4 * mm, WIDTH - qr_size - 4 * mm],
    )
    footer.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return footer


def _page_decoration(sheet: _Sheet, canvas, page: int) -> None:
    """Drawn on the canvas of every page: the receipt number with the page, and the stamp of a
    refunded payment."""
    canvas.saveState()
    canvas.setFont(sheet.font, 7)
    canvas.setFillColor(MUTED)
    canvas.drawCentredString(
        PAGE_WIDTH / 2,
        7 * mm,
        _("Receipt %(number)s · page %(page)s")
        % {"number": sheet.receipt.display_number, "page": page},
    )
    if sheet.refunded or sheet.voided:
        _refunded_stamp(canvas, sheet.font, PAGE_WIDTH / 2 + 18 * mm, PAGE_HEIGHT - 88 * mm,
                        voided=sheet.voided)  # fmt: skip
    canvas.restoreState()


def _refunded_stamp(canvas, font: str, x: float, y: float, *, voided: bool = False) -> None:
    canvas.saveState()
    canvas.translate(x, y)
    canvas.rotate(14)
    canvas.setStrokeColor(RED)
    canvas.setFillColor(RED)
    canvas.setFillAlpha(0.85)
    canvas.setStrokeAlpha(0.85)
    canvas.setLineWidth(2.2)
    canvas.roundRect(-38 * mm, -11 * mm, 76 * mm, 22 * mm, 3 * mm)
    canvas.setLineWidth(0.7)
    canvas.roundRect(-36.5 * mm, -9.5 * mm, 73 * mm, 19 * mm, 2 * mm)
    canvas.setFont(font, 20)
    canvas.drawCentredString(0, 0.5 * mm, _("Voided") if voided else _("Refunded"))
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawCentredString(0, -6.5 * mm, "VOID" if voided else "REFUNDED")
    canvas.restoreState()

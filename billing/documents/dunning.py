"""The dunning notice (催缴通知单): one A4 page per room with its chosen unpaid bills, what is
owed with the late fees to date, and the date to pay by.

Labels are translated msgids; amounts come from the rows as stored (`billing.rules` did the
arithmetic)."""

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import HRFlowable

from accounts.models import Community
from kit.fonts import reportlab_font_name

from .. import rules, selectors
from ..models import Bill
from ..rules import yuan
from .drawing import HEADER_BG, INK, MUTED, RULE, Styles, TextLine, escape, paragraph, period

DUNNING_PAY_WITHIN_DAYS = 7
MARGIN = 20 * mm


@dataclass
class _Notice:
    """What every page of one notice shares: the community, its company and phone, the dates,
    the font, and the labels and styles made once for all rooms."""

    community: Community
    today: dt.date
    font: str
    style: Styles
    width: float

    def __post_init__(self) -> None:
        self.company = self.community.company
        self.phone = self.community.service_phone or self.company.service_phone
        self.pay_by = self.today + dt.timedelta(days=DUNNING_PAY_WITHIN_DAYS)
        self.title = _("Payment reminder notice")
        self.column_widths = [self.width * share for share in (0.25, 0.2, 0.13, 0.14, 0.11, 0.17)]
        self.title_width = self.column_widths[0] - 12  # less the cell's padding
        self.header = [
            pgettext("billing document", "Item"),
            pgettext("billing document", "Billing period"),
            _("Due date"),
            pgettext("billing document", "Outstanding"),
            _("Days overdue"),
            _("Late fee to date"),
        ]
        self.table_style = _table_style(self.font)


def dunning_pdf(bills: Iterable[Bill], *, community: Community, today: dt.date) -> bytes:
    """One A4 page per room with its chosen unpaid bills, in the order given
    (`selectors.dunning_bills`)."""
    font = reportlab_font_name()
    page_width, _height = A4
    notice = _Notice(community, today, font, Styles(font, base=10.5), page_width - 2 * MARGIN)

    by_room: dict[int, list[Bill]] = defaultdict(list)
    for bill in bills:
        by_room[bill.room_id].append(bill)
    heads = selectors.household_heads(by_room)

    story: list = []
    for index, room_bills in enumerate(by_room.values()):
        story += _room_page(notice, room_bills, heads.get(room_bills[0].room_id, ""))
        if index < len(by_room) - 1:
            story.append(PageBreak())

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=22 * mm,
        bottomMargin=18 * mm,
        title=notice.title,
        author=notice.company.name,
        creator=settings.LINLI_SITE_URL,
    )

    def decorate(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(MUTED)
        canvas.drawCentredString(page_width / 2, 10 * mm, _("Page %(page)s") % {"page": doc.page})
        canvas.restoreState()

    document.build(story or [Spacer(0, 0)], onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def _table_style(font: str) -> TableStyle:
    # Plain strings in the cells where nothing wraps: 200 rooms render several times faster
    # than with a Paragraph in every cell.
    return TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), font, 9.5, 12),
            ("TEXTCOLOR", (0, 0), (-1, -1), INK),
            ("GRID", (0, 0), (-1, -1), 0.5, RULE),
            ("BOX", (0, 0), (-1, -1), 0.9, INK),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
            ("ALIGN", (0, 0), (-1, 0), "CENTER"),
            ("ALIGN", (2, 1), (2, -1), "CENTER"),
            ("ALIGN", (3, 1), (-1, -1), "RIGHT"),
            ("BACKGROUND", (0, -2), (2, -2), HEADER_BG),
            ("BACKGROUND", (0, -1), (0, -1), HEADER_BG),
            ("SPAN", (0, -2), (2, -2)),
            ("SPAN", (1, -1), (-1, -1)),
            ("ALIGN", (0, -2), (0, -1), "CENTER"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]
    )


def _bills_table(notice: _Notice, room_bills: list[Bill]) -> tuple[Table, Decimal]:
    """The room's bills with the late fee to date, their totals and the total due in words;
    returns the table and the total due."""
    font, today = notice.font, notice.today
    cell = notice.style("cell", size=9.5, leading=12)
    rows: list[list] = [notice.header]
    total_outstanding = total_late_fee = Decimal("0.00")
    for bill in room_bills:
        late_fee = selectors.late_fee_of(bill, today)
        overdue_days = max((today - bill.due_date).days, 0)
        rows.append(
            [
                bill.title
                if stringWidth(bill.title, font, 9.5) < notice.title_width
                else (paragraph(bill.title, cell)),
                period(bill),
                f"{bill.due_date:%Y-%m-%d}",
                yuan(bill.outstanding),
                str(overdue_days) if overdue_days else "—",
                yuan(late_fee),
            ]
        )
        total_outstanding += bill.outstanding
        total_late_fee += late_fee
    total_due = total_outstanding + total_late_fee
    rows.append(
        [
            pgettext("billing document", "Total"),
            "",
            "",
            yuan(total_outstanding),
            "",
            yuan(total_late_fee),
        ]  # fmt: skip
    )
    in_words = _("In words: %(words)s") % {"words": rules.to_chinese_capitals(total_due)}
    due = Paragraph(
        f"{escape(yuan(total_due))}"
        f'&nbsp;&nbsp;&nbsp;<font color="#6b7280" size="9.5">{escape(in_words)}</font>',
        notice.style("due", size=11),
    )
    rows.append([pgettext("billing document", "Total due"), due, "", "", "", ""])
    table = Table(rows, colWidths=notice.column_widths, repeatRows=1)
    table.setStyle(notice.table_style)
    return table, total_due


def _room_page(notice: _Notice, room_bills: list[Bill], head: str) -> list:
    """The page of one room: the letterhead, the salutation, the request, the bills, the
    closing and the signature."""
    community, font, style = notice.community, notice.font, notice.style
    text = style("text", leading=19, firstLineIndent=21)
    room = room_bills[0].room
    where = f"{community.name} {room.label}"
    who = _("%(name)s (%(room)s)") % {"name": head, "room": where} if head else where
    table, total_due = _bills_table(notice, room_bills)
    request_text = _(
        "As of %(today)s, the fees below for your home are still unpaid, %(total)s in "
        "total. Please pay them by %(pay_by)s at the property service center or online in "
        "the Linli app. Late fees continue to accrue on overdue amounts as agreed in the "
        "property service contract."
    ) % {
        "today": f"{notice.today:%Y-%m-%d}",
        "total": yuan(total_due),
        "pay_by": f"{notice.pay_by:%Y-%m-%d}",
    }
    closing = _(
        "If you have already paid, please disregard this notice. For questions, call the "
        "service center at %(phone)s. Thank you for your understanding and support!"
    ) % {"phone": notice.phone or "—"}
    signature = _("%(community)s Property Service Center") % {"community": community.name}
    return [
        TextLine(notice.company.name, font, 12, align="center", color=MUTED, leading=16),
        TextLine(notice.title, font, 22, align="center", leading=30),
        HRFlowable(width="100%", thickness=1.2, color=INK, spaceBefore=2, spaceAfter=1),
        HRFlowable(width="100%", thickness=0.4, color=INK, spaceAfter=5 * mm),
        paragraph(_("Dear %(who)s,") % {"who": who}, style("salutation", leading=19)),
        Spacer(0, 1.5 * mm),
        paragraph(request_text, text),
        Spacer(0, 4 * mm),
        table,
        Spacer(0, 4 * mm),
        paragraph(closing, text),
        Spacer(0, 14 * mm),
        TextLine(signature, font, 10.5, align="right", leading=19),
        TextLine(f"{notice.today:%Y-%m-%d}", font, 10.5, align="right", leading=19),
        Spacer(0, 10 * mm),
        HRFlowable(width="100%", thickness=0.4, color=RULE, dash=[3, 2], spaceAfter=2 * mm),
        paragraph(
            _("Service center phone: %(phone)s · Address: %(address)s")
            % {"phone": notice.phone or "—", "address": community.address or "—"},
            style("meta", size=9.5, textColor=MUTED),
        ),
    ]

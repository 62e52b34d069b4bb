"""The staff portal's bills (payment status and arrears) list with dunning, and the monthly
and annual collection reports with their chart and exports."""

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import django_tables2 as tables
from django.contrib import messages
from django.db.models import Count, F, Min, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import households_for_rooms
from kit import spreadsheets
from kit.pagecache import cache_page_per_visitor
from staff.access import safe_next, staff_has_perm, staff_required
from staff.tables import LocalTimeColumn, PartialColumn, paginate

from .. import selectors, services
from ..models import Bill, Payment
from ..reports import queries
from ..reports.filters import MAX_MATCHING, BillFilter, ReportForm, matching_unpaid_bills
from ..reports.queries import CollectionReport, Figures, money_text, rate_text

VIEW_BILL = "billing.view_bill"
COLLECT = "billing.collect_payment"
VIEW_REPORTS = "billing.view_billing_reports"
MAX_DUN = 500  # bills per dunning request (a page holds far fewer)
NUMERIC = {"class": "text-end text-nowrap"}
NOWRAP = {"class": "text-nowrap"}


# --- Bills and arrears -----------------------------------------------------------------------------


class BillTable(tables.Table):
    """Rows are bills of one page; days overdue and late fees are worked out per row for
    `today` (billing.rules.late_fee), only for the rows shown."""

    select = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "input": {"name": "bill", "form": "bills-form", "class": "form-check-input"},
            "th__input": {
                "id": "select-page",
                "class": "form-check-input",
                "aria-label": gettext_lazy("Select all bills on this page"),
            },
        },
    )
    room = PartialColumn(
        template_name="staff/billing/_report_bill_room.html",
        verbose_name=gettext_lazy("Room"),
        order_by=("room__building__sort_order", "room__building__name", "room__number", "pk"),
        attrs={"td": NOWRAP},
    )
    # The fee rule's name, or a single charge's own title (SBIL-1: no rule).
    fee = tables.Column(
        verbose_name=gettext_lazy("Fee"), accessor="title", order_by=("kind", "rule__name")
    )
    period = tables.Column(
        verbose_name=gettext_lazy("Billing period"), accessor="period_start", attrs={"td": NOWRAP}
    )
    due_date = LocalTimeColumn(
        verbose_name=gettext_lazy("Due date"), format="Y-m-d", attrs={"td": NOWRAP}
    )
    amount = tables.Column(
        verbose_name=gettext_lazy("Amount"), attrs={"td": NUMERIC, "th": NUMERIC}
    )
    paid_amount = tables.Column(
        verbose_name=gettext_lazy("Paid"), attrs={"td": NUMERIC, "th": NUMERIC}
    )
    outstanding = tables.Column(
        verbose_name=gettext_lazy("Outstanding"),
        accessor="outstanding_amount",
        attrs={"td": {"class": "text-end text-nowrap fw-semibold"}, "th": NUMERIC},
    )
    days_overdue = tables.Column(
        verbose_name=gettext_lazy("Days overdue"),
        accessor="due_date",
        order_by=("-due_date", "pk"),
        attrs={"td": NUMERIC, "th": NUMERIC},
    )
    late_fee = tables.Column(
        verbose_name=gettext_lazy("Late fee to date"),
        accessor="pk",
        orderable=False,
        attrs={"td": NUMERIC, "th": NUMERIC},
    )
    status = PartialColumn(
        template_name="staff/billing/_report_bill_status.html",
        verbose_name=gettext_lazy("Status"),
        attrs={"td": NOWRAP},
    )

    class Meta:
        model = Bill
        fields = ("select", "room", "fee", "period", "due_date", "amount", "paid_amount",
                  "outstanding", "days_overdue", "late_fee", "status")  # fmt: skip
        attrs = {"class": "table table-hover align-middle bills-table"}
        row_attrs = {"class": lambda record: "table-warning-subtle" if record.is_overdue else ""}
        empty_text = gettext_lazy("No bills match these filters.")

    def __init__(self, *args, today: dt.date, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)

    def mark_page(self) -> None:
        """Work out the shown rows' overdue days and late fees (the templates and render
        methods read them); call after paginating."""
        rows = self.page.object_list if hasattr(self, "page") else self.rows
        for bill in (row.record for row in rows):
            bill.is_overdue = bill.status in Bill.UNPAID_STATUSES and bill.due_date < self.today
            bill.days_overdue = (self.today - bill.due_date).days if bill.is_overdue else 0
            bill.late_fee_to_date = selectors.late_fee_of(bill, self.today)

    def render_period(self, record):
        if (record.period_start.year, record.period_start.month) == (
            record.period_end.year,
            record.period_end.month,
        ):
            return f"{record.period_start:%Y-%m}"
        return f"{record.period_start:%Y-%m}～{record.period_end:%Y-%m}"

    def render_fee(self, record):
        return record.rule.name if record.rule_id else record.title

    def render_amount(self, value):
        return money_text(value)

    def render_paid_amount(self, value):
        return money_text(value) if value else "—"

    def render_outstanding(self, record):
        if record.status not in Bill.UNPAID_STATUSES:
            return "—"
        return money_text(record.outstanding)

    def render_days_overdue(self, record):
        return record.days_overdue or "—"

    def render_late_fee(self, record):
        return money_text(record.late_fee_to_date) if record.late_fee_to_date else "—"


def _community_bills(request: HttpRequest):
    return (
        Bill.objects.filter(community=request.community)
        .exclude(status=Bill.Status.DRAFT)
        .select_related("room__building", "room__unit", "rule")
        .annotate(outstanding_amount=F("amount") - F("paid_amount"))
    )


@staff_required(VIEW_BILL)
@cache_page_per_visitor
def bills(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    filterset = BillFilter(
        request.GET, queryset=_community_bills(request), request=request, today=today
    )
    context = {
        "filter": filterset,
        "can_dun": staff_has_perm(request, COLLECT),
        "can_view_reports": staff_has_perm(request, VIEW_REPORTS),
        "today": today,
    }
    if not filterset.is_valid():
        return render(request, "staff/billing/bills.html", context, status=400)
    found = filterset.qs
    table = BillTable(found, today=today, order_by=request.GET.get("sort") or None)
    paginate(request, table, ids_first=True)
    table.mark_page()
    summary = queries.arrears_summary(found, today)
    context.update(
        table=table, summary=summary, cards=_arrears_cards(summary),
        filter_params=filter_params(request), query=request.GET.urlencode(),
        can_export=staff_has_perm(request, VIEW_REPORTS),
    )  # fmt: skip
    return render(request, "staff/billing/bills.html", context)


def _arrears_cards(summary: queries.ArrearsSummary) -> list[dict]:
    return [
        {"icon": "receipt", "label": _("Bills found"), "value": summary.bills},
        {
            "icon": "cash-stack",
            "label": _("Outstanding"),
            "value": money_text(summary.outstanding),
        },
        {"icon": "alarm", "label": _("Overdue bills"), "value": summary.overdue},
        {
            "icon": "hourglass-split",
            "label": _("Late fees to date (est.)"),
            "value": money_text(summary.late_fees),
            "title": _(
                "Accrued until today on the overdue bills found; each bill's late fee is "
                "rounded to the fen when it is paid, so the sum may differ by a few fen."
            ),
        },
    ]


def filter_params(request: HttpRequest) -> list[tuple[str, str]]:
    """The list's filters as (name, value) pairs, for the "all matching" batch actions."""
    return [
        (name, value)
        for name, values in request.GET.lists()
        if name not in ("page", "sort", "per_page")
        for value in values
    ]


@require_POST
@staff_required(COLLECT)
def dun(request: HttpRequest) -> HttpResponse:
    back = safe_next(request, reverse("billing_staff:bills"))
    if request.POST.get("all") == "1":
        return _dun_all(request, back)
    ids = [value for value in request.POST.getlist("bill") if value.isdigit()][:MAX_DUN]
    # Another community's bill is not found here: it is ignored, never reminded.
    chosen = list(
        Bill.objects.filter(community=request.community, pk__in=ids).order_by("due_date", "pk")
    )
    if not chosen:
        messages.warning(request, _("Please choose at least one bill."))
        return redirect(back)
    sent = services.dun(bills=chosen, actor=request.user, request=request)
    _dun_messages(request, sent, len(chosen) - sent)
    return redirect(back)


def _dun_messages(request: HttpRequest, sent: int, skipped: int) -> None:
    if sent:
        messages.success(request, _("Reminders sent: %(count)s.") % {"count": sent})
    if skipped:
        messages.info(
            request,
            _("Bills skipped (already reminded today, or not unpaid): %(count)s.")
            % {"count": skipped},
        )


def _dun_all(request: HttpRequest, back: str) -> HttpResponse:
    """Every unpaid bill the filters match: a few hundred at once, more in the background."""
    found = matching_unpaid_bills(request, request.POST)
    ids = list(found.values_list("pk", flat=True)[:MAX_MATCHING]) if found is not None else []
    if not ids:
        messages.warning(request, _("No unpaid bills match these filters."))
        return redirect(back)
    if len(ids) <= MAX_DUN:
        chosen = list(Bill.objects.filter(pk__in=ids).order_by("due_date", "pk"))
        sent = services.dun(bills=chosen, actor=request.user, request=request)
        _dun_messages(request, sent, len(chosen) - sent)
        return redirect(back)
    services.dun_later(bill_ids=ids, actor=request.user, community=request.community)
    messages.success(
        request,
        _("Reminders for %(count)s unpaid bills are being sent in the background; bills "
          "reminded today already are skipped.") % {"count": len(ids)},
    )  # fmt: skip
    return redirect(back)


# --- Collection reports ---------------------------------------------------------------------------


def _columns() -> list[tuple[str, str, Callable[[Figures], object], str]]:
    """(heading, attribute, value, kind) of a report table's figure columns."""
    return [
        (_("Bill count"), "bills", lambda row: row.bills, "count"),
        (_("Amount billed"), "billed", lambda row: row.billed, "money"),
        (_("Amount waived"), "waived", lambda row: row.waived, "money"),
        (_("Amount collected"), "collected", lambda row: row.collected, "money"),
        (_("Arrears"), "arrears", lambda row: row.arrears, "money"),
        (_("Collection rate"), "rate", lambda row: row.rate, "rate"),
        (_("Received in the period"), "received", lambda row: row.received_total, "money"),
    ]


def _text(value, kind: str) -> str:
    if kind == "money":
        return money_text(value)
    if kind == "rate":
        return rate_text(value)
    return str(value)


def _report_choice(request: HttpRequest) -> tuple[ReportForm, bool]:
    form = ReportForm(request.GET or None)
    return form, (not form.is_bound or form.is_valid())


def _titles(report: CollectionReport, kind: str) -> tuple[str, str]:
    """(title, period text)"""
    community = report.community.name
    if kind == ReportForm.ANNUAL:
        title = _("%(community)s · Annual collection report %(year)s") % {
            "community": community,
            "year": report.start.year,
        }
    else:
        title = _("%(community)s · Collection report for %(month)s") % {
            "community": community,
            "month": f"{report.start:%Y-%m}",
        }
    return title, f"{report.start:%Y-%m-%d} – {report.last_day:%Y-%m-%d}"


def _sections(report: CollectionReport, kind: str) -> list[tuple[str, str, list[Figures]]]:
    """(id, heading, rows) of the report's tables, in page order."""
    sections = []
    if kind == ReportForm.ANNUAL:
        sections.append(("month", _("By month"), report.by_month))
    sections.append(("kind", _("By fee kind"), report.by_kind))
    sections.append(("building", _("By building"), report.by_building))
    return sections


def _summary(report: CollectionReport) -> list[tuple[str, str, str]]:
    """(icon, label, value) of the summary cards."""
    total = report.total
    return [
        ("receipt", _("Amount billed"), money_text(total.billed)),
        ("cash-coin", _("Amount collected"), money_text(total.collected)),
        ("percent", _("Collection rate"), rate_text(total.rate)),
        ("exclamation-triangle", _("Arrears"), money_text(total.arrears)),
        ("slash-circle", _("Amount waived"), money_text(total.waived)),
        ("wallet2", _("Received in the period"), money_text(total.received_total)),
    ]


@require_GET
@staff_required(VIEW_REPORTS)
def reports(request: HttpRequest) -> HttpResponse:
    form, valid = _report_choice(request)
    if not valid:
        kind = ReportForm.ANNUAL if request.GET.get("kind") == ReportForm.ANNUAL else ""
        return render(
            request, "staff/billing/reports.html", {"form": form, "kind": kind}, status=400
        )
    kind, start, end = form.choice
    report = queries.collection_report(
        request.community, start, end, by_month=kind == ReportForm.ANNUAL
    )
    title, period = _titles(report, kind)
    export = request.GET.get("export")
    if export == "xlsx":
        return _xlsx(report, kind, title, period)
    if export == "pdf":
        return _pdf(report, kind, title, period)
    columns = _columns()
    query = request.GET.copy()
    query.pop("export", None)
    query.update({"kind": kind})
    if kind == ReportForm.ANNUAL:
        query["year"] = start.year
        query.pop("month", None)
    else:
        query["month"] = f"{start:%Y-%m}"
        query.pop("year", None)
    sections = [
        {
            "id": section_id,
            "heading": heading,
            "rows": [
                {
                    "label": row.label,
                    "cells": [_text(value(row), fmt) for _h, _a, value, fmt in columns],
                    "bills_url": _bills_url(section_id, row, start, end),
                }
                for row in rows
            ],
        }
        for section_id, heading, rows in _sections(report, kind)
    ]
    return render(
        request,
        "staff/billing/reports.html",
        {
            "form": form,
            "kind": kind,
            "report": report,
            "title": title,
            "period": period,
            "cards": _summary(report),
            "headings": [heading for heading, _a, _v, _f in columns],
            "total_cells": [_text(value(report.total), fmt) for _h, _a, value, fmt in columns],
            "sections": sections,
            "query": query.urlencode(),
            "note": _note_text(),
        },
    )


def _bills_url(section_id: str, row: Figures, start: dt.date, end: dt.date) -> str:
    """The open bills behind a row's arrears, in the bills list."""
    last_month = queries.add_months(end, -1)
    params = {
        "status": "open",
        "period_from": f"{start:%Y-%m}",
        "period_until": f"{last_month:%Y-%m}",
    }
    if section_id == "kind":
        params["kind"] = row.key
    elif section_id == "building":
        params["building"] = row.key
    elif section_id == "month":
        params["period_from"] = params["period_until"] = f"{row.key:%Y-%m}"
    return reverse("billing_staff:bills") + "?" + urlencode(params)


@require_GET
@staff_required(VIEW_REPORTS)
def report_chart(request: HttpRequest) -> HttpResponse:
    form, valid = _report_choice(request)
    if not valid:
        return HttpResponse(
            _("Please correct the report period."), status=400, content_type="text/plain"
        )
    kind, start, end = form.choice
    report = queries.collection_report(
        request.community, start, end, by_month=kind == ReportForm.ANNUAL
    )
    response = HttpResponse(_chart(report, kind, "svg"), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=60"
    return response


def _chart(report: CollectionReport, kind: str, fmt: str) -> bytes:
    if kind == ReportForm.ANNUAL:
        rows = [
            replace(row, label=_("Month %(month)s") % {"month": row.key.month})
            for row in report.by_month
        ]
        title = _("Bills of each month: billed and collected")
    else:
        rows = report.by_building
        title = _("Billed and collected by building")
    from ..reports.collection_chart import collection_chart  # matplotlib: only for a chart

    return collection_chart(rows, title=title, fmt=fmt)


# --- Exports ---------------------------------------------------------------------------------------

FORMATS = {"money": "#,##0.00", "rate": "0.0%", "count": "0"}


def _filename(title: str, extension: str) -> str:
    return f"{title}.{extension}".replace(" ", "_")


def _first_heading(section_id: str) -> str:
    return {"month": _("Month"), "kind": _("Fee kind"), "building": _("Building")}[section_id]


def _number(value, fmt: str):
    """A cell's value: money and counts as they are, a rate as a fraction (to 0.01 %)."""
    if fmt == "rate":
        return None if value is None else value.quantize(Decimal("0.0001"))
    return value


def _xlsx(report: CollectionReport, kind: str, title: str, period: str) -> HttpResponse:
    """The summary and one sheet per table, figures as numbers (money to the fen, rates as
    fractions shown as percentages), a total row under each table."""
    columns = _columns()
    total = report.total
    book = spreadsheets.workbook(_("Report summary"))
    summary = book.active
    spreadsheets.append(summary, [title])
    spreadsheets.style([summary["A1"]], bold=True, size=14)
    spreadsheets.append(summary, [_("Period"), period])
    spreadsheets.append(summary, [])
    for label, value, fmt in [
        (_("Bill count"), total.bills, "count"),
        (_("Amount billed"), total.billed, "money"),
        (_("Amount waived"), total.waived, "money"),
        (_("Amount collected"), total.collected, "money"),
        (_("Arrears"), total.arrears, "money"),
        (_("Collection rate"), total.rate, "rate"),
        (_("Received in the period"), total.received_total, "money"),
        (_("Late fees received"), total.late_fees, "money"),
    ]:
        spreadsheets.append(summary, [label, _number(value, fmt)])
        summary.cell(row=summary.max_row, column=2).number_format = FORMATS[fmt]
    spreadsheets.append(summary, [])
    spreadsheets.append(summary, [_note_text()])
    spreadsheets.widths(summary, {1: 24, 2: 40})

    for section_id, section_heading, rows in _sections(report, kind):
        sheet = book.create_sheet(section_heading[:31])
        spreadsheets.append(sheet, [_first_heading(section_id), *[column[0] for column in columns]])
        spreadsheets.style(sheet[1], bold=True, fill="EEF2F7", center=True)
        for label, figures in [*[(row.label, row) for row in rows], (_("Total"), total)]:
            spreadsheets.append(
                sheet, [label, *[_number(value(figures), fmt) for _h, _a, value, fmt in columns]]
            )
            for index, column in enumerate(columns, start=2):
                sheet.cell(row=sheet.max_row, column=index).number_format = FORMATS[column[3]]
        spreadsheets.style(sheet[sheet.max_row], bold=True)
        spreadsheets.widths(sheet, {1: 18, **dict.fromkeys(range(2, 9), 16)})
        sheet.freeze_panes = "B2"

    return spreadsheets.file_response(spreadsheets.save(book), file_name=_filename(title, "xlsx"))


def _pdf(report: CollectionReport, kind: str, title: str, period: str) -> HttpResponse:
    columns = _columns()

    def cells(section_id: str) -> list[tuple[str, Callable[[Figures], str]]]:
        return [
            (_first_heading(section_id), lambda row: row.label),
            *[
                (heading, lambda row, value=value, fmt=fmt: _text(value(row), fmt))
                for heading, _attribute, value, fmt in columns
            ],
        ]

    from ..reports.pdf import report_pdf  # reportlab: only where a report is drawn

    content = report_pdf(
        report,
        title=title,
        period=period,
        sections=[
            (heading, rows, cells(section_id))
            for section_id, heading, rows in _sections(report, kind)
        ],
        summary=[(label, value) for _icon, label, value in _summary(report)],
        chart_png=_chart(report, kind, "png"),
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, _filename(title, "pdf"))
    return response


# --- Bills, arrears and payments as spreadsheets ---------------------------------------------------

EXPORT_CHUNK = 2000
BILL_HEADERS = ["账单号", "楼栋", "单元", "房号", "户主", "电话", "费用", "账单标题", "账期",
                "到期日", "金额", "已缴", "未缴", "逾期天数", "状态"]  # fmt: skip
ARREARS_HEADERS = ["楼栋", "单元", "房号", "户主", "电话", "欠费账单数", "欠费月数", "欠费金额",
                   "最早到期日", "最长逾期天数"]  # fmt: skip
PAYMENT_HEADERS = ["缴费单号", "收据号", "楼栋", "单元", "房号", "缴费人", "方式", "金额",
                   "已退", "状态", "参考号", "收银员", "缴费时间"]  # fmt: skip


def _contacts(room_ids) -> dict[int, tuple[str, str]]:
    """Each room's first verified member (the owner first): name and mobile; one query."""
    members = households_for_rooms(list(room_ids))
    return {
        room_id: (people[0].user.get_full_name(), people[0].user.mobile) if people else ("", "")
        for room_id, people in members.items()
    }


def _chunks(queryset):
    """The rows of `queryset` a chunk at a time (an iterator, so memory stays flat)."""
    chunk = []
    for row in queryset.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(row)
        if len(chunk) == EXPORT_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _sheet(title: str, headers: list[str], widths: dict[int, float]):
    book = spreadsheets.workbook(title)
    sheet = book.active
    spreadsheets.append(sheet, headers)
    spreadsheets.style(sheet[1], bold=True, fill="EEF2F7", center=True)
    spreadsheets.widths(sheet, widths)
    sheet.freeze_panes = "A2"
    return book, sheet


def _money_columns(sheet, columns: tuple[int, ...]) -> None:
    row = sheet.max_row
    for column in columns:
        sheet.cell(row=row, column=column).number_format = FORMATS["money"]


def _filtered_bills(request: HttpRequest, today: dt.date):
    filterset = BillFilter(
        request.GET, queryset=_community_bills(request), request=request, today=today
    )
    return filterset.qs if filterset.is_valid() else None


def _file_name(request: HttpRequest, what: str, today: dt.date) -> str:
    return f"{request.community.name}_{what}_{today:%Y%m%d}.xlsx".replace(" ", "_")


@require_GET
@staff_required(VIEW_REPORTS)
def bills_export(request: HttpRequest) -> HttpResponse:
    """The bills the list's filters show (every page), one row per bill."""
    today = timezone.localdate()
    found = _filtered_bills(request, today)
    if found is None:
        return redirect(reverse("billing_staff:bills") + "?" + request.GET.urlencode())
    book, sheet = _sheet(_("Bills"), BILL_HEADERS, {1: 20, 7: 14, 8: 24, 9: 16, 15: 10})
    statuses = dict(Bill.Status.choices)
    rows = found.select_related(None).values_list(
        "pk", "number", "room_id", "room__building__name", "room__unit__name", "room__number",
        "rule__name", "title", "period_start", "period_end", "due_date", "amount",
        "paid_amount", "status", "kind",
    )  # fmt: skip
    kinds = dict(Bill._meta.get_field("kind").choices)
    for chunk in _chunks(rows):
        contacts = _contacts({row[2] for row in chunk})
        for (_pk, number, room_id, building, unit, room, rule, title, start, end, due, amount,
             paid, status, kind) in chunk:  # fmt: skip
            open_ = status in Bill.UNPAID_STATUSES
            overdue = (today - due).days if open_ and due < today else 0
            spreadsheets.append(sheet, [
                number, building, unit or "", room, *contacts[room_id],
                rule or str(kinds.get(kind, kind)), title,
                f"{start:%Y-%m}" if (start.year, start.month) == (end.year, end.month)
                else f"{start:%Y-%m}～{end:%Y-%m}",
                due, amount, paid, amount - paid if open_ else Decimal("0.00"), overdue,
                str(statuses.get(status, status)),
            ])  # fmt: skip
            sheet.cell(row=sheet.max_row, column=10).number_format = "yyyy-mm-dd"
            _money_columns(sheet, (11, 12, 13))
    return spreadsheets.file_response(
        spreadsheets.save(book), file_name=_file_name(request, "账单", today)
    )


@require_GET
@staff_required(VIEW_REPORTS)
def arrears_export(request: HttpRequest) -> HttpResponse:
    """Arrears per household: one row per room with unpaid bills among those the filters
    show (owner, phone, bills and months owed, the amount, the oldest due date)."""
    today = timezone.localdate()
    found = _filtered_bills(request, today)
    if found is None:
        return redirect(reverse("billing_staff:bills") + "?" + request.GET.urlencode())
    rooms = (
        found.filter(status__in=Bill.UNPAID_STATUSES)
        .order_by()
        .values("room_id", "room__building__name", "room__unit__name", "room__number",
                "room__building__sort_order", "room__unit__sort_order", "room__floor")
        .annotate(bills=Count("pk"), months=Count("period_start", distinct=True),
                  owed=Sum(F("amount") - F("paid_amount")), oldest=Min("due_date"))
        .order_by("room__building__sort_order", "room__building__name",
                  "room__unit__sort_order", "room__floor", "room__number")
    )  # fmt: skip
    book, sheet = _sheet(_("Arrears by household"), ARREARS_HEADERS, {4: 12, 5: 14, 9: 12})
    for chunk in _chunks(rooms):
        contacts = _contacts({row["room_id"] for row in chunk})
        for row in chunk:
            spreadsheets.append(sheet, [
                row["room__building__name"], row["room__unit__name"] or "", row["room__number"],
                *contacts[row["room_id"]], row["bills"], row["months"], row["owed"],
                row["oldest"], max((today - row["oldest"]).days, 0),
            ])  # fmt: skip
            _money_columns(sheet, (8,))
            sheet.cell(row=sheet.max_row, column=9).number_format = "yyyy-mm-dd"
    return spreadsheets.file_response(
        spreadsheets.save(book), file_name=_file_name(request, "欠费_按户", today)
    )


@require_GET
@staff_required(VIEW_REPORTS)
def payments_export(request: HttpRequest) -> HttpResponse:
    """The payments the payments list's filters show (every page)."""
    from ..filters import PaymentFilter

    today = timezone.localdate()
    rows = (
        Payment.objects.filter(community=request.community)
        .exclude(status=Payment.Status.CREATED)
        .order_by(Coalesce("paid_at", "created_at").desc(), "-pk")
    )
    filterset = PaymentFilter(request.GET, queryset=rows, request=request)
    if not filterset.is_valid():
        return redirect(reverse("billing_staff:payments") + "?" + request.GET.urlencode())
    methods, statuses = dict(Payment.Method.choices), dict(Payment.Status.choices)
    book, sheet = _sheet(_("Payments"), PAYMENT_HEADERS, {1: 20, 2: 14, 11: 18, 13: 18})
    values = filterset.qs.values_list(
        "number", "receipt__company_id", "receipt__number", "room__building__name",
        "room__unit__name", "room__number", "payer_name", "payer__display_name", "method",
        "amount", "refunded_amount", "status", "reference", "cashier__display_name",
        "paid_at",
    )  # fmt: skip
    for chunk in _chunks(values):
        for (number, company, receipt, building, unit, room, payer_name, payer, method, amount,
             refunded, status, reference, cashier, paid_at) in chunk:  # fmt: skip
            spreadsheets.append(sheet, [
                number, f"{company:03d}-{receipt:08d}" if receipt else "", building, unit or "",
                room, payer_name or payer or "", str(methods.get(method, method)), amount,
                refunded, str(statuses.get(status, status)), reference, cashier or "",
                timezone.localtime(paid_at).strftime("%Y-%m-%d %H:%M") if paid_at else "",
            ])  # fmt: skip
            _money_columns(sheet, (8, 9))
    return spreadsheets.file_response(
        spreadsheets.save(book), file_name=_file_name(request, "缴费记录", today)
    )


def _note_text() -> str:
    # billing.reports.pdf brings reportlab: imported where the note is needed, not at start-up.
    from ..reports.pdf import note_text

    return note_text()

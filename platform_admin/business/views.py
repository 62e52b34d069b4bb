"""The operators' 业务统计 page (PSTA-2): the business figures of a period for the platform, a
company or a community, each against the period before; monthly charts with their numbers
beside them; the communities side by side (sortable, best and worst first); an Excel export
of the same numbers."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from billing.models import Payment
from kit import spreadsheets
from kit.templatetags.money import yuan

from ..charts import Series, cached_chart
from ..figures import BusinessFigures
from ..scope import Period, Scope, scope_from_request
from . import selectors

COUNT, MONEY, RATE, HOURS, SCORE = "count", "money", "rate", "hours", "score"


@dataclass(frozen=True)
class Measure:
    field: str
    label: str
    kind: str


SECTIONS = [
    ("repairs", gettext_lazy("Repairs"), [
        Measure("repairs", gettext_lazy("Repairs reported"), COUNT),
        Measure("repairs_finished", gettext_lazy("Repairs completed"), COUNT),
        Measure("repair_on_time_rate", gettext_lazy("Completed on time"), RATE),
        Measure("repair_accept_hours", gettext_lazy("Average time to accept"), HOURS),
        Measure("repair_finish_hours", gettext_lazy("Average time to finish"), HOURS),
        Measure("repair_rating", gettext_lazy("Repair rating"), SCORE),
    ]),
    ("money", gettext_lazy("Money"), [
        Measure("billed", gettext_lazy("Billed"), MONEY),
        Measure("collected", gettext_lazy("Collected on these bills"), MONEY),
        Measure("collection_rate", gettext_lazy("Collection rate"), RATE),
        Measure("arrears", gettext_lazy("Still owed"), MONEY),
        Measure("received", gettext_lazy("Received in the period"), MONEY),
    ]),
    ("activities", gettext_lazy("Activities"), [
        Measure("activities", gettext_lazy("Activities held"), COUNT),
        Measure("activity_signups", gettext_lazy("People signed up"), COUNT),
        Measure("activity_attendance", gettext_lazy("People checked in"), COUNT),
        Measure("attendance_rate", gettext_lazy("Attendance rate"), RATE),
    ]),
    ("services", gettext_lazy("Services"), [
        Measure("bookings", gettext_lazy("Bookings"), COUNT),
        Measure("bookings_completed", gettext_lazy("Bookings done"), COUNT),
        Measure("booking_reviews", gettext_lazy("Reviews"), COUNT),
        Measure("booking_rating", gettext_lazy("Service rating"), SCORE),
    ]),
    ("complaints", gettext_lazy("Complaints and suggestions"), [
        Measure("complaints", gettext_lazy("Complaints filed"), COUNT),
        Measure("complaints_closed", gettext_lazy("Complaints closed"), COUNT),
        Measure("complaint_close_hours", gettext_lazy("Average time to close"), HOURS),
        Measure("complaint_satisfaction", gettext_lazy("Satisfaction"), SCORE),
        Measure("suggestions", gettext_lazy("Suggestions"), COUNT),
        Measure("suggestion_adoption_rate", gettext_lazy("Suggestions adopted"), RATE),
    ]),
]  # fmt: skip

# The by-community table: its columns, each sortable.
COLUMNS = [
    Measure("repairs", gettext_lazy("Repairs"), COUNT),
    Measure("repair_on_time_rate", gettext_lazy("On time"), RATE),
    Measure("repair_rating", gettext_lazy("Repair rating"), SCORE),
    Measure("billed", gettext_lazy("Billed"), MONEY),
    Measure("collected", pgettext_lazy("money", "Collected"), MONEY),
    Measure("collection_rate", gettext_lazy("Collection rate"), RATE),
    Measure("activity_signups", pgettext_lazy("activity", "Signed up"), COUNT),
    Measure("attendance_rate", gettext_lazy("Attendance rate"), RATE),
    Measure("bookings", gettext_lazy("Bookings"), COUNT),
    Measure("complaints", gettext_lazy("Complaints"), COUNT),
    Measure("complaint_satisfaction", gettext_lazy("Satisfaction"), SCORE),
]


def text(value, kind: str) -> str:
    """A figure as the page shows it (money through the `yuan` filter, in the template)."""
    if value is None:
        return "—"
    if kind == MONEY:
        return yuan(value)
    if kind == RATE:
        return f"{value * 100:.1f}%"
    if kind == HOURS:
        return _("%(hours)s h") % {"hours": f"{value:.1f}"}
    if kind == SCORE:
        return f"{value:.2f}"
    return f"{value:,}"


def change(now, before, kind: str) -> str:
    """Against the previous period: percentage points for rates, a relative change else."""
    if now is None or before is None:
        return "—"
    if kind == RATE:
        points = (Decimal(now) - Decimal(before)) * 100
        return _("%(sign)s%(points)s pts") % {"sign": "+" if points >= 0 else "−",
                                              "points": f"{abs(points):.1f}"}  # fmt: skip
    if not before:
        return "—"
    percent = (Decimal(now) - Decimal(before)) / Decimal(before) * 100
    return f"{'+' if percent >= 0 else '−'}{abs(percent):.1f}%"


def _sections(now: BusinessFigures, before: BusinessFigures) -> list[dict]:
    return [
        {
            "key": key,
            "title": title,
            "cards": [
                {
                    "label": measure.label,
                    "kind": measure.kind,
                    "value": getattr(now, measure.field),
                    "text": text(getattr(now, measure.field), measure.kind),
                    "change": change(
                        getattr(now, measure.field), getattr(before, measure.field), measure.kind
                    ),
                }
                for measure in measures
            ],
        }
        for key, title, measures in SECTIONS
    ]


def _svg(labels: list[str], series: list[Series], **options) -> str:
    """The chart as a data: URL for an <img> (the page's CSP allows data: images), drawn once
    for the same numbers."""
    return "data:image/svg+xml;base64," + base64.b64encode(
        cached_chart(labels, series, **options)
    ).decode("ascii")


def _charts(communities, period: Period) -> list[dict]:
    """The four monthly charts, each with the numbers it draws."""
    repairs = selectors.repairs_by_month(communities, period)
    money = selectors.money_by_month(communities, period)
    attendance = selectors.attendance_by_month(communities, period)
    complaints = selectors.complaints_by_month(communities, period)
    labels = repairs.labels
    return [
        {
            "title": _("Repairs per month"),
            "image": _svg(
                labels,
                [
                    Series(_("Repairs reported"), repairs.values("reported")),
                    Series(_("Repairs completed"), repairs.values("completed")),
                ],
            ),  # fmt: skip
            "headers": [_("Repairs reported"), _("Repairs completed")],
            "rows": [
                (label, [text(row["reported"], COUNT), text(row["completed"], COUNT)])
                for label, row in zip(labels, repairs.rows, strict=True)
            ],  # fmt: skip
        },
        {
            "title": _("Billed and collected per month"),
            "image": _svg(
                labels,
                [
                    Series(_("Billed"), money.values("billed")),
                    Series(pgettext("money", "Collected"), money.values("collected")),
                    Series(_("Collection rate"), money.values("rate"), kind="line", secondary=True),
                ],
                y_label=_("Yuan"),
                secondary_percent=True,
            ),  # fmt: skip
            "headers": [_("Billed"), pgettext("money", "Collected"), _("Collection rate")],
            "rows": [
                (
                    label,
                    [
                        text(row["billed"], MONEY),
                        text(row["collected"], MONEY),
                        text(row["rate"], RATE),
                    ],
                )
                for label, row in zip(labels, money.rows, strict=True)
            ],  # fmt: skip
        },
        {
            "title": _("Activity attendance per month"),
            "image": _svg(
                labels,
                [
                    Series(_("People signed up"), attendance.values("participants")),
                    Series(_("People checked in"), attendance.values("checked_in")),
                ],
            ),  # fmt: skip
            "headers": [pgettext("activity", "Signed up"), _("Checked in"), _("Attendance rate")],
            "rows": [
                (
                    label,
                    [
                        text(row["participants"], COUNT),
                        text(row["checked_in"], COUNT),
                        text(row["rate"], RATE),
                    ],
                )
                for label, row in zip(labels, attendance.rows, strict=True)
            ],  # fmt: skip
        },
        {
            "title": _("Complaints and suggestions per month"),
            "image": _svg(
                labels,
                [
                    Series(_("Complaints filed"), complaints.values("filed")),
                    Series(_("Of them closed"), complaints.values("closed")),
                    Series(_("Suggestions"), complaints.values("suggestions"), kind="line"),
                ],
            ),  # fmt: skip
            "headers": [_("Complaints"), _("Closed"), _("Suggestions")],
            "rows": [
                (
                    label,
                    [
                        text(row["filed"], COUNT),
                        text(row["closed"], COUNT),
                        text(row["suggestions"], COUNT),
                    ],
                )
                for label, row in zip(labels, complaints.rows, strict=True)
            ],  # fmt: skip
        },
    ]


def _by_method(figures: BusinessFigures) -> list[dict]:
    total = sum(figures.collected_by_method.values(), Decimal("0"))
    labels = dict(Payment.Method.choices)
    return [
        {
            "label": labels.get(method, method),
            "amount": amount,
            "share": text(amount / total if total else None, RATE),
        }
        for method, amount in sorted(figures.collected_by_method.items(), key=lambda p: -p[1])
    ]


def _community_rows(request: HttpRequest, communities, figures) -> tuple[list[dict], dict]:
    """The communities' rows sorted as asked (?sort=<column>&order=asc|desc; those without a
    figure last), and the links that sort by each column."""
    sort = request.GET.get("sort", "")
    fields = {measure.field for measure in COLUMNS}
    descending = request.GET.get("order", "desc") != "asc"
    rows = [
        {
            "name": community.name,
            "company": community.company.name,
            "figures": figures[community.pk],
            "cells": [
                {
                    "kind": m.kind,
                    "value": getattr(figures[community.pk], m.field),
                    "text": text(getattr(figures[community.pk], m.field), m.kind),
                }
                for m in COLUMNS
            ],  # fmt: skip
        }
        for community in communities
    ]
    if sort in fields:
        present = [row for row in rows if getattr(row["figures"], sort) is not None]
        present.sort(key=lambda row: getattr(row["figures"], sort), reverse=descending)
        rows = present + [row for row in rows if getattr(row["figures"], sort) is None]
    links = {}
    for measure in COLUMNS:
        query = request.GET.copy()
        query["sort"] = measure.field
        query["order"] = "asc" if sort == measure.field and descending else "desc"
        links[measure.field] = {
            "url": "?" + query.urlencode(),
            "label": measure.label,
            "arrow": ("▼" if descending else "▲") if sort == measure.field else "",
        }
    return rows, links


def business_page(request: HttpRequest) -> HttpResponse:
    """业务统计: figures of the chosen period and scope, the charts, the communities."""
    form, scope, period = scope_from_request(request)
    communities = list(scope.communities())
    figures = selectors.business_figures(communities, period)
    if request.GET.get("export") == "xlsx":
        return _export(scope, period, communities, figures)
    previous = selectors.business_figures(communities, period.previous())[None]
    total = figures[None]
    rows, links = ([], {})
    if scope.community is None:
        rows, links = _community_rows(request, communities, figures)
    export_query = request.GET.copy()
    export_query["export"] = "xlsx"
    context = {
        **admin.site.each_context(request),
        "title": _("Business statistics"),
        "scope_form": form,
        "scope": scope,
        "period": period,
        "previous": period.previous(),
        "sections": _sections(total, previous),
        "charts": _charts(communities, period),
        "by_method": _by_method(total),
        "rollup": selectors.rollup(),
        "themes": total.complaint_themes[:8],
        "rows": rows,
        "columns": [links[m.field] for m in COLUMNS] if links else [],
        "export_url": "?" + export_query.urlencode(),
    }
    return TemplateResponse(request, "admin/platform/business/statistics.html", context)


def _export(scope: Scope, period: Period, communities, figures) -> HttpResponse:
    """The page's numbers as a workbook: the totals, then a row per community. Figures stay
    numbers (rates as fractions, money as Decimal)."""
    book = spreadsheets.workbook(_("Business statistics"))
    sheet = book.active
    spreadsheets.append(sheet, [_("Business statistics"), scope.label, period.label])
    spreadsheets.style(sheet[1], bold=True, size=13)
    spreadsheets.append(sheet, [])
    total = figures[None]
    for _key, title, measures in SECTIONS:
        spreadsheets.append(sheet, [str(title)])
        spreadsheets.style(sheet[sheet.max_row], bold=True)
        for measure in measures:
            spreadsheets.append(sheet, [str(measure.label), getattr(total, measure.field)])
    spreadsheets.append(sheet, [])
    measures = [measure for _key, _title, section in SECTIONS for measure in section]
    spreadsheets.append(
        sheet, [_("Company"), _("Community"), *[str(measure.label) for measure in measures]]
    )
    spreadsheets.style(sheet[sheet.max_row], bold=True)
    for community in communities:
        values = figures[community.pk]
        spreadsheets.append(
            sheet,
            [community.company.name, community.name,
             *[getattr(values, measure.field) for measure in measures]],
        )  # fmt: skip
    spreadsheets.widths(sheet, {1: 22, 2: 18})
    name = f"业务统计-{period.start:%Y%m%d}-{period.last_day:%Y%m%d}.xlsx"
    return spreadsheets.file_response(spreadsheets.save(book), file_name=name)

"""The operators' page 用户统计 (PSTA-1) and its Excel export; served through the admin site
(platform_admin.site.register_page), so only operators reach them."""

from __future__ import annotations

import base64

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kit import spreadsheets
from platform_admin.charts import Series, chart
from platform_admin.figures import FEATURES
from platform_admin.scope import scope_from_request

from . import selectors
from .models import FEATURE_LABELS

CHART_WIDTH = 6.4  # inches at 100 dpi: beside its table on a 1366 px screen
GRAINS = (selectors.DAY, selectors.WEEK, selectors.MONTHLY)


def _grain(request: HttpRequest) -> str | None:
    grain = request.GET.get("grain")
    return grain if grain in GRAINS else None


def _grain_links(request: HttpRequest, current: str) -> list[dict]:
    links = []
    for grain, label in zip(GRAINS, (_("Days"), _("Weeks"), _("Months")), strict=True):
        query = request.GET.copy()
        query["grain"] = grain
        links.append({"label": label, "query": query.urlencode(), "current": grain == current})
    return links


def _svg(content: bytes) -> str:
    """A chart as a data: URI for an <img>: inside an image its styles are its own, so the
    page's Content-Security-Policy needs no exception."""
    return "data:image/svg+xml;base64," + base64.b64encode(content).decode("ascii")


def usage_page(request: HttpRequest) -> TemplateResponse:
    form, scope, period = scope_from_request(request)
    page = selectors.usage_page(scope, period, _grain(request))
    labels = [bucket.short_label for bucket in page.series]
    active = page.tables["active"]
    charts = {
        "signups": _svg(chart(labels, [Series(pgettext("accounts opened", "Sign-ups"), [b.signups for b in page.series])],
                              title=pgettext("accounts opened", "Sign-ups"), width=CHART_WIDTH)),
        "active": _svg(chart(
            labels,
            [Series(active.headers[1], [b.active_users for b in page.series])]
            + ([Series(_("Daily active (average)"), [b.daily_active_average for b in page.series],
                       kind="line")] if page.grain != selectors.DAY else []),
            title=_("Active users"), width=CHART_WIDTH,
        )),
        "features": _svg(chart(
            [str(FEATURE_LABELS[f]) for f in FEATURES],
            [Series(_("Users"), [page.figures.feature_users[f] for f in FEATURES]),
             Series(_("User-days"), [page.figures.feature_days[f] for f in FEATURES])],
            title=_("Use of each feature"), width=CHART_WIDTH, height=3.0,
        )),
    }  # fmt: skip
    return TemplateResponse(
        request,
        "admin/platform/usage/usage.html",
        {
            **admin.site.each_context(request),
            "title": _("User statistics"),
            "scope_form": form,
            "scope": scope,
            "period": period,
            "page": page,
            "charts": charts,
            "communities_table": page.tables.get("communities"),
            "grains": _grain_links(request, page.grain),
            "query": request.GET.urlencode(),
        },
    )


def usage_export(request: HttpRequest) -> HttpResponse:
    """The page's tables as one workbook, a sheet each."""
    _form, scope, period = scope_from_request(request)
    page = selectors.usage_page(scope, period, _grain(request))
    book = spreadsheets.workbook(_("User statistics"))
    summary = book.active
    spreadsheets.append(summary, [_("User statistics"), f"{scope.label} · {period.label}"])
    spreadsheets.style(summary[1], bold=True)
    spreadsheets.append(summary, [_("Figure"), _("Value"), _("Against the previous period")])
    for card in page.cards:
        spreadsheets.append(summary, [card.label, card.value, card.change])
    spreadsheets.widths(summary, {1: 24, 2: 30, 3: 16})
    for table in page.tables.values():
        sheet = book.create_sheet(table.title[:31])
        spreadsheets.append(sheet, table.headers)
        spreadsheets.style(sheet[1], bold=True)
        for row in table.rows:
            spreadsheets.append(sheet, row)
        spreadsheets.widths(sheet, dict.fromkeys(range(1, len(table.headers) + 1), 16))
    name = f"{_('User statistics')}-{period.start:%Y%m%d}-{period.last_day:%Y%m%d}.xlsx"
    return spreadsheets.file_response(spreadsheets.save(book), file_name=name)

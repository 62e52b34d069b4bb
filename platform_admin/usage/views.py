"""The operators' page 用户统计 (PSTA-1) and its Excel export; served through the admin site
(platform_admin.site.register_page), so only operators reach them."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kit import spreadsheets
from platform_admin.charts import Series, cached_chart
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


CHARTS = ("signups", "active", "features")


def _drawn(labels: list[str], series: list[Series], *, title: str, height: float = 3.4) -> bytes:
    """The chart's SVG, drawn once for the same numbers."""
    return cached_chart(labels, series, title=title, width=CHART_WIDTH, height=height)


def _chart_query(request: HttpRequest, name: str, grain: str) -> str:
    query = request.GET.copy()
    query["chart"], query["grain"] = name, grain
    return query.urlencode()


def usage_page(request: HttpRequest) -> TemplateResponse:
    """The figures and tables; the charts come as images of their own (usage_chart), so that
    the page answers before they are drawn."""
    form, scope, period = scope_from_request(request)
    page = selectors.usage_page(scope, period, _grain(request))
    query = request.GET.urlencode()
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
            "chart_queries": {name: _chart_query(request, name, page.grain) for name in CHARTS},
            "communities_table": page.tables.get("communities"),
            "grains": _grain_links(request, page.grain),
            "query": query,
        },
    )


def usage_chart(request: HttpRequest) -> HttpResponse:
    """One chart of the page as SVG (?chart=signups|active|features and the page's filters)."""
    name = request.GET.get("chart")
    name = name if name in CHARTS else CHARTS[0]
    _form, scope, period = scope_from_request(request)
    if name == "features":
        figures = selectors.usage_figures(scope.communities(), period)[None]
        svg = _drawn(
            [str(FEATURE_LABELS[f]) for f in FEATURES],
            [Series(_("Users"), [figures.feature_users[f] for f in FEATURES]),
             Series(_("User-days"), [figures.feature_days[f] for f in FEATURES])],
            title=_("Use of each feature"), height=3.0,
        )  # fmt: skip
    else:
        grain = _grain(request) or selectors.default_grain(period)
        series = selectors.usage_series(scope.communities(), period, grain)
        labels = [bucket.short_label for bucket in series]
        if name == "signups":
            title = pgettext("accounts opened", "Sign-ups")
            lines = [Series(title, [b.signups for b in series])]
        else:
            title = _("Active users")
            lines = [Series(selectors.ACTIVE_HEADERS[grain](), [b.active_users for b in series])]
            if grain != selectors.DAY:
                lines.append(Series(_("Daily active (average)"),
                                    [b.daily_active_average for b in series], kind="line"))  # fmt: skip
        svg = _drawn(labels, lines, title=title)
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    return response


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

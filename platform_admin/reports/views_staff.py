"""The staff portal's page of analysis reports: the reports of the current community and of
its company, for the staff who hold the report permission there (the managers, by default)."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from staff.access import staff_required

from . import selectors
from .views import report_file_response


@staff_required(selectors.REPORT_PERMISSION)
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    reports = selectors.reports_for_community(request.community)
    return render(
        request,
        "staff/reports/list.html",
        {
            "page": Paginator(reports, settings.STAFF_LIST_PAGE_SIZE).get_page(
                request.GET.get("page")
            )
        },
    )


@staff_required(selectors.REPORT_PERMISSION)
@require_GET
def report_download(request: HttpRequest, report_id: int) -> HttpResponse:
    report = selectors.get_report_for_community(request.community, report_id)
    if report is None:
        raise Http404
    return report_file_response(request, report)

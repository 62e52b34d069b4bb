"""The operators' pages of the analysis reports (admin:platform_report*): the list with the
form that asks for one, a report's findings, its PDF, and the progress the list polls."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kit.downloads import attachment_response

from . import selectors, services
from .forms import ReportForm
from .models import AnalysisReport

PAGE_SIZE = 30


def report_list(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        report = services.report_request(
            kind=form.cleaned_data["kind"],
            day=form.cleaned_data["day"],
            scope=form.chosen_scope(),
            actor=request.user,
            request=request,
        )
        messages.success(
            request, _("The report is being generated: %(report)s") % {"report": report}
        )
        return redirect("admin:platform_reports")
    page = Paginator(selectors.reports_for_operators(), PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "admin/platform/reports/list.html",
        {
            **admin.site.each_context(request),
            "title": _("Analysis reports"),
            "form": form,
            "page": page,
            "statuses": AnalysisReport.Status,
        },
    )


def _report_or_404(report_id: int) -> AnalysisReport:
    report = selectors.reports_for_operators().filter(pk=report_id).first()
    if report is None:
        raise Http404
    return report


@require_GET
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report_or_404(report_id)
    return TemplateResponse(
        request,
        "admin/platform/reports/detail.html",
        {
            **admin.site.each_context(request),
            "title": str(report),
            "report": report,
            "statuses": AnalysisReport.Status,
        },
    )


@require_GET
def report_download(request: HttpRequest, report_id: int) -> HttpResponse:
    return report_file_response(request, _report_or_404(report_id))


def report_file_response(request: HttpRequest, report: AnalysisReport) -> HttpResponse:
    """The report's PDF from private storage, downloaded under a readable name."""
    if report.status != AnalysisReport.Status.DONE or not report.file:
        raise Http404
    from django.utils.http import content_disposition_header

    response = attachment_response(
        request, SimpleNamespace(file=report.file, thumbnail=None, content_type="application/pdf")
    )
    response["Content-Disposition"] = content_disposition_header(True, report.file_name())
    return response


@require_GET
def report_progress(request: HttpRequest) -> JsonResponse:
    """The status of the reports the page shows (?ids=1,2,3), for static/platform/reports.js."""
    ids = [int(part) for part in request.GET.get("ids", "").split(",") if part.isdigit()][:100]
    rows = AnalysisReport.objects.filter(pk__in=ids).values(
        "pk", "status", "progress", "progress_label"
    )
    return JsonResponse(
        {
            "reports": [
                {
                    "id": row["pk"],
                    "status": row["status"],
                    "status_label": str(AnalysisReport.Status(row["status"]).label),
                    "progress": row["progress"],
                    "step": row["progress_label"],
                    "finished": row["status"]
                    in (AnalysisReport.Status.DONE, AnalysisReport.Status.FAILED),
                }
                for row in rows
            ]
        }
    )

"""Writes of the reports part: asking for a report, generating it (the Celery task's one
service), and the monthly schedule that asks for last month's reports and sends them to the
managers concerned."""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Community, PropertyCompany
from accounts.selectors import platform_operators
from kit.audit import log_action
from notices.notify import notify
from platform_admin.scope import MONTH, Period, Scope
from staff.selectors import staff_with_permission

from . import findings as rules
from . import sources
from .models import AnalysisReport
from .selectors import REPORT_PERMISSION

logger = logging.getLogger(__name__)

READY_EVENT = "analysis_report.ready"
FAILED_EVENT = "analysis_report.failed"
STEPS = {
    "figures": (10, "正在汇总数据"),
    "findings": (40, "正在生成分析结论"),
    "charts": (55, "正在绘制图表并排版"),
    "saving": (85, "正在保存报告"),
    "sending": (95, "正在发送给相关负责人"),
}


def report_enqueue(report: AnalysisReport) -> None:
    """Generate `report` in the worker once the caller's transaction commits."""
    from .tasks import generate_report

    transaction.on_commit(lambda: generate_report.delay(report.pk))


@transaction.atomic
def report_request(
    *,
    kind: str,
    day: dt.date,
    scope: Scope,
    actor,
    request: HttpRequest | None = None,
) -> AnalysisReport:
    """An operator asks for a report; the task generates it after commit."""
    period = Period.of(kind, day)
    report = AnalysisReport.objects.create(
        kind=kind,
        period_start=period.start,
        period_end=period.end,
        company=scope.company,
        community=scope.community,
        created_by=actor,
    )
    log_action(
        actor=actor,
        action="analysis_report.requested",
        target=report,
        community=scope.community,
        data={"kind": kind, "period": period.label, "scope": scope.label},
        request=request,
    )
    report_enqueue(report)
    return report


def _step(report: AnalysisReport, step: str) -> None:
    # A plain UPDATE outside any long transaction: the list page polls it while the task runs.
    report.progress, report.progress_label = STEPS[step]
    AnalysisReport.objects.filter(pk=report.pk).update(
        progress=report.progress, progress_label=report.progress_label
    )


def scope_names(scope: Scope) -> dict[int, str]:
    return {community.pk: community.name for community in scope.communities()}


def report_title(report: AnalysisReport) -> str:
    return f"{report.period.label}运营分析报告"


def report_generate(*, report_id: int, send: bool = True) -> AnalysisReport | None:
    """Generate a queued (or failed) report: figures, findings, charts and PDF, then send it
    (a scheduled one: an operator's own report is for the operator to download).
    A report already done or being generated is left alone, so a retried task does nothing
    twice. A failure is recorded on the report and the operators are alerted."""
    with transaction.atomic():
        report = (
            AnalysisReport.objects.select_for_update(of=("self",))
            .select_related("company", "community__company")
            .filter(pk=report_id)
            .first()
        )
        if report is None or report.status in (
            AnalysisReport.Status.DONE,
            AnalysisReport.Status.RUNNING,
        ):
            return report
        report.status = AnalysisReport.Status.RUNNING
        report.error = ""
        report.save(update_fields=["status", "error"])
    send = send and report.created_by_id is None
    try:
        _build(report)
        if send:
            _step(report, "sending")
        with transaction.atomic():
            report.status, report.progress, report.progress_label = (
                AnalysisReport.Status.DONE,
                100,
                "",
            )
            report.finished_at = timezone.now()
            report.save(update_fields=["status", "progress", "progress_label", "finished_at"])
            if send:
                report_send(report=report)
    except Exception as error:
        _fail(report, error)
    return report


def _build(report: AnalysisReport) -> None:
    scope, period = report.scope, report.period
    _step(report, "figures")
    current, previous = sources.figures_for(scope, period)
    names = scope_names(scope)
    _step(report, "findings")
    found = rules.findings(current, previous, names)
    _step(report, "charts")
    from . import pdf  # reportlab only where a report is drawn, not in every web worker

    content = pdf.report_pdf(
        title=report_title(report),
        scope_label=scope.label,
        period_label=period.label,
        previous_label=period.previous().label,
        current=current,
        previous=previous,
        names=names,
        found=found,
    )
    _step(report, "saving")
    with transaction.atomic():
        if report.file:
            report.file.delete(save=False)
        report.file.save("report.pdf", ContentFile(content), save=False)
        report.findings = [finding.as_dict() for finding in found]
        report.save(update_fields=["file", "findings"])


def _fail(report: AnalysisReport, error: Exception) -> None:
    logger.exception("Analysis report %s failed", report.pk)
    message = f"{error.__class__.__name__}: {error}"[:2000]
    AnalysisReport.objects.filter(pk=report.pk).update(
        status=AnalysisReport.Status.FAILED,
        error=message,
        finished_at=timezone.now(),
        progress_label="",
    )
    report.status, report.error = AnalysisReport.Status.FAILED, message
    with transaction.atomic():
        notify(
            FAILED_EVENT,
            platform_operators(),
            obj=report,
            key=str(report.pk),
            context={"report": report, "title": report_title(report), "error": message},
            url=reverse("admin:platform_report", args=[report.pk]),
        )


def recipients(report: AnalysisReport) -> QuerySet:
    """Whom a finished report is sent to: the staff who hold the report permission in the
    community (a community report) or in any of the company's communities (a company report);
    the platform's active operators (the platform report)."""
    user_model = get_user_model()
    if report.community_id is not None:
        return staff_with_permission(report.community, REPORT_PERMISSION)
    if report.company_id is not None:
        ids: set[int] = set()
        for community in report.company.communities.all():
            ids.update(
                staff_with_permission(community, REPORT_PERMISSION).values_list("pk", flat=True)
            )
        return user_model.objects.filter(pk__in=ids)
    return platform_operators()


def report_link(report: AnalysisReport) -> str:
    if report.company_id is None:
        return reverse("admin:platform_report", args=[report.pk])
    return reverse("reports_staff:list")


@transaction.atomic
def report_send(*, report: AnalysisReport) -> int:
    """Tell the managers concerned that the report is ready (an inbox message, pushed as the
    rules say), with a link to the page where they download it. Idempotent per person."""
    if report.status != AnalysisReport.Status.DONE:
        return 0
    summary = next((item["text"] for item in report.findings), "")
    sent = notify(
        READY_EVENT,
        recipients(report),
        obj=report,
        context={"report": report, "title": report_title(report), "summary": summary},
        url=report_link(report),
    )
    AnalysisReport.objects.filter(pk=report.pk).update(sent_at=timezone.now())
    return sent


def monthly_reports_schedule(today: dt.date | None = None) -> list[AnalysisReport]:
    """Last month's report for each community, each company and the platform, once each (a
    second run of the same month adds nothing); the task generates and sends them."""
    today = today or timezone.localdate()
    period = Period.month(today.replace(day=1) - dt.timedelta(days=1))
    scopes = [Scope()]
    scopes += [Scope(company=company) for company in PropertyCompany.objects.order_by("pk")]
    scopes += [
        Scope(company=community.company, community=community)
        for community in Community.objects.select_related("company").order_by("pk")
    ]
    existing = set(
        AnalysisReport.objects.filter(
            kind=MONTH, period_start=period.start, created_by=None
        ).values_list("company_id", "community_id")
    )
    created = []
    with transaction.atomic():
        for scope in scopes:
            key = (getattr(scope.company, "pk", None), getattr(scope.community, "pk", None))
            if key in existing:
                continue
            report = AnalysisReport.objects.create(
                kind=MONTH,
                period_start=period.start,
                period_end=period.end,
                company=scope.company,
                community=scope.community,
            )
            report_enqueue(report)
            created.append(report)
    if created:
        logger.info("Queued %s monthly analysis reports for %s", len(created), period.label)
    return created

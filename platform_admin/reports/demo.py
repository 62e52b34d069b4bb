"""The demo's analysis report: last month's report of the first community, queued for the
worker as a report asked for on the page is, so that `make run` shows it on the operators' page
and the managers' a few seconds after it starts (seed_demo does not wait for the PDF)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import Community
from platform_admin.scope import Period

from . import services
from .models import AnalysisReport


def seed_reports(community: Community, *, today: dt.date | None = None) -> AnalysisReport:
    today = today or timezone.localdate()
    period = Period.month(today.replace(day=1) - dt.timedelta(days=1))
    report, _created = AnalysisReport.objects.get_or_create(
        kind=AnalysisReport.Kind.MONTH,
        period_start=period.start,
        community=community,
        created_by=None,
        defaults={"period_end": period.end, "company": community.company},
    )
    if report.status == AnalysisReport.Status.FAILED:
        # Statistics missing the last time: tried again.
        AnalysisReport.objects.filter(pk=report.pk).update(status=AnalysisReport.Status.QUEUED)
        report.refresh_from_db()
    if report.status == AnalysisReport.Status.QUEUED:
        services.report_enqueue(report)
    return report

"""The demo's analysis report: last month's report of the first community, generated at once
(no worker needed), so that `make run` shows one on the operators' page and the managers'."""

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
    if report.status != AnalysisReport.Status.DONE:
        # A failed one (statistics missing the last time) is tried again.
        AnalysisReport.objects.filter(pk=report.pk).update(status=AnalysisReport.Status.QUEUED)
        services.report_generate(report_id=report.pk)
        report.refresh_from_db()
    return report

"""Reads of the reports part: the operators' list, and what staff of a community may open."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Community

from .models import AnalysisReport

REPORT_PERMISSION = "platform_admin.view_analysis_reports"


def reports_for_operators() -> QuerySet[AnalysisReport]:
    return AnalysisReport.objects.select_related("company", "community__company", "created_by")


def reports_for_community(community: Community | None) -> QuerySet[AnalysisReport]:
    """The finished reports the staff of `community` may read: the community's own and its
    company's (the company's managers serve one of its communities). Never the platform's."""
    if community is None:
        return AnalysisReport.objects.none()
    return (
        AnalysisReport.objects.filter(
            Q(community=community) | Q(community=None, company_id=community.company_id),
            status=AnalysisReport.Status.DONE,
        )
        .select_related("company", "community__company")
        .order_by("-period_start", "community_id", "-pk")
    )


def get_report_for_community(community: Community | None, report_id: int) -> AnalysisReport | None:
    return reports_for_community(community).filter(pk=report_id).first()

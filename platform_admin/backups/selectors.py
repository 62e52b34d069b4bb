"""Reads of the backups part: the operators' list, its figures and the communities to export."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Community

from .models import BackupRun, CommunityExport

LIST_SIZE = 60
# The list leaves out the manifests and results (large JSON): the detail page shows them.
LIST_FIELDS = (
    "kind", "status", "created_at", "started_at", "finished_at", "size", "error", "key",
    "verification", "verified_at", "pruned_at", "requested_by__display_name",
)  # fmt: skip


def backup_runs() -> QuerySet[BackupRun]:
    return BackupRun.objects.select_related("requested_by").only(*LIST_FIELDS)[:LIST_SIZE]


def latest_runs() -> dict[str, BackupRun | None]:
    """The last backup of any outcome, the last that succeeded and the last verified."""
    runs = BackupRun.objects.only(*LIST_FIELDS[:-1]).order_by("-created_at", "-pk")
    return {
        "last": runs.first(),
        "succeeded": runs.filter(status=BackupRun.Status.SUCCEEDED).first(),
        "verified": runs.exclude(verified_at=None).order_by("-verified_at").first(),
    }


def community_exports() -> QuerySet[CommunityExport]:
    return CommunityExport.objects.select_related("community", "requested_by").defer("counts")[:20]


def exportable_communities() -> QuerySet[Community]:
    return Community.objects.select_related("company").order_by("company__name", "name")

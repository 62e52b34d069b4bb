"""The operators' backup pages (served by the admin site, platform_admin.site.register_page)."""

from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kit.audit import log_action
from kit.downloads import private_file_response

from . import export, selectors, services
from .forms import CommunityExportForm
from .models import BackupRun, CommunityExport


def backups(request: HttpRequest, export_form: CommunityExportForm | None = None) -> HttpResponse:
    return TemplateResponse(
        request,
        "admin/platform/backups/list.html",
        {
            **admin.site.each_context(request),
            "title": _("Backups and restore"),
            "runs": selectors.backup_runs(),
            "latest": selectors.latest_runs(),
            "exports": selectors.community_exports(),
            "export_form": export_form or CommunityExportForm(),
        },
        status=400 if export_form is not None else 200,
    )


def backup_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(BackupRun.objects.select_related("requested_by"), pk=pk)
    result = run.verification_result or {}
    return TemplateResponse(
        request,
        "admin/platform/backups/detail.html",
        {
            **admin.site.each_context(request),
            "title": _("Backup #%(number)s") % {"number": run.pk},
            "run": run,
            "databases": _database_rows(run.manifest),
            "storages": _storage_rows(run.manifest),
            "verification_rows": _verification_rows(result),
            "verification_error": result.get("error", ""),
            "verification_seconds": result.get("seconds"),
        },
    )


def _verification_rows(result: dict) -> list[dict]:
    """The comparison per database and storage, with what did not match (table and file names
    as they are: they are what an operator looks up)."""
    rows = []
    for alias, database in result.get("databases", {}).items():
        rows.append(
            {
                "what": _("Database %(alias)s") % {"alias": alias},
                "checked": _("%(tables)s tables, %(rows)s rows")
                % {"tables": database["tables"], "rows": database["rows"]},
                "problems": [
                    _("%(table)s: %(backup)s rows in the backup, %(restored)s restored")
                    % {
                        "table": difference["table"],
                        "backup": _count(difference["backup_rows"]),
                        "restored": _count(difference["current_rows"]),
                    }
                    for difference in database["differences"][:50]
                ],
            }
        )
    for alias, files in result.get("files", {}).items():
        problems = [_("missing: %(name)s") % {"name": name} for name in files["missing"][:50]]
        problems += [_("changed: %(name)s") % {"name": name} for name in files["changed"][:50]]
        rows.append(
            {
                "what": _("Files in storage %(alias)s") % {"alias": alias},
                "checked": _("%(files)s files") % {"files": files["files"]},
                "problems": problems,
            }
        )
    return rows


def _count(rows: int | None) -> str:
    return "—" if rows is None else str(rows)


def _database_rows(manifest: dict) -> list[dict]:
    return [
        {
            "alias": alias,
            "engine": entry["engine"],
            "size": entry.get("size"),
            "tables": sorted(entry["tables"].items()),
            "rows": sum(table["rows"] for table in entry["tables"].values()),
        }
        for alias, entry in manifest.get("databases", {}).items()
    ]


def _storage_rows(manifest: dict) -> list[dict]:
    return [
        {
            "alias": alias,
            "count": len(files),
            "size": sum(item["size"] for item in files.values()),
            "files": sorted(files.items())[:200],
        }
        for alias, files in manifest.get("files", {}).items()
    ]


@require_POST
def backup_start(request: HttpRequest) -> HttpResponse:
    run = services.backup_request(actor=request.user, request=request)
    messages.success(
        request, _("Backup #%(number)s is queued; it appears here when done.") % {"number": run.pk}
    )
    return redirect("admin:platform_backups")


@require_POST
def community_export(request: HttpRequest) -> HttpResponse:
    form = CommunityExportForm(request.POST)
    if not form.is_valid():
        return backups(request, export_form=form)
    community = form.cleaned_data["community"]
    export.export_request(community=community, actor=request.user, request=request)
    messages.success(
        request,
        _("The export of %(community)s is queued; download it below when it is ready.")
        % {"community": community.name},
    )
    return redirect("admin:platform_backups")


def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(CommunityExport, pk=pk, status=CommunityExport.Status.SUCCEEDED)
    if not item.file:
        raise Http404
    log_action(
        actor=request.user, action="backup.community_export_downloaded", target=item,
        community=item.community, request=request,
    )  # fmt: skip
    return private_file_response(
        request,
        item.file,
        content_type="application/zip",
        filename=item.file.name.rsplit("/", 1)[-1],
        max_age=0,
    )

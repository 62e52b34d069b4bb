"""Everything of one community as a zip archive (for a company that leaves, or an auditor):
the rows of every model that leads to the community through foreign keys, as Django's JSON
fixtures (one file per model, loadable with `loaddata`), the accounts those rows name (without
password hashes), the community's company, and the files those rows hold.

The models are found from the foreign keys themselves, so a module added later is exported
without changing this file."""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections import deque
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.files import File
from django.core.files.storage import storages
from django.db import models, transaction
from django.utils import timezone

from kit.audit import log_action

from .models import BackupRun, CommunityExport

MAX_DEPTH = 6
# Records about the export and backups themselves, not the community's data.
LEFT_OUT = (CommunityExport, BackupRun)
USER_FIELDS_LEFT_OUT = {"password"}


def community_paths() -> dict[type[models.Model], str]:
    """For each model that reaches accounts.Community through foreign keys, the lookup from it
    to the community's id (`building__community`); the shortest where there are several."""
    community = apps.get_model("accounts", "Community")
    paths: dict[type[models.Model], str] = {community: "pk"}
    queue = deque([(community, 0)])
    candidates = [
        model
        for model in apps.get_models()
        if not model._meta.proxy and model._meta.managed and model not in LEFT_OUT
    ]
    while queue:
        parent, depth = queue.popleft()
        if depth >= MAX_DEPTH:
            continue
        for model in candidates:
            if model in paths:
                continue
            for field in model._meta.concrete_fields:
                if field.is_relation and field.related_model is parent:
                    hop = paths[parent]
                    paths[model] = field.name if hop == "pk" else f"{field.name}__{hop}"
                    queue.append((model, depth + 1))
                    break
    return paths


def _storage_alias(storage) -> str:
    for alias in ("default", "private"):
        if storages[alias] is storage or getattr(storage, "_wrapped", None) is storages[alias]:
            return alias
    return "other"


def export_community(community, target: Path) -> dict[str, int]:
    """Write the community's archive to `target` (a zip file); returns rows per model."""
    user_model = get_user_model()
    counts: dict[str, int] = {}
    user_ids: set[int] = set()
    files: set[tuple[str, str]] = set()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for model, lookup in sorted(community_paths().items(), key=lambda i: i[0]._meta.label):
            queryset = model._default_manager.filter(**{lookup: community.pk}).order_by("pk")
            if model is user_model:  # written below, with the others and without passwords
                user_ids |= set(queryset.values_list("pk", flat=True))
                continue
            counts[model._meta.label] = _write_model(zipped, model, queryset)
            user_ids |= _referenced_users(model, queryset, user_model)
            files |= _referenced_files(model, queryset)
        company = community.company
        counts[company._meta.label] = _write_model(
            zipped, type(company), type(company)._default_manager.filter(pk=company.pk)
        )
        fields = [
            field.name
            for field in user_model._meta.concrete_fields
            if field.name not in USER_FIELDS_LEFT_OUT and not field.primary_key
        ]
        counts[user_model._meta.label] = _write_model(
            zipped,
            user_model,
            user_model._default_manager.filter(pk__in=user_ids).order_by("pk"),
            fields=fields,
        )
        for alias, name in sorted(files):
            storage = storages[alias]
            if storage.exists(name):
                with (
                    storage.open(name, "rb") as source,
                    zipped.open(f"files/{alias}/{name}", "w") as out,
                ):
                    while chunk := source.read(1024 * 1024):
                        out.write(chunk)
        about = {
            "community": {"id": community.pk, "name": community.name},
            "company": {"id": company.pk, "name": company.name},
            "exported_at": timezone.now().isoformat(),
            "rows": counts,
            "files": len(files),
        }
        zipped.writestr("export.json", json.dumps(about, ensure_ascii=False, indent=1))
    return counts


def _write_model(zipped, model, queryset, *, fields=None) -> int:
    count = queryset.count()
    if not count:
        return 0
    m2m = [field.name for field in model._meta.many_to_many]
    rows = queryset.prefetch_related(*m2m).iterator(chunk_size=2000)
    with zipped.open(f"data/{model._meta.label_lower}.json", "w") as raw:
        text = _TextOut(raw)
        serializers.serialize("json", rows, stream=text, fields=fields, indent=1)
    return count


class _TextOut:
    def __init__(self, raw) -> None:
        self.raw = raw

    def write(self, text: str) -> None:
        self.raw.write(text.encode())

    def flush(self) -> None:
        pass


def _referenced_users(model, queryset, user_model) -> set[int]:
    found: set[int] = set()
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is user_model:
            found |= set(
                queryset.exclude(**{field.attname: None}).values_list(field.attname, flat=True)
            )
    return found


def _referenced_files(model, queryset) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for field in model._meta.concrete_fields:
        if isinstance(field, models.FileField):
            alias = _storage_alias(field.storage)
            names = queryset.exclude(**{field.attname: ""}).values_list(field.attname, flat=True)
            if alias != "other":  # a storage outside STORAGES is not the community's to export
                found |= {(alias, name) for name in names if name}
    return found


@transaction.atomic
def export_request(*, community, actor, request=None) -> CommunityExport:
    """An operator asks for a community's archive: built by the worker, audited."""
    from .tasks import community_export_task

    export = CommunityExport.objects.create(community=community, requested_by=actor)
    log_action(
        actor=actor, action="backup.community_exported", target=export, community=community,
        request=request,
    )  # fmt: skip
    transaction.on_commit(lambda: community_export_task.delay(export.pk))
    return export


def export_execute(export_id: int) -> CommunityExport:
    export = CommunityExport.objects.select_related("community__company").get(pk=export_id)
    if export.status != CommunityExport.Status.QUEUED:
        return export
    try:
        with tempfile.TemporaryDirectory(prefix="linli-export-") as folder:
            target = Path(folder) / "export.zip"
            export.counts = export_community(export.community, target)
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            with open(target, "rb") as handle:
                export.file.save(
                    f"community-{export.community_id}-{stamp}.zip", File(handle), save=False
                )
            export.size = target.stat().st_size
        export.status = CommunityExport.Status.SUCCEEDED
    except Exception as error:  # recorded on the export for the operators
        export.status = CommunityExport.Status.FAILED
        export.error = f"{error.__class__.__name__}: {error}"[:4000]
    export.finished_at = timezone.now()
    export.save()
    return export

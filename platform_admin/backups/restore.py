"""Restoring a backup over the live databases and storages (`manage.py restore_backup`): a dry
run that compares the backup's manifest with what is there now, the restore itself, and the
comparison afterwards. Files present now but not in the backup are left in place."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.core.files import File
from django.core.files.storage import storages

from . import archive, compare, crypto, databases
from .destinations import configured_destination
from .models import BackupRun


@dataclass
class Source:
    """A backup to restore: a run (its archive at the destination) or an archive file."""

    run: BackupRun | None = None
    path: Path | None = None

    @classmethod
    def parse(cls, value: str) -> Source:
        if value.isdigit():
            run = BackupRun.objects.filter(pk=int(value)).first()
            if run is None:
                raise ValueError(f"There is no backup #{value}.")
            if not run.available:
                raise ValueError(f"Backup #{value} has no archive (failed or removed).")
            return cls(run=run)
        path = Path(value)
        if not path.is_file():
            raise ValueError(f"{value} is neither a backup id nor an archive file.")
        return cls(path=path)

    def fetch(self, work: Path) -> Path:
        if self.path:
            return self.path
        local = work / "archive.linlibak"
        configured_destination().get(self.run.key, local)
        return local


def current_state(manifest: dict) -> tuple[dict, dict]:
    tables = {alias: databases.current_tables(alias) for alias in manifest.get("databases", {})}
    files = {alias: archive.current_files(alias) for alias in manifest.get("files", {})}
    return tables, files


def dry_run(source: Source) -> dict:
    """What a restore would change: per table, the rows now and in the backup; per storage,
    the files it would bring back or overwrite and those it would leave."""
    if source.run:
        manifest = source.run.manifest
    else:
        manifest = archive.read_manifest(source.path, crypto.configured_key())
    tables, files = current_state(manifest)
    return compare.compare(manifest, tables, files)


def restore(source: Source) -> dict:
    """Restore every database and file of the backup, then compare with its manifest."""
    key = crypto.configured_key()
    with tempfile.TemporaryDirectory(prefix="linli-restore-") as folder:
        work = Path(folder)
        local = source.fetch(work)
        engines = _engines(source, local, key)

        def put_back(member: archive.Member) -> None:
            saved = work / "member"
            archive.save_stream(member.stream, saved)
            if member.kind == "database":
                databases.restore(member.alias, engines[member.alias], saved)
            else:
                _put_file(member.alias, member.name, saved)
            saved.unlink()

        manifest = archive.read(local, key, put_back)
    tables, files = current_state(manifest)
    return compare.compare(manifest, tables, files)


def _engines(source: Source, local: Path, key: bytes) -> dict[str, str]:
    manifest = source.run.manifest if source.run else archive.read_manifest(local, key)
    return {alias: entry["engine"] for alias, entry in manifest["databases"].items()}


def _put_file(alias: str, name: str, saved: Path) -> None:
    storage = storages[alias]
    if storage.exists(name):
        storage.delete(name)
    with open(saved, "rb") as handle:
        stored = storage.save(name, File(handle, name=name))
    if stored != name:
        raise RuntimeError(f"{alias}:{name} was stored as {stored}.")

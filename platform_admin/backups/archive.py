"""One backup archive: a tar stream, gzip-compressed, then encrypted (crypto.py), holding

    databases/<alias>.dump       pg_dump's custom format (PostgreSQL)
    databases/<alias>.sqlite3    a copy made by SQLite's backup API
    files/<storage>/<name>       every file of every storage in STORAGES but staticfiles
    manifest.json                last: row counts and checksums per table, a hash per file

Written and read in one pass, so that archives of any size stream through. The files are read
through Django's storage API, so a storage on object storage is backed up as well as a folder."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.utils import timezone

from . import crypto, databases

MANIFEST = "manifest.json"
READ = 1024 * 1024


def storage_aliases() -> list[str]:
    return [alias for alias in settings.STORAGES if alias != "staticfiles"]


def walk(storage, folder: str = "") -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for name in sorted(folders):
        yield from walk(storage, f"{folder}/{name}" if folder else name)


def file_hash(handle) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(READ):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def current_files(alias: str) -> dict[str, dict[str, Any]]:
    storage = storages[alias]
    found = {}
    for name in walk(storage):
        with storage.open(name, "rb") as handle:
            sha256, size = file_hash(handle)
        found[name] = {"sha256": sha256, "size": size}
    return found


class _Hashing(io.RawIOBase):
    def __init__(self, handle) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        data = self.handle.read(len(target))
        target[: len(data)] = data
        self.digest.update(data)
        return len(data)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    tar.addfile(info, io.BytesIO(data))


def write(target: Path, key: bytes, work: Path) -> dict:
    """Write the archive of every database and storage to `target`; returns its manifest."""
    manifest: dict[str, Any] = {
        "version": 1,
        "created_at": timezone.now().isoformat(),
        "databases": {},
        "files": {},
        "timings": {},
    }
    with (
        open(target, "wb") as raw,
        crypto.EncryptingWriter(raw, key) as sealed,
        gzip.GzipFile(fileobj=sealed, mode="wb", compresslevel=3) as packed,
        tarfile.open(fileobj=packed, mode="w|") as tar,
    ):
        for alias in databases.aliases():
            started = time.monotonic()
            entry = _add_database(tar, alias, work)
            manifest["databases"][alias] = entry
            manifest["timings"][f"database:{alias}"] = round(time.monotonic() - started, 3)
        for alias in storage_aliases():
            started = time.monotonic()
            manifest["files"][alias] = _add_files(tar, alias)
            manifest["timings"][f"files:{alias}"] = round(time.monotonic() - started, 3)
        _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
    return manifest


def _add_database(tar: tarfile.TarFile, alias: str, work: Path) -> dict:
    dumped = work / f"{alias}.dump"
    entry = databases.dump(alias, dumped)
    suffix = "dump" if entry["engine"] == databases.POSTGRESQL else "sqlite3"
    entry["member"] = f"databases/{alias}.{suffix}"
    entry["size"] = dumped.stat().st_size
    tar.add(str(dumped), arcname=entry["member"])
    dumped.unlink()
    return entry


def _add_files(tar: tarfile.TarFile, alias: str) -> dict:
    storage = storages[alias]
    files = {}
    for name in walk(storage):
        info = tarfile.TarInfo(f"files/{alias}/{name}")
        info.size = storage.size(name)
        info.mtime = int(time.time())
        with storage.open(name, "rb") as handle:
            hashing = _Hashing(handle)
            tar.addfile(info, io.BufferedReader(hashing, READ))
        files[name] = {"sha256": hashing.digest.hexdigest(), "size": info.size}
    return files


# --- Reading -------------------------------------------------------------------------------------


@dataclass
class Member:
    """What `read` hands its callback: a database dump or a stored file, with its stream."""

    kind: str  # "database" | "file"
    alias: str
    name: str  # the file's name in its storage; the dump's member name
    size: int
    stream: Any


def read(source: Path, key: bytes, on_member) -> dict:
    """Stream through the archive at `source`, calling `on_member(Member)` for each database
    dump and file (the stream must be consumed or left, never kept); returns the manifest."""
    manifest = None
    with (
        open(source, "rb") as raw,
        io.BufferedReader(crypto.DecryptingReader(raw, key), READ) as plain,
        gzip.GzipFile(fileobj=plain, mode="rb") as unpacked,
        tarfile.open(fileobj=unpacked, mode="r|") as tar,
    ):
        for info in tar:
            if not info.isfile():
                continue
            stream = tar.extractfile(info)
            if info.name == MANIFEST:
                manifest = json.loads(stream.read())
            elif info.name.startswith("databases/"):
                alias = info.name.split("/", 1)[1].rsplit(".", 1)[0]
                on_member(Member("database", alias, info.name, info.size, stream))
            elif info.name.startswith("files/"):
                _prefix, alias, name = info.name.split("/", 2)
                on_member(Member("file", alias, name, info.size, stream))
    if manifest is None:
        raise crypto.BackupKeyError("The archive has no manifest: it is incomplete.")
    return manifest


def read_manifest(source: Path, key: bytes) -> dict:
    return read(source, key, lambda member: None)


def save_stream(stream, target: Path) -> None:
    with open(target, "wb") as out:
        while chunk := stream.read(READ):
            out.write(chunk)


def work_folder() -> tempfile.TemporaryDirectory:
    folder = Path(settings.LINLI_BACKUP_WORK_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(dir=folder, prefix="backup-")

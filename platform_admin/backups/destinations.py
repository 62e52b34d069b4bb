"""Where archives go: a folder (a mounted disk, a NAS) or an S3-compatible bucket (Alibaba OSS,
Tencent COS, MinIO, AWS). Chosen by LINLI_BACKUP_DESTINATION: `file:///srv/backups` or a plain
path, or `s3://bucket/prefix` with LINLI_BACKUP_S3_ENDPOINT_URL for providers other than AWS;
S3 credentials come from the environment as boto3 reads them (AWS_ACCESS_KEY_ID, ...)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from django.conf import settings


class Destination(Protocol):
    label: str

    def put(self, local: Path, key: str) -> None: ...

    def get(self, key: str, local: Path) -> None: ...

    def delete(self, key: str) -> None: ...

    def keys(self) -> list[str]: ...


class FolderDestination:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.label = str(self.root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"{key!r} is outside the backup folder.")
        return path

    def put(self, local: Path, key: str) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        shutil.copyfile(local, partial)
        partial.replace(target)  # never a half-written archive under the final name
        target.chmod(0o600)

    def get(self, key: str, local: Path) -> None:
        shutil.copyfile(self._path(key), local)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(
            str(path.relative_to(self.root))
            for path in self.root.rglob("*.linlibak")
            if path.is_file()
        )


class S3Destination:
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str = "",
        region: str = "",
    ) -> None:
        import boto3

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = boto3.client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None
        )
        self.label = f"s3://{bucket}/{self.prefix}".rstrip("/")

    def _name(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, local: Path, key: str) -> None:
        # upload_file switches to multipart uploads for big archives by itself.
        self.client.upload_file(str(local), self.bucket, self._name(key))

    def get(self, key: str, local: Path) -> None:
        self.client.download_file(self.bucket, self._name(key), str(local))

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def keys(self) -> list[str]:
        found = []
        start = f"{self.prefix}/" if self.prefix else ""
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start
        ):
            found += [item["Key"][len(start) :] for item in page.get("Contents", [])]
        return sorted(key for key in found if key.endswith(".linlibak"))


def destination_from_url(url: str) -> Destination:
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        return S3Destination(
            parsed.netloc,
            parsed.path,
            endpoint_url=settings.LINLI_BACKUP_S3_ENDPOINT_URL,
            region=settings.LINLI_BACKUP_S3_REGION,
        )
    if parsed.scheme in ("", "file"):
        return FolderDestination(parsed.path if parsed.scheme else url)
    raise ValueError(f"Unknown backup destination {url!r}: use a folder or s3://bucket/prefix.")


def configured_destination() -> Destination:
    return destination_from_url(settings.LINLI_BACKUP_DESTINATION)

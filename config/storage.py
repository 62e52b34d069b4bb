"""Uploaded files in S3-compatible object storage (AWS S3, MinIO, Aliyun OSS, Tencent COS),
when LINLI_STORAGE_URL names a bucket; the local folders stay the zero-setup default.

Every file of the project is private (photos of repairs and complaints, proofs of residence,
avatars, notices' attachments, reports, backups' exports): views hand them out after their
permission checks (kit.downloads). So both storages are signed-only, the bucket stays private
(no ACL is ever set on an object), and the default storage's files live beside the private ones
under a prefix of their own."""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

S3_BACKEND = "storages.backends.s3.S3Storage"
ADDRESSING_STYLES = ("auto", "path", "virtual")


def object_storage(
    url: str,
    *,
    folder: str,
    endpoint_url: str = "",
    region: str = "",
    addressing_style: str = "auto",
    signature_version: str = "s3v4",
    signed_url_seconds: int = 300,
) -> dict:
    """A STORAGES entry for the bucket and prefix of `url` (s3://bucket/prefix), under `folder`.

    endpoint_url: MinIO's (http://minio:9000), OSS's (https://oss-cn-hangzhou.aliyuncs.com) or
    COS's (https://cos.ap-shanghai.myqcloud.com); empty for AWS. addressing_style: "path" for
    MinIO, "virtual" for OSS and COS (they refuse path-style requests), "auto" lets botocore
    choose. Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (boto3's chain)."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ImproperlyConfigured(f"LINLI_STORAGE_URL must look like s3://bucket/prefix: {url!r}")
    if addressing_style not in ADDRESSING_STYLES:
        raise ImproperlyConfigured(
            f"LINLI_S3_ADDRESSING_STYLE must be one of {', '.join(ADDRESSING_STYLES)}."
        )
    prefix = "/".join(part for part in (parts.path.strip("/"), folder) if part)
    return {
        "BACKEND": S3_BACKEND,
        "OPTIONS": {
            "bucket_name": parts.netloc,
            "location": prefix,
            "endpoint_url": endpoint_url or None,
            "region_name": region or None,
            "addressing_style": None if addressing_style == "auto" else addressing_style,
            "signature_version": signature_version,
            # Never a public object: URLs are signed and short-lived; no ACL is sent, so the
            # bucket's own policy (private) applies, also where ACLs are disabled.
            "querystring_auth": True,
            "querystring_expire": signed_url_seconds,
            "default_acl": None,
            # As on the filesystem: a second upload of the same name gets a name of its own.
            "file_overwrite": False,
        },
    }

"""Private files in S3-compatible object storage (config.storage, kit.downloads), against a real
S3 endpoint on localhost (moto's server): the photos of a repair go to the bucket, and the view
hands them out after its permission check, streamed, through a short-lived signed URL or through
the proxy's internal redirect. Nothing in the bucket is readable without a signature."""

import http.client
import shutil
import ssl
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from storages.backends.s3 import S3Storage

from config.storage import object_storage
from repairs.models import RepairAttachment
from tests.test_proxy import nginx_running

REGION = "cn-north-1"
# moto keeps its buckets for the whole process: one name per test.
BUCKET = "linli-private-{}"


@pytest.fixture
def bucket(s3_endpoint, monkeypatch):
    """The repair attachments' storage is the bucket (as LINLI_STORAGE_URL makes it at start)."""
    import uuid

    import boto3

    name = BUCKET.format(uuid.uuid4().hex[:8])
    boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION).create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    entry = object_storage(
        f"s3://{name}/site-a",
        folder="private",
        endpoint_url=s3_endpoint,
        region=REGION,
        addressing_style="path",
    )
    storage = S3Storage(**entry["OPTIONS"])
    for name in ("file", "thumbnail"):
        monkeypatch.setattr(RepairAttachment._meta.get_field(name), "storage", storage)
    return storage


def fetch(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    return urllib.request.urlopen(request, timeout=30)  # noqa: S310 - moto on localhost


def stored_bytes(storage, name: str) -> bytes:
    with storage.open(name, "rb") as handle:
        return handle.read()


def test_photos_are_stored_in_the_bucket_and_streamed_by_the_app(
    bucket, client_for, resident, make_order, settings
):
    settings.LINLI_PRIVATE_FILES_DELIVERY = "app"
    order = make_order("pending", photos=1)
    photo = order.attachments.get()
    assert photo.file.name.startswith("repairs/") and photo.thumbnail
    keys = [o.key for o in bucket.bucket.objects.all()]
    assert f"site-a/private/{photo.file.name}" in keys
    assert f"site-a/private/{photo.thumbnail.name}" in keys
    content = stored_bytes(bucket, photo.file.name)
    assert content.startswith(b"\xff\xd8")  # a JPEG

    client = client_for(resident)
    url = reverse("repairs:file", args=[order.pk, photo.pk])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == content
    partial = client.get(url, HTTP_RANGE="bytes=2-11")
    assert partial.status_code == 206
    assert partial["Content-Range"] == f"bytes 2-11/{len(content)}"
    assert b"".join(partial.streaming_content) == content[2:12]


def test_redirect_to_a_short_lived_signed_url_after_the_permission_check(
    bucket, client_for, resident, outsider, make_order, settings
):
    settings.LINLI_PRIVATE_FILES_DELIVERY = "redirect"
    settings.LINLI_SIGNED_URL_SECONDS = 300
    order = make_order("pending", photos=1)
    photo = order.attachments.get()
    url = reverse("repairs:file", args=[order.pk, photo.pk])

    assert client_for(outsider).get(url).status_code == 404
    response = client_for(resident).get(url)
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, max-age=150"  # reused while still valid
    location = response["Location"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    assert query["X-Amz-Expires"] == ["300"] and query["X-Amz-Signature"]
    assert query["response-content-type"] == ["image/jpeg"]
    with fetch(location) as signed:
        assert signed.read() == stored_bytes(bucket, photo.file.name)
        assert signed.headers["Content-Type"] == "image/jpeg"
    # The thumbnail the lists show, signed in its turn.
    thumb = client_for(resident).get(url, {"thumb": 1})
    with fetch(thumb["Location"]) as signed:
        assert signed.read() == stored_bytes(bucket, photo.thumbnail.name)
    # (moto does not check signatures; MinIO, S3, OSS and COS refuse an unsigned GET of an
    # object in a private bucket, which is what config.storage keeps the bucket.)


def test_the_proxy_fetches_the_object_through_an_internal_redirect(
    bucket, s3_endpoint, client_for, resident, make_order, settings
):
    """X-Accel-Redirect names the signed path under the proxy's internal location; nginx
    (deploy/nginx.conf) sends the client's Range header on to the object store."""
    settings.LINLI_PRIVATE_FILES_DELIVERY = "accel"
    order = make_order("pending", photos=1)
    photo = order.attachments.get()
    response = client_for(resident).get(reverse("repairs:file", args=[order.pk, photo.pk]))
    assert response.status_code == 200 and response.content == b""
    target = response["X-Accel-Redirect"]
    prefix = f"/_protected/object/{bucket.bucket_name}/site-a/private/{photo.file.name}?"
    assert target.startswith(prefix) and "X-Amz-Signature=" in target
    assert response["Content-Disposition"] == "inline"
    assert response["X-Content-Type-Options"] == "nosniff"
    # What nginx's `location /_protected/object/ { proxy_pass <endpoint>/; }` does: the path
    # decoded once, the query as it is (the real nginx: the tests with a Chinese name below).
    path, query = target.removeprefix("/_protected/object").split("?", 1)
    upstream = f"{s3_endpoint}{urllib.parse.unquote(path)}?{query}"
    content = stored_bytes(bucket, photo.file.name)
    with fetch(upstream) as whole:
        assert whole.read() == content
    with fetch(upstream, {"Range": "bytes=0-99"}) as part:
        assert part.status == 206 and part.read() == content[:100]


# A name as Django's storages keep an uploaded one (an avatar, a proof of residence): Chinese
# characters stay, the space becomes "_".
CHINESE_NAME = "repairs/2026/12/厨房 水管漏水.jpg"


def through_nginx(port: int, path: str, headers: dict) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPSConnection(
        "localhost", port, timeout=30,
        context=ssl._create_unverified_context(),  # noqa: S323  (a throwaway certificate)
    )  # fmt: skip
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def fetched_through_nginx(storage, upstreams, *, live_server, tmp_path, client, resident,
                          make_order, settings, monkeypatch) -> None:  # fmt: skip
    """A photo stored under a Chinese name, handed to deploy/nginx.conf's internal location by
    X-Accel-Redirect: nginx finds it and sends all of it, or the range asked for."""
    settings.LINLI_PRIVATE_FILES_DELIVERY = "accel"
    for name in ("file", "thumbnail"):
        monkeypatch.setattr(RepairAttachment._meta.get_field(name), "storage", storage)
    order = make_order("pending", photos=1)
    photo = order.attachments.get()
    content = stored_bytes(storage, photo.file.name)
    name = storage.save(CHINESE_NAME, ContentFile(content))
    assert "厨房" in name
    RepairAttachment.objects.filter(pk=photo.pk).update(file=name)
    client.force_login(resident)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    url = reverse("repairs:file", args=[order.pk, photo.pk])

    with nginx_running(tmp_path, live_server.url, upstreams) as port:
        whole, body = through_nginx(port, url, {"Cookie": cookie})
        part, first = through_nginx(port, url, {"Cookie": cookie, "Range": "bytes=0-99"})
        stranger, nothing = through_nginx(port, url, {})

    assert whole.status == 200, body[:300]
    assert body == content and whole.getheader("Content-Type") == "image/jpeg"
    assert whole.getheader("X-Accel-Redirect") is None  # nginx keeps it to itself
    assert part.status == 206 and first == content[:100]
    assert stranger.status in (302, 403, 404) and content not in nothing


@pytest.mark.django_db(transaction=True)
def test_a_chinese_file_name_in_the_folder_through_the_real_nginx(
    live_server, tmp_path, client, resident, make_order, settings, monkeypatch
):
    # A folder nginx's workers (another user) may read; pytest's own are its user's only.
    folder = Path(tempfile.mkdtemp(prefix="linli-private-"))
    folder.chmod(0o755)
    try:
        fetched_through_nginx(
            FileSystemStorage(location=folder), (("/srv/private-media/", f"{folder}/"),),
            live_server=live_server, tmp_path=tmp_path, client=client, resident=resident,
            make_order=make_order, settings=settings, monkeypatch=monkeypatch,
        )  # fmt: skip
    finally:
        shutil.rmtree(folder)


@pytest.mark.django_db(transaction=True)
def test_a_chinese_file_name_in_the_bucket_through_the_real_nginx(
    bucket, s3_endpoint, live_server, tmp_path, client, resident, make_order, settings,
    monkeypatch,
):  # fmt: skip
    fetched_through_nginx(
        bucket, (("http://minio:9000", s3_endpoint),),
        live_server=live_server, tmp_path=tmp_path, client=client, resident=resident,
        make_order=make_order, settings=settings, monkeypatch=monkeypatch,
    )  # fmt: skip


def test_the_proxy_sends_a_file_of_the_local_folder(client_for, resident, make_order, settings):
    settings.LINLI_PRIVATE_FILES_DELIVERY = "accel"
    order = make_order("pending", photos=1)
    photo = order.attachments.get()
    response = client_for(resident).get(reverse("repairs:file", args=[order.pk, photo.pk]))
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/_protected/files/{photo.file.name}"
    assert response["Content-Type"] == "image/jpeg"


def test_redirect_on_the_local_folder_streams_as_it_has_no_signed_urls(
    client_for, resident, make_order, settings
):
    settings.LINLI_PRIVATE_FILES_DELIVERY = "redirect"
    order = make_order("pending", photos=1)
    photo = order.attachments.get()
    response = client_for(resident).get(reverse("repairs:file", args=[order.pk, photo.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == photo.file.open("rb").read()


def test_object_storage_settings_for_minio_oss_and_cos():
    minio = object_storage(
        "s3://linli/prod",
        folder="private",
        endpoint_url="http://minio:9000",
        addressing_style="path",
        signed_url_seconds=120,
    )
    assert minio["BACKEND"] == "storages.backends.s3.S3Storage"
    options = minio["OPTIONS"]
    assert options["bucket_name"] == "linli" and options["location"] == "prod/private"
    assert options["endpoint_url"] == "http://minio:9000"
    assert options["addressing_style"] == "path" and options["signature_version"] == "s3v4"
    assert options["querystring_auth"] and options["querystring_expire"] == 120
    assert options["default_acl"] is None and options["file_overwrite"] is False
    oss = object_storage(
        "s3://linli",
        folder="media",
        endpoint_url="https://oss-cn-hangzhou.aliyuncs.com",
        region="oss-cn-hangzhou",
        addressing_style="virtual",
    )["OPTIONS"]
    assert oss["location"] == "media" and oss["addressing_style"] == "virtual"
    assert oss["region_name"] == "oss-cn-hangzhou"
    assert object_storage("s3://linli", folder="private")["OPTIONS"]["addressing_style"] is None
    for wrong in ("linli", "https://linli/x", "s3:///x"):
        with pytest.raises(ImproperlyConfigured):
            object_storage(wrong, folder="private")
    with pytest.raises(ImproperlyConfigured):
        object_storage("s3://linli", folder="private", addressing_style="dns")


def test_the_environment_switches_both_storages_to_the_bucket(tmp_path):
    from tests.test_settings import run_django

    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps([settings.STORAGES['private'], settings.STORAGES['default'], "
        "settings.LINLI_PRIVATE_FILES_DELIVERY]))"
    )
    result = run_django(
        code,
        "config.settings.local",
        LINLI_VAR_DIR=str(tmp_path),
        LINLI_STORAGE_URL="s3://linli/site",
        LINLI_S3_ENDPOINT_URL="https://cos.ap-shanghai.myqcloud.com",
        LINLI_S3_REGION="ap-shanghai",
        LINLI_S3_ADDRESSING_STYLE="virtual",
        LINLI_PRIVATE_FILES_DELIVERY="redirect",
    )
    assert result.returncode == 0, result.stderr
    import json

    private, default_storage, delivery = json.loads(result.stdout.strip().splitlines()[-1])
    assert private["OPTIONS"]["location"] == "site/private"
    assert default_storage["OPTIONS"]["location"] == "site/media"
    assert private["OPTIONS"]["endpoint_url"] == "https://cos.ap-shanghai.myqcloud.com"
    assert delivery == "redirect"
    wrong = run_django(
        code, "config.settings.local", LINLI_VAR_DIR=str(tmp_path), LINLI_PRIVATE_FILES_DELIVERY="x"
    )
    assert wrong.returncode != 0 and "LINLI_PRIVATE_FILES_DELIVERY" in wrong.stderr

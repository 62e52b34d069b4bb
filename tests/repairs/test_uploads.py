"""Repair photos and videos are judged by their bytes, and served only with safe headers."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from PIL import Image

from kit import uploads
from kit.downloads import attachment_response
from repairs import geo
from tests.factories import RepairAttachmentFactory, photo_upload, video_upload


@pytest.mark.req("REP-3")
@pytest.mark.parametrize(
    "brand, expected",
    [(b"isom", "video/mp4"), (b"mp42", "video/mp4"), (b"qt  ", "video/quicktime"),
     (b"webm", "video/webm")],
)  # fmt: skip
def test_videos_are_recognised_by_their_first_bytes(brand, expected):
    stored = uploads.video_from_upload(video_upload("any-name.bin", brand=brand))
    assert stored.content_type == expected
    assert stored.file.name.endswith("." + expected.split("/")[1].replace("quicktime", "mov"))
    assert "any-name" not in stored.file.name


@pytest.mark.req("REP-3")
@pytest.mark.parametrize(
    "content",
    [
        b"<html><script>alert(1)</script></html>",
        b"MZ\x90\x00" + b"\x00" * 100,  # a Windows program named .mp4
        b"\x00\x00\x00\x18ftypheic" + b"\x00" * 50,  # a HEIC still image, not a video
        b"",
    ],
)
def test_disguised_videos_are_refused(content):
    upload = SimpleUploadedFile("clip.mp4", content, content_type="video/mp4")
    with pytest.raises(ValidationError) as raised:
        uploads.video_from_upload(upload)
    assert raised.value.code == "not_a_video"


def test_oversized_videos_are_refused_before_reading(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_VIDEO_BYTES", 1000)
    with pytest.raises(ValidationError) as raised:
        uploads.video_from_upload(video_upload(size=1001))
    assert raised.value.code == "too_large"


@pytest.mark.req("REP-3")
def test_photos_are_re_encoded_without_exif_and_get_a_thumbnail():
    stored = uploads.photo_with_thumbnail(photo_upload("现场.png", size=(3000, 2000),
                                                       image_format="PNG"))  # fmt: skip
    photo = Image.open(io.BytesIO(stored.file.read()))
    assert photo.format == "JPEG" and max(photo.size) == uploads.PHOTO_MAX_SIDE
    assert not photo.getexif()
    thumb = Image.open(io.BytesIO(stored.thumbnail.read()))
    assert max(thumb.size) == uploads.THUMBNAIL_SIDE
    assert stored.original_name == "现场.jpg"


def test_a_text_file_named_like_a_photo_is_refused_with_its_name():
    fake = SimpleUploadedFile("leak.jpg", b"not an image at all", content_type="image/jpeg")
    with pytest.raises(ValidationError) as raised:
        uploads.photo_with_thumbnail(fake)
    assert raised.value.messages[0].startswith("leak.jpg: ")


def test_counts_are_limited():
    with pytest.raises(ValidationError):
        uploads.media_from_uploads([photo_upload()] * 10, [])
    with pytest.raises(ValidationError):
        uploads.media_from_uploads([], [video_upload()] * 4)


@pytest.mark.django_db
def test_served_files_are_inline_unsniffable_and_answer_ranges():
    attachment = RepairAttachmentFactory(
        kind="video", content_type="video/mp4",
        file=SimpleUploadedFile("v.mp4", bytes(range(256)) * 4),
    )  # fmt: skip
    factory = RequestFactory()
    whole = attachment_response(factory.get("/"), attachment)
    assert whole.status_code == 200
    assert whole["X-Content-Type-Options"] == "nosniff"
    assert whole["Content-Disposition"] == "inline"
    assert whole["Accept-Ranges"] == "bytes"
    assert whole["Content-Type"] == "video/mp4"
    part = attachment_response(factory.get("/", HTTP_RANGE="bytes=10-19"), attachment)
    assert part.status_code == 206
    assert part["Content-Range"] == "bytes 10-19/1024"
    assert b"".join(part.streaming_content) == bytes(range(10, 20))
    tail = attachment_response(factory.get("/", HTTP_RANGE="bytes=-4"), attachment)
    assert b"".join(tail.streaming_content) == bytes(range(252, 256))
    beyond = attachment_response(factory.get("/", HTTP_RANGE="bytes=5000-"), attachment)
    assert beyond.status_code == 416


def test_wgs84_to_gcj02_matches_the_published_offset():
    # Tiananmen: GPS 39.9087, 116.3975 is drawn by 高德 at about 39.9101, 116.4037.
    lat, lng = geo.wgs84_to_gcj02(39.9087, 116.3975)
    assert lat == pytest.approx(39.9101, abs=2e-4)
    assert lng == pytest.approx(116.4037, abs=2e-4)
    assert geo.wgs84_to_gcj02(51.5, -0.12) == (51.5, -0.12)  # outside China: unchanged
    assert geo.for_display(30.0, 120.0, "wgs84") == (30.0, 120.0)

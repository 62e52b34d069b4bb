"""Finding 6: an upload cannot exhaust the server. Pixels are bounded per image before any is
decoded (the header says how many), per request over all its images, in decode memory, and
uploads are counted per account (kit.images, accounts.middleware)."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageFile

from kit import images
from tests.factories import photo_upload

pytestmark = pytest.mark.django_db


def png_claiming(width: int, height: int) -> bytes:
    """A PNG of a few bytes whose header claims width x height pixels (a decompression bomb's
    header, without the bomb)."""
    buffer = io.BytesIO()
    Image.new("1", (1, 1)).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    ihdr = bytes(data[12:16]) + struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    return bytes(data)


def real_png(width: int, height: int) -> bytes:
    """A real one-colour PNG: a few KB that decode to width x height pixels."""
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def decoding(monkeypatch):
    """The sizes of the uploaded PNGs whose pixels were decoded (the JPEGs we encode from
    them are read back for thumbnails: not counted)."""
    decoded = []
    original = ImageFile.ImageFile.load

    def load(image):
        if image.tile and image.format == "PNG":  # an upload's pixels, not yet decoded
            decoded.append(image.size)
        return original(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return decoded


@pytest.mark.req("ACC-2")
@pytest.mark.parametrize(
    "content",
    [
        pytest.param(lambda: png_claiming(10_000, 10_000), id="header-claims-100MP"),
        pytest.param(lambda: real_png(7_000, 7_000), id="real-49MP-png-of-a-few-KB"),
    ],
)
def test_a_png_with_too_many_pixels_is_refused_before_decoding(content, decoding):
    data = content()
    assert len(data) < 100_000, "a bomb is small"
    upload = SimpleUploadedFile("bomb.png", data, content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        images.photo_from_upload(upload, max_side=1920, quality=85)
    assert refused.value.code == "too_many_pixels"
    assert "像素" in refused.value.messages[0]
    assert decoding == [], "not one pixel was decoded"


def test_pillow_refuses_bombs_everywhere_in_the_process():
    assert Image.MAX_IMAGE_PIXELS == images.MAX_PIXELS


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(monkeypatch):
    upload = photo_upload("big.jpg", size=(6000, 4000))
    opened = []
    original = images._open

    def spy(*args, **kwargs):
        opened.append(image := original(*args, **kwargs))
        return image

    monkeypatch.setattr(images, "_open", spy)
    images.avatar_from_upload(upload)
    assert max(opened[0].size) <= 6000 // 8, "DCT scaling, not the full 24 MP"


def PNG_1MP():  # noqa: N802
    return photo_upload("photo.png", size=(1000, 1000), image_format="PNG", with_exif=False)


def test_the_images_of_one_request_are_bounded_together(decoding, monkeypatch):
    monkeypatch.setattr(images, "MAX_REQUEST_PIXELS", 3_000_000)
    token = images.start_budget()
    try:
        for _ in range(3):
            images.photo_from_upload(PNG_1MP(), max_side=1920, quality=85)
        with pytest.raises(ValidationError) as refused:
            images.photo_from_upload(PNG_1MP(), max_side=1920, quality=85)
    finally:
        images.end_budget(token)
    assert refused.value.code == "too_many_pixels_in_total"
    assert len(decoding) == 3


@pytest.mark.req("ACC-2")
def test_avatars_are_counted_per_account_and_the_form_keeps_what_was_typed(
    client_for, resident, settings, start_of_an_hour
):
    settings.LINLI_ACTION_LIMITS = {
        **getattr(settings, "LINLI_ACTION_LIMITS", {}),
        "upload": {"user": ["2/h"], "ip": ["100/h"]},
    }
    client = client_for(resident)
    url = reverse("accounts:profile_edit")
    for attempt in range(2):
        response = client.post(url, {"display_name": "张伟", "avatar": photo_upload()})
        assert response.status_code == 302, attempt
    response = client.post(url, {"display_name": "张小伟", "avatar": photo_upload()})
    assert response.status_code == 200
    body = response.content.decode()
    assert "操作过于频繁" in body
    assert 'value="张小伟"' in body, "what was typed stays"
    resident.refresh_from_db()
    assert resident.display_name == "张伟"
    # Without a file the profile can still be saved: only uploads are counted.
    assert client.post(url, {"display_name": "张小伟"}).status_code == 302

"""Uploaded photos, checked by content and re-encoded with Pillow before they are stored.

Re-encoding drops everything but the pixels: EXIF (GPS position, camera), ICC profiles,
comments and anything appended to the file. What is stored is always a plain JPEG with a
random name, so neither the name nor the content of the upload reaches the disk."""

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# A phone photo has ~12-50 Mpx; anything far above is a decompression bomb, not a photo.
MAX_PIXELS = 60_000_000
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP"}
AVATAR_SIDE = 256
PROOF_MAX_SIDE = 2000


def avatar_from_upload(upload: UploadedFile) -> ContentFile:
    """A square JPEG of AVATAR_SIDE pixels, cut from the middle of the photo."""
    image = _open(upload)
    image = ImageOps.fit(image, (AVATAR_SIDE, AVATAR_SIDE), Image.Resampling.LANCZOS)
    return _encode(image, quality=85)


def proof_from_upload(upload: UploadedFile) -> ContentFile:
    """The whole document, at most PROOF_MAX_SIDE pixels on its long side, still readable."""
    return photo_from_upload(upload, max_side=PROOF_MAX_SIDE, quality=88)


def photo_from_upload(upload: UploadedFile, *, max_side: int, quality: int) -> ContentFile:
    """The whole photo as a plain JPEG, at most `max_side` pixels on its long side."""
    image = _open(upload)
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return _encode(image, quality=quality)


def _open(upload: UploadedFile) -> Image.Image:
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The photo is too large (at most %(size)d MB). Please choose a smaller one.")
            % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)},
            code="too_large",
        )
    not_an_image = ValidationError(
        _("This file is not a photo we can read. Please choose a JPG, PNG or WebP image."),
        code="not_an_image",
    )
    upload.seek(0)
    try:
        image = Image.open(upload)
        if image.format not in ACCEPTED_FORMATS:
            raise not_an_image
        # The header gives the size before any pixel is decoded.
        if image.width * image.height > MAX_PIXELS:
            raise ValidationError(
                _("The photo has too many pixels. Please choose a smaller one."),
                code="too_many_pixels",
            )
        image.load()
        # Phones store "rotate me" in EXIF; apply it before EXIF is dropped.
        image = ImageOps.exif_transpose(image)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_an_image from None
    return _flatten(image)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: JPEG has no transparency, and a transparent logo should not turn black."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def _encode(image: Image.Image, *, quality: int) -> ContentFile:
    buffer = io.BytesIO()
    # No exif=, icc_profile= or comment: the new file carries pixels only.
    image.save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True)
    return ContentFile(buffer.getvalue(), name=f"{uuid.uuid4().hex}.jpg")

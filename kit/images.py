"""Uploaded photos, checked by content and re-encoded with Pillow before they are stored.

Re-encoding drops everything but the pixels: EXIF (GPS position, camera), ICC profiles,
comments and anything appended to the file. What is stored is always a plain JPEG with a
random name, so neither the name nor the content of the upload reaches the disk.

Every uploaded image of every form goes through `_open`, which bounds the work an upload can
cause before any pixel is decoded: the pixels of one image (read from the header), the memory
its decoding takes, and the pixels of all images of one request together (the request's
UploadBudget, set by accounts.middleware.UploadBudgetMiddleware, which also counts uploads per
account and address: LINLI_ACTION_LIMITS["upload"]). Other uploads (videos, PDFs) call
`charge_upload` so that the same per-account limit applies to them."""

import contextvars
import io
import uuid
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# A phone photo has ~12-24 Mpx; far above is a decompression bomb (a PNG of one colour
# compresses 50 Mpx into a few KB), not a photo.
MAX_PIXELS = 40_000_000
# All images of one request together: nine phone photos fit, nine bombs just under
# MAX_PIXELS do not.
MAX_REQUEST_PIXELS = 120_000_000
# Pillow keeps RGB and RGBA at 4 bytes a pixel; a JPEG is decoded at a reduced scale (draft)
# when it is going to be shrunk anyway, so this bounds mostly PNG, WebP, GIF and BMP.
MAX_DECODE_BYTES = 128 * 1024 * 1024
# Pillow's own guard for every Image.open in this process (errors above twice this).
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP"}
AVATAR_SIDE = 256
PROOF_MAX_SIDE = 2000


@dataclass
class UploadBudget:
    """What one request may still make us decode; `refusal` is set when the account or
    address has uploaded too often for now."""

    pixels_left: int = MAX_REQUEST_PIXELS
    refusal: str = ""


_budget: contextvars.ContextVar[UploadBudget | None] = contextvars.ContextVar(
    "linli_upload_budget", default=None
)


def start_budget(refusal: str = "") -> contextvars.Token:
    return _budget.set(UploadBudget(pixels_left=MAX_REQUEST_PIXELS, refusal=refusal))


def end_budget(token: contextvars.Token) -> None:
    _budget.reset(token)


def charge_upload() -> None:
    """Refuse the file when this request's account or address has uploaded too often."""
    budget = _budget.get()
    if budget is not None and budget.refusal:
        raise ValidationError(budget.refusal, code="throttled")


def _too_many_pixels(limit: int = MAX_PIXELS) -> ValidationError:
    return ValidationError(
        _(
            "The photo has too many pixels (at most %(count)d megapixels). Please choose a "
            "smaller one."
        )
        % {"count": limit // 1_000_000},
        code="too_many_pixels",
    )


def _spend(pixels: int) -> None:
    budget = _budget.get()
    if budget is None:
        return
    if pixels > budget.pixels_left:
        raise ValidationError(
            _(
                "These photos are too large together. Please send fewer or smaller photos "
                "(at most %(count)d megapixels in all)."
            )
            % {"count": MAX_REQUEST_PIXELS // 1_000_000},
            code="too_many_pixels_in_total",
        )
    budget.pixels_left -= pixels


def avatar_from_upload(upload: UploadedFile) -> ContentFile:
    """A square JPEG of AVATAR_SIDE pixels, cut from the middle of the photo."""
    image = _open(upload, target_side=AVATAR_SIDE)
    image = ImageOps.fit(image, (AVATAR_SIDE, AVATAR_SIDE), Image.Resampling.LANCZOS)
    return _encode(image, quality=85)


def proof_from_upload(upload: UploadedFile) -> ContentFile:
    """The whole document, at most PROOF_MAX_SIDE pixels on its long side, still readable."""
    return photo_from_upload(upload, max_side=PROOF_MAX_SIDE, quality=88)


def photo_from_upload(upload: UploadedFile, *, max_side: int, quality: int) -> ContentFile:
    """The whole photo as a plain JPEG, at most `max_side` pixels on its long side."""
    image = _open(upload, target_side=max_side)
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return _encode(image, quality=quality)


def thumbnail_from_photo(photo, *, side: int, crop: bool = False, quality: int = 80) -> ContentFile:
    """A small JPEG of a photo already stored by this module (so trusted: not checked again),
    for lists: at most `side` pixels on its long side, or with `crop` a `side`×`side` square cut
    from the middle (to fill a square thumbnail without letterboxing). `photo` is a file or
    file-like object; it is read from its start."""
    photo.seek(0)
    with Image.open(photo) as opened:
        if opened.format == "JPEG":
            opened.draft("RGB", (side, side))
        image = _flatten(opened)
    if crop:
        image = ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS)
    else:
        image.thumbnail((side, side), Image.Resampling.LANCZOS)
    photo.seek(0)
    return _encode(image, quality=quality)


def _open(upload: UploadedFile, *, target_side: int) -> Image.Image:
    charge_upload()
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
        # Reads the header only: the size is known before any pixel is decoded. Pillow's bomb
        # warning (above MAX_IMAGE_PIXELS) is a refusal here, like its error (above twice that).
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
        if image.format not in ACCEPTED_FORMATS:
            raise not_an_image
        if image.width * image.height > MAX_PIXELS:
            raise _too_many_pixels()
        if image.format in ("JPEG", "MPO"):
            # Decode at 1/2, 1/4 or 1/8 scale where the result is still at least target_side:
            # a fraction of the memory and CPU of the full size.
            image.draft("RGB", (target_side, target_side))
        if image.width * image.height * 4 > MAX_DECODE_BYTES:
            raise _too_many_pixels(MAX_DECODE_BYTES // 4)
        _spend(image.width * image.height)
        image.load()
        # Phones store "rotate me" in EXIF; apply it before EXIF is dropped.
        image = ImageOps.exif_transpose(image)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
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

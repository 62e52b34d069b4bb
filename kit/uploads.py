"""Photos and videos (of a repair, a complaint, …), checked by their bytes before anything is
stored.

Photos go through `kit.images` (re-encoded, EXIF and GPS gone, bombs refused) and get a
small thumbnail for lists. Videos cannot be re-encoded here (no transcoder on the servers), so
they are accepted only when their first bytes are an MP4/MOV (ISO media) or WebM container,
whatever the name or the browser's claimed type, and stored under a random name."""

import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from kit import parameters
from kit.images import charge_upload, photo_from_upload, thumbnail_from_photo

# The largest limits the proxy in front is sized for (deploy/nginx: client_max_body_size); the
# platform parameters uploads.* (kit.parameters, 平台参数) may lower them, never raise them.
MAX_PHOTOS = 9
MAX_VIDEOS = 3
MAX_VIDEO_BYTES = 50 * 1024 * 1024
MB = 1024 * 1024
PHOTO_MAX_SIDE = 1920
THUMBNAIL_SIDE = 320

# ISO base media brands (bytes 8-12 after "ftyp") that phones and browsers record.
MP4_BRANDS = {
    b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"M4VP",
    b"dash", b"MSNV", b"3gp4", b"3gp5", b"3g2a", b"hvc1", b"heic", b"mif1",
}  # fmt: skip
QUICKTIME_BRAND = b"qt  "


def photo_limit() -> int:
    """Photos one report may carry (the platform parameter, within MAX_PHOTOS)."""
    return min(MAX_PHOTOS, parameters.get("uploads.max_photos"))


def video_limit() -> int:
    return min(MAX_VIDEOS, parameters.get("uploads.max_videos"))


def video_bytes_limit() -> int:
    return min(MAX_VIDEO_BYTES, parameters.get("uploads.max_video_mb") * MB)


def register_parameters() -> None:
    """The upload limits operators may lower (called from KitConfig.ready)."""
    from django.utils.translation import gettext_lazy

    module = gettext_lazy("Uploads")
    parameters.register_parameters(
        [
            parameters.Parameter(
                key="uploads.max_photos", module=module, kind=parameters.INT, order=910,
                label=gettext_lazy("Photos per report"), default=MAX_PHOTOS,
                unit=gettext_lazy("photos"), minimum=1, maximum=MAX_PHOTOS,
                help=gettext_lazy(
                    "Photos a resident or technician may attach to one repair, complaint or "
                    "note. The proxy is sized for the maximum."
                ),
            ),
            parameters.Parameter(
                key="uploads.max_videos", module=module, kind=parameters.INT, order=920,
                label=gettext_lazy("Videos per repair report"), default=MAX_VIDEOS,
                unit=gettext_lazy("videos"), minimum=0, maximum=MAX_VIDEOS,
                help=gettext_lazy("0 turns video uploads off."),
            ),
            parameters.Parameter(
                key="uploads.max_video_mb", module=module, kind=parameters.INT, order=930,
                label=gettext_lazy("Size of one video"), default=lambda: MAX_VIDEO_BYTES // MB,
                unit="MB", minimum=1, maximum=MAX_VIDEO_BYTES // MB,
            ),
        ]
    )  # fmt: skip


@dataclass
class StoredMedia:
    kind: str  # "image" | "video"
    file: ContentFile
    thumbnail: ContentFile | None
    content_type: str
    original_name: str
    size: int


def is_video_name(name: str) -> bool:
    return name.lower().rsplit(".", 1)[-1] in {"mp4", "mov", "m4v", "webm"}


def sniff_video(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) when `head` starts a container we accept, else None."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == QUICKTIME_BRAND:
            return "video/quicktime", "mov"
        if brand in MP4_BRANDS and brand not in {b"heic", b"mif1"}:
            return "video/mp4", "mp4"
        return None
    if head[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in head[:64]:
        return "video/webm", "webm"
    return None


def video_from_upload(upload: UploadedFile) -> StoredMedia:
    charge_upload()
    limit = video_bytes_limit()
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            _("The video %(name)s is too large (at most %(size)d MB). Please record a shorter one.")
            % {"name": upload.name, "size": limit // MB},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(64)
    upload.seek(0)
    found = sniff_video(head)
    if found is None:
        raise ValidationError(
            _("%(name)s is not a video we can play. Please choose an MP4, MOV or WebM video.")
            % {"name": upload.name},
            code="not_a_video",
        )
    content_type, extension = found
    data = upload.read()
    return StoredMedia(
        kind="video",
        file=ContentFile(data, name=f"{uuid.uuid4().hex}.{extension}"),
        thumbnail=None,
        content_type=content_type,
        original_name=_clean_name(upload.name, extension),
        size=len(data),
    )


def photo_with_thumbnail(upload: UploadedFile) -> StoredMedia:
    try:
        photo = photo_from_upload(upload, max_side=PHOTO_MAX_SIDE, quality=85)
    except ValidationError as error:
        # Name the file: a report may carry nine of them.
        raise ValidationError(f"{upload.name}: {error.messages[0]}", code=error.code) from None
    return StoredMedia(
        kind="image",
        file=photo,
        thumbnail=thumbnail_from_photo(photo, side=THUMBNAIL_SIDE),
        content_type="image/jpeg",
        original_name=_clean_name(upload.name, "jpg"),
        size=photo.size,
    )


def media_from_uploads(
    photos: list[UploadedFile], videos: list[UploadedFile], *, max_photos: int | None = None,
    max_videos: int | None = None,
) -> list[StoredMedia]:  # fmt: skip
    """Check every file before any is kept; the first refusal names the file and why. The
    limits default to the platform parameters."""
    max_photos = photo_limit() if max_photos is None else max_photos
    max_videos = video_limit() if max_videos is None else max_videos
    if len(photos) > max_photos:
        raise ValidationError(
            _("At most %(count)d photos, please.") % {"count": max_photos}, code="too_many"
        )
    if len(videos) > max_videos:
        raise ValidationError(
            _("At most %(count)d videos, please.") % {"count": max_videos}, code="too_many"
        )
    return [photo_with_thumbnail(p) for p in photos] + [video_from_upload(v) for v in videos]


def _clean_name(name: str, extension: str) -> str:
    stem = (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0][:80] or "file"
    return f"{stem}.{extension}"

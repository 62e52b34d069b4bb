"""The one photo picker of the resident pages: ``{% photo_picker form.photos "photos" %}``.

Renders templates/resident/_photo_picker.html with the server's own limits as data attributes
(how many files, how large each, the side a photo is shrunk to on the phone before it is sent),
so that static/shared/photo-picker.js refuses what the server would refuse before anything is
uploaded. The server still checks everything itself: these numbers only save a wasted upload.

Kinds: ``photos`` (a repair or complaint report), ``videos`` (a repair report), ``avatar`` and
``proof`` (one photo each)."""

from django import template
from django.forms import BoundField

from kit import images, uploads

register = template.Library()

# A camera photo (4000 px, 5-18 MB) is shrunk to this long side on the phone before upload: about
# 1 MB, and still larger than what the server keeps (kit.uploads.PHOTO_MAX_SIDE).
PHONE_PHOTO_SIDE = 2048
PHONE_JPEG_QUALITY = 0.85
VIDEO_TYPES = "video/mp4,video/quicktime,video/webm,video/*"


def picker_limits(kind: str) -> dict:
    """What the server accepts for one picker: count, bytes of one file, side to shrink to
    (0: files are sent as they are)."""
    if kind == "photos":
        return {"count": uploads.photo_limit(), "bytes": images.MAX_UPLOAD_BYTES,
                "side": PHONE_PHOTO_SIDE, "accept": "image/*"}  # fmt: skip
    if kind == "videos":
        return {"count": uploads.video_limit(), "bytes": uploads.video_bytes_limit(),
                "side": 0, "accept": VIDEO_TYPES}  # fmt: skip
    if kind == "avatar":
        return {"count": 1, "bytes": images.MAX_UPLOAD_BYTES, "side": 1024, "accept": "image/*"}
    if kind == "proof":
        return {"count": 1, "bytes": images.MAX_UPLOAD_BYTES, "side": images.PROOF_MAX_SIDE,
                "accept": "image/*"}  # fmt: skip
    raise ValueError(f"unknown picker kind {kind!r}")


@register.simple_tag
def upload_limits(kind: str) -> dict:
    """``{% upload_limits "videos" as videos %}`` → ``videos.count``, ``videos.mb`` for a hint."""
    limits = picker_limits(kind)
    return {"count": limits["count"], "mb": max(1, limits["bytes"] // uploads.MB)}


@register.simple_tag
def photo_full_side() -> int:
    """The long side of a stored photo: the viewer sizes a photo from its thumbnail with it."""
    return uploads.PHOTO_MAX_SIDE


@register.inclusion_tag("resident/_photo_picker.html")
def photo_picker(field: BoundField, kind: str, label: str = "", hint: str = "") -> dict:
    limits = picker_limits(kind)
    form = field.form
    return {
        "field": field,
        "kind": kind,
        "is_video": kind == "videos",
        "label": label or field.label,
        "hint": hint,
        "max_count": limits["count"],
        "max_bytes": limits["bytes"],
        "max_mb": max(1, limits["bytes"] // uploads.MB),
        "max_side": limits["side"],
        "quality": PHONE_JPEG_QUALITY if limits["side"] else "",
        "accept": limits["accept"],
        "multiple": limits["count"] > 1,
        # A form refused for another field's sake gets back the files chosen before (the
        # script keeps them on the phone); a refused file itself is not put back.
        "restore": form.is_bound and bool(form.errors) and not field.errors,
        "sent": bool(form.files and form.files.getlist(field.html_name)),
    }

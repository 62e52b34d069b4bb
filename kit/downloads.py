"""Serving a photo or video (of a repair, a complaint, …) from private storage, to people the
views have let in. `attachment` is any row with `file`, `thumbnail` and `content_type`.

Videos answer HTTP Range requests (206): iOS Safari plays a <video> only from a server that
does, and seeking a 50 MB clip should not download all of it."""

import re

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def attachment_response(
    request: HttpRequest, attachment, *, thumbnail: bool = False
) -> HttpResponse:
    use_thumbnail = thumbnail and bool(attachment.thumbnail)
    field = attachment.thumbnail if use_thumbnail else attachment.file
    content_type = "image/jpeg" if use_thumbnail else attachment.content_type
    size = field.size
    byte_range = _parse_range(request.headers.get("Range", ""), size)
    if byte_range is None:
        response: HttpResponse = FileResponse(field.open("rb"), content_type=content_type)
        response["Content-Length"] = str(size)
    elif byte_range == "invalid":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    else:
        start, end = byte_range
        response = StreamingHttpResponse(
            _read(field, start, end), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _parse_range(header: str, size: int):
    if not header:
        return None
    match = RANGE_RE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None  # a malformed or multi-range header: send the whole file
    first, last = match.groups()
    if first:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    else:  # the last N bytes
        start = max(0, size - int(last))
        end = size - 1
    if start >= size or start > end:
        return "invalid"
    return start, end


def _read(field, start: int, end: int):
    with field.open("rb") as handle:
        handle.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk

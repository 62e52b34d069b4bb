"""Serving a private file (a photo or video of a repair, a complaint, a notice's PDF, …) to
people the views have let in: the views check, then call `private_file_response`, which hands
the file out the way LINLI_PRIVATE_FILES_DELIVERY says (docs/configuration.md):

- "app": streamed by the web process. Videos answer HTTP Range requests (206): iOS Safari plays
  a <video> only from a server that does, and seeking a 50 MB clip should not download all of it.
- "redirect": 302 to a short-lived signed URL of the object store (which answers ranges itself);
  for files on the local filesystem, which has no such URLs, as "app".
- "accel": an empty answer with X-Accel-Redirect, for the proxy to send the file from an internal
  location (deploy/nginx.conf): the folder, or the object store through the signed URL's path.
  nginx answers ranges in both cases.

`attachment` (in attachment_response) is any row with `file`, `thumbnail` and `content_type`."""

import re
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.http import content_disposition_header

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def attachment_response(
    request: HttpRequest, attachment, *, thumbnail: bool = False
) -> HttpResponse:
    use_thumbnail = thumbnail and bool(attachment.thumbnail)
    field = attachment.thumbnail if use_thumbnail else attachment.file
    content_type = "image/jpeg" if use_thumbnail else attachment.content_type
    return private_file_response(request, field, content_type=content_type)


def private_file_response(
    request: HttpRequest,
    field,
    *,
    content_type: str,
    filename: str = "",
    max_age: int = 3600,
) -> HttpResponse:
    """The file of `field` (a FieldFile) for a request the view has already let in. With a
    `filename` it downloads under that name (Content-Disposition: attachment), else it shows
    inline. Never cached by shared caches, never sniffed into another type."""
    disposition = _content_disposition(filename)
    delivery = settings.LINLI_PRIVATE_FILES_DELIVERY
    signs_urls = _signs_urls(field.storage)
    if delivery == "redirect" and signs_urls:
        response: HttpResponse = HttpResponseRedirect(
            _signed_url(field, content_type=content_type, disposition=disposition)
        )
        # The browser may reuse the redirect while the URL it points to is still valid.
        max_age = min(max_age, settings.LINLI_SIGNED_URL_SECONDS // 2)
    elif delivery == "accel" and (signs_urls or isinstance(field.storage, FileSystemStorage)):
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = _accel_location(field, content_type, disposition)
        response["Content-Disposition"] = disposition
    else:
        response = _streamed(request, field, content_type)
        response["Content-Disposition"] = disposition
    response["Cache-Control"] = f"private, max-age={max_age}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _content_disposition(filename: str) -> str:
    if not filename:
        return "inline"
    return content_disposition_header(True, filename)


def _signs_urls(storage) -> bool:
    """Object storage (config.storage): URLs signed for a short while."""
    return bool(getattr(storage, "querystring_auth", False)) and hasattr(storage, "bucket_name")


def _signed_url(field, *, content_type: str, disposition: str) -> str:
    # The object store answers with the type and disposition the view chose, whatever the
    # object was stored with.
    parameters = {"ResponseContentType": content_type, "ResponseContentDisposition": disposition}
    return field.storage.url(field.name, parameters=parameters)


def _accel_location(field, content_type: str, disposition: str) -> str:
    prefix = settings.LINLI_ACCEL_REDIRECT_PREFIX.rstrip("/") + "/"
    if _signs_urls(field.storage):
        signed = urlsplit(_signed_url(field, content_type=content_type, disposition=disposition))
        # nginx decodes the redirect's path once and proxies what it decoded as it is: encoded
        # twice, the object store gets the path as it was signed (a name with Chinese
        # characters or a space would otherwise go out as raw bytes and be refused).
        return f"{prefix}object{quote(signed.path, safe='/')}?{signed.query}"
    return f"{prefix}files/{quote(field.name)}"


def _streamed(request: HttpRequest, field, content_type: str) -> HttpResponse:
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

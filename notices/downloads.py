from django.http import HttpRequest, HttpResponse

from kit.downloads import private_file_response

from .models import NoticeAttachment


def attachment_response(request: HttpRequest, attachment: NoticeAttachment) -> HttpResponse:
    """A notice's file from private storage: PDFs download under their own name, images show
    inline; never cached by shared caches, never sniffed into another type."""
    if attachment.kind == NoticeAttachment.Kind.PDF:
        return private_file_response(
            request,
            attachment.file,
            content_type="application/pdf",
            filename=attachment.original_name,
        )
    return private_file_response(request, attachment.file, content_type="image/jpeg")

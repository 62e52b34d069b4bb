from django.http import FileResponse

from .models import NoticeAttachment


def attachment_response(attachment: NoticeAttachment) -> FileResponse:
    """A notice's file from private storage: PDFs download under their own name, images show
    inline; never cached by shared caches, never sniffed into another type."""
    if attachment.kind == NoticeAttachment.Kind.PDF:
        response = FileResponse(
            attachment.file.open("rb"),
            content_type="application/pdf",
            as_attachment=True,
            filename=attachment.original_name,
        )
    else:
        response = FileResponse(attachment.file.open("rb"), content_type="image/jpeg")
        response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response

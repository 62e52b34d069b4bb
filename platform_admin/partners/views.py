"""The partners part's operator pages: the expiry board (合作协议到期) and the download of an
agreement's PDF. Both are served through the admin site (operators only, second factor)."""

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from kit.downloads import attachment_response

from . import selectors
from .models import AgreementAttachment


def expiring(request: HttpRequest) -> HttpResponse:
    """Agreements ending in the next 90 days and those ended in the last 60, with what their
    end does (or did) to the partner, linked to the admin."""
    board = selectors.expiry_board()
    return TemplateResponse(
        request,
        "admin/platform/partners/expiring.html",
        {
            **admin.site.each_context(request),
            "title": _("Expiring partner agreements"),
            "board": board,
            "ahead": selectors.AHEAD_DAYS,
            "behind": selectors.BEHIND_DAYS,
        },
    )


def attachment(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """An agreement's PDF from private storage, for operators only (the admin site checks)."""
    file = AgreementAttachment.objects.filter(pk=attachment_id).first()
    if file is None:
        raise Http404
    response = attachment_response(request, file)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quoted(file.original_name)}"
    return response


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name or "agreement.pdf")

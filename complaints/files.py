"""A complaint's photos and videos (filed with it or sent in its conversation), each behind the
same check as the complaint's page. Files of internal notes are for staff only."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from kit.downloads import attachment_response
from staff.access import staff_required
from staff.scoping import get_scoped_or_404

from .models import ComplaintAttachment
from .selectors import complaint_for_user_or_404
from .setup import VIEW_COMPLAINT


@login_required
@require_GET
def resident_file(request: HttpRequest, complaint_id: int, complaint_file_id: int) -> HttpResponse:
    complaint = complaint_for_user_or_404(request.user, complaint_id)
    attachment = (
        ComplaintAttachment.objects.filter(complaint=complaint, pk=complaint_file_id)
        .exclude(message__internal=True)
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment_response(request, attachment, thumbnail="thumb" in request.GET)


@staff_required(VIEW_COMPLAINT)
@require_GET
def staff_file(request: HttpRequest, complaint_file_id: int) -> HttpResponse:
    attachment = get_scoped_or_404(request, ComplaintAttachment.objects.all(), complaint_file_id)
    return attachment_response(request, attachment, thumbnail="thumb" in request.GET)

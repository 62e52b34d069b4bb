"""A repair order's photos and videos, each behind the same check as the order's page."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from kit.downloads import attachment_response, private_file_response
from staff.access import staff_required
from staff.scoping import get_scoped_or_404

from .. import selectors
from ..models import RepairAttachment, RepairOrder


def _file_of(order: RepairOrder, repair_file_id: int) -> RepairAttachment:
    attachment = RepairAttachment.objects.filter(order=order, pk=repair_file_id).first()
    if attachment is None:
        raise Http404
    return attachment


@login_required
@require_GET
def resident_file(request: HttpRequest, order_id: int, repair_file_id: int) -> HttpResponse:
    order = selectors.get_order_for_user(request.user, order_id)
    if order is None:
        raise Http404
    attachment = _file_of(order, repair_file_id)
    return attachment_response(request, attachment, thumbnail="thumb" in request.GET)


@staff_required("repairs.view_repairorder")
@require_GET
def staff_file(request: HttpRequest, order_id: int, repair_file_id: int) -> HttpResponse:
    order = get_scoped_or_404(request, RepairOrder.objects.all(), order_id)
    attachment = _file_of(order, repair_file_id)
    return attachment_response(request, attachment, thumbnail="thumb" in request.GET)


@staff_required("repairs.work_repairorder")
@require_GET
def technician_file(request: HttpRequest, order_id: int, repair_file_id: int) -> HttpResponse:
    order = selectors.get_job_for_technician(request, order_id)
    attachment = _file_of(order, repair_file_id)
    return attachment_response(request, attachment, thumbnail="thumb" in request.GET)


@login_required
@require_GET
def technician_photo(request: HttpRequest, order_id: int) -> HttpResponse:
    """The dispatched technician's profile photo, for the household of that order only."""
    order = selectors.get_order_for_user(request.user, order_id)
    if order is None or order.technician is None or not order.technician.user.avatar:
        raise Http404
    return private_file_response(request, order.technician.user.avatar, content_type="image/jpeg")

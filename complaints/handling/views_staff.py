"""The complaint desk (staff, desktop): the queue with its filters and export, one complaint
with accept / pass on / reply."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from kit import spreadsheets
from kit.audit import entries_for
from kit.forms import add_service_errors
from kit.pagecache import cache_page_per_visitor
from staff.access import staff_has_perm, staff_required
from staff.scoping import get_scoped_or_404
from staff.tables import paginate

from ..conversation.selectors import unread_counts
from ..models import Complaint
from ..setup import HANDLE, VIEW_COMPLAINT
from . import selectors, services
from .filters import ComplaintFilter, with_default_status
from .forms import ReplyForm, RouteForm
from .tables import ComplaintTable

Status = Complaint.Status
EXPORT_LIMIT = 5000


# --- Queue ---------------------------------------------------------------------------------------


def _filtered(request: HttpRequest) -> ComplaintFilter:
    complaints = selectors.queue_complaints(request.community, timezone.now())
    return ComplaintFilter(with_default_status(request.GET), queryset=complaints, request=request)


@staff_required(VIEW_COMPLAINT)
@cache_page_per_visitor
def queue(request: HttpRequest) -> HttpResponse:
    filterset = _filtered(request)
    table = ComplaintTable(filterset.qs, order_by=request.GET.get("sort") or None)
    paginate(request, table)
    table.unread = unread_counts(
        request.user, [row.record.pk for row in table.page.object_list], staff=True
    )
    return render(
        request,
        "staff/complaints/handling/queue.html",
        {
            "filter": filterset,
            "table": table,
            "counts": selectors.status_counts(request.community, timezone.now()),
        },
    )


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


@staff_required(VIEW_COMPLAINT)
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """The filtered queue as a spreadsheet: what was filed and the answer, never the
    conversation or the internal notes."""
    complaints = _filtered(request).qs.select_related("logged_by")[:EXPORT_LIMIT]
    headers = [
        _("Complaint number"), _("Filed at"), _("Channel"), _("Category"),
        pgettext("complaint", "Place"), _("Contact"), _("Contact phone"), _("What happened"),
        _("Outcome wanted"), _("Status"), _("Department"), _("Handled by"),
        _("To be accepted by"), _("To be replied by"), _("Overdue"), _("Replied at"), _("Result"),
    ]  # fmt: skip
    rows = (
        [
            c.number,
            _local(c.created_at),
            c.get_channel_display(),
            c.category.name,
            c.place_label,
            c.contact_name,
            c.contact_phone,
            c.details,
            c.wanted_outcome,
            c.get_status_display(),
            c.department.name if c.department_id else "",
            c.handler.user.get_full_name() if c.handler_id else "",
            _local(c.accept_due_at),
            _local(c.reply_due_at),
            _("Yes") if c.is_overdue else "",
            _local(c.replied_at),
            c.reply,
        ]  # fmt: skip
        for c in complaints
    )
    title = _("Complaints")
    data_set = spreadsheets.dataset(rows, headers=headers, title=title)
    day = timezone.localdate().isoformat()
    return spreadsheets.file_response(
        spreadsheets.export(data_set, "xlsx"), file_name=f"{title}-{day}.xlsx"
    )


# --- One complaint -------------------------------------------------------------------------------


def _complaint(request: HttpRequest, complaint_id: int) -> Complaint:
    return get_scoped_or_404(request, selectors.complaint_for_page(request.community), complaint_id)


def _render_detail(
    request: HttpRequest,
    complaint: Complaint,
    *,
    route_form: RouteForm | None = None,
    reply_form: ReplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    may_handle = staff_has_perm(request, HANDLE)
    may_route = may_handle and complaint.status in services.ROUTABLE
    may_reply = may_handle and complaint.status in services.REPLIABLE
    # A refusal on a form that is no longer offered (the complaint moved on meanwhile) is shown
    # on top of the page instead.
    refusals = [
        error
        for form, offered in ((route_form, may_route), (reply_form, may_reply))
        if form is not None and not offered
        for error in form.non_field_errors()
    ]
    now = timezone.now()
    return render(
        request,
        "staff/complaints/handling/detail.html",
        {
            "complaint": complaint,
            "overdue": selectors.overdue_flags(complaint, now),
            "photos": selectors.filed_photos(complaint),
            "timeline": selectors.timeline(complaint),
            "escalations": list(complaint.escalations.order_by("created_at")),
            "audit_entries": entries_for(complaint)[:50],
            "can_accept": may_handle and complaint.status == Status.SUBMITTED,
            "route_form": (route_form or RouteForm(complaint=complaint)) if may_route else None,
            "reply_form": (reply_form or ReplyForm()) if may_reply else None,
            "refusals": refusals,
        },
        status=status,
    )


@staff_required(VIEW_COMPLAINT)
def complaint_detail(request: HttpRequest, complaint_id: int) -> HttpResponse:
    return _render_detail(request, _complaint(request, complaint_id))


@require_POST
@staff_required(HANDLE)
def complaint_accept(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = _complaint(request, complaint_id)
    try:
        services.complaint_accept(complaint=complaint, actor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("Complaint %(number)s was accepted; the resident was told.")
            % {"number": complaint.number},
        )
    return redirect("complaints_staff:detail", complaint_id=complaint.pk)


@require_POST
@staff_required(HANDLE)
def complaint_route(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = _complaint(request, complaint_id)
    form = RouteForm(request.POST, complaint=complaint)
    if form.is_valid():
        try:
            services.complaint_route(
                complaint=complaint,
                actor=request.user,
                department=form.cleaned_data["department"],
                handler=form.cleaned_data["handler"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The complaint was passed on; they were told."))
            return redirect("complaints_staff:detail", complaint_id=complaint.pk)
    complaint = _complaint(request, complaint_id)  # as it is now, not as the refusal left it
    return _render_detail(request, complaint, route_form=form, status=400)


@require_POST
@staff_required(HANDLE)
def complaint_reply(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = _complaint(request, complaint_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_reply(
                complaint=complaint,
                actor=request.user,
                reply=form.cleaned_data["reply"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The reply was sent to the resident."))
            return redirect("complaints_staff:detail", complaint_id=complaint.pk)
    complaint = _complaint(request, complaint_id)
    return _render_detail(request, complaint, reply_form=form, status=400)

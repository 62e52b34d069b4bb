"""The staff side of the conversation: a message to the household or an internal note, and
merging duplicates into a complaint (both shown on the handling part's detail page through
complaints/templatetags/complaint_conversation.py)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kit.forms import add_service_errors
from staff.access import staff_required
from staff.scoping import get_scoped_or_404, scoped_queryset

from ..models import Complaint
from ..setup import HANDLE, MERGE
from . import drafts, services
from .forms import StaffMessageForm
from .views_resident import report_errors


@staff_required(HANDLE)
@require_POST
def message_send(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = get_scoped_or_404(request, Complaint.objects.all(), complaint_id)
    url = reverse("complaints_staff:detail", args=[complaint.pk]) + "#conversation"
    form = StaffMessageForm(request.POST, request.FILES)
    if form.is_valid():
        internal = form.cleaned_data["internal"]
        try:
            services.staff_message_send(
                complaint=complaint, author=request.user, body=form.cleaned_data["body"],
                internal=internal, photos=form.cleaned_data["photos"], request=request,
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error, "photos")
        else:
            messages.success(request, _("Internal note added.") if internal else _("Message sent."))
            return redirect(url)
    drafts.keep(
        request, "staff", complaint.pk,
        {"body": request.POST.get("body", "")[:2000], "internal": bool(request.POST.get("internal"))},
    )  # fmt: skip
    report_errors(request, form)
    return redirect(url)


@staff_required(MERGE)
@require_POST
def merge(request: HttpRequest, complaint_id: int) -> HttpResponse:
    survivor = get_scoped_or_404(request, Complaint.objects.all(), complaint_id)
    url = reverse("complaints_staff:detail", args=[survivor.pk]) + "#merge"
    wanted = {int(value) for value in request.POST.getlist("duplicates") if value.isdigit()}
    duplicates = list(
        scoped_queryset(request, Complaint.objects.filter(pk__in=wanted), "community")
    )
    if len(duplicates) != len(wanted):
        raise Http404  # another community's complaint, or none at all
    try:
        merged = services.merge_complaints(
            survivor=survivor, duplicates=duplicates, actor=request.user, request=request
        )
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return redirect(url)
    messages.success(
        request,
        ngettext(
            "%(count)d complaint merged into this one; its household now follows it.",
            "%(count)d complaints merged into this one; their households now follow it.",
            len(merged),
        )
        % {"count": len(merged)},
    )
    return redirect(url)

"""The resident's side of the conversation: sending a message (the thread itself is shown on
the filing part's detail page through complaints/templatetags/complaint_conversation.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kit.forms import add_service_errors

from ..selectors import complaint_for_user_or_404
from . import drafts, services
from .forms import MessageForm


def report_errors(request: HttpRequest, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@login_required
@require_POST
def message_send(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = complaint_for_user_or_404(request.user, complaint_id)
    url = reverse("complaints:detail", args=[complaint.pk]) + "#conversation"
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.resident_message_send(
                complaint=complaint, author=request.user, body=form.cleaned_data["body"],
                photos=form.cleaned_data["photos"], request=request,
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error, "photos")
        else:
            messages.success(request, _("Message sent."))
            return redirect(url)
    drafts.keep(request, "resident", complaint.pk, {"body": request.POST.get("body", "")[:2000]})
    report_errors(request, form)
    return redirect(url)

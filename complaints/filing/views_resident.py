"""投诉建议: the resident's complaints (phone): the hub, filing one, following it, and the
household's answers (accept the reply, return it, withdraw, rate)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kit import uploads
from kit.forms import add_service_errors

from ..models import Complaint, ComplaintAttachment
from ..selectors import complaint_for_user_or_404
from . import selectors, services
from .forms import ComplaintForm, RatingForm, ReasonForm, WithdrawForm

Status = Complaint.Status
HUB_SIZE = 50


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The hub: the household's complaints, and (the suggestions part) its suggestions."""
    complaints = list(selectors.complaints_for_hub(request.user)[:HUB_SIZE])
    return render(
        request,
        "resident/complaints/filing/home.html",
        {
            "complaints": complaints,
            "awaiting": [c for c in complaints if c.status == Status.REPLIED],
            "has_room": bool(complaints) or selectors.filing_residencies(request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    residencies = list(selectors.filing_residencies(request.user))
    if not residencies:
        messages.info(request, _("Bind and verify your room first; then you can file complaints."))
        return redirect("complaints:home")
    communities = list(
        {r.room.building.community_id: r.room.building.community for r in residencies}.values()
    )
    community = next(
        (c for c in communities if str(c.pk) == request.GET.get("community")), communities[0]
    )
    here = [r for r in residencies if r.room.building.community_id == community.pk]
    form = ComplaintForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        user=request.user,
        community=community,
        residencies=here,
    )
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_file(
                reporter=request.user, request=request, **form.complaint_arguments()
            )
        except ValidationError as error:
            add_service_errors(form, error, "photos")
        else:
            messages.success(
                request,
                _("Your complaint %(number)s has been sent. We will get back to you soon.")
                % {"number": complaint.number},
            )
            return redirect("complaints:detail", complaint.pk)
    return render(
        request,
        "resident/complaints/filing/create.html",
        {
            "form": form,
            "community": community,
            "communities": communities,
            "max_photos": uploads.photo_limit(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _render_detail(
    request: HttpRequest,
    complaint: Complaint,
    *,
    return_form: ReasonForm | None = None,
    withdraw_form: WithdrawForm | None = None,
    rating_form: RatingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    media = selectors.filed_photos(complaint)
    survivor = complaint.merged_into if complaint.status == Status.MERGED else None
    now = timezone.now()
    return render(
        request,
        "resident/complaints/filing/detail.html",
        {
            "complaint": complaint,
            "events": selectors.public_timeline(complaint),
            "photos": [a for a in media if a.kind == ComplaintAttachment.Kind.IMAGE],
            "survivor": survivor,
            "survivor_events": selectors.survivor_timeline(survivor) if survivor else [],
            "reply_overdue": complaint.is_open and complaint.reply_due_at < now,
            "may_rate": services.may_rate(complaint),
            "return_form": return_form or ReasonForm(prefix="return"),
            "withdraw_form": withdraw_form or WithdrawForm(prefix="withdraw"),
            "rating_form": rating_form or RatingForm(),
            "return_open": return_form is not None,
            "withdraw_open": withdraw_form is not None,
        },
        status=status,
    )


def _refused(request: HttpRequest, complaint: Complaint, error: ValidationError) -> HttpResponse:
    """A refusal about the complaint's state (not a field): said above the page."""
    messages.error(request, " ".join(error.messages))
    return redirect("complaints:detail", complaint.pk)


@login_required
@require_GET
def complaint_detail(request: HttpRequest, complaint_id: int) -> HttpResponse:
    return _render_detail(request, complaint_for_user_or_404(request.user, complaint_id))


@login_required
@require_POST
def complaint_close(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = complaint_for_user_or_404(request.user, complaint_id)
    try:
        services.complaint_accept_reply(complaint=complaint, user=request.user, request=request)
    except ValidationError as error:
        return _refused(request, complaint, error)
    messages.success(request, _("Glad it is settled. Please rate how it was handled."))
    return redirect("complaints:detail", complaint.pk)


@login_required
@require_POST
def complaint_return(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = complaint_for_user_or_404(request.user, complaint_id)
    form = ReasonForm(request.POST, prefix="return")
    if form.is_valid():
        try:
            services.complaint_return(
                complaint=complaint, user=request.user, reason=form.cleaned_data["reason"],
                request=request,
            )  # fmt: skip
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _refused(request, complaint, error)
            add_service_errors(form, error, "reason")
        else:
            messages.success(
                request, _("Returned. The manager has been told and we will reply again.")
            )
            return redirect("complaints:detail", complaint.pk)
    return _render_detail(request, complaint, return_form=form, status=400)


@login_required
@require_POST
def complaint_withdraw(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = complaint_for_user_or_404(request.user, complaint_id)
    form = WithdrawForm(request.POST, prefix="withdraw")
    if form.is_valid():
        try:
            services.complaint_withdraw(
                complaint=complaint, user=request.user, reason=form.cleaned_data["reason"],
                request=request,
            )  # fmt: skip
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _refused(request, complaint, error)
            add_service_errors(form, error, "reason")
        else:
            messages.success(request, _("The complaint has been withdrawn."))
            return redirect("complaints:detail", complaint.pk)
    return _render_detail(request, complaint, withdraw_form=form, status=400)


@login_required
@require_POST
def complaint_rate(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = complaint_for_user_or_404(request.user, complaint_id)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_rate(
                complaint=complaint, user=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _refused(request, complaint, error)
            add_service_errors(form, error, "satisfaction")
        else:
            messages.success(request, _("Thank you for your rating!"))
            return redirect("complaints:detail", complaint.pk)
    return _render_detail(request, complaint, rating_form=form, status=400)

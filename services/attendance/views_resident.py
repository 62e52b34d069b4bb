"""Resident pages of the attendance part: a sign-up's pass (its QR code, its code as text,
who is checked in) and the household's own check-in where staff allow it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from staff.access import safe_next

from . import selectors, services
from .forms import SelfCheckinForm


def _signup(request: HttpRequest, signup_id: int):
    signup = selectors.get_signup_for_household(request.user, signup_id)
    if signup is None:
        raise Http404
    return signup


@login_required
@require_GET
def checkin_pass(request: HttpRequest, signup_id: int) -> HttpResponse:
    signup = _signup(request, signup_id)
    return render(
        request,
        "resident/services/attendance/pass.html",
        {"signup": signup, "activity": signup.activity},
    )


@login_required
@require_POST
def checkin_self(request: HttpRequest, signup_id: int) -> HttpResponse:
    signup = _signup(request, signup_id)
    # Back to the page the pass was on (the activity's page, or the pass of its own).
    back = safe_next(request, reverse("services:checkin_pass", args=[signup.pk]))
    form = SelfCheckinForm(request.POST, participants=selectors.participants_of(signup))
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(back)
    try:
        result = services.checkin_self(
            signup=signup,
            user=request.user,
            participant_ids=form.cleaned_data["people"] or None,
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if result.checked_in:
            messages.success(request, _checked_in_text(result))
        else:
            messages.info(request, _("Everyone chosen was already checked in."))
    return redirect(back)


def _first_error(form) -> str:
    return next(iter(error for errors in form.errors.values() for error in errors))


def _checked_in_text(result) -> str:
    return _("Checked in: %(names)s.") % {
        "names": "、".join(person.name for person in result.checked_in)
    }

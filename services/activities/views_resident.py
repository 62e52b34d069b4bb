"""The resident's 社区活动 pages: the activities for the household, one activity with its
sign-up form, cancelling, and claiming or declining a freed place."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kit.forms import add_service_errors
from kit.pagecache import cache_page_per_visitor

from ..models import ActivitySignup
from . import selectors, services
from .forms import SignupForm
from .views_staff import poster_response

SignupStatus = ActivitySignup.Status


def _activity_or_404(request: HttpRequest, activity_id: int):
    found = selectors.get_activity_for_user(request.user, activity_id)
    if found is None:
        raise Http404
    return found


@login_required
@require_GET
@cache_page_per_visitor
def activity_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "resident/services/activities/list.html",
        {**selectors.activities_for_user(request.user), "now": timezone.now()},
    )


def _render_detail(
    request: HttpRequest, activity, household, *, form: SignupForm | None = None,
    status: int = 200,
) -> HttpResponse:  # fmt: skip
    now = timezone.now()
    signup = selectors.live_signup(activity, household)
    people = selectors.household_people(household)
    open_for_signup = (
        activity.status == activity.Status.PUBLISHED
        and activity.signup_opens_at <= now < min(activity.signup_closes_at, activity.starts_at)
    )
    if signup is None and open_for_signup and form is None:
        form = SignupForm(activity=activity, people=people, initial={"members": [request.user.pk]})
    if signup is not None:
        signup.activity = activity
    return render(
        request,
        "resident/services/activities/detail.html",
        {
            "activity": activity,
            "household": household,
            "signup": signup,
            "form": form if signup is None and open_for_signup else None,
            "open_for_signup": open_for_signup,
            "places_left": max(activity.capacity - activity.places_taken, 0),
            "holds_place": signup is not None
            and signup.status in (SignupStatus.CONFIRMED, SignupStatus.PENDING),
            "may_cancel": signup is not None and services.may_cancel(signup, now),
            "cancel_deadline": services.cancel_deadline(activity),
            "waiting_position": selectors.waiting_position(signup)
            if signup is not None and signup.status == SignupStatus.WAITLISTED
            else None,
            "questions": activity.fields,
            "now": now,
        },
        status=status,
    )


@login_required
@require_GET
def activity_detail(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity, household = _activity_or_404(request, activity_id)
    return _render_detail(request, activity, household)


@login_required
@require_GET
def activity_poster(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity, _household = _activity_or_404(request, activity_id)
    return poster_response(request, activity, thumbnail="thumb" in request.GET)


_RESULT = {
    SignupStatus.CONFIRMED: gettext_lazy("You are signed up."),
    SignupStatus.PENDING: gettext_lazy("You are signed up; the property staff will confirm it."),
    SignupStatus.WAITLISTED: gettext_lazy(
        "The activity is full: you are on the waiting list. If a place is freed, we tell you."
    ),
}


@login_required
@require_POST
def activity_signup(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity, household = _activity_or_404(request, activity_id)
    form = SignupForm(request.POST, activity=activity, people=selectors.household_people(household))
    if form.is_valid():
        try:
            signup = services.signup_create(
                activity=activity,
                household=household,
                user=request.user,
                member_ids=form.cleaned_data["members"],
                other_names=form.cleaned_data["others"],
                answers=form.cleaned_data["answers"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, str(_RESULT[signup.status]))
            return redirect("services:activity_detail", activity_id=activity.pk)
    activity, household = _activity_or_404(request, activity_id)
    return _render_detail(request, activity, household, form=form, status=400)


def _signup_or_404(request: HttpRequest, signup_id: int) -> ActivitySignup:
    signup = selectors.get_signup_for_user(request.user, signup_id)
    if signup is None:
        raise Http404
    return signup


def _act(request: HttpRequest, signup_id: int, action, done: str) -> HttpResponse:
    signup = _signup_or_404(request, signup_id)
    try:
        action(signup=signup, user=request.user, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, done)
    return redirect("services:activity_detail", activity_id=signup.activity_id)


@login_required
@require_POST
def activity_signup_cancel(request: HttpRequest, signup_id: int) -> HttpResponse:
    return _act(request, signup_id, services.signup_cancel, _("Your sign-up was cancelled."))


@login_required
@require_POST
def activity_offer_claim(request: HttpRequest, signup_id: int) -> HttpResponse:
    return _act(request, signup_id, services.offer_claim, _("The place is yours."))


@login_required
@require_POST
def activity_offer_decline(request: HttpRequest, signup_id: int) -> HttpResponse:
    return _act(request, signup_id, services.offer_decline, _("You gave the place up; thank you."))

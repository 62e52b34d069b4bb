"""The staff pages of activities: the list, writing and publishing an activity, its figures,
the sign-up list with approval and refusal, and cancelling."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kit.downloads import private_file_response
from kit.forms import add_service_errors, posted_data
from kit.pagecache import cache_page_per_visitor
from staff.access import safe_next, staff_has_perm, staff_required
from staff.scoping import get_scoped_or_404
from staff.tables import paginate

from ..models import Activity, ActivitySignup
from . import selectors, services
from .filters import ActivityFilter, SignupFilter
from .forms import ActivityForm, ReasonForm
from .tables import ActivityTable, SignupTable

VIEW = "services.view_activity"
ADD = "services.add_activity"
CHANGE = "services.change_activity"
PUBLISH = "services.publish_activity"
DECIDE = "services.change_activitysignup"

SIGNUP_TABS = [
    ("", None),
    ("pending", ActivitySignup.Status.PENDING),
    ("confirmed", ActivitySignup.Status.CONFIRMED),
    ("offered", ActivitySignup.Status.OFFERED),
    ("waitlisted", ActivitySignup.Status.WAITLISTED),
    ("cancelled", ActivitySignup.Status.CANCELLED),
    ("refused", ActivitySignup.Status.REFUSED),
    ("expired", ActivitySignup.Status.EXPIRED),
]


def _activity(request: HttpRequest, activity_id: int) -> Activity:
    return get_scoped_or_404(request, Activity.objects.prefetch_related("buildings"), activity_id)


@staff_required(VIEW)
@require_GET
@cache_page_per_visitor
def activity_list(request: HttpRequest) -> HttpResponse:
    activities = selectors.activities_for_community(request.community)
    filterset = ActivityFilter(request.GET, queryset=activities, request=request)
    table = ActivityTable(filterset.qs, order_by=request.GET.get("sort") or "-starts_at")
    paginate(request, table)
    return render(
        request,
        "staff/services/activities/list.html",
        {"filter": filterset, "table": table, "can_add": staff_has_perm(request, ADD)},
    )


def _save(request: HttpRequest, form: ActivityForm) -> Activity | None:
    if not form.is_valid():
        return None
    try:
        return services.activity_save(
            activity=form.apply(),
            buildings=list(form.cleaned_data["audience_buildings"]),
            actor=request.user,
            request=request,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return None


@staff_required(ADD)
def activity_create(request: HttpRequest) -> HttpResponse:
    form = ActivityForm(posted_data(request), request.FILES or None, community=request.community)
    if request.method == "POST":
        activity = _save(request, form)
        if activity is not None:
            messages.success(request, _("The activity was saved as a draft."))
            return redirect("services_staff:activity_detail", activity_id=activity.pk)
    status = 400 if form.is_bound else 200
    return render(request, "staff/services/activities/form.html", {"form": form}, status=status)


@staff_required(CHANGE)
def activity_edit(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    if activity.status == Activity.Status.CANCELLED:
        messages.error(request, _("A cancelled activity cannot be changed."))
        return redirect("services_staff:activity_detail", activity_id=activity.pk)
    form = ActivityForm(
        posted_data(request), request.FILES or None, instance=activity, community=request.community
    )
    if request.method == "POST":
        saved = _save(request, form)
        if saved is not None:
            messages.success(request, _("The activity was saved."))
            return redirect("services_staff:activity_detail", activity_id=saved.pk)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "staff/services/activities/form.html",
        {"form": form, "activity": _activity(request, activity_id)},
        status=status,
    )


def _render_detail(
    request: HttpRequest, activity: Activity, *, cancel_form: ReasonForm | None = None,
    status: int = 200,
) -> HttpResponse:  # fmt: skip
    return render(
        request,
        "staff/services/activities/detail.html",
        {
            "activity": activity,
            "figures": selectors.activity_figures(activity),
            "buildings": list(activity.buildings.all()),
            "can_change": staff_has_perm(request, CHANGE)
            and activity.status != Activity.Status.CANCELLED,
            "can_publish": staff_has_perm(request, PUBLISH),
            "cancel_form": cancel_form or ReasonForm(),
        },
        status=status,
    )


@staff_required(VIEW)
@require_GET
def activity_detail(request: HttpRequest, activity_id: int) -> HttpResponse:
    return _render_detail(request, _activity(request, activity_id))


@require_POST
@staff_required(PUBLISH)
def activity_publish(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    try:
        services.activity_publish(activity=activity, actor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The activity was published and announced to its audience."))
    return redirect("services_staff:activity_detail", activity_id=activity.pk)


@require_POST
@staff_required(PUBLISH)
def activity_cancel(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.activity_cancel(
                activity=activity,
                reason=form.cleaned_data["reason"],
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error, default_field="reason")
        else:
            messages.success(request, _("The activity was cancelled; every household was told."))
            return redirect("services_staff:activity_detail", activity_id=activity.pk)
    return _render_detail(request, _activity(request, activity_id), cancel_form=form, status=400)


@staff_required(VIEW)
@require_GET
def activity_poster(request: HttpRequest, activity_id: int) -> HttpResponse:
    return poster_response(
        request, _activity(request, activity_id), thumbnail="thumb" in request.GET
    )


def poster_response(
    request: HttpRequest, activity: Activity, *, thumbnail: bool = False
) -> HttpResponse:
    """The poster, or with `thumbnail` its small square for the lists (the poster itself when
    it has none yet)."""
    if not activity.poster:
        raise Http404
    field = (
        activity.poster_thumbnail if thumbnail and activity.poster_thumbnail else activity.poster
    )
    return private_file_response(request, field, content_type="image/jpeg")


@staff_required(VIEW)
@require_GET
def activity_signups(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    filterset = SignupFilter(
        request.GET, queryset=selectors.signups_for_activity(activity), request=request
    )
    table = SignupTable(
        filterset.qs,
        order_by=request.GET.get("sort") or "created_at",
        can_decide=staff_has_perm(request, DECIDE),
        questions=activity.fields,
    )
    paginate(request, table)
    counts = selectors.signup_status_counts(activity)
    tabs = [
        (key, status.label if status else _("All"), counts.get(status or "all", 0))
        for key, status in SIGNUP_TABS
    ]
    return render(
        request,
        "staff/services/activities/signups.html",
        {
            "activity": activity,
            "filter": filterset,
            "table": table,
            "tabs": tabs,
            "current_status": request.GET.get("status", ""),
            "figures": selectors.activity_figures(activity),
        },
    )


def _signups_url(signup: ActivitySignup) -> str:
    return reverse("services_staff:activity_signups", args=[signup.activity_id])


def _signup(request: HttpRequest, signup_id: int) -> ActivitySignup:
    return get_scoped_or_404(request, ActivitySignup.objects.select_related("activity"), signup_id)


@require_POST
@staff_required(DECIDE)
def activity_signup_approve(request: HttpRequest, signup_id: int) -> HttpResponse:
    signup = _signup(request, signup_id)
    try:
        services.signup_approve(signup=signup, actor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The sign-up was approved."))
    return redirect(safe_next(request, _signups_url(signup)))


@require_POST
@staff_required(DECIDE)
def activity_signup_refuse(request: HttpRequest, signup_id: int) -> HttpResponse:
    signup = _signup(request, signup_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give a reason for refusing."))
    else:
        try:
            services.signup_refuse(
                signup=signup,
                reason=form.cleaned_data["reason"],
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("The sign-up was refused; the household was told why."))
    return redirect(safe_next(request, _signups_url(signup)))

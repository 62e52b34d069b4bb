"""Staff pages of the attendance part, hanging off an activity: the check-in desk (a phone at
the door: scan or type the sign-up's code, tick who is here), the Excel export of the
participants, and the figures (attendance rate, turnout by building, with a chart)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kit import spreadsheets
from kit.forms import add_service_errors
from staff.access import staff_required
from staff.scoping import get_scoped_or_404

from ..models import Activity, ActivityParticipant
from ..templatetags.attendance import percent
from . import selectors, services
from .forms import CheckinForm, CodeForm

CHECK_IN = "services.check_in_activity"
VIEW = "services.view_activity"


def _activity(request: HttpRequest, activity_id: int) -> Activity:
    return get_scoped_or_404(request, Activity.objects.select_related("community"), activity_id)


# --- The check-in desk -----------------------------------------------------------------------


@staff_required(CHECK_IN)
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    if request.method == "POST":
        return _checkin_post(request, activity)
    lookup = CodeForm(request.GET if "code" in request.GET else None)
    signup, form, participants = None, None, []
    if lookup.is_valid():
        signup = selectors.confirmed_signup_by_code(activity, lookup.cleaned_data["code"])
        if signup is None:
            lookup.add_error("code", _("No confirmed sign-up of this activity has this code."))
        else:
            participants = selectors.participants_of(signup)
            form = CheckinForm(
                initial={"code": signup.code, "via": lookup.method()}, participants=participants
            )
    return _desk(request, activity, lookup, signup, form, participants)


def _checkin_post(request: HttpRequest, activity: Activity) -> HttpResponse:
    signup = selectors.confirmed_signup_by_code(activity, request.POST.get("code", ""))
    if signup is None:
        messages.error(request, _("No confirmed sign-up of this activity has this code."))
        return redirect("services_staff:checkin", activity_id=activity.pk)
    participants = selectors.participants_of(signup)
    form = CheckinForm(request.POST, participants=participants)
    if form.is_valid():
        try:
            result = services.checkin_participants(
                signup=signup,
                participant_ids=form.cleaned_data["people"],
                actor=request.user,
                method=form.method(),
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _say_result(request, result)
            return redirect("services_staff:checkin", activity_id=activity.pk)
    lookup = CodeForm(initial={"code": signup.code})
    return _desk(request, activity, lookup, signup, form, participants, status=400)


def _say_result(request: HttpRequest, result: services.CheckinResult) -> None:
    if result.checked_in:
        messages.success(
            request,
            _("Checked in: %(names)s.")
            % {"names": "、".join(person.name for person in result.checked_in)},
        )
    for person in result.already:
        messages.info(
            request,
            _("%(name)s: already checked in at %(time)s.")
            % {"name": person.name, "time": _local_time(person.checked_in_at)},
        )


def _local_time(moment) -> str:
    return date_format(timezone.localtime(moment), "H:i")


def _desk(request, activity, lookup, signup, form, participants, *, status: int = 200):
    return render(
        request,
        "staff/services/attendance/checkin.html",
        {
            "activity": activity,
            "lookup": lookup,
            "signup": signup,
            "form": form,
            "participants": participants,
            "already": [person for person in participants if person.checked_in_at],
            "count": selectors.checkin_count(activity),
        },
        status=status,
    )


# --- Export ----------------------------------------------------------------------------------


@require_GET
@staff_required(VIEW)
def activity_export(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    questions = selectors.question_labels(activity)
    headers = [
        _("Building"), _("Unit"), _("Room number"), _("Participant"), _("Signed up by"),
        _("Mobile"), _("Sign-up status"), *questions, _("Checked in at"), _("Check-in method"),
    ]  # fmt: skip
    rows = [_export_row(person, questions) for person in selectors.export_participants(activity)]
    title = _("Participants")
    table = spreadsheets.dataset(rows, headers=headers, title=title)
    file_name = f"{activity.title}-{title}-{timezone.localdate():%Y%m%d}.xlsx"
    return spreadsheets.file_response(spreadsheets.export(table, "xlsx"), file_name=file_name)


def _export_row(person: ActivityParticipant, questions: list[str]) -> list:
    signup = person.signup
    room = signup.household.room
    answers = signup.answers if isinstance(signup.answers, dict) else {}
    checked_in = (
        date_format(timezone.localtime(person.checked_in_at), "Y-m-d H:i")
        if person.checked_in_at
        else ""
    )
    return [
        room.building.name,
        room.unit.name if room.unit_id else "",
        room.number,
        person.name,
        signup.user.display_name,
        signup.user.mobile or "",
        signup.get_status_display(),
        *[_answer(answers, label, index) for index, label in enumerate(questions)],
        checked_in,
        person.get_checkin_method_display() if person.checked_in_at else "",
    ]


def _answer(answers: dict, label: str, index: int) -> str:
    value = answers.get(label, answers.get(str(index), ""))
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    return "" if value is None else str(value)


# --- Figures ---------------------------------------------------------------------------------


@require_GET
@staff_required(VIEW)
def activity_report(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    figures = selectors.activity_figures(activity)
    cards = [
        ("house-door", _("Households signed up"), figures.households),
        ("people", _("People signed up"), figures.people),
        ("hourglass-split", _("Households waiting"), figures.waiting_households),
        ("person-check", _("Checked in"), figures.checked_in),
        ("percent", _("Attendance rate"), percent(figures.attendance_rate)),
    ]
    return render(
        request,
        "staff/services/attendance/report.html",
        {"activity": activity, "figures": figures, "cards": cards},
    )


@require_GET
@staff_required(VIEW)
def activity_report_chart(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    figures = selectors.activity_figures(activity)
    from .chart import turnout_chart  # matplotlib: only where the chart is drawn

    svg = turnout_chart(figures.buildings, title=_("Turnout by building"))
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=60"
    return response

"""Staff pages of the figures part: the statistics of complaints and suggestions (with their
Excel export) and the settings of the community's complaint categories and departments."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from kit import parameters, spreadsheets
from kit.forms import add_service_errors, posted_data
from staff.access import staff_has_perm, staff_required
from staff.scoping import get_scoped_or_404

from ..models import ComplaintCategory, Department, Suggestion
from ..setup import FIGURES, SETTINGS
from . import selectors, services
from .forms import CategoryForm, DepartmentForm, PeriodForm

NO_DATA = "—"
SuggestionStatus = Suggestion.Status


# --- How numbers read --------------------------------------------------------------------------


def duration_text(seconds: Decimal | None) -> str:
    """1小时20分, 2天3小时, 45秒: a duration as people say it."""
    if seconds is None:
        return NO_DATA
    seconds = int(seconds)
    if seconds < 60:
        return _("%(seconds)s s") % {"seconds": seconds}
    minutes = (seconds + 30) // 60
    if minutes < 60:
        return _("%(minutes)s min") % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        if not minutes:
            return _("%(hours)s h") % {"hours": hours}
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    days, hours = divmod(hours, 24)
    if not hours:
        return _("%(days)s d") % {"days": days}
    return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}


def percent_text(part: int, whole: int) -> str:
    """part / whole as a percentage with one place, rounded half up once, from the counts
    themselves (1/16 → 6.3%, 2/3 → 66.7%); "—" when there is no whole."""
    if not whole:
        return NO_DATA
    percent = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{percent}%"


def score_text(score: Decimal | None) -> str:
    return NO_DATA if score is None else f"{score}"


def _rows(groups: list[selectors.Group], unnamed: str) -> list[dict]:
    return [
        {
            "label": group.label or unnamed,
            "filed": group.sums.filed,
            "closed": group.sums.closed,
            "avg_accept": duration_text(group.sums.avg_accept_seconds),
            "avg_close": duration_text(group.sums.avg_close_seconds),
            "accepted_on_time": percent_text(group.sums.accepted_on_time, group.sums.accepted),
            "replied_on_time": percent_text(group.sums.replied_on_time, group.sums.replied),
            "satisfaction": score_text(group.sums.avg_satisfaction),
            "rated": group.sums.rated,
            "returned": group.sums.returned,
        }
        for group in groups
    ]


def figures_view_context(figures: selectors.CommunityFigures) -> dict:
    """What the page and the export show, every number already in words."""
    totals, suggestions = figures.totals, figures.suggestions
    return {
        "cards": [
            {"icon": "inbox", "label": _("Complaints filed"), "value": totals.filed},
            {
                "icon": "check2-circle",
                "label": pgettext("complaint figures", "Closed"),
                "value": totals.closed,
            },
            {
                "icon": "stopwatch",
                "label": _("Avg. time to accept"),
                "value": duration_text(totals.avg_accept_seconds),
            },
            {
                "icon": "hourglass-split",
                "label": _("Avg. time to close"),
                "value": duration_text(totals.avg_close_seconds),
            },
            {
                "icon": "alarm",
                "label": _("Accepted on time"),
                "value": percent_text(totals.accepted_on_time, totals.accepted),
            },
            {
                "icon": "reply",
                "label": _("Replied on time"),
                "value": percent_text(totals.replied_on_time, totals.replied),
            },
            {
                "icon": "star-half",
                "label": _("Average satisfaction (%(count)s ratings)") % {"count": totals.rated},
                "value": score_text(totals.avg_satisfaction),
            },
            {
                "icon": "arrow-counterclockwise",
                "label": _("Returned by residents (%(count)s returns in all)")
                % {"count": totals.total_returns},
                "value": totals.returned,
            },
        ],
        "by_status": [(group.label, group.sums.filed) for group in figures.by_status],
        "by_channel": [(group.label, group.sums.filed) for group in figures.by_channel],
        "by_category": _rows(figures.by_category, ""),
        "by_department": _rows(
            figures.by_department, pgettext("complaint figures", "No department")
        ),
        "by_handler": _rows(figures.by_handler, pgettext("complaint figures", "Nobody yet")),
        "suggestion_rows": [
            (_("Suggestions submitted"), suggestions.submitted),
            (_("Awaiting a decision"), suggestions.undecided),
            (_("Adopted, not started"), suggestions.adopted),
            (str(SuggestionStatus.IN_PROGRESS.label), suggestions.in_progress),
            (str(SuggestionStatus.COMPLETED.label), suggestions.completed),
            (str(SuggestionStatus.DECLINED.label), suggestions.declined),
            (str(SuggestionStatus.MERGED.label), suggestions.merged),
        ],
        "adoption_rate": percent_text(suggestions.taken_up, suggestions.decided),
    }


# --- Statistics --------------------------------------------------------------------------------


@staff_required(FIGURES)
def figures(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "staff/complaints/figures/figures.html", {"form": form}, status=400)
    start, end = form.range
    data = selectors.community_figures(request.community, start, end)
    context = figures_view_context(data)
    if request.GET.get("export") == "xlsx":
        return _export(context, request.community.name, start, end)
    shown = PeriodForm({"start": start.isoformat(), "end": end.isoformat()})
    shown.is_valid()
    return render(
        request,
        "staff/complaints/figures/figures.html",
        {
            "form": shown,
            "start": start,
            "end": end,
            **context,
            "can_manage": staff_has_perm(request, SETTINGS),
        },
    )


_TABLE_HEADERS = [
    gettext_lazy("Complaints"),
    pgettext_lazy("complaint figures", "Closed"),
    gettext_lazy("Avg. time to accept"),
    gettext_lazy("Avg. time to close"),
    gettext_lazy("Accepted on time"),
    gettext_lazy("Replied on time"),
    gettext_lazy("Average satisfaction"),
    gettext_lazy("Ratings"),
    pgettext_lazy("complaint figures", "Returned"),
]


def _export(context: dict, community: str, start: dt.date, end: dt.date) -> HttpResponse:
    book = spreadsheets.workbook(pgettext("complaint figures", "Figures"))
    sheet = book.active
    period = f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"
    spreadsheets.append(
        sheet, [_("Complaints and suggestions: %(community)s") % {"community": community}]
    )
    spreadsheets.style(sheet[1], bold=True, size=13)
    spreadsheets.append(sheet, [_("Period"), period])
    spreadsheets.append(sheet, [])
    for card in context["cards"]:
        spreadsheets.append(sheet, [card["label"], card["value"]])
    for heading, rows in (
        (_("By status"), context["by_status"]),
        (_("By channel"), context["by_channel"]),
    ):
        spreadsheets.append(sheet, [])
        spreadsheets.append(sheet, [heading, _("Complaints")])
        spreadsheets.style(sheet[sheet.max_row], bold=True)
        for label, count in rows:
            spreadsheets.append(sheet, [label, count])
    for heading, key in (
        (_("Category"), "by_category"),
        (pgettext("complaint figures", "Department"), "by_department"),
        (pgettext("complaint figures", "Handled by"), "by_handler"),
    ):
        spreadsheets.append(sheet, [])
        spreadsheets.append(sheet, [heading, *[str(header) for header in _TABLE_HEADERS]])
        spreadsheets.style(sheet[sheet.max_row], bold=True)
        for row in context[key]:
            spreadsheets.append(
                sheet,
                [
                    row["label"], row["filed"], row["closed"], row["avg_accept"], row["avg_close"],
                    row["accepted_on_time"], row["replied_on_time"], row["satisfaction"],
                    row["rated"], row["returned"],
                ],
            )  # fmt: skip
    spreadsheets.append(sheet, [])
    spreadsheets.append(
        sheet,
        [pgettext("complaint figures", "Suggestions"), pgettext("complaint figures", "Count")],
    )
    spreadsheets.style(sheet[sheet.max_row], bold=True)
    for label, count in context["suggestion_rows"]:
        spreadsheets.append(sheet, [label, count])
    spreadsheets.append(sheet, [_("Adoption rate"), context["adoption_rate"]])
    spreadsheets.widths(sheet, {1: 22, **dict.fromkeys(range(2, 11), 14)})
    file_name = f"{_('Complaint figures')} {community} {start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    return spreadsheets.file_response(spreadsheets.save(book), file_name=file_name)


# --- Categories --------------------------------------------------------------------------------


@staff_required(SETTINGS)
def category_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "staff/complaints/figures/categories.html",
        {"categories": list(selectors.categories_of(request.community))},
    )


def _category_form_page(
    request: HttpRequest, category: ComplaintCategory, done_message: str
) -> HttpResponse:
    heading_name = category.name  # before the form writes what was typed onto the instance
    form = CategoryForm(posted_data(request), instance=category, community=request.community)
    if form.is_valid():
        try:
            services.category_save(category=form.instance, actor=request.user, request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done_message % {"name": category.name})
            return redirect("complaints_staff:category_list")
    return render(
        request,
        "staff/complaints/figures/category_form.html",
        {"form": form, "category": category if category.pk else None, "heading_name": heading_name},
        status=400 if form.errors else 200,
    )


@staff_required(SETTINGS)
def category_create(request: HttpRequest) -> HttpResponse:
    last = (
        ComplaintCategory.objects.filter(community=request.community)
        .order_by("-sort_order")
        .values_list("sort_order", flat=True)
        .first()
    )
    # New categories go to the end of the residents' list unless staff say otherwise.
    company = request.community.company_id
    category = ComplaintCategory(
        community=request.community,
        sort_order=0 if last is None else last + 10,
        accept_within_hours=parameters.get("complaints.accept_within_hours", company=company),
        reply_within_hours=parameters.get("complaints.reply_within_hours", company=company),
    )
    return _category_form_page(request, category, _("The category “%(name)s” was added."))


@staff_required(SETTINGS)
def category_edit(request: HttpRequest, complaint_category_id: int) -> HttpResponse:
    category = get_scoped_or_404(request, ComplaintCategory.objects.all(), complaint_category_id)
    return _category_form_page(request, category, _("The category “%(name)s” was saved."))


# --- Departments -------------------------------------------------------------------------------


@staff_required(SETTINGS)
def department_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "staff/complaints/figures/departments.html",
        {"departments": list(selectors.departments_of(request.community))},
    )


def _department_form_page(
    request: HttpRequest, department: Department, done_message: str
) -> HttpResponse:
    heading_name = department.name
    form = DepartmentForm(posted_data(request), instance=department, community=request.community)
    if form.is_valid():
        try:
            services.department_save(
                department=form.instance,
                members=list(form.cleaned_data["members"]),
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done_message % {"name": department.name})
            return redirect("complaints_staff:department_list")
    return render(
        request,
        "staff/complaints/figures/department_form.html",
        {
            "form": form,
            "department": department if department.pk else None,
            "heading_name": heading_name,
        },
        status=400 if form.errors else 200,
    )


@staff_required(SETTINGS)
def department_create(request: HttpRequest) -> HttpResponse:
    last = (
        Department.objects.filter(community=request.community)
        .order_by("-sort_order")
        .values_list("sort_order", flat=True)
        .first()
    )
    department = Department(
        community=request.community, sort_order=0 if last is None else last + 10
    )
    return _department_form_page(request, department, _("The department “%(name)s” was added."))


@staff_required(SETTINGS)
def department_edit(request: HttpRequest, department_id: int) -> HttpResponse:
    department = get_scoped_or_404(request, Department.objects.all(), department_id)
    return _department_form_page(request, department, _("The department “%(name)s” was saved."))

"""The staff portal's ratings list and technician performance page (with its export)."""

import datetime as dt

import django_tables2 as tables
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tables2 import RequestConfig

from kit import spreadsheets
from staff.access import staff_required
from staff.tables import LocalTimeColumn, PartialColumn, paginate

from .. import performance as figures
from ..forms.performance import PeriodForm, RatingsFilterForm
from ..models import RepairRating

NO_DATA = "—"
NOWRAP = {"class": "text-nowrap"}


def duration_text(seconds: float | None) -> str:
    """1小时20分, 2天3小时, 45秒: a duration as people say it."""
    if seconds is None:
        return NO_DATA
    seconds = round(seconds)
    if seconds < 60:
        return _("%(seconds)s s") % {"seconds": seconds}
    minutes = round(seconds / 60)
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


def percent_text(rate: float | None) -> str:
    return NO_DATA if rate is None else f"{rate * 100:.1f}%"


def score_text(score: float | None) -> str:
    return NO_DATA if score is None else f"{score:.1f}"


class PerformanceTable(tables.Table):
    """Rows are `performance.TechnicianPerformance`; sorted in Python (one row per technician)."""

    name = tables.Column(verbose_name=gettext_lazy("Technician"))
    completed = tables.Column(verbose_name=gettext_lazy("Completed"))
    avg_response_seconds = tables.Column(verbose_name=gettext_lazy("Avg. time to accept"))
    avg_finish_seconds = tables.Column(verbose_name=gettext_lazy("Avg. time to finish"))
    on_time_rate = tables.Column(verbose_name=gettext_lazy("On time"))
    avg_speed = tables.Column(verbose_name=gettext_lazy("Speed"))
    avg_quality = tables.Column(verbose_name=gettext_lazy("Quality"))
    avg_attitude = tables.Column(verbose_name=gettext_lazy("Attitude"))
    avg_rating = tables.Column(verbose_name=gettext_lazy("Average rating"))
    ratings = PartialColumn(
        template_name="staff/repairs/_perf_ratings_count.html",
        page_context=("start", "end"),
        verbose_name=gettext_lazy("Ratings"),
    )
    repeat_rate = tables.Column(verbose_name=gettext_lazy("Repeat repairs"))

    class Meta:
        attrs = {"class": "table table-hover align-middle perf-table"}
        empty_text = gettext_lazy("No technicians serve this community yet.")
        default = NO_DATA

    def render_completed(self, value):
        return value

    def render_avg_response_seconds(self, value):
        return duration_text(value)

    def render_avg_finish_seconds(self, value):
        return duration_text(value)

    def render_on_time_rate(self, value):
        return percent_text(value)

    def render_repeat_rate(self, value):
        return percent_text(value)

    def render_avg_speed(self, value):
        return score_text(value)

    def render_avg_quality(self, value):
        return score_text(value)

    def render_avg_attitude(self, value):
        return score_text(value)

    def render_avg_rating(self, value):
        return score_text(value)


class RatingTable(tables.Table):
    created_at = LocalTimeColumn(
        verbose_name=gettext_lazy("Rated at"), format="Y-m-d H:i", attrs={"td": NOWRAP}
    )
    order = PartialColumn(
        template_name="staff/repairs/_perf_order_link.html",
        verbose_name=gettext_lazy("Order number"),
        order_by=("order__number",),
    )
    technician = tables.Column(
        verbose_name=gettext_lazy("Technician"),
        accessor="order__technician__user__display_name",
        default=NO_DATA,
        attrs={"td": NOWRAP},
    )
    category = tables.Column(
        verbose_name=gettext_lazy("Category"),
        accessor="order__category__name",
        attrs={"td": NOWRAP},
    )
    place = tables.Column(
        verbose_name=gettext_lazy("Place"),
        accessor="order__place",
        orderable=False,
        attrs={"td": NOWRAP},
    )
    speed = PartialColumn(
        template_name="staff/repairs/_perf_stars.html", verbose_name=gettext_lazy("Speed")
    )
    quality = PartialColumn(
        template_name="staff/repairs/_perf_stars.html", verbose_name=gettext_lazy("Quality")
    )
    attitude = PartialColumn(
        template_name="staff/repairs/_perf_stars.html", verbose_name=gettext_lazy("Attitude")
    )
    average_score = PartialColumn(
        template_name="staff/repairs/_perf_average.html", verbose_name=gettext_lazy("Average")
    )
    comment = PartialColumn(
        template_name="staff/repairs/_perf_comment.html",
        verbose_name=gettext_lazy("Comment"),
        orderable=False,
    )
    reply = PartialColumn(
        template_name="staff/repairs/_perf_reply.html",
        forms=True,
        verbose_name=gettext_lazy("Reply"),
        orderable=False,
    )

    class Meta:
        model = RepairRating
        fields = (
            "created_at",
            "order",
            "technician",
            "category",
            "place",
            "speed",
            "quality",
            "attitude",
            "average_score",
            "comment",
            "reply",
        )
        attrs = {"class": "table table-hover align-middle"}
        row_attrs = {"class": lambda record: "low-rating" if record.is_low else ""}
        empty_text = gettext_lazy("No ratings match these filters.")


@staff_required("repairs.view_repair_performance")
def performance(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(
            request, "staff/repairs/performance.html", {"form": form, "rows": None}, status=400
        )
    start, end = form.range
    form = _showing_dates(form, start, end)
    rows = figures.technician_performance(request.community, start, end)
    summary = figures.community_summary(request.community, start, end, rows)
    export = request.GET.get("export")
    if export in ("xlsx", "csv"):
        return _export(rows, summary, start, end, export)
    table = PerformanceTable(rows, order_by=request.GET.get("sort") or None)
    RequestConfig(request, paginate=False).configure(table)
    return render(
        request,
        "staff/repairs/performance.html",
        {
            "form": form,
            "rows": rows,
            "table": table,
            "summary": summary,
            "cards": _summary_cards(summary, start, end),
            "start": start,
            "end": end,
            "export_query": _query_without(request, "export", "sort"),
        },
    )


def _showing_dates(form: PeriodForm, start: dt.date | None, end: dt.date | None) -> PeriodForm:
    """The same choice, with the dates of a preset period filled in, for the page to show."""
    if start is None or end is None:
        return form
    data = {name: form[name].value() for name in form.fields}
    data.update(start=start.isoformat(), end=end.isoformat())
    data["period"] = form.cleaned_data["period"] if form.is_bound else form.default_period
    shown = type(form)(data, today=form.today, **_form_extras(form))
    shown.is_valid()
    return shown


def _form_extras(form: PeriodForm) -> dict:
    if isinstance(form, RatingsFilterForm):
        return {"technicians": form.fields["technician"].queryset}
    return {}


def _summary_cards(summary: figures.CommunitySummary, start: dt.date, end: dt.date) -> list[dict]:
    low_ratings_url = (
        reverse("repairs_staff:ratings")
        + "?"
        + urlencode({"period": PeriodForm.CUSTOM, "start": start, "end": end, "low": "on"})
    )
    return [
        {"icon": "inbox", "label": _("Orders reported"), "value": summary.reported},
        {"icon": "check2-circle", "label": _("Completed"), "value": summary.completed},
        {
            "icon": "stopwatch",
            "label": _("Avg. time to accept"),
            "value": duration_text(summary.avg_response_seconds),
        },
        {
            "icon": "hourglass-split",
            "label": _("Avg. time to finish"),
            "value": duration_text(summary.avg_finish_seconds),
        },
        {"icon": "alarm", "label": _("On time"), "value": percent_text(summary.on_time_rate)},
        {
            "icon": "star-half",
            "label": _("Average rating"),
            "value": score_text(summary.avg_rating),
        },
        {
            "icon": "hand-thumbs-down",
            "label": _("Low ratings"),
            "value": summary.low_ratings,
            "href": low_ratings_url,
        },
        {
            "icon": "arrow-repeat",
            "label": _("Repeat repairs"),
            "value": percent_text(summary.repeat_rate),
        },
    ]


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _export(
    rows: list[figures.TechnicianPerformance],
    summary: figures.CommunitySummary,
    start: dt.date,
    end: dt.date,
    export: str,
) -> HttpResponse:
    """The table's figures as numbers (durations in minutes or hours, rates in percent), one
    row per technician and a total row."""
    lines = [
        [
            name,
            row.completed,
            _rounded(row.avg_response_seconds, 60),
            _rounded(row.avg_finish_seconds, 3600),
            _rounded(row.on_time_rate, 0.01),
            _rounded(row.avg_speed),
            _rounded(row.avg_quality),
            _rounded(row.avg_attitude),
            _rounded(row.avg_rating),
            row.ratings,
            row.low_ratings,
            _rounded(row.repeat_rate, 0.01),
        ]
        for name, row in [(row.name, row) for row in rows] + [(_("All technicians"), summary)]
    ]
    # The names are the technicians' own display names: the helper keeps them from running.
    table = spreadsheets.dataset(
        lines,
        headers=[
            _("Technician"),
            _("Completed orders"),
            _("Avg. time to accept (minutes)"),
            _("Avg. time to finish (hours)"),
            _("On-time rate (%)"),
            _("Avg. speed"),
            _("Avg. quality"),
            _("Avg. attitude"),
            _("Average rating"),
            _("Ratings"),
            _("Low ratings"),
            _("Repeat repair rate (%)"),
        ],
        title=_("Technician performance"),
    )
    filename = f"{_('Technician performance')}_{start:%Y%m%d}-{end:%Y%m%d}.{export}"
    return spreadsheets.file_response(
        spreadsheets.export(table, export), file_name=filename, fmt=export
    )


def _rounded(value: float | None, unit: float = 1) -> float | str:
    return "" if value is None else round(value / unit, 1)


@staff_required("repairs.view_repair_performance")
def ratings(request: HttpRequest) -> HttpResponse:
    form = RatingsFilterForm(
        request.GET or None, technicians=figures.rated_technicians(request.community)
    )
    if form.is_bound and not form.is_valid():
        table = None
        status = 400
    else:
        chosen = form.range
        start, end = chosen if chosen else (None, None)
        data = form.cleaned_data if form.is_bound else {}
        form = _showing_dates(form, start, end)
        rows = figures.ratings_of(
            request.community,
            start=start,
            end=end,
            technician=data.get("technician"),
            low_only=bool(data.get("low")),
        )
        table = RatingTable(rows, order_by=request.GET.get("sort") or None)
        paginate(request, table)
        status = 200
    return render(
        request, "staff/repairs/ratings.html", {"form": form, "table": table}, status=status
    )

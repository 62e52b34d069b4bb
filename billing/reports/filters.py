"""The filters of the staff bills (arrears) list and the period chooser of the collection
reports (GET forms)."""

import datetime as dt

import django_filters
from django import forms
from django.db.models import F, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Building, Residency
from accounts.selectors import room_place, room_text_q
from staff.filtering import StaffFilterSet

from ..models import Bill, FeeKind
from .queries import add_months

Status = Bill.Status
EARLIEST_YEAR = 2000

# Status choices of the list (not the stored statuses one to one: "overdue" is any unpaid bill
# past its due date, whether or not the nightly job has marked it yet).
OPEN, NOT_DUE, OVERDUE, PAID, WAIVED, REFUNDED, ALL = (
    "open", "unpaid", "overdue", "paid", "waived", "refunded", "all"
)  # fmt: skip
STATUS_CHOICES = [
    (OPEN, _("Unpaid and overdue")),
    (NOT_DUE, _("Unpaid, not yet due")),
    (OVERDUE, _("Overdue bills")),
    (PAID, _("Paid bills")),
    (WAIVED, _("Waived bills")),
    (REFUNDED, _("Refunded bills")),
    (ALL, _("All bills")),
]


def _buildings(request):
    return Building.objects.filter(community=request.community).order_by("sort_order", "name")


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        # Its width is in static/staff/staff.css (the CSP allows no style= attribute).
        super().__init__(attrs, format="%Y-%m")


class MonthField(forms.DateField):
    """A month typed as 2026-03 (what <input type="month"> sends): its first day."""

    widget = MonthInput
    input_formats = ["%Y-%m", "%Y-%m-%d"]
    default_error_messages = {"invalid": _("Enter a month such as 2026-03.")}

    def to_python(self, value):
        day = super().to_python(value)
        if day is not None and day.year < EARLIEST_YEAR:
            raise forms.ValidationError(_("Please choose a month in 2000 or later."))
        return day.replace(day=1) if day else day


class MonthFilter(django_filters.DateFilter):
    field_class = MonthField


class BillFilter(StaffFilterSet):
    building = django_filters.ModelChoiceFilter(
        label=_("Building"), field_name="room__building", queryset=_buildings
    )
    room = django_filters.CharFilter(
        label=_("Room, resident or phone"),
        method="by_room",
        widget=forms.TextInput(
            attrs={
                "placeholder": _("e.g. 3栋1201, 3-1201, a name or a phone number"),
                "type": "search",
            }
        ),
    )
    kind = django_filters.ChoiceFilter(label=_("Fee kind"), choices=FeeKind.choices)
    period_from = MonthFilter(label=_("Period from"), method="by_period_from")
    period_until = MonthFilter(label=_("Period until"), method="by_period_until")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, method="by_status", empty_label=None
    )
    overdue_days = django_filters.NumberFilter(
        label=_("Overdue at least (days)"),
        method="by_overdue_days",
        min_value=1,
        max_value=3650,
        widget=forms.NumberInput(attrs={"min": 1, "max": 3650, "step": 1}),
    )

    class Meta:
        model = Bill
        fields = [
            "building", "room", "kind", "period_from", "period_until", "status",
            "overdue_days",
        ]  # fmt: skip

    def __init__(self, data: QueryDict | None = None, *args, today: dt.date | None = None,
                 **kwargs):  # fmt: skip
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("status"):
            data["status"] = OPEN
        super().__init__(data, *args, **kwargs)
        self.today = today or timezone.localdate()
        self.filters["status"].extra["empty_label"] = None

    def by_room(self, queryset, name, value):
        """A room as people type it (3栋1201, 3-1201, 3#1201, 3号楼1201室, 1201), a resident's
        name, or a phone number (or its last digits) of someone living there."""
        value = "".join(value.split())
        if not value:
            return queryset
        matches = Q(searched_place__icontains=value) | Q(room__number=value)
        as_room = room_text_q(value)
        if as_room is not None:
            matches |= as_room
        people = Q(user__display_name__icontains=value)
        if value.isdigit() and len(value) >= 4:
            people |= Q(user__mobile__endswith=value)
        residents = Residency.objects.filter(
            people,
            room__building__community=self.request.community,
            status__in=(Residency.Status.VERIFIED, Residency.Status.PENDING),
        ).values("room_id")
        matches |= Q(room_id__in=residents)
        return queryset.annotate(searched_place=room_place()).filter(matches)

    def by_period_from(self, queryset, name, value):
        return queryset.filter(period_start__gte=value) if value else queryset

    def by_period_until(self, queryset, name, value):
        return queryset.filter(period_start__lt=add_months(value, 1)) if value else queryset

    def by_status(self, queryset, name, value):
        today = self.today
        if value == OPEN:
            return queryset.filter(status__in=Bill.UNPAID_STATUSES)
        if value == NOT_DUE:
            return queryset.filter(status__in=Bill.UNPAID_STATUSES, due_date__gte=today)
        if value == OVERDUE:
            return queryset.filter(status__in=Bill.UNPAID_STATUSES, due_date__lt=today)
        if value in (PAID, WAIVED, REFUNDED):
            return queryset.filter(status=value)
        return queryset

    def by_overdue_days(self, queryset, name, value):
        if value is None:
            return queryset
        latest_due = self.today - dt.timedelta(days=int(value))
        return queryset.filter(status__in=Bill.UNPAID_STATUSES, due_date__lte=latest_due)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # The oldest debt first while looking at what is owed; else the newest periods first.
        if self.form.cleaned_data.get("status") in (OPEN, NOT_DUE, OVERDUE):
            return queryset.order_by("due_date", "pk")
        return queryset.order_by("-period_start", F("due_date").desc(), "-pk")


# --- Reports -------------------------------------------------------------------------------------


class ReportForm(forms.Form):
    MONTHLY, ANNUAL = "monthly", "annual"

    kind = forms.ChoiceField(
        label=_("Report"),
        choices=[(MONTHLY, _("Monthly report")), (ANNUAL, _("Annual report"))],
        required=False,
    )
    month = MonthField(label=_("Month"), required=False)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        this_month = self.today.replace(day=1)
        self.fields["kind"].initial = self.MONTHLY
        self.fields["month"].initial = this_month
        self.fields["month"].widget.attrs["max"] = f"{this_month:%Y-%m}"
        years = range(self.today.year, EARLIEST_YEAR - 1, -1)
        self.fields["year"].choices = [(year, str(year)) for year in years]
        self.fields["year"].initial = self.today.year
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean(self) -> dict:
        data = super().clean()
        data["kind"] = data.get("kind") or self.MONTHLY
        if data["kind"] == self.MONTHLY and "month" not in self.errors:
            month = data.get("month") or self.today.replace(day=1)
            if month > self.today:
                self.add_error("month", _("This month has not begun yet."))
            data["month"] = month
        if data["kind"] == self.ANNUAL and "year" not in self.errors:
            data["year"] = data.get("year") or self.today.year
        return data

    @property
    def choice(self) -> tuple[str, dt.date, dt.date]:
        """(kind, first day, first day after) of the valid choice, or this month's."""
        data = self.cleaned_data if self.is_bound else {}
        kind = data.get("kind") or self.MONTHLY
        if kind == self.ANNUAL:
            year = data.get("year") or self.today.year
            return kind, dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
        month = data.get("month") or self.today.replace(day=1)
        return kind, month, add_months(month, 1)


# "Select all N matching the filter": at most this many bills are acted on in one go.
MAX_MATCHING = 20000


def matching_unpaid_bills(request, data: QueryDict, today: dt.date | None = None):
    """The unpaid bills of the community that the bills list's filters in `data` match (every
    page, not only the one shown), oldest due first; None when the filters are invalid."""
    base = Bill.objects.filter(community=request.community).exclude(status=Status.DRAFT)
    filterset = BillFilter(data, queryset=base, request=request, today=today)
    if not filterset.is_valid():
        return None
    return filterset.qs.filter(status__in=Bill.UNPAID_STATUSES).order_by("due_date", "pk")

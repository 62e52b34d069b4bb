"""What an operator page or a report is about: a period (a month, a quarter, a year or a range
of days) and a scope (the platform, one property company, or one community). The statistics
pages, the reports and their findings all take these two, so that "this month for 翠湖花园" means
the same thing everywhere.

Dates are local dates (Asia/Shanghai); `Period.end` is exclusive. `Period.bounds()` gives the
aware datetimes for filtering DateTimeFields."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Community, PropertyCompany

MONTH, QUARTER, YEAR, RANGE = "month", "quarter", "year", "range"
PERIOD_KINDS = [
    (MONTH, _("Month")),
    (QUARTER, _("Quarter")),
    (YEAR, _("Year")),
    (RANGE, _("Date range")),
]
MAX_RANGE_DAYS = 3 * 366


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date  # exclusive

    @classmethod
    def month(cls, day: dt.date) -> Period:
        start = day.replace(day=1)
        return cls(MONTH, start, _add_months(start, 1))

    @classmethod
    def quarter(cls, day: dt.date) -> Period:
        start = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return cls(QUARTER, start, _add_months(start, 3))

    @classmethod
    def year(cls, day: dt.date) -> Period:
        return cls(YEAR, dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1))

    @classmethod
    def of(cls, kind: str, day: dt.date) -> Period:
        return {MONTH: cls.month, QUARTER: cls.quarter, YEAR: cls.year}[kind](day)

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        """The period of the same kind just before (a range: as many days just before)."""
        if self.kind == RANGE:
            return Period(RANGE, self.start - dt.timedelta(days=self.days), self.start)
        return Period.of(self.kind, self.start - dt.timedelta(days=1))

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Aware datetimes [start, end) in the site's time zone, for DateTimeField filters."""
        zone = timezone.get_current_timezone()
        return (
            dt.datetime.combine(self.start, dt.time.min, tzinfo=zone),
            dt.datetime.combine(self.end, dt.time.min, tzinfo=zone),
        )

    def days_list(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range(self.days)]

    @property
    def label(self) -> str:
        if self.kind == MONTH:
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == QUARTER:
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        if self.kind == YEAR:
            return f"{self.start.year}年"
        return f"{self.start:%Y-%m-%d} 至 {self.last_day:%Y-%m-%d}"


@dataclass(frozen=True)
class Scope:
    """The platform (both None), one company, or one community (with its company)."""

    company: PropertyCompany | None = None
    community: Community | None = None

    def communities(self) -> QuerySet[Community]:
        queryset = Community.objects.select_related("company").order_by("company__name", "name")
        if self.community is not None:
            return queryset.filter(pk=self.community.pk)
        if self.company is not None:
            return queryset.filter(company=self.company)
        return queryset

    @property
    def label(self) -> str:
        if self.community is not None:
            return f"{self.community.company.name} · {self.community.name}"
        if self.company is not None:
            return self.company.name
        return str(_("Whole platform"))


def today() -> dt.date:
    return timezone.localdate()


class ScopeFieldsForm(forms.Form):
    """The company and community choice every operators' form about a scope shares (the
    statistics filter bar, the report request); both empty: the whole platform."""

    company = forms.ModelChoiceField(
        label=_("Property company"),
        queryset=PropertyCompany.objects.order_by("name"),
        required=False,
        empty_label=_("All companies"),
    )
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.select_related("company").order_by("company__name", "name"),
        required=False,
        empty_label=_("All communities"),
    )

    def clean(self):
        data = super().clean()
        community, company = data.get("community"), data.get("company")
        if community and company and community.company_id != company.pk:
            self.add_error("community", _("This community belongs to another company."))
        return data

    def chosen_scope(self) -> Scope:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        community = data.get("community")
        if community is not None:
            return Scope(company=community.company, community=community)
        return Scope(company=data.get("company"))


class ScopeForm(ScopeFieldsForm):
    """The filter bar of the operators' statistics pages (templates/admin/platform/_filters.html).
    Unbound or invalid: this month, the whole platform."""

    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_KINDS, initial=MONTH)
    day = forms.DateField(
        label=_("Any day in the period"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The month, quarter or year that contains this day."),
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    field_order = ["period", "day", "start", "end", "company", "community"]

    def clean(self):
        data = super().clean()
        if data.get("period") == RANGE:
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise forms.ValidationError(_("Give both the first and the last day of the range."))
            if end < start:
                raise forms.ValidationError(_("The last day comes before the first."))
            if (end - start).days >= MAX_RANGE_DAYS:
                raise forms.ValidationError(
                    _("A range may cover at most %(days)s days."), params={"days": MAX_RANGE_DAYS}
                )
        return data

    def chosen_period(self) -> Period:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        kind = data.get("period") or MONTH
        if kind == RANGE:
            return Period(RANGE, data["start"], data["end"] + dt.timedelta(days=1))
        return Period.of(kind, data.get("day") or today())


def scope_from_request(request) -> tuple[ScopeForm, Scope, Period]:
    """The filter form from the query string, and the scope and period it asks for."""
    form = ScopeForm(request.GET or None)
    return form, form.chosen_scope(), form.chosen_period()

"""The period chooser of the performance page and the filters of the ratings list (GET forms)."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from staff.models import StaffMember

# Longer periods are what the annual report is for; a year (leap day included) is the limit.
MAX_PERIOD_DAYS = 366
EARLIEST = dt.date(2000, 1, 1)


class PeriodForm(forms.Form):
    THIS_MONTH = "month"
    LAST_MONTH = "last_month"
    THIS_QUARTER = "quarter"
    THIS_YEAR = "year"
    CUSTOM = "custom"
    ALL = "all"
    PERIODS = [
        (THIS_MONTH, _("This month")),
        (LAST_MONTH, _("Last month")),
        (THIS_QUARTER, _("This quarter")),
        (THIS_YEAR, _("This year")),
        (CUSTOM, _("Custom range")),
    ]
    default_period = THIS_MONTH
    allow_all = False

    period = forms.ChoiceField(label=_("Period"), required=False)
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        choices = list(self.PERIODS)
        if self.allow_all:
            choices.insert(0, (self.ALL, _("All time")))
        self.fields["period"].choices = choices
        self.fields["period"].initial = self.default_period
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean(self) -> dict:
        data = super().clean()
        period = data.get("period") or ""
        start, end = data.get("start"), data.get("end")
        if period == self.CUSTOM or (not period and (start or end)):
            period = self.CUSTOM
            if "start" in self.errors or "end" in self.errors:
                return data
            if start is None:
                self.add_error("start", _("Please choose the first day."))
            if end is None:
                self.add_error("end", _("Please choose the last day."))
            if start is None or end is None:
                return data
            if start > end:
                self.add_error("end", _("The last day cannot be before the first day."))
            elif (end - start).days + 1 > MAX_PERIOD_DAYS:
                self.add_error(
                    "end",
                    _("Please choose at most %(days)s days.") % {"days": MAX_PERIOD_DAYS},
                )
            elif start < EARLIEST:
                self.add_error("start", _("Please choose a day in 2000 or later."))
        data["period"] = period or self.default_period
        return data

    def _post_clean(self) -> None:
        super()._post_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    @property
    def range(self) -> tuple[dt.date, dt.date] | None:
        """(first day, last day) of the chosen period, or None for all time. Only after
        is_valid(); an unbound form gives the default period."""
        if not self.is_bound:
            return period_range(self.default_period, self.today)
        period = self.cleaned_data["period"]
        if period == self.CUSTOM:
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return period_range(period, self.today)

    @property
    def label(self) -> str:
        """The period in words for headings and file names: 2026-01-01 至 2026-01-31."""
        chosen = self.range
        if chosen is None:
            return str(_("All time"))
        return f"{chosen[0]:%Y-%m-%d} – {chosen[1]:%Y-%m-%d}"


def period_range(period: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    if period == PeriodForm.ALL:
        return None
    if period == PeriodForm.LAST_MONTH:
        last_day = today.replace(day=1) - dt.timedelta(days=1)
        return last_day.replace(day=1), last_day
    if period == PeriodForm.THIS_QUARTER:
        first_month = (today.month - 1) // 3 * 3 + 1
        return today.replace(month=first_month, day=1), today
    if period == PeriodForm.THIS_YEAR:
        return today.replace(month=1, day=1), today
    return today.replace(day=1), today


class RatingsFilterForm(PeriodForm):
    default_period = PeriodForm.ALL
    allow_all = True

    technician = forms.ModelChoiceField(
        label=_("Technician"),
        queryset=StaffMember.objects.none(),
        required=False,
        empty_label=_("All"),
    )
    low = forms.BooleanField(label=_("Low ratings only"), required=False)

    def __init__(self, *args, technicians=None, **kwargs):
        super().__init__(*args, **kwargs)
        if technicians is not None:
            self.fields["technician"].queryset = technicians
        self.fields["technician"].label_from_instance = lambda member: member.user.get_full_name()
        self.fields["low"].widget.attrs["class"] = "form-check-input"

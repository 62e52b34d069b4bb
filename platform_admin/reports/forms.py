"""The operators' form asking for an analysis report."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from platform_admin.scope import Period, ScopeFieldsForm, today

from .models import AnalysisReport


def last_month() -> dt.date:
    return today().replace(day=1) - dt.timedelta(days=1)


class ReportForm(ScopeFieldsForm):
    kind = forms.ChoiceField(
        label=_("Report"), choices=AnalysisReport.Kind.choices, initial=AnalysisReport.Kind.MONTH
    )
    day = forms.DateField(
        label=_("Any day in the period"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The month, quarter or year that contains this day."),
    )
    field_order = ["kind", "day", "company", "community"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["day"].initial = last_month()

    def clean(self):
        data = super().clean()
        kind, day = data.get("kind"), data.get("day")
        if kind and day and Period.of(kind, day).end > today():
            # A report compares whole periods: a month still running would look like a fall.
            self.add_error("day", _("This period has not ended yet: reports cover ended periods."))
        return data

    def period(self) -> Period:
        return Period.of(self.cleaned_data["kind"], self.cleaned_data["day"])

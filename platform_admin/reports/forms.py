"""The operators' form asking for an analysis report."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Community, PropertyCompany
from platform_admin.scope import Period, Scope, today

from .models import AnalysisReport


def last_month() -> dt.date:
    return today().replace(day=1) - dt.timedelta(days=1)


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Report"), choices=AnalysisReport.Kind.choices, initial=AnalysisReport.Kind.MONTH
    )
    day = forms.DateField(
        label=_("Any day in the period"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The month, quarter or year that contains this day."),
    )
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["day"].initial = last_month()

    def clean(self):
        data = super().clean()
        kind, day = data.get("kind"), data.get("day")
        if kind and day and Period.of(kind, day).end > today():
            # A report compares whole periods: a month still running would look like a fall.
            self.add_error("day", _("This period has not ended yet: reports cover ended periods."))
        community, company = data.get("community"), data.get("company")
        if community and company and community.company_id != company.pk:
            self.add_error("community", _("This community belongs to another company."))
        return data

    def period(self) -> Period:
        return Period.of(self.cleaned_data["kind"], self.cleaned_data["day"])

    def scope(self) -> Scope:
        community = self.cleaned_data.get("community")
        if community is not None:
            return Scope(company=community.company, community=community)
        return Scope(company=self.cleaned_data.get("company"))

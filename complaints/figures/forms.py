"""Forms of the figures part: the statistics period (GET) and the settings pages."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Community

from ..handling.selectors import handlers_for
from ..models import ComplaintCategory, Department
from . import selectors

# Longer periods are what the annual report is for; a year (leap day included) is the limit.
MAX_PERIOD_DAYS = 366
EARLIEST = dt.date(2000, 1, 1)


class PeriodForm(forms.Form):
    """From / to (both included); this month so far when neither is given."""

    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
        error_messages={"invalid": _("Please enter a valid date.")},
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
        error_messages={"invalid": _("Please enter a valid date.")},
    )

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        start = data.get("start") or self.today.replace(day=1)
        end = data.get("end") or max(self.today, start)
        if start > end:
            self.add_error("end", _("The last day cannot be before the first day."))
        elif (end - start).days + 1 > MAX_PERIOD_DAYS:
            self.add_error(
                "end", _("Please choose at most %(days)s days.") % {"days": MAX_PERIOD_DAYS}
            )
        elif start < EARLIEST:
            self.add_error("start", _("Please choose a day in 2000 or later."))
        data["start"], data["end"] = start, end
        return data

    def _post_clean(self) -> None:
        super()._post_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    @property
    def range(self) -> tuple[dt.date, dt.date]:
        """(first day, last day); only after is_valid(). Unbound: this month so far."""
        if not self.is_bound:
            return self.today.replace(day=1), self.today
        return self.cleaned_data["start"], self.cleaned_data["end"]


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj.user)


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj.user)


class CategoryForm(forms.ModelForm):
    handler = StaffChoiceField(
        label=_("Routed to person"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("Nobody in particular"),
        help_text=_("Only staff of this community whose position handles complaints."),
        error_messages={"invalid_choice": _("Please choose a person from the list.")},
    )

    class Meta:
        model = ComplaintCategory
        fields = [
            "name",
            "hint",
            "about_neighbours",
            "accept_within_hours",
            "reply_within_hours",
            "department",
            "handler",
            "sort_order",
            "is_active",
        ]
        help_texts = {
            "hint": _("Shown under the name, so residents pick the right category."),
            "about_neighbours": _(
                "Residents name the neighbour's room; the neighbour never learns who complained."
            ),
            "accept_within_hours": _(
                "A complaint not accepted within this time is flagged and reported to the manager."
            ),
            "reply_within_hours": _(
                "Counted from the filing; applies to complaints filed after the change."
            ),
            "department": _("New complaints of this category go to this department first."),
            "sort_order": _("Smaller numbers come first in the residents' list."),
            "is_active": _(
                "Switched-off categories are no longer offered; their complaints are kept."
            ),
        }
        error_messages = {
            "name": {"required": _("Please give the category a name.")},
            "accept_within_hours": {
                "required": _("Please say within how many hours a complaint must be accepted."),
                "min_value": _("At least 1 hour."),
                "max_value": _("At most 7 days (168 hours)."),
                "invalid": _("Please enter a whole number of hours."),
            },
            "reply_within_hours": {
                "required": _("Please say within how many hours a complaint must be answered."),
                "min_value": _("At least 1 hour."),
                "max_value": _("At most 60 days (1440 hours)."),
                "invalid": _("Please enter a whole number of hours."),
            },
            "department": {"invalid_choice": _("Please choose a department from the list.")},
            "sort_order": {
                "required": _("Please give an order (0 comes first)."),
                "invalid": _("Please enter a whole number."),
                "min_value": _("The order cannot be negative."),
            },
        }

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(community=community)
        self.fields["department"].empty_label = pgettext_lazy("complaint figures", "No department")
        self.fields["handler"].queryset = handlers_for(community)


class DepartmentForm(forms.ModelForm):
    members = StaffMultipleChoiceField(
        label=_("Members"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Staff of this community; they see the complaints routed to the department."),
        error_messages={"invalid_choice": _("Please choose staff from the list.")},
    )

    class Meta:
        model = Department
        fields = ["name", "members", "sort_order", "is_active"]
        help_texts = {
            "sort_order": _("Smaller numbers come first in the lists."),
            "is_active": _("Switched-off departments receive no new complaints; theirs are kept."),
        }
        error_messages = {
            "name": {"required": _("Please give the department a name.")},
            "sort_order": {
                "required": _("Please give an order (0 comes first)."),
                "invalid": _("Please enter a whole number."),
                "min_value": _("The order cannot be negative."),
            },
        }

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = selectors.staff_of(community)

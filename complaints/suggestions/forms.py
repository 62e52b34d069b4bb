"""Forms of the suggestion pages: validation only; the changes are made by .services."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from staff.models import StaffMember
from staff.selectors import staff_of_community

from ..models import Suggestion


class SuggestionForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. More bicycle parking at gate 2")}),
    )
    body = forms.CharField(
        label=_("Your suggestion"),
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 6, "placeholder": _("What would you change, and why?")}
        ),
    )
    is_public = forms.BooleanField(
        label=_("Neighbours may see it"),
        required=False,
        initial=True,
        help_text=_(
            "Neighbours see the title and the text and may support it; they never see who "
            "proposed it."
        ),
    )


class EvaluationForm(forms.Form):
    feasibility = forms.CharField(
        label=_("Feasibility (internal)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    estimated_cost = forms.DecimalField(
        label=_("Estimated cost (yuan, internal)"),
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=pgettext_lazy("suggestion", "Decision"),
        choices=[("adopt", pgettext_lazy("suggestion", "Adopt")), ("decline", _("Do not adopt"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason given to residents"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MergeForm(forms.Form):
    duplicates = forms.ModelMultipleChoiceField(
        label=_("Duplicates to merge into this one"),
        queryset=Suggestion.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["duplicates"].queryset = candidates
        self.fields["duplicates"].label_from_instance = lambda s: f"{s.number} {s.title}"


class StepForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("plan", "Step"), max_length=100)
    owner = forms.ModelChoiceField(
        label=pgettext_lazy("plan step", "Owner"),
        queryset=StaffMember.objects.none(),
        required=False,
        empty_label=_("Nobody in particular"),
    )
    owner_name = forms.CharField(
        label=_("Or someone outside the staff"),
        max_length=50,
        required=False,
        help_text=_("A contractor or a team outside the staff list."),
    )
    target_date = forms.DateField(
        label=_("Target date"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        if community is not None:
            self.fields["owner"].queryset = staff_of_community(community).filter(is_active=True)
        self.fields["owner"].label_from_instance = lambda m: m.user.get_full_name()

    def clean(self):
        data = super().clean()
        if not data.get("owner") and not (data.get("owner_name") or "").strip():
            self.add_error("owner", _("Choose a staff member or write who is in charge."))
        return data


class ProgressForm(forms.Form):
    note = forms.CharField(
        label=_("Progress update"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The proposer and every supporting household are told."),
    )


class CompleteForm(forms.Form):
    outcome = forms.CharField(
        label=pgettext_lazy("suggestion", "What was done"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    publish_notice = forms.BooleanField(label=_("Also publish a community notice"), required=False)


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All"))] + list(Suggestion.Status.choices),
    )
    public = forms.ChoiceField(
        label=_("Visible to neighbours"),
        required=False,
        choices=[("", _("All")), ("yes", _("Public")), ("no", _("Private"))],
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=60)

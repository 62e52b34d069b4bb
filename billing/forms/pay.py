from django import forms
from django.utils.translation import gettext_lazy as _

from ..online.providers import offered_methods


class BillsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, bill) -> str:
        return bill.title


class PayForm(forms.Form):
    """The resident's choice on the confirm page: which of the household's open bills, and
    how to pay. The amount is not a field: the server computes it from the bills."""

    bills = BillsField(
        queryset=None,
        widget=forms.MultipleHiddenInput,
        error_messages={
            "required": _("Choose at least one bill."),
            "invalid_choice": _("Some of these bills are not open for payment any more."),
            "invalid_pk_value": _("Some of these bills are not open for payment any more."),
        },
    )
    method = forms.ChoiceField(
        label=_("Pay with"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how to pay.")},
    )

    def __init__(self, *args, bills_queryset, in_wechat=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bills"].queryset = bills_queryset
        self.providers = offered_methods(in_wechat=in_wechat)
        from ..models import Payment

        labels = dict(Payment.Method.choices)
        self.fields["method"].choices = [(method, labels[method]) for method in self.providers]
        if len(self.providers) == 1:
            self.fields["method"].initial = next(iter(self.providers))

    def clean_bills(self):
        bills = self.cleaned_data["bills"]
        if len({bill.room_id for bill in bills}) > 1:
            raise forms.ValidationError(
                _("One payment covers the bills of one room: choose the bills of one room.")
            )
        return bills

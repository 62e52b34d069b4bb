"""Forms of the counter's prepaid balances, voiding receipts and the cashier's day. Validation
only; billing.services changes the money records."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Payment
from .work import MoneyField, check_reference


class PrepaymentForm(forms.Form):
    amount = MoneyField(label=_("Amount to prepay (¥)"))
    method = forms.ChoiceField(
        label=_("Payment method"),
        choices=[(method.value, method.label) for method in Payment.COUNTER_METHODS],
        initial=Payment.Method.CASH,
        error_messages={"required": _("Choose how the payment is made.")},
    )
    tendered = MoneyField(label=_("Cash tendered (¥)"), required=False)
    payer_name = forms.CharField(label=_("Payer's name"), max_length=50, required=False)
    reference = forms.CharField(
        label=_("Reference"),
        max_length=64,
        required=False,
        help_text=_("POS voucher or bank transfer number."),
    )

    def clean_reference(self) -> str:
        return self.cleaned_data["reference"].strip()

    def clean(self) -> dict:
        cleaned = super().clean()
        check_reference(self, cleaned)
        return cleaned


class PrepaymentRefundForm(forms.Form):
    amount = MoneyField(label=_("Amount to give back (¥)"))
    reason = forms.CharField(
        label=_("Reason for the refund"),
        max_length=200,
        error_messages={"required": _("Please give a reason for the refund.")},
    )


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for voiding"),
        max_length=200,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("e.g. wrong room, wrong amount, paid twice")}
        ),
        error_messages={"required": _("Please give a reason for voiding.")},
    )


class CashierDaysForm(forms.Form):
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date such as 2026-05-01.")},
    )
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date such as 2026-05-01.")},
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        if since and until and (until - since) > dt.timedelta(days=92):
            self.add_error("until", _("Choose at most three months at a time."))
        return cleaned

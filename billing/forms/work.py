"""Forms of the billing work pages: bill runs, the counter, refunds and waivers. Validation
only; the money records are changed by billing.services."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Building

from ..models import Bill, FeeRule, Payment


class MonthField(forms.DateField):
    """A month as the browser's month picker sends it (2026-05); the first day of it."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value) -> dt.date | None:
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class MoneyField(forms.DecimalField):
    """An amount in yuan typed at the counter."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0.01"))
        kwargs.setdefault(
            "error_messages",
            {
                "invalid": _("Enter an amount such as 100.00."),
                "min_value": _("The amount must be more than ¥0.00."),
                "max_decimal_places": _("Enter the amount in yuan with at most 2 decimals."),
                "max_digits": _("That amount is too large."),
                "max_whole_digits": _("That amount is too large."),
                "required": _("Enter the amount."),
            },
        )
        kwargs.setdefault(
            "widget",
            forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"}),
        )
        super().__init__(**kwargs)


class FeeRuleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, rule: FeeRule) -> str:
        return f"{rule.name} · {rule.get_kind_display()} · {rule.get_cycle_display()}"


class RunForm(forms.Form):
    rules = FeeRuleChoiceField(
        label=_("Fees to bill"),
        queryset=FeeRule.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one fee."),
            "invalid_choice": _("Choose fees that are in use in this community."),
        },
    )
    month = MonthField(
        label=_("Billing month"),
        help_text=_("Quarterly and yearly fees bill the quarter or year that contains this month."),
        error_messages={
            "required": _("Choose the month to bill."),
            "invalid": _("Enter a month such as 2026-05."),
        },
    )

    def __init__(self, *args, fee_rules: QuerySet[FeeRule], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rules"].queryset = fee_rules

    def clean_month(self) -> dt.date:
        month = self.cleaned_data["month"]
        if not dt.date(2000, 1, 1) <= month <= dt.date(2100, 12, 1):
            raise forms.ValidationError(_("Enter a month such as 2026-05."))
        return month


class CounterSearchForm(forms.Form):
    building = forms.ModelChoiceField(
        label=_("Building"),
        queryset=Building.objects.none(),
        required=False,
        empty_label=_("Any building"),
    )
    number = forms.CharField(
        label=_("Room number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 1201"), "autofocus": True}),
    )
    phone = forms.CharField(
        label=_("Resident's mobile"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Full number or last 4 digits")}),
    )

    def __init__(self, *args, buildings: QuerySet[Building], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean_phone(self) -> str:
        phone = "".join(ch for ch in self.cleaned_data["phone"] if ch.isdigit())
        if self.cleaned_data["phone"].strip() and len(phone) < 4:
            raise forms.ValidationError(_("Enter at least the last 4 digits."))
        return phone

    def clean(self) -> dict:
        cleaned = super().clean()
        number = (cleaned.get("number") or "").strip()
        cleaned["number"] = number
        if not (number or cleaned.get("phone") or cleaned.get("building")) and not self.errors:
            raise forms.ValidationError(_("Enter a room number or a resident's mobile number."))
        return cleaned


class BillChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, bill: Bill) -> str:
        return bill.title


class CounterPaymentForm(forms.Form):
    bills = BillChoiceField(
        label=_("Bills to pay"),
        queryset=Bill.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one bill."),
            "invalid_choice": _(
                "Some of the chosen bills are no longer open for payment; check the list again."
            ),
        },
    )
    method = forms.ChoiceField(
        label=_("Payment method"),
        choices=[(method.value, method.label) for method in Payment.BILL_COUNTER_METHODS],
        widget=forms.RadioSelect,
        initial=Payment.Method.CASH,
        error_messages={"required": _("Choose how the payment is made.")},
    )
    amount = MoneyField(
        label=_("Amount paid now (¥)"),
        required=False,
        help_text=_("Leave empty to pay the chosen bills in full; less pays part of them."),
    )
    tendered = MoneyField(
        label=_("Cash tendered (¥)"),
        required=False,
        help_text=_("What the payer handed over; the change is worked out."),
    )
    payer_name = forms.CharField(
        label=_("Payer's name"),
        max_length=50,
        required=False,
        help_text=_("Printed on the receipt; left empty it shows as —."),
    )
    reference = forms.CharField(
        label=_("Reference"),
        max_length=64,
        required=False,
        help_text=_("POS voucher or bank transfer number."),
    )

    def __init__(self, *args, open_bills: QuerySet[Bill], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bills"].queryset = open_bills

    def clean_payer_name(self) -> str:
        return self.cleaned_data["payer_name"].strip()

    def clean_reference(self) -> str:
        return self.cleaned_data["reference"].strip()

    def clean(self) -> dict:
        cleaned = super().clean()
        check_reference(self, cleaned)
        return cleaned


def check_reference(form: forms.Form, cleaned: dict) -> None:
    """POS and transfer payments are refused without their voucher or transfer number."""
    method = cleaned.get("method")
    if method == Payment.Method.POS and not cleaned.get("reference"):
        form.add_error("reference", _("Enter the POS voucher number."))
    if method == Payment.Method.TRANSFER and not cleaned.get("reference"):
        form.add_error("reference", _("Enter the bank transfer's reference number."))


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount to refund (¥)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"}),
        error_messages={
            "required": _("Enter the amount to refund."),
            "invalid": _("Enter an amount such as 100.00."),
            "min_value": _("The refund must be more than ¥0.00."),
            "max_decimal_places": _("Enter the amount in yuan with at most 2 decimals."),
            "max_digits": _("That is more than can be refunded."),
            "max_whole_digits": _("That is more than can be refunded."),
        },
    )
    reason = forms.CharField(
        label=_("Reason for the refund"),
        max_length=200,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("e.g. paid twice, charged the wrong room")}
        ),
        error_messages={"required": _("Please give a reason for the refund.")},
    )

    def __init__(self, *args, payment: Payment | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if payment is not None:
            # Offered: everything that is left; the service checks the upper bound.
            self.fields["amount"].initial = payment.refundable
            self.fields["amount"].widget.attrs["max"] = f"{payment.refundable:.2f}"


class WaiveForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for waiving"),
        max_length=200,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("e.g. approved hardship relief, billed in error")}
        ),
        error_messages={"required": _("Please give a reason for waiving.")},
    )

from django import forms
from django.utils.translation import gettext_lazy as _

from .phone import normalize_mobile


class RejectResidencyForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejection"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. the name does not match the deed")}),
    )


class MobileNumberField(forms.CharField):
    """A mainland mobile number as people type it; cleans to the 11-digit form."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("label", _("Mobile number"))
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"inputmode": "tel", "autocomplete": "tel", "placeholder": _("11-digit mobile number")}
        )

    def clean(self, value):
        value = super().clean(value)
        return normalize_mobile(value) if value else value

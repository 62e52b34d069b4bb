from django import forms
from django.utils.translation import gettext_lazy as _


class RejectResidencyForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejection"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. the name does not match the deed")}),
    )

"""The message form of both portals (validation only; photos are checked by the service)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kit.forms import MultipleFileField, MultipleFileInput

from .services import MAX_BODY


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_BODY}),
        error_messages={
            "required": _("Please write a message."),
            "max_length": _("At most %(limit_value)d characters, please."),
        },
    )
    photos = MultipleFileField(
        label=_("Photos"),
        widget=MultipleFileInput(attrs={"multiple": True, "accept": "image/*"}),
    )


class StaffMessageForm(MessageForm):
    internal = forms.BooleanField(
        label=_("Internal note (residents cannot see it)"), required=False
    )

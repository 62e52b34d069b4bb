from django import forms
from django.utils.translation import gettext_lazy as _

from . import selectors


class CommunityExportForm(forms.Form):
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=selectors.exportable_communities(),
        error_messages={
            "required": _("Choose a community."),
            "invalid_choice": _("Choose a community from the list."),
        },
    )

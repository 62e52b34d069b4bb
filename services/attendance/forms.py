"""Forms of the attendance part: validation only."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import ActivityParticipant

Method = ActivityParticipant.CheckinMethod


class CodeForm(forms.Form):
    """The desk's code box (GET): typed, or filled by the camera scanner (then via=scan)."""

    code = forms.CharField(
        label=_("Check-in code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )
    via = forms.ChoiceField(
        choices=[(Method.CODE, Method.CODE), (Method.SCAN, Method.SCAN)],
        required=False,
        widget=forms.HiddenInput,
    )

    def method(self) -> str:
        return self.cleaned_data.get("via") or Method.CODE


class CheckinForm(CodeForm):
    """Who of the sign-up is here (POST): every person not yet in, ticked by default."""

    people = forms.TypedMultipleChoiceField(
        label=_("Who is here"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one person to check in.")},
    )

    def __init__(self, *args, participants: list[ActivityParticipant], **kwargs):
        super().__init__(*args, **kwargs)
        waiting = [person for person in participants if person.checked_in_at is None]
        self.fields["code"].widget = forms.HiddenInput()
        self.fields["people"].choices = [(person.pk, person.name) for person in waiting]
        self.fields["people"].initial = [person.pk for person in waiting]


class SelfCheckinForm(forms.Form):
    """The household's own check-in: who of them is here (empty: everyone not yet in)."""

    people = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, participants: list[ActivityParticipant], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = [(person.pk, person.name) for person in participants]

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from kit import images

from . import selectors
from .models import Building, Community, Residency, Room, Unit
from .phone import normalize_mobile


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


BACKUP_PHONE = re.compile(r"^[0-9+\-()（） ]{5,30}$")


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Full name"), max_length=50)
    backup_phone = forms.CharField(
        label=_("Backup phone"),
        max_length=30,
        required=False,
        help_text=_("Another number to reach you, e.g. a landline. Optional."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    avatar = forms.FileField(
        label=_("Avatar"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    remove_avatar = forms.BooleanField(label=_("Remove my avatar"), required=False)

    def clean_display_name(self) -> str:
        return " ".join(self.cleaned_data["display_name"].split())

    def clean_backup_phone(self) -> str:
        value = self.cleaned_data["backup_phone"].strip()
        if value and not BACKUP_PHONE.match(value):
            raise forms.ValidationError(
                _("Enter a phone number: digits, and if needed +, - or brackets.")
            )
        return value

    def clean_avatar(self):
        upload = self.cleaned_data.get("avatar")
        # The re-encoded file replaces the upload: what is stored is never what was sent.
        return images.avatar_from_upload(upload) if upload else None


class RoomBindingForm(forms.Form):
    """Community → building → (unit) → room. Each list holds only the children of the choice
    above it, so a building of another community is refused with a message of its own."""

    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.none(),
        empty_label=_("Choose a community"),
        error_messages={"invalid_choice": _("This community does not exist.")},
    )
    building = forms.ModelChoiceField(
        label=_("Building"),
        queryset=Building.objects.none(),
        empty_label=_("Choose a building"),
        error_messages={"invalid_choice": _("Choose a building of the selected community.")},
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("Choose a unit"),
        error_messages={"invalid_choice": _("Choose a unit of the selected building.")},
    )
    room = forms.ModelChoiceField(
        label=_("Room"),
        queryset=Room.objects.none(),
        empty_label=_("Choose a room"),
        error_messages={"invalid_choice": _("Choose a room of the selected building and unit.")},
    )
    real_name = forms.CharField(
        label=_("Your real name"),
        max_length=50,
        help_text=_("As on the property deed or the lease, so that the staff can check it."),
        error_messages={"required": _("Please give your real name for the check.")},
    )
    relation = forms.ChoiceField(
        label=_("I am the"),
        choices=[
            (Residency.Relation.OWNER, Residency.Relation.OWNER.label),
            (Residency.Relation.TENANT, Residency.Relation.TENANT.label),
        ],
        widget=forms.RadioSelect,
    )
    proof = forms.FileField(
        label=_("Proof (optional)"),
        required=False,
        help_text=_(
            "A photo of the property deed or the lease speeds up the check. Only the property "
            "staff of this community can see it."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

    def __init__(self, *args, selection=None, **kwargs):
        """`selection`: the choices made so far (request.GET) when the form is shown again
        without being submitted, so that each list is filled without error messages."""
        super().__init__(*args, **kwargs)
        source = self.data if self.is_bound else (selection or {})
        community_id = _id(source.get("community"))
        building_id = _id(source.get("building"))
        unit_id = _id(source.get("unit"))
        self.fields["community"].queryset = selectors.communities_for_binding()
        buildings = selectors.buildings_for_binding(community_id)
        self.fields["building"].queryset = buildings
        if building_id and not buildings.filter(pk=building_id).exists():
            building_id = unit_id = None
        units = selectors.units_for_binding(building_id)
        self.fields["unit"].queryset = units
        self.has_units = units.exists()
        if unit_id and not units.filter(pk=unit_id).exists():
            unit_id = None
        if self.has_units and not unit_id:
            self.fields["room"].queryset = Room.objects.none()
        else:
            self.fields["room"].queryset = selectors.rooms_for_binding(building_id, unit_id)
        if not self.is_bound:
            self.initial.update(
                {
                    "community": community_id,
                    "building": building_id,
                    "unit": unit_id,
                    "relation": source.get("relation") or Residency.Relation.OWNER,
                    "real_name": source.get("real_name") or self.initial.get("real_name", ""),
                }
            )

    def clean_real_name(self):
        return self.cleaned_data["real_name"].strip()

    def clean_proof(self):
        upload = self.cleaned_data.get("proof")
        return images.proof_from_upload(upload) if upload else None

    def clean(self):
        cleaned = super().clean()
        if self.has_units and not cleaned.get("unit") and "unit" not in self.errors:
            self.add_error("unit", _("This building has units: choose one."))
        return cleaned


class FamilyInviteForm(forms.Form):
    mobile = MobileNumberField(label=_("Mobile number of the family member"))


def _id(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None

"""Forms of the parcel desk: validation only."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Building
from accounts.phone import normalize_mobile

from ..models import Parcel
from .selectors import CARRIERS, carrier_label


class DeskForm(forms.Form):
    """Bootstrap classes on the widgets, so the templates render fields plainly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                widget.attrs["class"] = "form-check-input"
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def carrier_choices(blank: str | None = None) -> list[tuple[str, object]]:
    choices = list(CARRIERS.items())
    return [("", blank), *choices] if blank is not None else choices


class RoomFindForm(DeskForm):
    """Find the room: a building and its room, a room as people write it, or a mobile number."""

    building = forms.ModelChoiceField(
        label=_("Building"), queryset=Building.objects.none(), required=False,
        empty_label=_("All buildings"),
    )  # fmt: skip
    q = forms.CharField(
        label=_("Room or mobile number"),
        max_length=40,
        required=False,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("e.g. building 3 unit 1 room 502, or a mobile number"),
                "autofocus": True,
            }
        ),
    )

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = Building.objects.filter(community=community).order_by(
            "sort_order", "name"
        )

    def clean(self):
        data = super().clean()
        if not data.get("building") and not (data.get("q") or "").strip():
            raise ValidationError(_("Choose a building or type a room or a mobile number."))
        return data


class ParcelForm(DeskForm):
    recipient_name = forms.CharField(label=_("Recipient"), max_length=50, required=False)
    recipient_mobile = forms.CharField(
        label=_("Recipient's mobile"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    carrier = forms.ChoiceField(label=_("Carrier"), choices=carrier_choices())
    tracking_number = forms.CharField(
        label=_("Tracking number"), max_length=40, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )  # fmt: skip
    shelf = forms.CharField(
        label=_("Shelf"), max_length=20, widget=forms.TextInput(attrs={"placeholder": "A3"})
    )

    def __init__(self, *args, nobody_verified: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.nobody_verified = nobody_verified
        if nobody_verified:
            self.fields["recipient_mobile"].required = True

    def clean_recipient_mobile(self) -> str:
        value = (self.cleaned_data.get("recipient_mobile") or "").strip()
        return normalize_mobile(value) if value else ""

    def clean_tracking_number(self) -> str:
        return (self.cleaned_data.get("tracking_number") or "").strip().replace(" ", "")

    def clean_shelf(self) -> str:
        return self.cleaned_data["shelf"].strip().upper()


class PickupForm(DeskForm):
    code = forms.CharField(
        label=_("Pickup code"),
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "autofocus": True,
                "class": "pickup-input",
            }
        ),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()


class HandOverForm(DeskForm):
    member = forms.TypedChoiceField(
        label=_("Collected by"), coerce=int, required=False, widget=forms.RadioSelect,
        empty_value=None,
    )  # fmt: skip
    name = forms.CharField(label=_("Or the name of who collects it"), max_length=50, required=False)
    also = forms.TypedMultipleChoiceField(
        label=_("Hand over with it"), coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    def __init__(self, *args, members=(), others=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.members = {user.pk: user for user in members}
        self.fields["member"].choices = [(user.pk, user.get_full_name()) for user in members]
        # The room's other waiting parcels: collected in one go at the desk.
        self.others = {parcel.pk: parcel for parcel in others}
        self.fields["also"].choices = [
            (p.pk, f"{p.pickup_code} · {p.shelf} · {carrier_label(p.carrier)}") for p in others
        ]
        self.fields["also"].initial = list(self.others)

    def clean(self):
        data = super().clean()
        data["collector"] = self.members.get(data.get("member"))
        data["also"] = [self.others[pk] for pk in data.get("also") or [] if pk in self.others]
        if data["collector"] is None and not (data.get("name") or "").strip():
            raise ValidationError(_("Choose who collects the parcel or type their name."))
        return data


class ReturnForm(DeskForm):
    reason = forms.CharField(
        label=_("Reason"), max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. refused, wrong address")}),
    )  # fmt: skip


class ParcelFilterForm(DeskForm):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[*Parcel.Status.choices, ("all", _("All"))],
    )
    carrier = forms.ChoiceField(
        label=_("Carrier"), required=False, choices=carrier_choices(blank=_("All carriers"))
    )
    days = forms.TypedChoiceField(
        label=_("Waiting"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("Any time")),
            (1, _("Over 1 day")),
            (3, _("Over 3 days")),
            (7, _("Over 7 days")),
        ],
    )
    q = forms.CharField(
        label=_("Search"),
        max_length=40,
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("Code, tracking number, room or mobile"), "type": "search"}
        ),
    )

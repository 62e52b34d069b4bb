"""Forms of the technician's phone pages: start (with location consent), notes, finishing,
location sharing and the position the page sends while repairing."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kit.forms import MultipleFileField
from kit.uploads import photo_limit

PHOTO_ACCEPT = "image/*"  # phones offer the camera; iOS hands HEIC over as JPEG


def _photo_field(label: str) -> MultipleFileField:
    field = MultipleFileField(label=label)
    field.widget.attrs.update({"accept": PHOTO_ACCEPT, "class": "form-control"})
    return field


def _check_photo_count(photos: list) -> list:
    if len(photos) > (most := photo_limit()):
        raise ValidationError(
            _("At most %(count)d photos, please.") % {"count": most}, code="too_many"
        )
    return photos


class StartForm(forms.Form):
    share_location = forms.BooleanField(
        label=_(
            "After starting, share my live position with the resident "
            "(stops automatically when the repair is finished)"
        ),
        required=False,
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Progress note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "class": "form-control",
                "placeholder": _("e.g. Parts ordered, coming back tomorrow morning"),
            }
        ),
    )
    photos = _photo_field(_("Photos"))

    def clean_photos(self) -> list:
        return _check_photo_count(self.cleaned_data["photos"])

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and not (data.get("note") or "").strip() and not data.get("photos"):
            self.add_error("note", _("Write a note or add a photo."))
        return data


class FinishForm(forms.Form):
    result_note = forms.CharField(
        label=_("What was done"),
        max_length=1000,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "class": "form-control",
                "placeholder": _("e.g. Replaced the pipe joint, tested with water, no leak"),
            }
        ),
        error_messages={"required": _("Please say what was done.")},
    )
    photos = _photo_field(_("Photos after the repair"))

    def clean_photos(self) -> list:
        photos = _check_photo_count(self.cleaned_data["photos"])
        if not photos:
            raise ValidationError(
                _("Please add at least one photo after the repair."), code="required"
            )
        return photos


class SharingForm(forms.Form):
    share = forms.BooleanField(required=False)


class PositionForm(forms.Form):
    """What the page sends: WGS-84 degrees as the browser reports them (finite numbers only)."""

    latitude = forms.FloatField(min_value=-90, max_value=90)
    longitude = forms.FloatField(min_value=-180, max_value=180)
    accuracy = forms.FloatField(min_value=0, required=False)

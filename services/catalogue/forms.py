"""Forms of the catalogue: validation only (photos are re-encoded once, by the service)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kit.forms import MultipleFileField, MultipleFileInput

from ..models import Provider
from .services import MAX_PHOTOS

# 5 first: the stars are laid out right to left so that hovering lights those before.
STAR_CHOICES = [(n, str(n)) for n in range(5, 0, -1)]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Star rating"), choices=STAR_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Your review"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "placeholder": _("How was the service? Your neighbours will read it."),
            }
        ),
    )
    photos = MultipleFileField(
        label=_("Photos (up to 3)"),
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating"].error_messages.update(
            required=_("Please give 1 to 5 stars."), invalid_choice=_("Please give 1 to 5 stars.")
        )

    def clean_photos(self):
        photos = self.cleaned_data["photos"]
        if len(photos) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("At most %(count)d photos, please.") % {"count": MAX_PHOTOS}
            )
        return photos


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Your reply"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Please write your reply.")},
    )


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for hiding"),
        max_length=200,
        error_messages={"required": _("Please give the reason for hiding the review.")},
    )


class UnhideForm(forms.Form):
    reason = forms.CharField(label=_("Note"), max_length=200, required=False)


class ReviewFilterForm(forms.Form):
    """The staff list's filters (plain GET form)."""

    HIDDEN_CHOICES = [("", _("All")), ("no", _("Shown")), ("yes", _("Hidden"))]

    provider = forms.ModelChoiceField(
        label=_("Provider"), queryset=Provider.objects.none(), required=False, empty_label=_("All")
    )
    rating = forms.TypedChoiceField(
        label=_("Star rating"),
        choices=[("", _("All")), *reversed(STAR_CHOICES)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    hidden = forms.ChoiceField(label=_("Shown or hidden"), choices=HIDDEN_CHOICES, required=False)

    def __init__(self, *args, providers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if providers is not None:
            self.fields["provider"].queryset = providers
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def apply(self, reviews):
        if not self.is_valid():
            return reviews
        data = self.cleaned_data
        if data.get("provider"):
            reviews = reviews.filter(provider=data["provider"])
        if data.get("rating"):
            reviews = reviews.filter(rating=data["rating"])
        if data.get("hidden") == "yes":
            reviews = reviews.filter(is_hidden=True)
        elif data.get("hidden") == "no":
            reviews = reviews.filter(is_hidden=False)
        return reviews

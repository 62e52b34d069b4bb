"""Forms of the providers part: the application (also the staff's entry form), the items
formset, the working hours, the profile, the licence renewal, members and staff decisions."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.forms import MobileNumberField
from accounts.selectors import communities_for_binding
from kit import images

from ..models import Provider, ProviderListing, ServiceCategory, ServiceItem

WEEKDAYS = [
    pgettext_lazy("weekday", "Monday"),
    pgettext_lazy("weekday", "Tuesday"),
    pgettext_lazy("weekday", "Wednesday"),
    pgettext_lazy("weekday", "Thursday"),
    pgettext_lazy("weekday", "Friday"),
    pgettext_lazy("weekday", "Saturday"),
    pgettext_lazy("weekday", "Sunday"),
]


def active_categories():
    return ServiceCategory.objects.filter(is_active=True).order_by("sort_order", "pk")


class _CommunityChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, community) -> str:
        return f"{community.name}（{community.city}）" if community.city else community.name


class ProviderProfileForm(forms.ModelForm):
    """What a provider says about itself (the application's first part, and the profile)."""

    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"),
        queryset=ServiceCategory.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one category.")},
    )

    class Meta:
        model = Provider
        fields = [
            "name",
            "contact_name",
            "contact_phone",
            "description",
            "address",
            "categories",
            "slot_minutes",
            "slot_capacity",
            "cancel_cutoff_hours",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = active_categories()
        self.fields["slot_minutes"].help_text = _("Between 30 minutes and 8 hours.")
        self.fields["slot_capacity"].help_text = _("How many bookings one slot may take (1 to 50).")
        self.fields["cancel_cutoff_hours"].help_text = _(
            "Residents may cancel a booking until this many hours before it starts (0 to 72)."
        )

    def clean_name(self):
        return self.cleaned_data["name"].strip()


def _future(value: dt.date) -> dt.date:
    if value <= timezone.localdate():
        raise ValidationError(_("The licence must still be valid: give a date in the future."))
    return value


class LicenceForm(forms.Form):
    """The business licence: image, number, expiry (in the application and to renew it)."""

    licence_image = forms.FileField(
        label=_("Photo of the business licence"),
        help_text=_("Only the staff of the communities you apply to can see it."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        error_messages={"required": _("Please add a photo of the business licence.")},
    )
    licence_number = forms.CharField(
        label=_("Unified social credit code"),
        max_length=30,
        error_messages={"required": _("Please give the licence number.")},
    )
    licence_expires_on = forms.DateField(
        label=_("Licence valid until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Please give the date the licence is valid until."),
            "invalid": _("Give a date such as 2030-12-31."),
        },
    )

    def clean_licence_image(self):
        upload = self.cleaned_data.get("licence_image")
        return images.proof_from_upload(upload) if upload else None

    def clean_licence_number(self):
        number = self.cleaned_data["licence_number"].strip().upper()
        if not number.isalnum():
            raise ValidationError(_("The licence number has letters and digits only."))
        return number

    def clean_licence_expires_on(self):
        return _future(self.cleaned_data["licence_expires_on"])


class CommunitiesForm(forms.Form):
    communities = _CommunityChoiceField(
        label=_("Communities you want to serve"),
        queryset=communities_for_binding(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Choose at least one community.")},
    )


class OwnerForm(forms.Form):
    """For staff entering a provider: whose account runs the provider pages (optional)."""

    owner_mobile = MobileNumberField(
        label=_("Mobile number of the provider's account (optional)"),
        required=False,
        help_text=_("An existing account: it becomes the owner of the provider pages."),
    )


class HoursForm(forms.Form):
    """Working hours per weekday: a start and an end, both blank on a day off."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day, label in enumerate(WEEKDAYS):
            self.fields[f"start_{day}"] = forms.TimeField(
                label=label,
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
            self.fields[f"end_{day}"] = forms.TimeField(
                label=label,
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )

    def days(self) -> list[dict]:
        return [
            {"label": label, "start": self[f"start_{day}"], "end": self[f"end_{day}"]}
            for day, label in enumerate(WEEKDAYS)
        ]

    def clean(self):
        cleaned = super().clean()
        open_days = 0
        for day in range(7):
            start, end = cleaned.get(f"start_{day}"), cleaned.get(f"end_{day}")
            if f"start_{day}" in self.errors or f"end_{day}" in self.errors:
                continue
            if (start is None) != (end is None):
                self.add_error(f"end_{day}", _("Give both the start and the end, or neither."))
            elif start is not None and end <= start:
                self.add_error(f"end_{day}", _("The end must be later than the start."))
            elif start is not None:
                open_days += 1
        if not open_days and not self.errors:
            raise ValidationError(_("Give the working hours of at least one day."))
        return cleaned

    def hours(self) -> list[tuple[int, dt.time, dt.time]]:
        return [
            (day, self.cleaned_data[f"start_{day}"], self.cleaned_data[f"end_{day}"])
            for day in range(7)
            if self.cleaned_data.get(f"start_{day}") is not None
        ]

    @staticmethod
    def initial_from(provider: Provider) -> dict:
        initial = {}
        for hours in provider.hours.all():
            initial.setdefault(f"start_{hours.weekday}", hours.start)
            initial.setdefault(f"end_{hours.weekday}", hours.end)
        return initial


class ItemForm(forms.ModelForm):
    class Meta:
        model = ServiceItem
        fields = ["name", "category", "price", "unit", "description"]
        widgets = {"price": forms.NumberInput(attrs={"step": "0.01", "min": "0"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = active_categories()
        self.fields["category"].empty_label = _("Choose a category")
        self.fields["description"].required = False
        self.fields["unit"].label = pgettext_lazy("price unit", "Priced")

    def clean(self):
        cleaned = super().clean()
        unit, price = cleaned.get("unit"), cleaned.get("price")
        if unit == ServiceItem.Unit.NEGOTIABLE:
            cleaned["price"] = None
        elif unit and price is None and "price" not in self.errors:
            self.add_error("price", _("Give a price, or choose “price on request”."))
        return cleaned


class _BaseItemFormSet(forms.BaseModelFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [
            f
            for f in self.forms
            if (f.instance.pk or f.has_changed()) and not self._should_delete_form(f)
        ]
        if not kept:
            raise ValidationError(_("Add at least one service item."))


ItemFormSet = forms.modelformset_factory(
    ServiceItem, form=ItemForm, formset=_BaseItemFormSet, extra=2, can_delete=True
)


def item_formset(data=None, *, provider: Provider | None = None) -> forms.BaseModelFormSet:
    queryset = (
        ServiceItem.objects.filter(provider=provider, is_active=True)
        if provider
        else ServiceItem.objects.none()
    )
    return ItemFormSet(data, queryset=queryset, prefix="items")


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Please give the reason; the provider will read it.")},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Please give the reason; the provider will read it."))
        return reason


class MemberAddForm(forms.Form):
    mobile = MobileNumberField(label=_("Mobile number of the worker"))


class ListingFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *ProviderListing.Status.choices],
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=ServiceCategory.objects.order_by("sort_order", "pk"),
        empty_label=_("All"),
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Company name")}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class ProviderApplication:
    """The application's forms together (the profile, the licence, the hours, the items and
    the communities, or the owner's mobile for staff): valid when all are, and every one keeps
    what was typed when one is not."""

    def __init__(self, data=None, files=None, *, by_staff: bool = False):
        self.profile = ProviderProfileForm(data, prefix="p")
        self.licence = LicenceForm(data, files, prefix="l")
        self.hours = HoursForm(data, prefix="h")
        self.items = item_formset(data)
        self.target = OwnerForm(data, prefix="o") if by_staff else CommunitiesForm(data, prefix="c")
        self.by_staff = by_staff
        self.files_were_sent = bool(files)

    def forms(self) -> list:
        return [self.profile, self.licence, self.hours, self.items, self.target]

    def is_valid(self) -> bool:
        # A list, not a generator: every form is validated, so every error shows at once.
        return all([form.is_valid() for form in self.forms()])  # noqa: C419

    @property
    def has_errors(self) -> bool:
        return any(
            (form.errors if not hasattr(form, "total_error_count") else form.total_error_count())
            for form in self.forms()
        )

    def draft(self):
        from .services import ProviderDraft

        profile = dict(self.profile.cleaned_data)
        categories = profile.pop("categories")
        items = [
            form.cleaned_data
            for form in self.items.forms
            if form.has_changed() and not self.items._should_delete_form(form)
        ]
        return ProviderDraft(
            profile=profile,
            categories=categories,
            licence_image=self.licence.cleaned_data["licence_image"],
            licence_number=self.licence.cleaned_data["licence_number"],
            licence_expires_on=self.licence.cleaned_data["licence_expires_on"],
            items=items,
            hours=self.hours.hours(),
        )

    def add_error(self, error: ValidationError) -> None:
        from kit.forms import add_service_errors

        target = self.target
        if hasattr(error, "error_dict") and any(k in target.fields for k in error.error_dict):
            add_service_errors(target, error)
        else:
            add_service_errors(self.profile, error)

"""Forms of the bookings part: validation only (the rules are the services')."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Residency
from staff.filtering import StaffFilterSet

from ..models import Booking, Provider
from . import selectors


class BookingForm(forms.Form):
    """The booking page: which room, which slot, the address and phone, a note."""

    residency = forms.TypedChoiceField(
        label=_("For which room"),
        coerce=int,
        error_messages={"required": _("Please choose the room."),
                        "invalid_choice": _("Please choose one of your rooms.")},
    )  # fmt: skip
    slot = forms.ChoiceField(
        label=_("Time"),
        error_messages={"required": _("Please choose a time."),
                        "invalid_choice": _("Please choose one of the times offered.")},
    )  # fmt: skip
    address = forms.CharField(
        label=_("Address"),
        max_length=200,
        error_messages={"required": _("Please give the address.")},
    )
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=30,
        error_messages={"required": _("Please give a phone number.")},
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("e.g. 家里有宠物 / 请带鞋套")}),
    )

    def __init__(self, *args, residencies: list[Residency], slots: list[selectors.Slot], **kw):
        super().__init__(*args, **kw)
        self.residencies = {r.pk: r for r in residencies}
        self.fields["residency"].choices = [(r.pk, r.room.label) for r in residencies]
        self.fields["slot"].choices = [(s.value, s.value) for s in slots if not s.closed]
        self.slots = slots

    def chosen_residency(self) -> Residency:
        return self.residencies[self.cleaned_data["residency"]]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Please give a reason for cancelling.")},
    )


class ResidentCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you want to cancel? (optional)"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BookingFilter(StaffFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Booking.Status.choices)
    provider = django_filters.ModelChoiceFilter(
        label=_("Provider"), queryset=Provider.objects.none()
    )
    date = django_filters.DateFilter(
        label=_("Date"), field_name="slot__date", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Booking
        fields = ("status", "provider", "date")

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.filters["provider"].queryset = selectors.providers_booked_in(request.community)

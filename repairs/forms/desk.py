"""Forms of the orders staff take for residents (代客报修), paid repairs, call-backs and replies
to ratings. Validation only; the changes are made by repairs.services."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Community, Residency
from kit import images, uploads
from kit.forms import MultipleFileField, MultipleFileInput

from .. import selectors, services
from ..models import RepairCallback, RepairCharge, RepairChargeLine, RepairOrder
from .resident import PHONE_RE, CategoryChoiceField, SlotChoiceField, day_label

VISITOR = "visitor"


class DeskForm(forms.Form):
    """Bootstrap classes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class RoomFindForm(DeskForm):
    q = forms.CharField(
        label=_("Room"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. 3栋1201 or 3栋2单元1201"), "autofocus": True}
        ),
        error_messages={"required": _("Please type the room, e.g. 3栋1201.")},
    )


class TakeOrderForm(DeskForm):
    reporter = forms.ChoiceField(
        label=_("Who reported it"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose who reported it."),
            "invalid_choice": _("Please choose who reported it."),
        },
    )
    channel = forms.ChoiceField(
        label=_("How it came in"),
        choices=[(c.value, c.label) for c in RepairOrder.STAFF_CHANNELS],
        initial=RepairOrder.Channel.PHONE,
        error_messages={
            "required": _("Please choose how the order came in."),
            "invalid_choice": _("Please choose how the order came in."),
        },
    )
    category = CategoryChoiceField(
        label=_("Category"),
        queryset=None,
        empty_label=_("Choose a category"),
        error_messages={
            "required": _("Please choose a category."),
            "invalid_choice": _("Please choose one of the categories offered."),
        },
    )
    elsewhere = forms.BooleanField(
        label=_("In a public area of the community, not in the room"), required=False
    )
    public_area = forms.CharField(label=_("Where in the community"), max_length=60,
                                  required=False)  # fmt: skip
    description = forms.CharField(
        label=_("Description"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("What happened, since when")}),
        error_messages={"required": _("Please describe the fault.")},
    )
    photos = MultipleFileField(
        label=_("Photos (optional)"),
        widget=MultipleFileInput(attrs={"multiple": True, "accept": "image/*"}),
    )
    contact_name = forms.CharField(
        label=_("Contact person"), max_length=50,
        error_messages={"required": _("Please give a contact person.")},
    )  # fmt: skip
    contact_phone = forms.CharField(
        label=_("Contact phone"), max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
        error_messages={"required": _("Please enter a phone number we can call.")},
    )  # fmt: skip
    day = forms.ChoiceField(
        label=_("Appointment day"),
        required=False,
        error_messages={"invalid_choice": _("Please choose a day within the next 7 days.")},
    )
    slot = SlotChoiceField(
        label=_("Time slot"),
        queryset=None,
        required=False,
        empty_label=_("No appointment: as soon as possible"),
        error_messages={"invalid_choice": _("Please choose one of the time slots offered.")},
    )

    def __init__(self, *args, community: Community, people: list[Residency], **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {str(r.user_id): r.user for r in people}
        self.fields["reporter"].choices = [
            *((str(r.user_id), f"{r.user.get_full_name()} · {r.get_relation_display()}")
              for r in people),
            (VISITOR, _("Someone else (give the contact below)")),
        ]  # fmt: skip
        self.fields["category"].queryset = selectors.categories_for(community)
        self.fields["slot"].queryset = selectors.time_slots_for(community)
        today = timezone.localdate()
        self.fields["day"].choices = [("", _("Choose a day"))] + [
            (day.isoformat(), day_label(day, today)) for day in services.bookable_days()
        ]

    def clean_photos(self):
        photos = self.cleaned_data["photos"]
        if len(photos) > (most := uploads.photo_limit()):
            raise ValidationError(_("At most %(count)d photos, please.") % {"count": most})
        limit = images.MAX_UPLOAD_BYTES
        for photo in photos:
            if photo.size > limit:
                raise ValidationError(
                    _("%(name)s is too large (at most %(size)d MB). Please choose a smaller one.")
                    % {"name": photo.name, "size": max(1, limit // (1024 * 1024))}
                )
        return photos

    def clean_contact_phone(self):
        phone = self.cleaned_data["contact_phone"].strip()
        if not PHONE_RE.match(phone):
            raise ValidationError(_("Please enter a phone number we can call."))
        return phone

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("elsewhere") and not (cleaned.get("public_area") or "").strip():
            self.add_error("public_area", _("Please say where in the community it is."))
        if cleaned.get("slot") and not cleaned.get("day"):
            self.add_error("day", _("Please choose the day of the appointment."))
        return cleaned

    def order_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "reporter": self.people.get(data["reporter"]),
            "channel": data["channel"],
            "category": data["category"],
            "description": data["description"],
            "contact_name": data["contact_name"],
            "contact_phone": data["contact_phone"],
            "day": dt.date.fromisoformat(data["day"]) if data.get("day") else None,
            "slot": data.get("slot"),
            "in_room": not data["elsewhere"],
            "public_area": data["public_area"] if data["elsewhere"] else "",
            "photos": data["photos"],
        }


# --- Paid repairs ---------------------------------------------------------------------------------


class ChargeLineForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=RepairChargeLine.Kind.choices, initial="material",
        error_messages={"invalid_choice": _("Choose materials or labour.")},
    )  # fmt: skip
    item = forms.CharField(
        label=_("Item"), max_length=60,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. tap cartridge, call-out")}),
        error_messages={"required": _("Please name the item.")},
    )  # fmt: skip
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=8, decimal_places=2, min_value=Decimal("0.01"),
        error_messages={
            "required": _("Please enter the quantity."),
            "invalid": _("Enter a number such as 1 or 2.5."),
            "min_value": _("The quantity must be above zero."),
            "max_digits": _("That quantity is too large."),
            "max_decimal_places": _("At most 2 decimal places."),
        },
    )  # fmt: skip
    unit = forms.CharField(label=_("Unit"), max_length=10, required=False,
                           widget=forms.TextInput(attrs={"placeholder": _("e.g. pcs, m, hour")}))  # fmt: skip
    unit_price = forms.DecimalField(
        label=_("Unit price (¥)"), max_digits=10, decimal_places=2, min_value=Decimal(0),
        error_messages={
            "required": _("Please enter the unit price."),
            "invalid": _("Enter an amount such as 35 or 12.50."),
            "min_value": _("The price cannot be negative."),
            "max_digits": _("That price is too large."),
            "max_decimal_places": _("At most 2 decimal places (fen)."),
        },
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.attrs["class"] = "form-select form-select-sm"
        for name in ("item", "quantity", "unit", "unit_price"):
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["quantity"].widget.attrs.update(step="0.01", inputmode="decimal")
        self.fields["unit_price"].widget.attrs.update(step="0.01", inputmode="decimal")

    def has_changed(self) -> bool:
        """A row counts when something is typed in it: a row emptied on purpose is a line
        removed, not a line with missing fields."""
        if not self.is_bound:
            return super().has_changed()
        return any(
            (self.data.get(self.add_prefix(name)) or "").strip()
            for name in ("item", "quantity", "unit_price")
        )


class BaseChargeLineFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not self.lines():
            raise ValidationError(_("Please enter at least one line of materials or labour."))

    def lines(self) -> list[dict]:
        return [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and form.cleaned_data.get("item")
        ]


ChargeLineFormSet = forms.formset_factory(
    ChargeLineForm, formset=BaseChargeLineFormSet, extra=3, max_num=services.MAX_LINES,
    validate_max=True,
)  # fmt: skip


def charge_formset(charge: RepairCharge | None, data=None) -> BaseChargeLineFormSet:
    """The lines of `charge` (if any) and three empty rows to add more."""
    initial = []
    if charge is not None:
        initial = [
            {"kind": line.kind, "item": line.item, "quantity": line.quantity,
             "unit": line.unit, "unit_price": line.unit_price}
            for line in charge.lines.all()
        ]  # fmt: skip
    return ChargeLineFormSet(
        data, initial=initial or None, prefix="lines", form_kwargs={"empty_permitted": True}
    )


class ChargeAgreeForm(DeskForm):
    via = forms.ChoiceField(
        label=_("How the resident agreed"),
        choices=[(c.value, c.label) for c in RepairCharge.STAFF_AGREEMENTS],
        initial=RepairCharge.Agreement.IN_PERSON,
        error_messages={
            "required": _("Please say how the resident agreed."),
            "invalid_choice": _("Please say how the resident agreed."),
        },
    )
    agreed_by_name = forms.CharField(
        label=_("Who agreed"), max_length=50,
        error_messages={"required": _("Please give the name of who agreed.")},
    )  # fmt: skip


# --- Call-backs, replies, declining ---------------------------------------------------------------


class CallbackForm(DeskForm):
    reached = forms.TypedChoiceField(
        label=_("Reached the resident?"),
        choices=[("yes", _("Reached")), ("no", _("Not reached"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        initial="yes",
        error_messages={
            "required": _("Please say whether you reached the resident."),
            "invalid_choice": _("Please say whether you reached the resident."),
        },
    )
    satisfaction = forms.ChoiceField(
        label=_("Satisfaction"),
        choices=[("", _("Choose")), *RepairCallback.Satisfaction.choices],
        required=False,
        error_messages={"invalid_choice": _("Please choose how satisfied the resident is.")},
    )
    note = forms.CharField(
        label=pgettext_lazy("call-back", "Note"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("What the resident said")}),
    )  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reached") and not cleaned.get("satisfaction"):
            self.add_error("satisfaction", _("Please choose how satisfied the resident is."))
        return cleaned


class RatingReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Reply"), max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
        error_messages={"required": _("Please write the reply.")},
    )  # fmt: skip


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you cannot take it"),
        max_length=400,
        widget=forms.Textarea(
            attrs={
                "rows": 2,
                "class": "form-control",
                "placeholder": _("e.g. Needs a gas licence; on sick leave today"),
            }
        ),  # fmt: skip
        error_messages={"required": _("Please say why you cannot take this job.")},
    )

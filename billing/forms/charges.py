"""The single-charge form (SBIL-1): one room, a title and kind, the lines (or one amount), the
period and the due date. Validation only; billing.services writes the bill."""

import calendar
import datetime as dt
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Community, Room
from accounts.selectors import room_place, room_text_q

from ..models import FeeKind
from ..rules import Line

LINE_ROWS = 4
MONEY_ERRORS = {
    "invalid": _("Enter an amount such as 120.00."),
    "min_value": _("The amount must be more than ¥0.00."),
    "max_decimal_places": _("Enter the amount in yuan with at most 2 decimals."),
    "max_digits": _("That amount is too large."),
    "max_whole_digits": _("That amount is too large."),
}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])


class ChargeForm(forms.Form):
    room = forms.CharField(
        label=_("Room"),
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 3栋1201 or 3-2-1201")}),
        error_messages={"required": _("Enter the room to charge.")},
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 装修垃圾清运费")}),
        error_messages={"required": _("Enter what the charge is for.")},
    )
    kind = forms.ChoiceField(
        label=_("Fee kind"),
        choices=[("", _("Choose…")), *FeeKind.choices],
        error_messages={"required": _("Choose the fee kind.")},
    )
    amount = forms.DecimalField(
        label=_("Amount (¥)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=_("One amount, or the lines below (not both)."),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"}),
        error_messages=MONEY_ERRORS,
    )
    period_start = forms.DateField(
        label=_("Period from"), widget=DATE,
        error_messages={"required": _("Enter the period."), "invalid": _("Enter a date.")},
    )  # fmt: skip
    period_end = forms.DateField(
        label=_("Period until"), widget=DATE,
        error_messages={"required": _("Enter the period."), "invalid": _("Enter a date.")},
    )  # fmt: skip
    due_date = forms.DateField(
        label=_("Due date"), widget=DATE,
        error_messages={"required": _("Enter the due date."), "invalid": _("Enter a date.")},
    )  # fmt: skip

    def __init__(self, *args, community: Community, **kwargs):
        today = timezone.localdate()
        start, end = _month_bounds(today)
        kwargs.setdefault(
            "initial",
            {"period_start": start, "period_end": end, "due_date": today + dt.timedelta(days=15)},
        )
        super().__init__(*args, **kwargs)
        self.community = community
        for index in range(LINE_ROWS):
            self.fields[f"line{index}_description"] = forms.CharField(
                label=_("Item"), max_length=80, required=False
            )
            self.fields[f"line{index}_quantity"] = forms.DecimalField(
                label=_("Quantity"), required=False, max_digits=12, decimal_places=2,
                min_value=Decimal("0.01"),
                widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
                error_messages={**MONEY_ERRORS, "invalid": _("Enter a quantity such as 2."),
                                "min_value": _("The quantity must be more than 0.")},
            )  # fmt: skip
            self.fields[f"line{index}_unit_price"] = forms.DecimalField(
                label=_("Unit price (¥)"), required=False, max_digits=12, decimal_places=2,
                min_value=Decimal("0.01"),
                widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
                error_messages=MONEY_ERRORS,
            )  # fmt: skip
        for name, field in self.fields.items():
            if name.startswith("line"):
                row = int(name[4 : name.index("_")]) + 1
                field.widget.attrs["aria-label"] = f"{field.label} {row}"
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def line_rows(self) -> list[tuple]:
        return [
            (self[f"line{i}_description"], self[f"line{i}_quantity"], self[f"line{i}_unit_price"])
            for i in range(LINE_ROWS)
        ]

    def clean_room(self) -> Room:
        text = self.cleaned_data["room"].strip()
        rooms = Room.objects.filter(building__community=self.community).select_related(
            "building__community", "unit"
        )
        as_room = room_text_q(text, prefix="")
        found = list(
            rooms.filter(as_room)[:2]
            if as_room is not None
            else rooms.annotate(place=room_place(prefix="")).filter(place="".join(text.split()))[:2]
        )
        if not found:
            raise forms.ValidationError(
                _("There is no room %(room)s in this community.") % {"room": text}
            )
        if len(found) > 1:
            raise forms.ValidationError(
                _("Several rooms match %(room)s: add the building and unit, e.g. 3栋2单元1201.")
                % {"room": text}
            )
        return found[0]

    def clean(self) -> dict:
        cleaned = super().clean()
        lines = []
        for index in range(LINE_ROWS):
            description = (cleaned.get(f"line{index}_description") or "").strip()
            quantity = cleaned.get(f"line{index}_quantity")
            price = cleaned.get(f"line{index}_unit_price")
            if not (description or quantity or price):
                continue
            if not (description and quantity and price):
                if not self.has_error(f"line{index}_quantity") and not self.has_error(
                    f"line{index}_unit_price"
                ):
                    self.add_error(
                        f"line{index}_description",
                        _("Fill in the item, the quantity and the unit price of this line."),
                    )
                continue
            amount = (quantity * price).quantize(Decimal("0.01"))
            lines.append(Line(description=description, quantity=quantity, unit="",
                              unit_price=price, amount=amount))  # fmt: skip
        amount = cleaned.get("amount")
        if amount and lines:
            self.add_error("amount", _("Enter one amount or the lines, not both."))
        elif amount:
            title = cleaned.get("title") or ""
            lines = [Line(description=title, quantity=Decimal(1), unit="", unit_price=amount,
                          amount=amount)]  # fmt: skip
        elif not lines and not self.has_error("amount"):
            self.add_error("amount", _("Enter the amount, or at least one line."))
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period cannot end before it starts."))
        cleaned["lines"] = lines
        return cleaned

"""Forms of the billing setup pages: adopting and adjusting fee rules, dated prices, reminder
days and meter readings. Validation only; the changes are made by billing.services (and
billing.imports.meter_readings for the Excel sheet).

Staff type rates as percentages (0.05 % a day, at most 10 %); the rule stores fractions
(0.0005, 0.1). The conversion is a Decimal shift by two places, never a float."""

import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Building
from kit import spreadsheets

from .. import rules
from ..models import METERED_KINDS, BillingSettings, FeeKind, FeeRule, FeeRuleTemplate

HUNDRED = Decimal(100)
MAX_TIERS = 5
MAX_READING = Decimal("9999999999.99")

# What one unit of a rule's price buys, as staff say it.
PRICE_UNITS = {
    FeeKind.PROPERTY: _("yuan per m² and month"),
    FeeKind.WATER: _("yuan per m³"),
    FeeKind.ELECTRICITY: _("yuan per kWh"),
    FeeKind.GAS: _("yuan per m³"),
    FeeKind.PARKING: _("yuan per space and month"),
    FeeKind.FIXED: _("yuan per month"),
}
METER_UNITS = {FeeKind.WATER: "m³", FeeKind.ELECTRICITY: "kWh", FeeKind.GAS: "m³"}


def first_of_next_month(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def last_month(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def percent_of(fraction: Decimal | None) -> Decimal | None:
    """0.0005 → 0.05 (per cent), exactly."""
    if fraction is None:
        return None
    percent = (Decimal(fraction) * HUNDRED).normalize()
    # normalize() writes 10 as 1E+1; a whole number is shown without exponent
    return percent.quantize(Decimal(1)) if percent == percent.to_integral() else percent


def fraction_of(percent: Decimal) -> Decimal:
    """0.05 (per cent) → 0.0005, exactly."""
    return Decimal(percent).scaleb(-2)


def percent_field(label, *, decimal_places: int, maximum: int, help_text) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=0,
        max_value=maximum,
        max_digits=3 + decimal_places,
        decimal_places=decimal_places,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={
            "required": _("Please enter a percentage; 0 means no late fee."),
            "invalid": _("Enter a number, e.g. 0.05."),
            "min_value": _("The percentage cannot be negative."),
            "max_value": _("At most %(limit_value)s %%."),
            "max_decimal_places": _("At most %(max)s decimal places."),
            "max_digits": _("This number is too long."),
            "max_whole_digits": _("This number is too large."),
        },
    )


# --- Fee rules -------------------------------------------------------------------------------------


class RuleAdoptForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("Platform template"),
        queryset=FeeRuleTemplate.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Please choose a template."),
            "invalid_choice": _("This template is not available or already adopted."),
        },
    )
    name = forms.CharField(
        label=_("Name in this community"),
        max_length=40,
        error_messages={"required": _("Please give the fee a name.")},
    )
    valid_from = forms.DateField(
        label=_("Price valid from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Please choose the date the price applies from."),
            "invalid": _("Enter a date such as 2026-01-01."),
        },
    )

    def __init__(self, *args, templates: QuerySet[FeeRuleTemplate], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates


class RuleForm(forms.ModelForm):
    """The rule's terms. Rates are typed in per cent and stored as fractions."""

    late_fee_daily_percent = percent_field(
        _("Late fee per day (%)"),
        decimal_places=3,
        maximum=100,
        help_text=_("Share of the unpaid amount for each day overdue, e.g. 0.05."),
    )
    late_fee_cap_percent = percent_field(
        _("Late fee cap (%)"),
        decimal_places=2,
        maximum=100,
        help_text=_("The late fee never exceeds this share of the amount, e.g. 10; 0 = no cap."),
    )

    class Meta:
        model = FeeRule
        fields = ["name", "cycle", "due_day", "is_active"]
        widgets = {"due_day": forms.NumberInput(attrs={"min": 1, "max": 28})}
        help_texts = {
            "cycle": _("Quarterly and yearly bills cover calendar quarters and years."),
            "due_day": _("Day of the month after the period on which the bill falls due (1–28)."),
            "is_active": _("Rules not in use are not offered in bill runs; their bills are kept."),
        }
        error_messages = {
            "name": {"required": _("Please give the fee a name.")},
            "due_day": {
                "required": _("Please enter the due day (1–28)."),
                "invalid": _("Enter a whole number between 1 and 28."),
                "min_value": _("The due day is between 1 and 28."),
                "max_value": _("The due day is between 1 and 28."),
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["late_fee_daily_percent"] = percent_of(self.instance.late_fee_daily_rate)
            self.initial["late_fee_cap_percent"] = percent_of(self.instance.late_fee_cap_rate)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("late_fee_daily_percent") is not None:
            self.instance.late_fee_daily_rate = fraction_of(cleaned["late_fee_daily_percent"])
        if cleaned.get("late_fee_cap_percent") is not None:
            self.instance.late_fee_cap_rate = fraction_of(cleaned["late_fee_cap_percent"])
        return cleaned


def _price_field(label, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=0,
        max_digits=12,
        decimal_places=4,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={
            "required": _("Please enter the price."),
            "invalid": _("Enter a price such as 2.80."),
            "min_value": _("The price cannot be negative."),
            "max_decimal_places": _("At most 4 decimal places."),
            "max_digits": _("This price is too large."),
            "max_whole_digits": _("This price is too large."),
        },
    )


class PriceForm(forms.Form):
    """A new price from a date; for meters optionally tiered (rows of "up to" and price, the
    last row open)."""

    valid_from = forms.DateField(
        label=_("New price from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Please choose the date the price applies from."),
            "invalid": _("Enter a date such as 2026-01-01."),
        },
    )
    unit_price = _price_field(_("Unit price"), required=False)

    def __init__(self, *args, rule: FeeRule, **kwargs):
        self.rule = rule
        self.metered = rule.kind in METERED_KINDS
        kwargs.setdefault("initial", {"valid_from": first_of_next_month()})
        super().__init__(*args, **kwargs)
        self.fields["unit_price"].help_text = PRICE_UNITS.get(rule.kind, "")
        self.fields["unit_price"].required = not self.metered  # tiers may stand in for it
        if self.metered:
            self.fields["unit_price"].help_text = _("%(unit)s; used when no tiers are given.") % {
                "unit": PRICE_UNITS[rule.kind]
            }
            for number in range(1, MAX_TIERS + 1):
                self.fields[f"tier_{number}_upto"] = forms.DecimalField(
                    label=_("Tier %(number)d up to") % {"number": number},
                    required=False,
                    min_value=Decimal("0.01"),
                    max_digits=12,
                    decimal_places=2,
                    widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
                    error_messages={
                        "invalid": _("Enter a quantity such as 200."),
                        "min_value": _("The limit must be above 0."),
                        "max_decimal_places": _("At most 2 decimal places."),
                    },
                )
                self.fields[f"tier_{number}_price"] = _price_field(
                    _("Tier %(number)d price") % {"number": number}, required=False
                )

    @property
    def unit(self) -> str:
        return METER_UNITS.get(self.rule.kind, "")

    def tier_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [
            (number, self[f"tier_{number}_upto"], self[f"tier_{number}_price"])
            for number in range(1, MAX_TIERS + 1)
        ] if self.metered else []  # fmt: skip

    def clean_valid_from(self):
        valid_from = self.cleaned_data["valid_from"]
        if self.rule.prices.filter(valid_from=valid_from).exists():
            raise ValidationError(
                _(
                    "This fee already has a price from %(date)s. A second price for the same day "
                    "is not added; choose another date."
                )
                % {"date": f"{valid_from:%Y-%m-%d}"},
                code="duplicate",
            )
        return valid_from

    def clean(self):
        cleaned = super().clean()
        tiers = []
        if self.metered:
            rows = [
                (number, cleaned.get(f"tier_{number}_upto"), cleaned.get(f"tier_{number}_price"))
                for number in range(1, MAX_TIERS + 1)
                if f"tier_{number}_upto" not in self.errors
                and f"tier_{number}_price" not in self.errors
            ]
            filled = [row for row in rows if row[1] is not None or row[2] is not None]
            for number, _upto, price in filled:
                if price is None:
                    self.add_error(f"tier_{number}_price", _("Please enter this tier's price."))
            tiers = [["" if upto is None else str(upto), str(price)]
                     for _number, upto, price in filled if price is not None]  # fmt: skip
            if tiers and not self.errors:
                if len(tiers) == 1:
                    raise ValidationError(
                        _("Tiered prices need at least two tiers; otherwise use the unit price.")
                    )
                try:
                    rules.parse_tiers(tiers)
                except (ValueError, ArithmeticError):
                    raise ValidationError(
                        _(
                            "Tier limits must rise from row to row, and only the last tier "
                            "leaves “up to” empty (it covers everything above)."
                        )
                    ) from None
        if cleaned.get("unit_price") is None and "unit_price" not in self.errors:
            if tiers:
                cleaned["unit_price"] = Decimal(tiers[0][1])
            else:
                self.add_error("unit_price", _("Please enter the price."))
        cleaned["tiers"] = tiers
        return cleaned


# --- Reminder settings -----------------------------------------------------------------------------


class DaysField(forms.CharField):
    """ "7,3" (also with Chinese commas, 、 or spaces) → the canonical "7,3"."""

    def clean(self, value):
        value = super().clean(value)
        parts = [part for part in re.split(r"[,，、\s]+", value.strip()) if part]
        days = set()
        for part in parts:
            if not part.isdigit():
                raise ValidationError(
                    _("“%(part)s” is not a number of days. Write whole days, e.g. 7,3.")
                    % {"part": part}
                )
            if not 1 <= int(part) <= 90:
                raise ValidationError(_("Each day must be between 1 and 90."))
            days.add(int(part))
        if len(days) > 5:
            raise ValidationError(_("At most 5 reminders; residents do not want more."))
        return ",".join(str(day) for day in sorted(days, reverse=True))


class BillingSettingsForm(forms.ModelForm):
    remind_days_before = DaysField(
        label=_("Remind … days before the due date"),
        max_length=40,
        required=False,
        help_text=_("Comma separated, e.g. 7,3. Leave empty to send no reminders before."),
    )
    remind_days_after = DaysField(
        label=_("Overdue reminders … days after the due date"),
        max_length=40,
        required=False,
        help_text=_("Comma separated, e.g. 1,15. Leave empty to send no overdue reminders."),
    )

    class Meta:
        model = BillingSettings
        fields = ["remind_days_before", "remind_days_after"]


# --- Meter readings --------------------------------------------------------------------------------


METER_KIND_CHOICES = [
    (FeeKind.WATER.value, _("Water meter")),
    (FeeKind.ELECTRICITY.value, _("Electricity meter")),
    (FeeKind.GAS.value, _("Gas meter")),
]


class MonthField(forms.DateField):
    """An <input type="month">: "2026-05" → 2026-05-01."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class ReadingsFilterForm(forms.Form):
    month = MonthField(
        label=_("Month read"),
        error_messages={"invalid": _("Enter a month such as 2026-05.")},
    )
    kind = forms.ChoiceField(label=_("Meter"), choices=METER_KIND_CHOICES)
    building = forms.ModelChoiceField(
        label=_("Building"), queryset=Building.objects.none(), empty_label=None
    )

    def __init__(self, data, *, buildings: QuerySet[Building]):
        self.buildings = list(buildings)
        defaults = {
            "month": last_month().strftime("%Y-%m"),
            "kind": FeeKind.WATER.value,
            "building": self.buildings[0].pk if self.buildings else "",
        }
        merged = {key: data.get(key) or value for key, value in defaults.items()}
        super().__init__(merged)
        self.fields["building"].queryset = buildings

    def clean_month(self) -> dt.date:
        month = self.cleaned_data["month"]
        if month > timezone.localdate().replace(day=1):
            raise ValidationError(_("Readings cannot be entered for a future month."))
        return month

    def choice(self) -> tuple[dt.date, str, Building | None]:
        """The chosen month, meter kind and building; defaults for anything invalid."""
        self.is_valid()
        data = self.cleaned_data
        building = data.get("building") or (self.buildings[0] if self.buildings else None)
        return data.get("month") or last_month(), data.get("kind") or FeeKind.WATER, building


def reading_field(label, invalid_message) -> forms.DecimalField:
    """A meter reading: not negative, at most MAX_READING, to the hundredth."""
    too_large = _("This reading is too large.")
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_value=MAX_READING,
        max_digits=12,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={
            "invalid": invalid_message,
            "min_value": _("A reading cannot be negative."),
            "max_value": too_large,
            "max_decimal_places": _("At most 2 decimal places."),
            "max_digits": too_large,
            "max_whole_digits": too_large,
        },
    )


class ReadingRowForm(forms.Form):
    """One room's row of the readings grid (prefix = the room id)."""

    current = reading_field(_("Current reading"), _("Enter a number such as 1234.5."))
    meter_change = forms.BooleanField(label=_("Meter changed"), required=False)
    start = reading_field(_("New meter's start reading"), _("Enter a number such as 0."))

    def clean(self):
        cleaned = super().clean()
        needs_start = cleaned.get("meter_change") and cleaned.get("current") is not None
        if needs_start and cleaned.get("start") is None and "start" not in self.errors:
            self.add_error("start", _("Enter the new meter's start reading."))
        return cleaned


class ReadingsUploadForm(forms.Form):
    sheet = spreadsheets.SheetField(
        error_messages={"required": _("Please choose the Excel file to import.")}
    )

"""Platform operators: the fee rule templates communities adopt (edited here, tiers checked),
parking spaces and meters, and read-only views of what the staff portal's services write
(rules, prices, readings, runs, bills, payments, receipts)."""

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from kit.admin import ReadOnlyAdmin

from . import rules
from .forms.setup import RuleForm, fraction_of, percent_of
from .models import (
    METERED_KINDS,
    Bill,
    BillingSettings,
    BillLine,
    BillRun,
    FeePrice,
    FeeRule,
    FeeRuleTemplate,
    Meter,
    MeterReading,
    ParkingSpace,
    Payment,
    PaymentItem,
    PaymentNotification,
    PaymentRefund,
    Receipt,
)


class FeeRuleTemplateForm(forms.ModelForm):
    """Rates in per cent, as in the staff portal's rule form (billing.forms.setup.RuleForm):
    0.05 typed here is 0.05 % a day, stored as the fraction 0.0005."""

    late_fee_daily_percent = RuleForm.base_fields["late_fee_daily_percent"]
    late_fee_cap_percent = RuleForm.base_fields["late_fee_cap_percent"]

    class Meta:
        model = FeeRuleTemplate
        fields = ["name", "kind", "description", "unit_price", "tiers", "cycle", "due_day"]
        widgets = {"tiers": forms.Textarea(attrs={"rows": 3, "cols": 60})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["late_fee_daily_percent"] = percent_of(self.instance.late_fee_daily_rate)
            self.initial["late_fee_cap_percent"] = percent_of(self.instance.late_fee_cap_rate)

    def clean_tiers(self):
        tiers = self.cleaned_data.get("tiers") or []
        shape = _(
            'Write the tiers as [["up to", "price"], …], e.g. '
            '[["200", "0.538"], ["400", "0.588"], ["", "0.838"]].'
        )
        if not isinstance(tiers, list) or not all(
            isinstance(tier, list | tuple) and len(tier) == 2 for tier in tiers
        ):
            raise ValidationError(shape)
        try:
            rules.parse_tiers(tiers)
        except (ValueError, ArithmeticError, TypeError):
            raise ValidationError(
                _(
                    "Tier limits must rise, prices must not be negative, and only the last "
                    'tier is open (its "up to" empty).'
                )
            ) from None
        if len(tiers) == 1:
            raise ValidationError(_("Tiered prices need at least two tiers."))
        # Stored as text, as price_set stores them: Decimal-safe, no float rounding.
        return [
            ["" if str(limit).strip() == "" else str(limit), str(price)] for limit, price in tiers
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("tiers") and cleaned.get("kind") not in METERED_KINDS:
            self.add_error("tiers", _("Only water, electricity and gas can have tiered prices."))
        if cleaned.get("late_fee_daily_percent") is not None:
            self.instance.late_fee_daily_rate = fraction_of(cleaned["late_fee_daily_percent"])
        if cleaned.get("late_fee_cap_percent") is not None:
            self.instance.late_fee_cap_rate = fraction_of(cleaned["late_fee_cap_percent"])
        return cleaned


class LateFeeInPercent:
    """Read-only pages show the late-fee rates in per cent a day, the unit both forms take,
    never the stored fractions."""

    exclude = ["late_fee_daily_rate", "late_fee_cap_rate"]
    readonly_fields = ["daily_percent", "cap_percent"]

    @admin.display(description=_("Late fee per day (%)"), ordering="late_fee_daily_rate")
    def daily_percent(self, obj) -> str:
        return f"{percent_of(obj.late_fee_daily_rate)} %"

    @admin.display(description=_("Late fee cap (%)"), ordering="late_fee_cap_rate")
    def cap_percent(self, obj) -> str:
        return f"{percent_of(obj.late_fee_cap_rate)} %"


@admin.register(FeeRuleTemplate)
class FeeRuleTemplateAdmin(LateFeeInPercent, admin.ModelAdmin):
    form = FeeRuleTemplateForm
    list_display = [
        "name", "kind", "cycle", "unit_price", "tiers_display", "due_day",
        "daily_percent", "cap_percent", "adopted_by",
    ]  # fmt: skip
    list_filter = ["kind", "cycle"]
    search_fields = ["name", "description"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "description"]}),
        (_("Price"), {"fields": ["unit_price", "tiers"]}),
        (
            _("Terms"),
            {"fields": ["cycle", "due_day", "late_fee_daily_percent", "late_fee_cap_percent"]},
        ),  # fmt: skip
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(adopted=Count("rules"))

    @admin.display(description=_("tiered prices"))
    def tiers_display(self, template: FeeRuleTemplate) -> str:
        return json.dumps(template.tiers, ensure_ascii=False) if template.tiers else "—"

    @admin.display(description=_("adopted by communities"), ordering="adopted")
    def adopted_by(self, template: FeeRuleTemplate) -> int:
        return template.adopted


class FeePriceInline(admin.TabularInline):
    model = FeePrice
    fields = ["valid_from", "unit_price", "tiers", "created_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FeeRule)
class FeeRuleAdmin(LateFeeInPercent, ReadOnlyAdmin):
    list_display = ["name", "community", "kind", "cycle", "due_day", "is_active", "template"]
    list_filter = ["kind", "is_active", "community"]
    list_select_related = ["community", "template"]
    search_fields = ["name", "community__name"]
    inlines = [FeePriceInline]


@admin.register(BillingSettings)
class BillingSettingsAdmin(ReadOnlyAdmin):
    list_display = ["community", "remind_days_before", "remind_days_after"]
    list_select_related = ["community"]


@admin.register(ParkingSpace)
class ParkingSpaceAdmin(admin.ModelAdmin):
    list_display = ["code", "community", "room"]
    list_filter = ["community"]
    list_select_related = ["community", "room__building", "room__unit"]
    search_fields = ["code", "community__name", "room__number"]
    raw_id_fields = ["room"]


@admin.register(Meter)
class MeterAdmin(admin.ModelAdmin):
    list_display = ["room", "kind", "number"]
    list_filter = ["kind", "room__building__community"]
    list_select_related = ["room__building", "room__unit"]
    search_fields = ["number", "room__number", "room__building__name"]
    raw_id_fields = ["room"]


@admin.register(MeterReading)
class MeterReadingAdmin(ReadOnlyAdmin):
    list_display = ["meter", "month", "previous", "current", "is_meter_change", "entered_by"]
    list_filter = ["meter__kind", "is_meter_change", "meter__room__building__community"]
    list_select_related = ["meter__room__building", "entered_by"]
    date_hierarchy = "month"
    show_full_result_count = False


@admin.register(BillRun)
class BillRunAdmin(ReadOnlyAdmin):
    list_display = ["run_number", "community", "period_start", "period_end", "status",
                    "bill_count", "total", "created_at"]  # fmt: skip
    list_filter = ["status", "community"]
    list_select_related = ["community"]

    @admin.display(description=_("run number"), ordering="pk")
    def run_number(self, run: BillRun) -> int:
        return run.pk


class BillLineInline(admin.TabularInline):
    model = BillLine
    fields = ["description", "quantity", "unit", "unit_price", "amount"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Bill)
class BillAdmin(LateFeeInPercent, ReadOnlyAdmin):
    list_display = ["number", "community", "room", "title", "amount", "paid_amount", "status",
                    "due_date"]  # fmt: skip
    list_filter = ["status", "kind", "community"]
    list_select_related = ["community", "room__building", "room__unit"]
    search_fields = ["number", "title"]
    date_hierarchy = "due_date"
    show_full_result_count = False
    inlines = [BillLineInline]


class PaymentItemInline(admin.TabularInline):
    model = PaymentItem
    fields = ["bill", "amount", "late_fee"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["number", "community", "room", "amount", "method", "status", "paid_at",
                    "refunded_amount", "unapplied", "cashier"]  # fmt: skip
    list_filter = ["status", "method", "unapplied", "community"]
    list_select_related = ["community", "room__building", "room__unit", "cashier"]
    search_fields = ["number", "reference", "payer_name", "trade_no"]
    date_hierarchy = "paid_at"
    show_full_result_count = False
    inlines = [PaymentItemInline]


@admin.register(PaymentRefund)
class PaymentRefundAdmin(ReadOnlyAdmin):
    list_display = ["number", "payment", "amount", "status", "created_at", "finished_at",
                    "message"]  # fmt: skip
    list_filter = ["status"]
    list_select_related = ["payment"]
    search_fields = ["number", "payment__number", "provider_refund_no"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(PaymentNotification)
class PaymentNotificationAdmin(ReadOnlyAdmin):
    """Every notification the providers sent, believed or refused, and why."""

    list_display = ["received_at", "method", "source", "number", "outcome", "reason",
                    "remote_addr"]  # fmt: skip
    list_filter = ["outcome", "method", "source"]
    search_fields = ["number", "reason"]
    date_hierarchy = "received_at"
    show_full_result_count = False


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ["receipt_number", "company", "payment", "issued_at"]

    @admin.display(description=_("receipt number"), ordering="number")
    def receipt_number(self, receipt: Receipt) -> str:
        return receipt.display_number

    list_filter = ["company"]
    list_select_related = ["company", "payment"]
    search_fields = ["payment__number"]
    date_hierarchy = "issued_at"
    show_full_result_count = False

"""Billing setup in the staff portal: the community's fee rules (adopted from platform
templates) and their dated prices, reminder days, and meter readings entered in a grid or
imported from Excel."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Building
from kit.forms import add_service_errors, posted_data
from kit.templatetags.money import yuan_price
from staff.access import staff_has_perm, staff_required
from staff.scoping import get_scoped_or_404

from .. import selectors, services
from ..forms.setup import (
    PRICE_UNITS,
    BillingSettingsForm,
    PriceForm,
    ReadingRowForm,
    ReadingsFilterForm,
    ReadingsUploadForm,
    RuleAdoptForm,
    RuleForm,
    first_of_next_month,
    percent_of,
)
from ..imports import meter_readings
from ..models import METERED_KINDS, BillingSettings, FeePrice, FeeRule, FeeRuleTemplate

CHANGE_RULES = "billing.change_feerule"
ADD_RULES = "billing.add_feerule"
ENTER_READINGS = "billing.add_meterreading"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- How prices read -------------------------------------------------------------------------------


def price_text(value: Decimal) -> str:
    """2.8000 → "2.80", 0.5380 → "0.538": two decimals at least, no trailing zeros beyond."""
    value = Decimal(value)
    cents = value.quantize(Decimal("0.01"))
    return f"{cents:,.2f}" if cents == value else f"{value.normalize():,f}"


def tiers_text(tiers: list, unit: str) -> list[str]:
    """[["200", "0.538"], ["", "0.838"]] → ["0–200 kWh: 0.538", "200 kWh and above: 0.838"]."""
    lines, lower = [], "0"
    for limit, price in tiers or []:
        limit = str(limit).strip()
        if limit:
            span = f"{lower}–{price_text(Decimal(limit)).removesuffix('.00')} {unit}"
            lower = price_text(Decimal(limit)).removesuffix(".00")
        else:
            span = _("above %(lower)s %(unit)s") % {"lower": lower, "unit": unit}
        lines.append(f"{span}: {yuan_price(Decimal(price))}")
    return lines


@dataclass
class PriceRow:
    price: FeePrice
    state: str  # "current", "upcoming" or "past"

    @property
    def unit_price(self) -> Decimal:
        return self.price.unit_price

    @property
    def tiers(self) -> list[str]:
        return tiers_text(self.price.tiers, meter_unit(self.price.rule.kind))


def meter_unit(kind: str) -> str:
    return services.METER_UNITS.get(kind, "")


def price_rows(prices: list[FeePrice], today: dt.date) -> list[PriceRow]:
    """Newest first; the latest price from today or before is current, later ones upcoming."""
    rows, current_found = [], False
    for price in sorted(prices, key=lambda p: p.valid_from, reverse=True):
        if price.valid_from > today:
            state = "upcoming"
        elif not current_found:
            state, current_found = "current", True
        else:
            state = "past"
        rows.append(PriceRow(price, state))
    return rows


@dataclass
class RuleRow:
    rule: FeeRule
    prices: list[PriceRow]

    @property
    def current(self) -> PriceRow | None:
        return next((row for row in self.prices if row.state == "current"), None)

    @property
    def upcoming(self) -> PriceRow | None:
        upcoming = [row for row in self.prices if row.state == "upcoming"]
        return upcoming[-1] if upcoming else None  # the soonest

    @property
    def unit(self) -> str:
        return PRICE_UNITS.get(self.rule.kind, "")

    @property
    def daily_percent(self) -> Decimal:
        return percent_of(self.rule.late_fee_daily_rate)

    @property
    def cap_percent(self) -> Decimal:
        return percent_of(self.rule.late_fee_cap_rate)


@dataclass
class TemplateRow:
    template: FeeRuleTemplate
    form: RuleAdoptForm

    @property
    def unit_price(self) -> Decimal:
        return self.template.unit_price

    @property
    def unit(self) -> str:
        return PRICE_UNITS.get(self.template.kind, "")

    @property
    def tiers(self) -> list[str]:
        return tiers_text(self.template.tiers, meter_unit(self.template.kind))

    @property
    def daily_percent(self) -> Decimal:
        return percent_of(self.template.late_fee_daily_rate)

    @property
    def cap_percent(self) -> Decimal:
        return percent_of(self.template.late_fee_cap_rate)


# --- Fee rules -------------------------------------------------------------------------------------


def _community_rules(request: HttpRequest):
    return FeeRule.objects.filter(community=request.community).prefetch_related(
        Prefetch("prices", queryset=FeePrice.objects.select_related("created_by"))
    )


def _templates_to_adopt(request: HttpRequest):
    return FeeRuleTemplate.objects.exclude(rules__community=request.community).order_by(
        "kind", "name"
    )


def _render_rules(
    request: HttpRequest, *, bound_adopt: RuleAdoptForm | None = None, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    rule_rows = [
        RuleRow(rule, price_rows(list(rule.prices.all()), today))
        for rule in _community_rules(request).order_by("-is_active", "kind", "name")
    ]
    can_adopt = staff_has_perm(request, ADD_RULES)
    templates = _templates_to_adopt(request)
    template_rows = []
    for template in templates:
        form = None
        if can_adopt:
            bound_here = bound_adopt is not None and bound_adopt.data.get("template") == str(
                template.pk
            )
            form = (
                bound_adopt
                if bound_here
                else RuleAdoptForm(
                    templates=templates,
                    initial={
                        "template": template.pk,
                        "name": template.name,
                        "valid_from": first_of_next_month(today),
                    },
                    auto_id=f"id_t{template.pk}_%s",
                )
            )
        template_rows.append(TemplateRow(template, form))
    return render(
        request,
        "staff/billing/rules.html",
        {
            "rule_rows": rule_rows,
            "template_rows": template_rows,
            "can_adopt": can_adopt,
            "adopt_refusal": bound_adopt is not None
            and not any(row.form is bound_adopt for row in template_rows),
            "bound_adopt": bound_adopt,
        },
        status=status,
    )


@staff_required(CHANGE_RULES)
def rules(request: HttpRequest) -> HttpResponse:
    return _render_rules(request)


@require_POST
@staff_required(CHANGE_RULES)
def rule_adopt(request: HttpRequest) -> HttpResponse:
    if not staff_has_perm(request, ADD_RULES):
        raise PermissionDenied
    form = RuleAdoptForm(
        request.POST,
        templates=_templates_to_adopt(request),
        auto_id=f"id_t{request.POST.get('template', '')}_%s",
    )
    if form.is_valid():
        try:
            rule = services.rule_adopt(
                community=request.community,
                template=form.cleaned_data["template"],
                valid_from=form.cleaned_data["valid_from"],
                name=form.cleaned_data["name"],
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("“%(name)s” was adopted. Check its due day and late fee, then run bills.")
                % {"name": rule.name},
            )
            return redirect("billing_staff:rule_edit", rule_id=rule.pk)
    return _render_rules(request, bound_adopt=form, status=400)


def _rule(request: HttpRequest, rule_id: int) -> FeeRule:
    return get_scoped_or_404(request, _community_rules(request), rule_id)


def _render_rule(
    request: HttpRequest,
    rule: FeeRule,
    *,
    rule_form: RuleForm | None = None,
    price_form: PriceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    billed_until = rule.bills.aggregate(until=Max("period_end"))["until"]
    if price_form is None:
        earliest = first_of_next_month(today)
        if billed_until and billed_until >= earliest:
            earliest = billed_until + dt.timedelta(days=1)
        price_form = PriceForm(rule=rule, initial={"valid_from": earliest, **_latest_price(rule)})
    saved = FeeRule.objects.get(pk=rule.pk)  # the heading shows the stored name, not the typed one
    return render(
        request,
        "staff/billing/rule_edit.html",
        {
            "rule": saved,
            "rule_form": rule_form or RuleForm(instance=rule),
            "price_form": price_form,
            "price_rows": price_rows(list(rule.prices.all()), today),
            "price_unit": PRICE_UNITS.get(rule.kind, ""),
            "metered": rule.kind in METERED_KINDS,
            "billed_until": billed_until,
        },
        status=status,
    )


def _latest_price(rule: FeeRule) -> dict[str, str]:
    """The newest price as the new price form's starting point: staff usually change a
    figure or two, not the whole table."""
    latest = max(rule.prices.all(), key=lambda price: price.valid_from, default=None)
    if latest is None:
        return {}
    initial = {"unit_price": price_text(latest.unit_price).replace(",", "")}
    for number, (limit, price) in enumerate(latest.tiers or [], start=1):
        initial[f"tier_{number}_upto"] = str(limit)
        initial[f"tier_{number}_price"] = str(price)
    return initial


@staff_required(CHANGE_RULES)
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _rule(request, rule_id)
    form = RuleForm(posted_data(request), instance=rule)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.rule_save(rule=form.instance, actor=request.user, request=request)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("“%(name)s” was saved.") % {"name": rule.name})
                return redirect("billing_staff:rule_edit", rule_id=rule.pk)
        return _render_rule(request, rule, rule_form=form, status=400)
    return _render_rule(request, rule, rule_form=form)


@require_POST
@staff_required(CHANGE_RULES)
def price_add(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _rule(request, rule_id)
    form = PriceForm(request.POST, rule=rule)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.price_set(
                rule=rule,
                valid_from=data["valid_from"],
                unit_price=data["unit_price"],
                tiers=data["tiers"],
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The new price applies from %(date)s. Bills already created keep their amounts.")
                % {"date": f"{data['valid_from']:%Y-%m-%d}"},
            )
            return redirect("billing_staff:rule_edit", rule_id=rule.pk)
    return _render_rule(request, rule, price_form=form, status=400)


# --- Reminder settings -----------------------------------------------------------------------------


def _reminder_example(settings_: BillingSettings, due_day: int) -> dict:
    """When the reminders of a bill due on `due_day` of next month would go out."""
    due = first_of_next_month().replace(day=due_day)
    before = BillingSettings.parse_days(settings_.remind_days_before)
    after = sorted(BillingSettings.parse_days(settings_.remind_days_after))
    return {
        "due": due,
        "before": [(days, due - dt.timedelta(days=days)) for days in before],
        "after": [(days, due + dt.timedelta(days=days)) for days in after],
    }


@staff_required(CHANGE_RULES)
def reminder_settings(request: HttpRequest) -> HttpResponse:
    community = request.community
    settings_ = selectors.billing_settings(community)
    form = BillingSettingsForm(posted_data(request), instance=settings_)
    if request.method == "POST" and form.is_valid():
        services.settings_save(
            settings=form.save(commit=False), actor=request.user, request=request
        )
        messages.success(request, _("The reminder settings were saved."))
        return redirect("billing_staff:settings")
    stored = BillingSettings.objects.get(pk=settings_.pk)  # the example follows what is saved
    due_day = (
        FeeRule.objects.filter(community=community, is_active=True)
        .order_by("kind", "name")
        .values_list("due_day", flat=True)
        .first()
    ) or 15
    return render(
        request,
        "staff/billing/settings.html",
        {"form": form, "example": _reminder_example(stored, due_day)},
        status=400 if form.errors else 200,
    )


# --- Meter readings --------------------------------------------------------------------------------


def _buildings(request: HttpRequest):
    return Building.objects.filter(community=request.community).order_by("sort_order", "name")


@dataclass
class ReadingRow:
    grid: meter_readings.GridRow
    form: ReadingRowForm
    saved: bool = False

    @property
    def consumption(self) -> Decimal | None:
        reading = self.grid.reading
        return reading.current - reading.previous if reading else None


def _row_form(row: meter_readings.GridRow, data=None) -> ReadingRowForm:
    reading = row.reading
    initial = {}
    if reading is not None:
        initial = {
            "current": reading.current,
            "meter_change": reading.is_meter_change,
            "start": reading.previous if reading.is_meter_change else None,
        }
    return ReadingRowForm(data, prefix=f"r{row.room.pk}", initial=initial)


def _unchanged(row: meter_readings.GridRow, data: dict) -> bool:
    reading = row.reading
    if reading is None:
        return False
    if data["meter_change"] != reading.is_meter_change or data["current"] != reading.current:
        return False
    return not data["meter_change"] or data["start"] == reading.previous


@staff_required(ENTER_READINGS)
def readings(request: HttpRequest) -> HttpResponse:
    buildings = _buildings(request)
    choice = ReadingsFilterForm(request.GET, buildings=buildings)
    month, kind, building = choice.choice()
    grid = meter_readings.reading_grid(building, kind, month) if building else []
    data = posted_data(request)
    rows = [ReadingRow(row, _row_form(row, None if row.billed else data)) for row in grid]
    if request.method == "POST":
        saved, failed = _save_rows(request, rows, kind, month)
        query = urlencode({"month": f"{month:%Y-%m}", "kind": kind, "building": building.pk})
        if not failed:
            if saved:
                messages.success(
                    request,
                    _("%(count)d reading(s) saved for %(month)s.")
                    % {"count": saved, "month": f"{month:%Y-%m}"},
                )
            else:
                messages.info(request, _("Nothing to save: no reading was entered or changed."))
            return redirect(f"{reverse('billing_staff:readings')}?{query}")
        messages.error(
            request,
            _("%(saved)d reading(s) saved; %(failed)d row(s) need correcting (marked below).")
            % {"saved": saved, "failed": failed},
        )
    entered = sum(1 for row in rows if row.grid.reading is not None or row.saved)
    return render(
        request,
        "staff/billing/readings.html",
        {
            "choice": choice,
            "month": month,
            "kind": kind,
            "building": building,
            "buildings": list(buildings),
            "rows": rows,
            "entered": entered,
            "billed": sum(1 for row in rows if row.grid.billed),
            "unit": services.METER_UNITS.get(kind, ""),
            "has_errors": any(row.form.errors for row in rows),
        },
        status=400 if any(row.form.errors for row in rows) else 200,
    )


def _save_rows(request: HttpRequest, rows: list[ReadingRow], kind: str, month: dt.date):
    """Every valid, filled-in, changed row through `services.reading_record`; a refused row
    keeps what was typed and shows why."""
    saved = failed = 0
    for row in rows:
        if row.grid.billed:
            continue
        form = row.form
        if not form.is_valid():
            failed += 1
            continue
        data = form.cleaned_data
        if data["current"] is None or _unchanged(row.grid, data):
            continue
        try:
            services.reading_record(
                room=row.grid.room,
                kind=kind,
                month=month,
                current=data["current"],
                actor=request.user,
                meter_change=data["meter_change"],
                start=data["start"] if data["meter_change"] else None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            failed += 1
        else:
            row.saved = True
            saved += 1
    return saved, failed


@staff_required(ENTER_READINGS)
def readings_import(request: HttpRequest) -> HttpResponse:
    if request.GET.get("template"):
        return _template_download(request)
    form = ReadingsUploadForm(posted_data(request), request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["sheet"]
        outcome = meter_readings.readings_import(
            community=request.community,
            content=upload.read(),
            actor=request.user,
            file_name=upload.name,
            request=request,
        )
        if outcome.ok:
            message = _("%(count)d meter reading(s) imported.") % {"count": outcome.imported}
            if outcome.blank:
                message += " " + _("%(blank)d row(s) without a current reading were skipped.") % {
                    "blank": outcome.blank
                }
            messages.success(request, message)
            return redirect("billing_staff:readings_import")
    buildings = _buildings(request)
    prefill = ReadingsFilterForm({}, buildings=buildings)
    return render(
        request,
        "staff/billing/readings_import.html",
        {
            "form": form,
            "outcome": outcome,
            "prefill": prefill,
            "headers": meter_readings.HEADERS,
            "required_headers": meter_readings.REQUIRED_HEADERS,
            "kind_words": "、".join(meter_readings.KIND_NAMES.values()),
            "yes_word": "是",
            "change_column": meter_readings.CHANGE,
            "start_column": meter_readings.START,
        },
        status=400 if form.errors or (outcome and not outcome.ok) else 200,
    )


def _template_download(request: HttpRequest) -> HttpResponse:
    name = _("Meter readings")
    kwargs = {}
    if request.GET.get("kind"):
        choice = ReadingsFilterForm(request.GET, buildings=_buildings(request))
        month, kind, building = choice.choice()
        kwargs = {"community": request.community, "kind": kind, "month": month}
        if request.GET.get("building"):
            kwargs["building"] = building
        name = f"{name}-{month:%Y-%m}"
    response = HttpResponse(meter_readings.template_workbook(**kwargs), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.xlsx")
    return response

"""Everything that changes money records: fee rules and prices, meter readings, bill runs,
payments and receipts, waivers, refunds, overdue marking and reminders."""

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Community, PropertyCompany, Room, User
from kit.audit import log_action
from kit.cache import invalidate
from kit.charges import BilledCharge, RoomCharge
from kit.iterables import batched
from kit.pagecache import note_write
from kit.templatetags.periods import period_label
from notices import fanout
from notices.notify import notify

from . import rules, selectors
from .models import (
    CYCLE_MONTHS,
    METERED_KINDS,
    Bill,
    BillingSettings,
    BillLine,
    BillReminder,
    BillRun,
    CashierDay,
    FeeKind,
    FeePrice,
    FeeRule,
    FeeRuleTemplate,
    Meter,
    MeterReading,
    Payment,
    PaymentItem,
    PrepaymentAccount,
    PrepaymentEntry,
    Receipt,
    ReceiptSequence,
    new_number,
    new_numbers,
)

# Bills a bill run inserts at a time: one COPY of them streams to PostgreSQL while the rows
# are made, so large; bounded for memory.
BATCH = 50_000
COPY_LINES = 500  # rows of COPY text sent at a time
METER_UNITS = {FeeKind.WATER: "m³", FeeKind.ELECTRICITY: "kWh", FeeKind.GAS: "m³"}


# --- Fee rules ------------------------------------------------------------------------------------


@transaction.atomic
def rule_adopt(
    *, community: Community, template: FeeRuleTemplate, valid_from: dt.date, actor: User,
    name: str = "", request: HttpRequest | None = None,
) -> FeeRule:  # fmt: skip
    """A community's copy of a platform template, with the template's price from `valid_from`."""
    name = (name or template.name).strip()
    if FeeRule.objects.filter(community=community, name=name).exists():
        raise ValidationError({"name": _("This community already has a fee of that name.")})
    rule = FeeRule.objects.create(
        community=community, template=template, name=name, kind=template.kind,
        cycle=template.cycle, due_day=template.due_day,
        late_fee_daily_rate=template.late_fee_daily_rate,
        late_fee_cap_rate=template.late_fee_cap_rate,
    )  # fmt: skip
    FeePrice.objects.create(
        rule=rule, valid_from=valid_from, unit_price=template.unit_price, tiers=template.tiers,
        created_by=actor,
    )  # fmt: skip
    log_action(actor=actor, action="billing.rule_adopted", target=rule, community=community,
               data={"template": template.name, "valid_from": str(valid_from)}, request=request)  # fmt: skip
    return rule


@transaction.atomic
def rule_save(*, rule: FeeRule, actor: User, request: HttpRequest | None = None) -> FeeRule:
    rule.name = rule.name.strip()
    if (
        FeeRule.objects.filter(community=rule.community, name=rule.name)
        .exclude(pk=rule.pk)
        .exists()
    ):
        raise ValidationError({"name": _("This community already has a fee of that name.")})
    rule.save()
    log_action(actor=actor, action="billing.rule_saved", target=rule, community=rule.community,
               data={"cycle": rule.cycle, "due_day": rule.due_day,
                     "late_fee_daily_rate": str(rule.late_fee_daily_rate),
                     "late_fee_cap_rate": str(rule.late_fee_cap_rate)}, request=request)  # fmt: skip
    return rule


@transaction.atomic
def price_set(
    *, rule: FeeRule, valid_from: dt.date, unit_price: Decimal, tiers: list | None = None,
    actor: User, request: HttpRequest | None = None,
) -> FeePrice:  # fmt: skip
    """A new price from a date. Bills already created keep their amounts; a date inside a
    period that already has bills is refused, so no bill run mixes two prices unnoticed."""
    if unit_price < 0:
        raise ValidationError({"unit_price": _("The price cannot be negative.")})
    try:
        rules.parse_tiers(tiers or [])
    except (ValueError, ArithmeticError, TypeError):
        raise ValidationError(
            {"tiers": _("Tiers must rise, and only the last may be open-ended.")}
        ) from None
    if Bill.objects.filter(rule=rule, period_end__gte=valid_from).exists():
        raise ValidationError(
            {
                "valid_from": _(
                    "Bills already exist for periods after this date; choose a later date."
                )
            }
        )
    if FeePrice.objects.filter(rule=rule, valid_from=valid_from).exists():
        # A second price on the same day used to replace the first without a word.
        raise ValidationError(
            {"valid_from": _("This fee already has a price from this date; choose another date.")}
        )
    price = FeePrice.objects.create(
        rule=rule, valid_from=valid_from, unit_price=unit_price, tiers=tiers or [],
        created_by=actor,
    )  # fmt: skip
    log_action(actor=actor, action="billing.price_set", target=rule, community=rule.community,
               data={"valid_from": str(valid_from), "unit_price": str(unit_price),
                     "tiers": tiers or []}, request=request)  # fmt: skip
    return price


@transaction.atomic
def settings_save(
    *, settings: BillingSettings, actor: User, request: HttpRequest | None = None
) -> BillingSettings:
    """A community's reminder days (validated by the form)."""
    settings.save()
    log_action(actor=actor, action="billing.settings_saved", target=settings.community,
               community=settings.community,
               data={"remind_days_before": settings.remind_days_before,
                     "remind_days_after": settings.remind_days_after}, request=request)  # fmt: skip
    return settings


# --- Meter readings --------------------------------------------------------------------------------


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


@transaction.atomic
def reading_record(
    *, room: Room, kind: str, month: dt.date, current: Decimal, actor: User,
    meter_change: bool = False, start: Decimal | None = None,
) -> MeterReading:  # fmt: skip
    """The reading of `room`'s `kind` meter for `month`. Lower than the last reading is refused
    unless the meter was changed (then `start`, the new meter's first figure, is the previous
    reading)."""
    if kind not in METERED_KINDS:
        raise ValidationError({"kind": _("Only water, electricity and gas have meters.")})
    month = _month(month)
    meter, _created = Meter.objects.get_or_create(room=room, kind=kind)
    last = MeterReading.objects.filter(meter=meter, month__lt=month).order_by("-month").first()
    if meter_change:
        previous = Decimal(start if start is not None else 0)
    else:
        previous = last.current if last else Decimal(current)
    if current < previous:
        raise ValidationError(
            {"current": _("The reading %(current)s is lower than the last one (%(previous)s). "
                          "If the meter was replaced, mark it as a meter change.")
             % {"current": current, "previous": previous}}
        )  # fmt: skip
    if Bill.objects.filter(room=room, kind=kind, period_start__lte=month,
                           period_end__gte=month).exists():  # fmt: skip
        raise ValidationError(_("This month is already billed; the reading can no longer change."))
    reading, _created = MeterReading.objects.update_or_create(
        meter=meter, month=month,
        defaults={"previous": previous, "current": current, "is_meter_change": meter_change,
                  "entered_by": actor, "entered_at": timezone.now()},
    )  # fmt: skip
    return reading


# --- Bill runs -------------------------------------------------------------------------------------


@dataclass
class PlannedBill:
    room: selectors.BillableRoom
    rule: FeeRule
    lines: list[rules.Line]
    amount: Decimal = field(init=False)  # the sum of the lines, added up once

    def __post_init__(self):
        self.amount = sum((line.amount for line in self.lines), Decimal("0.00"))


@dataclass
class RunPlan:
    community: Community
    month: dt.date
    bills: list[PlannedBill] = field(default_factory=list)
    # (rule name, room label, reason) for rooms that get no bill
    exceptions: list[tuple[str, str, str]] = field(default_factory=list)
    already_billed: int = 0
    periods: dict[int, tuple[dt.date, dt.date]] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum((bill.amount for bill in self.bills), Decimal("0.00"))

    def totals_by_rule(self) -> list[tuple[FeeRule, int, Decimal]]:
        grouped: dict[int, list] = {}
        for bill in self.bills:
            entry = grouped.setdefault(bill.rule.pk, [bill.rule, 0, Decimal("0.00")])
            entry[1] += 1
            entry[2] += bill.amount
        return [tuple(entry) for entry in grouped.values()]


def run_plan(community: Community, fee_rules: Iterable[FeeRule], month: dt.date) -> RunPlan:
    """What a bill run for `month` would create, without writing anything: the bills with
    their lines, the rooms skipped and why, and how many bills exist already (never made
    twice). Queries per rule, not per room."""
    plan = RunPlan(community=community, month=_month(month))
    rooms = selectors.billable_rooms(community)
    for rule in fee_rules:
        if rule.community_id != community.pk:
            raise PermissionDenied
        months = CYCLE_MONTHS[rule.cycle]
        start, end = rules.period_for(plan.month, months)
        plan.periods[rule.pk] = (start, end)
        price = selectors.price_on(rule, start)
        billed = set(
            Bill.objects.filter(rule=rule, period_start=start).values_list("room_id", flat=True)
        )
        plan.already_billed += len(billed)
        if price is None:
            plan.exceptions.append((rule.name, "", _("No price is set for this period.")))
            continue
        readings = (
            selectors.readings_for(community, rule.kind, start)
            if rule.kind in METERED_KINDS
            else {}
        )
        spaces = selectors.parking_counts(community) if rule.kind == FeeKind.PARKING else {}
        metered = (
            rules.MeteredPrices(price.unit_price, price.tiers, METER_UNITS[rule.kind])
            if rule.kind in METERED_KINDS
            else None
        )
        same: dict = {}  # lines by what they depend on: most rooms share an area, all a fixed fee
        for room in rooms:
            if room.pk in billed:
                continue
            lines = _lines_for(rule, price, metered, room, months, readings, spaces, plan, same)
            if not lines:
                continue
            planned = PlannedBill(room=room, rule=rule, lines=lines)
            if planned.amount <= 0:
                # ¥0.00 is never published as 待缴费: no bill, and the preview says why.
                plan.exceptions.append((rule.name, room.label, _zero_reason(rule)))
                continue
            plan.bills.append(planned)
    return plan


def _zero_reason(rule: FeeRule) -> str:
    if rule.kind in METERED_KINDS:
        return _("Nothing used this month: the bill would be ¥0.00.")
    return _("The amount is ¥0.00 (the price is zero).")


def _lines_for(
    rule, price, metered, room, months, readings, spaces, plan, same: dict
) -> list[rules.Line] | None:
    """The lines of `room`'s bill for `rule`; `same` keeps the lines already made for the
    same area, parking count or fixed fee (immutable lines, shared between the plan's bills)."""
    if rule.kind == FeeKind.PROPERTY:
        if not room.area:
            plan.exceptions.append((rule.name, room.label, _("The room has no floor area.")))
            return None
        if room.area not in same:
            same[room.area] = rules.area_fee(room.area, price.unit_price, months)
        return same[room.area]
    if rule.kind in METERED_KINDS:
        reading = readings.get(room.pk)
        if reading is None:
            plan.exceptions.append((rule.name, room.label, _("No meter reading for this month.")))
            return None
        return metered.lines(reading.current - reading.previous, reading.previous, reading.current)
    if rule.kind == FeeKind.PARKING:
        count = spaces.get(room.pk, 0)
        if not count:
            return None  # no space rented: nothing to bill, not an exception
        if count not in same:
            same[count] = rules.per_item_fee(count, price.unit_price, months, _("Parking space"))
        return same[count]
    if None not in same:
        same[None] = rules.per_item_fee(1, price.unit_price, months, rule.name)
    return same[None]


def run_create(
    *, community: Community, fee_rules: list[FeeRule], month: dt.date, actor: User,
    request: HttpRequest | None = None, plan: RunPlan | None = None,
) -> BillRun:  # fmt: skip
    """Create the planned bills (drafts) in bulk. A bill already there for the room, rule and
    period is left alone (the unique constraint backs this up), so re-running adds only
    what is missing. `plan` is the preview just made for the same choices (it is not made
    again); bills another run created since are skipped all the same."""
    if plan is None or plan.community != community or plan.month != _month(month):
        plan = run_plan(community, fee_rules, month)
    now = timezone.now()
    with transaction.atomic():
        periods = [plan.periods[r.pk] for r in fee_rules if r.pk in plan.periods]
        run = BillRun.objects.create(
            community=community, period_start=min(p[0] for p in periods) if periods else plan.month,
            period_end=max(p[1] for p in periods) if periods else plan.month, month=plan.month,
            bill_count=len(plan.bills), total=plan.total, created_by=actor, created_at=now,
            skipped=[list(e) for e in plan.exceptions[:500]],
        )  # fmt: skip
        run.rules.set(fee_rules)
        _fill_run(run, plan, fee_rules, now)
        log_action(actor=actor, action="billing.run_created", target=run, community=community,
                   data={"bills": run.bill_count, "total": str(run.total),
                         "exceptions": len(plan.exceptions)}, request=request)  # fmt: skip
    return run


def _fill_run(run: BillRun, plan: RunPlan, fee_rules: list[FeeRule], now) -> None:
    """Insert the plan's bills and lines as the run's drafts, and fix the run's figures."""
    community = run.community
    created, created_total = 0, Decimal("0.00")
    per_rule = {}
    for rule in fee_rules:
        if rule.pk in plan.periods:
            start, end = plan.periods[rule.pk]
            per_rule[rule.pk] = (
                rule.kind, _bill_title(rule, start, end), start, end,
                rules.due_date(end, rule.due_day), rule.late_fee_daily_rate,
                rule.late_fee_cap_rate,
            )  # fmt: skip
    constants = {"community_id": community.pk, "run_id": run.pk, "created_at": now}
    for chunk in batched(plan.bills, BATCH):
        rows = [
            (number, planned.room.pk, planned.rule.pk, *per_rule[planned.rule.pk], planned.amount)
            for number, planned in zip(new_numbers("ZD", len(chunk)), chunk, strict=True)
        ]
        bill_ids, chunk = _insert_bills(rows, list(chunk), constants)
        created += len(chunk)
        created_total += sum((planned.amount for planned in chunk), Decimal("0.00"))
        _insert_rows(
            BillLine,
            LINE_COLUMNS,
            [
                (bill_id, line.description[:80], line.quantity, line.unit, line.unit_price,
                 line.amount, index)
                for bill_id, planned in zip(bill_ids, chunk, strict=True)
                for index, line in enumerate(planned.lines)
            ],
        )  # fmt: skip
    if created != run.bill_count:
        run.bill_count, run.total = created, created_total
        run.save(update_fields=["bill_count", "total"])


BILL_COLUMNS = ("number", "room_id", "rule_id", "kind", "title", "period_start", "period_end",
                "due_date", "late_fee_daily_rate", "late_fee_cap_rate", "amount")  # fmt: skip
PLAIN_FIELD_TYPES = {"CharField", "TextField", "PositiveSmallIntegerField", "AutoField",
                     "BigAutoField"}  # fmt: skip
LINE_COLUMNS = ("bill_id", "description", "quantity", "unit", "unit_price", "amount", "sort")


def _insert_bills(rows: list[tuple], planned: list[PlannedBill], constants: dict):
    """Insert the bills of `rows` (values of BILL_COLUMNS); returns their ids and plans. A run
    racing this one may have created some of them since the plan was made: the unique
    constraint refuses the chunk, and those are dropped before trying again."""
    ids = None
    while rows:
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    # Ids drawn from the sequence first: COPY returns none, and looking the
                    # rows up again by number cost a query on the unique index per chunk.
                    ids = _next_ids(Bill, len(rows))
                    numbered = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
                    _insert_rows(Bill, ("id", *BILL_COLUMNS), numbered, constants)
                else:
                    _insert_rows(Bill, BILL_COLUMNS, rows, constants)
            break
        except IntegrityError:
            # By rule and period only: a chunk's rooms are too many for one IN (SQLite).
            taken = set(
                Bill.objects.filter(
                    rule_id__in={row[2] for row in rows}, period_start__in={row[5] for row in rows}
                ).values_list("room_id", "rule_id", "period_start")
            )
            kept = [
                (row, plan)
                for row, plan in zip(rows, planned, strict=True)
                if (row[1], row[2], row[5]) not in taken
            ]
            if len(kept) == len(rows):
                raise
            rows, planned = [row for row, _plan in kept], [plan for _row, plan in kept]
    if not rows:
        return [], planned
    if ids is not None:
        return ids, planned
    numbers = [row[0] for row in rows]
    by_number = dict(Bill.objects.filter(number__in=numbers).values_list("number", "pk"))
    return [by_number[number] for number in numbers], planned


def _next_ids(model, count: int) -> list[int]:
    """`count` ids from the sequence of `model`'s primary key (PostgreSQL)."""
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _insert_rows(model, columns: tuple[str, ...], rows: list[tuple], constants=None) -> None:
    """INSERT `rows` (values of `columns`, by attname) in one go; the other columns get
    `constants` or their field's default. No model instance per row: on an
    80,000-bill run, bulk_create's per-object work cost several times what the database did."""
    if not rows:
        return
    constants = constants or {}
    fields = {f.attname: f for f in model._meta.concrete_fields}
    given = [fields[name] for name in columns]
    rest = [f for name, f in fields.items() if name not in columns and not f.primary_key]
    fixed = [
        field.get_db_prep_save(
            constants[field.attname] if field.attname in constants else field.get_default(),
            connection,
        )
        for field in rest
    ]
    # Table and column names come from the model, never from input.
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(field.column) for field in given + rest)
    # Text and integers go in as they are; the rest mostly repeat (periods, prices).
    plain = [
        field.get_internal_type() in PLAIN_FIELD_TYPES
        or (field.is_relation and field.target_field.get_internal_type() in PLAIN_FIELD_TYPES)
        for field in given
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy_rows(cursor.cursor, table, names, rows, plain, fixed)
            # Unseen by the execute wrapper that tells cached pages of writes.
            note_write(connection, [table])
        else:
            _insert_values(cursor, table, names, rows, given, plain, fixed)


def _insert_values(cursor, table: str, names: str, rows: list[tuple], given, plain, fixed):
    """INSERT … VALUES for every row in one executemany (SQLite), each repeated value (periods,
    prices) prepared once."""
    prepared: list[dict] = [{} for _field in given]

    def prepare(row: tuple) -> list:
        values = []
        for index, value in enumerate(row):
            if plain[index]:
                values.append(value)
                continue
            try:
                values.append(prepared[index][value])
            except KeyError:
                prepared[index][value] = given[index].get_db_prep_save(value, connection)
                values.append(prepared[index][value])
        return values + fixed

    placeholders = ", ".join(["%s"] * (len(given) + len(fixed)))
    cursor.executemany(
        f"INSERT INTO {table} ({names}) VALUES ({placeholders})",  # noqa: S608
        [prepare(row) for row in rows],
    )


def _copy_rows(cursor, table: str, names: str, rows: list[tuple], plain: list[bool], fixed):
    """COPY (many times faster than INSERT statements on PostgreSQL) in its text format, made
    here: each repeated value (periods, titles, prices) turned into text once, the constant
    columns once for all rows. A second thread sends the text while the next chunk is made."""
    texts: list[dict] = [{} for _plain in plain]
    tail = "".join("\t" + _copy_text(value) for value in fixed) + "\n"

    def text(index: int, value) -> str:
        try:
            return texts[index][value]
        except KeyError:
            texts[index][value] = _copy_text(value)
            return texts[index][value]

    def line(row: tuple) -> str:
        values = [
            str(value) if plain[index] and type(value) is int else text(index, value)
            for index, value in enumerate(row)
        ]
        return "\t".join(values) + tail

    from psycopg.copy import QueuedLibpqWriter  # PostgreSQL only

    statement = f"COPY {table} ({names}) FROM STDIN"
    with connection.wrap_database_errors, cursor.copy(statement,
                                                       writer=QueuedLibpqWriter(cursor)) as copy:  # fmt: skip
        for chunk in batched(rows, COPY_LINES):
            copy.write("".join(map(line, chunk)))


def _copy_text(value) -> str:
    """A value as COPY's text format writes it."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str):
        return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                .replace("\r", "\\r"))  # fmt: skip
    if isinstance(value, dt.date | dt.time):  # datetimes too, with their offset
        return value.isoformat()
    if isinstance(value, int | Decimal):
        return str(value)
    raise TypeError(f"no COPY text for {type(value).__name__}")


def _bill_title(rule: FeeRule, start: dt.date, end: dt.date) -> str:
    """「物业服务费 2026年11月」: stored with the bill, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return f"{rule.name} {period_label(start, end)}"


@transaction.atomic
def run_publish(*, run: BillRun, actor: User, request: HttpRequest | None = None) -> int:
    """Publish the run's draft bills and tell the households (`bill.published`, one message per
    person and run): the fan-out is written in this transaction (notices.fanout), so a broker
    or worker that fails cannot lose it; the sweep finishes what its task did not."""
    run = BillRun.objects.select_for_update().get(pk=run.pk)
    if run.status == BillRun.Status.PUBLISHED:
        raise ValidationError(_("This bill run is already published."))
    now = timezone.now()
    published = Bill.objects.filter(run=run, status=Bill.Status.DRAFT).update(
        status=Bill.Status.PUBLISHED, published_at=now
    )
    run.status = BillRun.Status.PUBLISHED
    run.published_at = now
    run.save(update_fields=["status", "published_at"])
    invalidate(f"community:{run.community_id}")  # the households' unpaid badges
    log_action(actor=actor, action="billing.run_published", target=run,
               community=run.community, data={"bills": published}, request=request)  # fmt: skip
    fanout.schedule(RUN_PUBLISHED, obj=run, plan=RUN_PUBLISHED_PLAN)
    return published


def _locked_draft(run: BillRun) -> BillRun:
    """The run under a row lock, refused unless it is still a draft none of whose bills was
    ever published or paid (a draft waived by mistake goes with it)."""
    run = BillRun.objects.select_for_update().select_related("community").get(pk=run.pk)
    if run.status != BillRun.Status.CREATED:
        raise ValidationError(_("This bill run is already published; its bills stay."))
    bills = Bill.objects.filter(run=run)
    if (
        bills.filter(published_at__isnull=False).exists()
        or bills.exclude(status__in=(Bill.Status.DRAFT, Bill.Status.WAIVED)).exists()
        or PaymentItem.objects.filter(bill__run=run).exists()
    ):
        raise ValidationError(_("Some bills of this run were published or paid; it stays."))
    return run


def _delete_drafts(run: BillRun) -> int:
    drafts = Bill.objects.filter(run=run, published_at__isnull=True)
    count = drafts.count()
    BillLine.objects.filter(bill__run=run).delete()
    BillReminder.objects.filter(bill__run=run).delete()
    drafts.delete()
    return count


@transaction.atomic
def run_discard(*, run: BillRun, actor: User, request: HttpRequest | None = None) -> int:
    """Delete a draft run and its draft bills (a published run is never touched)."""
    run = _locked_draft(run)
    deleted = _delete_drafts(run)
    log_action(actor=actor, action="billing.run_discarded", target=run, community=run.community,
               data={"bills": deleted, "total": str(run.total),
                     "period": period_label(run.period_start, run.period_end)},
               request=request)  # fmt: skip
    run.delete()
    return deleted


@transaction.atomic
def run_regenerate(*, run: BillRun, actor: User, request: HttpRequest | None = None) -> BillRun:
    """Compute a draft run again from today's rules, prices, readings and rooms: its draft
    bills are replaced (same run, same month and fees)."""
    run = _locked_draft(run)
    before = (run.bill_count, str(run.total))
    _delete_drafts(run)
    fee_rules = list(run.rules.order_by("kind", "name"))
    plan = run_plan(run.community, fee_rules, run.month or run.period_start)
    periods = [plan.periods[r.pk] for r in fee_rules if r.pk in plan.periods]
    if periods:
        run.period_start = min(p[0] for p in periods)
        run.period_end = max(p[1] for p in periods)
    run.month = plan.month
    run.bill_count, run.total = len(plan.bills), plan.total
    run.skipped = [list(e) for e in plan.exceptions[:500]]
    run.save(update_fields=["period_start", "period_end", "month", "bill_count", "total",
                            "skipped"])  # fmt: skip
    _fill_run(run, plan, fee_rules, timezone.now())
    log_action(actor=actor, action="billing.run_regenerated", target=run,
               community=run.community,
               data={"bills_before": before[0], "total_before": before[1],
                     "bills": run.bill_count, "total": str(run.total),
                     "exceptions": len(plan.exceptions)}, request=request)  # fmt: skip
    return run


RUN_PUBLISHED = "bill.published"
RUN_PUBLISHED_PLAN = "billing.services.run_published_plan"


def _run_residents(run: BillRun):
    return selectors.residents_of_rooms(Bill.objects.filter(run=run).values("room_id"))


def run_published_plan(run: BillRun) -> fanout.Plan:
    """Every verified member of the billed rooms' households, one message per person."""
    return fanout.Plan(
        recipients=_run_residents(run),
        context={"run": run, "community": run.community},
        url=reverse("billing:bills"),
    )


def notify_run_published(run_id: int) -> int:
    """Finish the run's fan-out now, in this process (also what a task queued before the
    outbox existed still calls)."""
    run = BillRun.objects.select_related("community").get(pk=run_id)
    fan_out = fanout.schedule(RUN_PUBLISHED, obj=run, plan=RUN_PUBLISHED_PLAN)
    return fanout.run(fan_out.pk)


# --- Single charges (SBIL-1) -----------------------------------------------------------------------


@dataclass(frozen=True)
class ChargeInput:
    """A one-off charge for one room as staff enter it (or another module raises it)."""

    room: Room
    title: str
    kind: str
    lines: list[rules.Line]
    period_start: dt.date
    period_end: dt.date
    due_date: dt.date
    source_label: str = ""
    source_key: str = ""

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


@transaction.atomic
def charge_create(
    *, charge: ChargeInput, actor: User | None, publish: bool = False,
    request: HttpRequest | None = None,
) -> Bill:  # fmt: skip
    """A bill of its own for one room (no fee rule, no run): a draft to review, or published
    at once. A charge of ¥0.00 or less is refused (never a 待缴费 of nothing)."""
    if not charge.lines or charge.amount <= 0:
        raise ValidationError(_("The charge must be more than ¥0.00."))
    if charge.period_end < charge.period_start:
        raise ValidationError({"period_end": _("The period cannot end before it starts.")})
    community = charge.room.building.community
    now = timezone.now()
    bill = Bill.objects.create(
        number=new_number("ZD"), community=community, room=charge.room, rule=None,
        kind=charge.kind, title=charge.title.strip()[:60], period_start=charge.period_start,
        period_end=charge.period_end, due_date=charge.due_date, amount=charge.amount,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now, source_label=charge.source_label[:100],
        source_key=charge.source_key[:60],
    )  # fmt: skip
    BillLine.objects.bulk_create(
        BillLine(bill=bill, description=line.description[:80], quantity=line.quantity,
                 unit=line.unit[:20], unit_price=line.unit_price, amount=line.amount, sort=index)
        for index, line in enumerate(charge.lines)
    )  # fmt: skip
    log_action(actor=actor, action="billing.charge_created", target=bill, community=community,
               data={"room": charge.room.label, "title": bill.title, "amount": str(bill.amount),
                     "for": bill.source_label}, request=request)  # fmt: skip
    if publish:
        _publish_charges([bill], actor=actor, request=request, now=now)
    return bill


@transaction.atomic
def charges_publish(
    *, bills: Iterable[Bill], actor: User, request: HttpRequest | None = None
) -> int:
    """Publish draft single charges (others are skipped); each household is told."""
    locked = list(
        Bill.objects.select_for_update(of=("self",))
        .filter(pk__in=[bill.pk for bill in bills], rule__isnull=True, run__isnull=True,
                status=Bill.Status.DRAFT)
        .select_related("room__building", "community")
        .order_by("pk")
    )  # fmt: skip
    return _publish_charges(locked, actor=actor, request=request, now=timezone.now())


def _publish_charges(bills: list[Bill], *, actor, request, now) -> int:
    for bill in bills:
        bill.status = Bill.Status.PUBLISHED
        bill.published_at = now
        bill.save(update_fields=["status", "published_at"])
        invalidate(f"household:{bill.room_id}")
        log_action(actor=actor, action="billing.charge_published", target=bill,
                   community=bill.community,
                   data={"room": bill.room.label, "title": bill.title,
                         "amount": str(bill.amount)}, request=request)  # fmt: skip
        notify(
            RUN_PUBLISHED, selectors.residents_of_rooms([bill.room_id]), obj=bill,
            context={"bill": bill, "community": bill.community}, url=reverse("billing:bills"),
        )  # fmt: skip
    return len(bills)


@transaction.atomic
def charge_delete(*, bill: Bill, actor: User, request: HttpRequest | None = None) -> None:
    """Delete a draft single charge (one entered by mistake); a published one is waived
    instead."""
    bill = Bill.objects.select_for_update().select_related("room__building").get(pk=bill.pk)
    if bill.status != Bill.Status.DRAFT or bill.rule_id or bill.run_id:
        raise ValidationError(_("Only a draft single charge can be deleted."))
    log_action(actor=actor, action="billing.charge_deleted", target=bill,
               community=bill.community,
               data={"room": bill.room.label, "title": bill.title, "amount": str(bill.amount)},
               request=request)  # fmt: skip
    bill.lines.all().delete()
    bill.delete()


def handle_room_charge(charge: RoomCharge) -> BilledCharge:
    """kit.charges' handler: another module's `RoomCharge` becomes a single charge, published
    at once or left as a draft for the office to review. Runs in the caller's transaction."""
    today = timezone.localdate()
    source = charge.source
    label, key = charge.extra.get("source_label", ""), ""
    if source is not None:
        meta = source._meta
        label = label or f"{meta.verbose_name}{source}"
        key = f"{meta.app_label}.{meta.model_name}:{source.pk}"
    lines = [
        rules.Line(description=line.description, quantity=line.quantity, unit=line.unit,
                   unit_price=line.unit_price, amount=line.amount)
        for line in charge.lines
    ]  # fmt: skip
    bill = charge_create(
        charge=ChargeInput(
            room=charge.room, title=charge.title, lines=lines,
            kind=charge.extra.get("kind", FeeKind.REPAIR if source is not None else FeeKind.OTHER),
            period_start=charge.extra.get("period_start", today),
            period_end=charge.extra.get("period_end", today),
            due_date=charge.extra.get("due_date", today + dt.timedelta(days=CHARGE_DUE_DAYS)),
            source_label=str(label), source_key=key,
        ),
        actor=charge.actor, publish=charge.publish,
    )  # fmt: skip
    return BilledCharge(bill_id=bill.pk, bill_number=bill.number, amount=bill.amount,
                        published=bill.status == Bill.Status.PUBLISHED)  # fmt: skip


# A charge raised by another module falls due this many days later unless it says otherwise.
CHARGE_DUE_DAYS = 15

# --- Payments and receipts ---------------------------------------------------------------------


@transaction.atomic
def counter_payment(
    *, bills: list[Bill], method: str, cashier: User, payer_name: str = "",
    reference: str = "", amount: Decimal | None = None, tendered: Decimal | None = None,
    request: HttpRequest | None = None,
) -> Payment:  # fmt: skip
    """A cashier takes payment of `bills` (of one room), late fees included, and the receipt is
    issued at once. `amount` less than the total pays part (oldest due first; see
    `allocate`); `tendered` is the cash handed over (the change is recorded). The prepaid
    method takes the money from the room's prepaid balance, locked."""
    if method not in Payment.BILL_COUNTER_METHODS:
        raise ValidationError({"method": _("Choose cash, card (POS) or bank transfer.")})
    # The counter's form refuses POS and transfer payments without their reference.
    reference = reference.strip()
    locked, items, total = quote(bills)
    if amount is not None and amount > total:
        raise ValidationError(
            {"amount": _("That is more than the %(total)s the chosen bills cost.")
             % {"total": f"¥{total}"}}
        )  # fmt: skip
    if amount is not None and amount < total:
        items, total = allocate(locked, amount, timezone.localdate())
    change = None
    if method == Payment.Method.CASH and tendered is not None:
        if tendered < total:
            raise ValidationError(
                {"tendered": _("The amount tendered is less than the %(total)s to pay.")
                 % {"total": f"¥{total}"}}
            )  # fmt: skip
        change = tendered - total
    elif method != Payment.Method.CASH:
        tendered = None
    account = None
    if method == Payment.Method.PREPAID:
        account = _locked_account(locked[0].room)
        if account.balance < total:
            raise ValidationError(
                {"amount": _("The prepaid balance is %(balance)s, less than the %(total)s to pay; "
                             "pay part of the bills from it.")
                 % {"balance": f"¥{account.balance}", "total": f"¥{total}"}}
            )  # fmt: skip
    payment = _record_payment(
        locked=locked, items=items, total=total, method=method, payer=None,
        payer_name=payer_name, cashier=cashier, reference=reference,
        extra={"tendered": tendered, "change": change},
    )  # fmt: skip
    if account is not None:
        _ledger(account, kind=PrepaymentEntry.Kind.DEDUCTION, amount=-total, payment=payment,
                method=method, actor=cashier)  # fmt: skip
    settled(payment, bills=locked, event="payment.receipt", actor=cashier, request=request)
    return payment


def _reference_missing(method: str) -> str:
    if method == Payment.Method.POS:
        return _("Enter the POS voucher number.")
    return _("Enter the bank transfer's reference number.")


def _pay(*, bills, method, payer, payer_name, cashier, reference, request) -> Payment:
    locked, items, total = quote(bills)
    payment = _record_payment(
        locked=locked, items=items, total=total, method=method, payer=payer,
        payer_name=payer_name, cashier=cashier, reference=reference,
    )  # fmt: skip
    settled(payment, bills=locked, event="payment.receipt", actor=cashier or payer, request=request)
    return payment


def _record_payment(
    *, locked, items, total, method, payer, payer_name, cashier, reference, extra=None
) -> Payment:
    room = locked[0].room
    now = timezone.now()
    payment = Payment.objects.create(
        number=new_number("JF"), community=room.building.community, room=room, payer=payer,
        payer_name=payer_name, method=method, amount=total, status=Payment.Status.SUCCEEDED,
        reference=reference, cashier=cashier, created_at=now, paid_at=now, **(extra or {}),
    )  # fmt: skip
    PaymentItem.objects.bulk_create(
        PaymentItem(payment=payment, bill=bill, amount=amount, late_fee=fee)
        for bill, amount, fee in items
    )
    apply_to_bills(items, now)
    return payment


def allocate(
    locked: list[Bill], amount: Decimal, today: dt.date
) -> tuple[list[tuple[Bill, Decimal, Decimal]], Decimal]:
    """Part payment: `amount` goes to the bills oldest due first. Each yuan of a bill paid
    carries the late fee of its own days overdue (what paying it in full online charges), so
    the rest keeps accruing from the due date and no day is charged twice. Returns the items
    and what they add up to (a fen below `amount` when the late fee's rounding leaves one)."""
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if amount <= 0:
        raise ValidationError({"amount": _("The amount to pay must be more than ¥0.00.")})
    items, left = [], amount
    for bill in sorted(locked, key=lambda bill: (bill.due_date, bill.pk)):
        if left <= 0:
            break
        fee = selectors.late_fee_of(bill, today)
        if left >= bill.outstanding + fee:
            items.append((bill, bill.outstanding, fee))
            left -= bill.outstanding + fee
            continue
        principal, fee = _portion(bill, left, today)
        if principal > 0:
            items.append((bill, principal, fee))
            left -= principal + fee
        break
    total = sum((principal + fee for _bill, principal, fee in items), Decimal("0.00"))
    if total > amount or not items:
        raise ValidationError({"amount": _("The amount to pay must be more than ¥0.00.")})
    return items, total


def _portion(bill: Bill, money: Decimal, today: dt.date) -> tuple[Decimal, Decimal]:
    """The largest principal of `bill` whose late fee fits beside it in `money`."""
    fen = Decimal("0.01")

    def fee_of(principal: Decimal) -> Decimal:
        return rules.late_fee(principal, bill.due_date, today, bill.late_fee_daily_rate,
                              bill.late_fee_cap_rate)  # fmt: skip

    full_fee = selectors.late_fee_of(bill, today)
    ratio = full_fee / bill.outstanding if bill.outstanding else Decimal(0)
    principal = min((money / (1 + ratio)).quantize(fen), bill.outstanding)
    while principal > 0 and principal + fee_of(principal) > money:
        principal -= fen
    while (
        principal + fen <= bill.outstanding and principal + fen + fee_of(principal + fen) <= money
    ):
        principal += fen
    return principal, fee_of(principal)


def quote(bills) -> tuple[list[Bill], list[tuple[Bill, Decimal, Decimal]], Decimal]:
    """Lock the bills (in id order) and say what paying them costs today: per bill what is
    outstanding and its late fee, and the total. One room, open bills only."""
    if not bills:
        raise ValidationError(_("Choose at least one bill."))
    locked = list(
        Bill.objects.select_for_update(of=("self",))
        .filter(pk__in=[getattr(b, "pk", b) for b in bills])
        .select_related("room__building__community__company", "room__unit")
        .order_by("pk")
    )
    if not locked:
        raise ValidationError(_("Choose at least one bill."))
    rooms = {bill.room_id for bill in locked}
    if len(rooms) != 1:
        raise ValidationError(_("One payment covers the bills of one room."))
    if any(bill.status not in Bill.UNPAID_STATUSES for bill in locked):
        raise ValidationError(_("Some of these bills are not open for payment any more."))
    today = timezone.localdate()
    items = [(bill, bill.outstanding, selectors.late_fee_of(bill, today)) for bill in locked]
    total = sum((amount + fee for _bill, amount, fee in items), Decimal("0.00"))
    return locked, items, total


def apply_to_bills(items, now) -> None:
    """Mark locked bills paid, or partly paid, by (bill, amount, late fee) items."""
    for bill, amount, fee in items:
        bill.paid_amount = bill.paid_amount + amount
        bill.late_fee_paid = bill.late_fee_paid + fee
        if bill.paid_amount >= bill.amount:
            bill.status = Bill.Status.PAID
            bill.paid_at = now
        else:
            bill.status = Bill.Status.PARTIALLY_PAID
        bill.save(update_fields=["paid_amount", "late_fee_paid", "status", "paid_at"])
        invalidate(f"household:{bill.room_id}")


def settled(payment: Payment, *, bills, event: str, actor, request=None) -> Receipt:
    """What every settled payment gets, in its transaction: a receipt, the audit log, and the
    household's message (queued after commit by the spine)."""
    receipt = receipt_issue(payment=payment, company=payment.community.company)
    log_action(actor=actor, action="billing.paid", target=payment, community=payment.community,
               data={"method": payment.method, "amount": str(payment.amount),
                     "bills": [b.number for b in bills], "receipt": receipt.display_number},
               request=request)  # fmt: skip
    recipients = selectors.residents_of_payment(payment)
    notify(event, recipients, obj=payment, context={"payment": payment, "receipt": receipt},
           url=reverse("billing:receipt", args=[receipt.pk]))  # fmt: skip
    return receipt


def receipt_issue(*, payment: Payment, company: PropertyCompany) -> Receipt:
    """The company's next receipt number, gap-free: the sequence row is locked until the
    payment's transaction ends, so a rolled-back payment gives its number back."""
    sequence, _created = ReceiptSequence.objects.get_or_create(company=company)
    sequence = ReceiptSequence.objects.select_for_update().get(pk=sequence.pk)
    number = sequence.next_number
    sequence.next_number = F("next_number") + 1
    sequence.save(update_fields=["next_number"])
    return Receipt.objects.create(
        company=company, number=number, payment=payment, token=uuid.uuid4().hex
    )


# --- Prepaid balances (预存) ------------------------------------------------------------------------


def _locked_account(room: Room) -> PrepaymentAccount:
    """The room's prepaid account, created at need, locked until the transaction ends: two
    deductions at once wait for each other and the second sees the first's balance."""
    PrepaymentAccount.objects.get_or_create(
        room=room, defaults={"community_id": room.building.community_id}
    )
    return PrepaymentAccount.objects.select_for_update().get(room=room)


def _ledger(account: PrepaymentAccount, *, kind: str, amount: Decimal, actor, payment=None,
            method: str = "", note: str = "") -> PrepaymentEntry:  # fmt: skip
    """Change a locked account's balance by `amount` (signed) and write it to the ledger."""
    if account.balance + amount < 0:
        raise ValidationError(
            {"amount": _("The prepaid balance is only %(balance)s.")
             % {"balance": f"¥{account.balance}"}}
        )  # fmt: skip
    account.balance = account.balance + amount
    account.save(update_fields=["balance"])
    return PrepaymentEntry.objects.create(
        account=account, kind=kind, amount=amount, balance_after=account.balance,
        payment=payment, method=method, note=note[:200], actor=actor,
    )  # fmt: skip


@transaction.atomic
def prepayment_deposit(
    *, room: Room, amount: Decimal, method: str, cashier: User, payer_name: str = "",
    reference: str = "", tendered: Decimal | None = None, request: HttpRequest | None = None,
) -> Payment:  # fmt: skip
    """Money paid in advance at the counter: a payment for no bill, with its receipt, and the
    room's balance raised by it."""
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be more than ¥0.00.")})
    if method not in Payment.COUNTER_METHODS:
        raise ValidationError({"method": _("Choose cash, card (POS) or bank transfer.")})
    reference = reference.strip()
    if method in Payment.NEEDS_REFERENCE and not reference:
        raise ValidationError({"reference": _reference_missing(method)})
    change = None
    if method == Payment.Method.CASH and tendered is not None:
        if tendered < amount:
            raise ValidationError(
                {"tendered": _("The amount tendered is less than the %(total)s to pay.")
                 % {"total": f"¥{amount}"}}
            )  # fmt: skip
        change = tendered - amount
    else:
        tendered = None
    account = _locked_account(room)
    now = timezone.now()
    payment = Payment.objects.create(
        number=new_number("YC"), community=room.building.community, room=room,
        payer_name=payer_name.strip(), method=method, amount=amount,
        status=Payment.Status.SUCCEEDED, purpose=Payment.Purpose.PREPAYMENT, reference=reference,
        cashier=cashier, created_at=now, paid_at=now, tendered=tendered, change=change,
    )  # fmt: skip
    _ledger(account, kind=PrepaymentEntry.Kind.DEPOSIT, amount=amount, payment=payment,
            method=method, actor=cashier)  # fmt: skip
    settled(payment, bills=[], event="payment.receipt", actor=cashier, request=request)
    return payment


@transaction.atomic
def prepayment_refund(
    *, room: Room, amount: Decimal, reason: str, actor: User, request: HttpRequest | None = None
) -> PrepaymentEntry:
    """Give prepaid money back (in cash, at the counter): the office's rule is that only
    someone who may refund does it, with a reason, and never more than the balance."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please give a reason for the refund.")})
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if amount <= 0:
        raise ValidationError({"amount": _("The refund must be more than ¥0.00.")})
    account = _locked_account(room)
    entry = _ledger(account, kind=PrepaymentEntry.Kind.REFUND, amount=-amount,
                    method=Payment.Method.CASH, actor=actor, note=reason)  # fmt: skip
    log_action(actor=actor, action="billing.prepayment_refunded", target=room,
               community=account.community,
               data={"amount": str(amount), "reason": reason, "balance": str(account.balance)},
               request=request)  # fmt: skip
    return entry


# --- Voiding a receipt (红冲) and the cashier's day (日结/交班) ---------------------------------------


def may_void(payment: Payment, user: User, *, any_day: bool, today: dt.date) -> bool:
    """Who may void: a holder of billing.void_receipt (the manager) any counter payment; a
    cashier only their own, on the day it was taken, before they hand their day over."""
    if payment.status != Payment.Status.SUCCEEDED or payment.refunded_amount > 0:
        return False
    if payment.method not in Payment.BILL_COUNTER_METHODS:
        return False
    if any_day:
        return True
    paid_on = timezone.localdate(payment.paid_at)
    return (
        payment.cashier_id == user.pk
        and paid_on == today
        and not CashierDay.objects.filter(
            community_id=payment.community_id, cashier_id=user.pk, day=paid_on
        ).exists()
    )


@transaction.atomic
def payment_void(
    *, payment: Payment, actor: User, reason: str, any_day: bool,
    request: HttpRequest | None = None,
) -> Payment:  # fmt: skip
    """Void a counter payment (红冲): the bills it paid are owed again (late fees as they were),
    money taken from the prepaid balance goes back to it and a prepayment comes off it. The
    receipt keeps its number, marked voided; the number is never issued again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please give a reason for voiding.")})
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    today = timezone.localdate()
    if not may_void(payment, actor, any_day=any_day, today=today):
        raise ValidationError(
            _("This receipt cannot be voided by you: cashiers void only their own receipts of "
              "today before handing over; refunded or online payments are refunded instead.")
        )  # fmt: skip
    items = list(payment.items.order_by("bill_id"))
    bills = {
        bill.pk: bill
        for bill in Bill.objects.select_for_update().filter(pk__in=[i.bill_id for i in items])
    }
    for item in items:
        bill = bills[item.bill_id]
        bill.paid_amount -= item.amount
        bill.late_fee_paid -= item.late_fee
        bill.paid_at = None
        if bill.paid_amount > 0:
            bill.status = Bill.Status.PARTIALLY_PAID
        elif bill.due_date < today:
            bill.status = Bill.Status.OVERDUE
        else:
            bill.status = Bill.Status.PUBLISHED
        bill.save(update_fields=["paid_amount", "late_fee_paid", "status", "paid_at"])
        invalidate(f"household:{bill.room_id}")
    if payment.method == Payment.Method.PREPAID:
        _ledger(_locked_account(payment.room), kind=PrepaymentEntry.Kind.VOID,
                amount=payment.amount, payment=payment, actor=actor, note=reason)  # fmt: skip
    elif payment.purpose == Payment.Purpose.PREPAYMENT:
        _ledger(_locked_account(payment.room), kind=PrepaymentEntry.Kind.VOID,
                amount=-payment.amount, payment=payment, actor=actor, note=reason)  # fmt: skip
    payment.status = Payment.Status.VOIDED
    payment.voided_at = timezone.now()
    payment.voided_by = actor
    payment.void_reason = reason[:200]
    payment.save(update_fields=["status", "voided_at", "voided_by", "void_reason"])
    receipt = Receipt.objects.filter(payment=payment).first()
    log_action(actor=actor, action="billing.voided", target=payment, community=payment.community,
               data={"amount": str(payment.amount), "reason": reason,
                     "receipt": receipt.display_number if receipt else "",
                     "bills": [bill.number for bill in bills.values()]},
               request=request)  # fmt: skip
    return payment


@transaction.atomic
def cashier_day_close(
    *, community: Community, cashier: User, day: dt.date, actor: User,
    request: HttpRequest | None = None,
) -> CashierDay:  # fmt: skip
    """The cashier hands their day over (交班): its figures are kept as they are now."""
    if day > timezone.localdate():
        raise ValidationError(_("A day that has not come yet cannot be handed over."))
    if CashierDay.objects.filter(community=community, cashier=cashier, day=day).exists():
        raise ValidationError(_("This day has already been handed over."))
    summary = selectors.cashier_day_summary(community, cashier, day)
    closed = CashierDay.objects.create(
        community=community, cashier=cashier, day=day, summary=summary.as_json()
    )
    log_action(actor=actor, action="billing.day_closed", target=closed, community=community,
               data={"day": str(day), "receipts": summary.receipts,
                     "cash": str(summary.cash_expected)}, request=request)  # fmt: skip
    return closed


@transaction.atomic
def bill_waive(*, bill: Bill, actor: User, reason: str, request: HttpRequest | None = None) -> Bill:
    bill = Bill.objects.select_for_update().get(pk=bill.pk)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Please give a reason for waiving.")})
    if bill.status not in (*Bill.UNPAID_STATUSES, Bill.Status.DRAFT) or bill.paid_amount > 0:
        raise ValidationError(_("Only an unpaid bill can be waived."))
    bill.status = Bill.Status.WAIVED
    bill.waived_reason = reason[:200]
    bill.waived_by = actor
    bill.save(update_fields=["status", "waived_reason", "waived_by"])
    invalidate(f"household:{bill.room_id}")
    log_action(actor=actor, action="billing.waived", target=bill, community=bill.community,
               data={"reason": reason, "amount": str(bill.amount)}, request=request)  # fmt: skip
    return bill


REMINDER_MINUTES, REMINDER_HOURS = "0,30", "9-20"


def mark_overdue(today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    return Bill.objects.filter(status__in=Bill.FALLING_DUE_STATUSES, due_date__lt=today).update(
        status=Bill.Status.OVERDUE
    )


def send_reminders(today: dt.date | None = None) -> dict[str, int]:
    """`bill.due_soon` N days before the due date and `bill.overdue` N days after it, per
    the community's settings. The reminder row is written first (unique per bill, kind and
    offset) in the same transaction as the message, so a second run, or a run after a worker
    died mid-batch, sends each reminder once."""
    today = today or timezone.localdate()
    mark_overdue(today)
    sent = {"due_soon": 0, "overdue": 0}
    for community in Community.objects.filter(bills__status__in=Bill.UNPAID_STATUSES).distinct():
        settings_ = selectors.billing_settings(community)
        for kind, offsets, sign in (
            (BillReminder.Kind.DUE_SOON, BillingSettings.parse_days(settings_.remind_days_before), 1),
            (BillReminder.Kind.OVERDUE, BillingSettings.parse_days(settings_.remind_days_after), -1),
        ):  # fmt: skip
            for offset in offsets:
                due = today + dt.timedelta(days=sign * offset)
                bills = (
                    Bill.objects.filter(community=community, status__in=Bill.UNPAID_STATUSES,
                                        due_date=due)
                    .exclude(reminders__kind=kind, reminders__offset_days=sign * offset)
                    .values_list("pk", flat=True)
                )  # fmt: skip
                for bill_id in list(bills):
                    sent[kind] += remind(bill_id=bill_id, kind=kind, offset=sign * offset)
    return sent


def remind(*, bill_id: int, kind: str, offset: int) -> int:
    """One reminder for one bill, once ever per kind and offset; 1 if it was sent now."""
    try:
        with transaction.atomic():
            BillReminder.objects.create(bill_id=bill_id, kind=kind, offset_days=offset)
            bill = Bill.objects.select_related("room__building", "community").get(pk=bill_id)
            event = "bill.overdue" if kind != BillReminder.Kind.DUE_SOON else "bill.due_soon"
            notify(
                event,
                selectors.residents_of_rooms([bill.room_id]),
                obj=bill,
                key=f"{kind}{offset}",
                context={"bill": bill, "days": abs(offset),
                         "late_fee": selectors.late_fee_of(bill, timezone.localdate())},
                url=reverse("billing:bills"),
            )  # fmt: skip
    except IntegrityError:
        return 0
    return 1


def dun(
    *, bills: Iterable[Bill], actor: User | None, request: HttpRequest | None = None,
    community: Community | None = None,
) -> int:  # fmt: skip
    """Staff send reminders for chosen unpaid bills now (at most once a day per bill)."""
    today = timezone.localdate()
    sent = 0
    for bill in bills:
        if bill.status not in Bill.UNPAID_STATUSES:
            continue
        sent += remind(bill_id=bill.pk, kind=BillReminder.Kind.DUNNING,
                       offset=(today - bill.due_date).days)  # fmt: skip
    if sent:
        log_action(actor=actor, action="billing.dunned", target=None,
                   community=community or getattr(request, "community", None),
                   data={"bills": sent}, request=request)  # fmt: skip
    return sent


DUN_CHUNK = 500


def dun_later(*, bill_ids: list[int], actor: User, community: Community) -> None:
    """Remind many bills (everything a filter matched) in the background, after commit."""
    from .tasks import dun_bills_task

    transaction.on_commit(
        lambda: dun_bills_task.delay(bill_ids, actor.pk, community.pk), robust=True
    )


def dun_bills(bill_ids: list[int], actor_id: int | None, community_id: int) -> int:
    """The background part of `dun_later`: the community's bills a chunk at a time."""
    actor = User.objects.filter(pk=actor_id).first()
    community = Community.objects.get(pk=community_id)
    sent = 0
    for chunk in batched(bill_ids, DUN_CHUNK):
        bills = list(Bill.objects.filter(community=community, pk__in=chunk).order_by("pk"))
        sent += dun(bills=bills, actor=actor, community=community)
    return sent

"""Demo billing for `seed_demo`: the platform's fee templates, adopted by every demo community,
rented parking spaces, meters with a year of readings, a published bill run for each of the
last 13 months, a year of counter payments with their receipts, the current month unpaid and a
few households in arrears. 张伟's room has a year of paid history, this month's bills open and
one overdue property bill.

Bills come from `billing.services` (run_create); a year of history is published, paid and
receipted as bulk rows with dates in the past, since the services stamp everything "now" and
would notify every household for every month. Receipt numbers stay gap-free per company and the
company's ReceiptSequence is advanced past them. Today's few payments go through
`counter_payment`. Idempotent: a community that has bill runs is left alone."""

import datetime as dt
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Community, Residency, Room, User
from accounts.selectors import room_order
from kit.db import analyze

from . import rules, services
from .models import (
    Bill,
    BillLine,
    BillRun,
    FeeRule,
    FeeRuleTemplate,
    Meter,
    MeterReading,
    ParkingSpace,
    Payment,
    PaymentItem,
    Receipt,
    ReceiptSequence,
)

FEATURED_MOBILE = "13900000001"  # 张伟
HISTORY_MONTHS = 13  # the current month (still open) and the 12 before it (mostly paid)
# A load-test estate gets the rules but no history: bench/billing.py makes its own bills.
MAX_HISTORY_ROOMS = 5000
LATE_FEE = {"late_fee_daily_rate": Decimal("0.0005"), "late_fee_cap_rate": Decimal("0.1")}
TEMPLATES = [
    {"name": "物业服务费", "kind": "property", "unit_price": Decimal("2.80"), **LATE_FEE,
     "description": "按建筑面积计费，2.80 元/m²·月，次月15日前缴清，逾期每日 0.05%，最高 10%"},
    {"name": "水费", "kind": "water", "unit_price": Decimal("3.45"),
     "description": "居民生活用水，3.45 元/m³"},
    {"name": "电费", "kind": "electricity", "unit_price": Decimal("0.538"),
     "tiers": [["200", "0.538"], ["400", "0.588"], ["", "0.838"]],
     "description": "阶梯电价：200 kWh 以内 0.538，200–400 kWh 0.588，400 kWh 以上 0.838 元"},
    {"name": "燃气费", "kind": "gas", "unit_price": Decimal("2.61"),
     "description": "居民管道燃气，2.61 元/m³"},
    {"name": "车位管理费", "kind": "parking", "unit_price": Decimal("150"), **LATE_FEE,
     "description": "地下车位，每个车位 150 元/月"},
    {"name": "垃圾清运费", "kind": "fixed", "unit_price": Decimal("10"),
     "description": "生活垃圾清运，每户 10 元/月"},
]  # fmt: skip
# Typical monthly consumption of a household, by month of the year (1–12).
WATER = {1: 12, 2: 13, 3: 11, 4: 11, 5: 12, 6: 14, 7: 17, 8: 18, 9: 15, 10: 12, 11: 11, 12: 12}
ELECTRICITY = {1: 260, 2: 240, 3: 170, 4: 150, 5: 180, 6: 280, 7: 420, 8: 450, 9: 300, 10: 170,
               11: 180, 12: 250}  # fmt: skip
GAS = {1: 32, 2: 30, 3: 24, 4: 18, 5: 14, 6: 11, 7: 9, 8: 9, 9: 11, 10: 15, 11: 22, 12: 30}
METER_PROFILES = {"water": WATER, "electricity": ELECTRICITY, "gas": GAS}
COUNTER_METHODS = ["cash", "pos", "pos", "pos", "transfer"]
# Most households pay on the phone; in the demo those payments went through the sandbox.
ONLINE_METHODS = ["wechat", "wechat", "wechat", "alipay", "alipay", "card"]


def ensure_templates() -> list[FeeRuleTemplate]:
    """The platform's fee templates (PSET-1), created when missing, never changed."""
    templates = []
    for spec in TEMPLATES:
        spec = dict(spec)
        name = spec.pop("name")
        template, _created = FeeRuleTemplate.objects.get_or_create(name=name, defaults=spec)
        templates.append(template)
    return templates


def seed_billing(
    communities: list[Community], *, max_history_rooms: int = MAX_HISTORY_ROOMS
) -> int:
    """Billing history in `communities`; returns the number of bills written (0 when seeded
    before). Communities of more than `max_history_rooms` rooms get the fee rules only
    (bench/estate.py lifts the limit for a year of history on the 20,000-room estate)."""
    templates = ensure_templates()
    today = timezone.localdate()
    months = [_add_months(today.replace(day=1), -n) for n in range(HISTORY_MONTHS - 1, -1, -1)]
    featured = User.objects.filter(mobile=FEATURED_MOBILE).first()
    created = 0
    seeded = []
    for index, community in enumerate(communities, start=1):
        manager = User.objects.filter(mobile=f"1380000{index}001").first()
        cashier = User.objects.filter(mobile=f"1380000{index}004").first()
        if manager is None or cashier is None:
            continue
        fee_rules = _adopt(community, templates, manager, months[0])
        if BillRun.objects.filter(community=community).exists():
            continue
        if Room.objects.filter(building__community=community).count() > max_history_rooms:
            continue
        with transaction.atomic():
            created += _history(community, fee_rules, months, manager, cashier, featured)
        seeded.append((community, cashier))
    if seeded:
        analyze(Bill, BillLine, MeterReading, Payment, PaymentItem, Receipt, Meter)
        _issue_receipts({community.company for community, _cashier in seeded})
        for community, cashier in seeded:
            _todays_payments(community, cashier, months[-1])
        services.mark_overdue(today)
    return created


def _add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def _adopt(community, templates, actor, valid_from) -> list[FeeRule]:
    adopted = {rule.template_id: rule for rule in FeeRule.objects.filter(community=community)}
    for template in templates:
        if (
            template.pk not in adopted
            and not FeeRule.objects.filter(community=community, name=template.name).exists()
        ):
            adopted[template.pk] = services.rule_adopt(
                community=community, template=template, valid_from=valid_from, actor=actor
            )
    return [adopted[t.pk] for t in templates if t.pk in adopted]


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


# --- History --------------------------------------------------------------------------------------


def _history(community, fee_rules, months, manager, cashier, featured) -> int:
    rng = random.Random(f"billing-{community.name}")
    rooms = list(
        Room.objects.filter(building__community=community)
        .select_related("building", "unit")
        .order_by(*room_order(prefix=""))
    )
    occupied = set(
        Residency.objects.filter(
            room__building__community=community, status=Residency.Status.VERIFIED
        ).values_list("room_id", flat=True)
    )
    home = (
        Residency.objects.filter(user=featured, room__building__community=community,
                                 status=Residency.Status.VERIFIED)
        .values_list("room_id", flat=True)
        .first()
        if featured else None
    )  # fmt: skip
    _parking(community, rooms, occupied, home, rng)
    _readings(rooms, occupied, months, cashier, rng)
    runs = {}
    for month in months:
        runs[month] = services.run_create(
            community=community, fee_rules=fee_rules, month=month, actor=manager
        )
    now = timezone.now()
    for month, run in runs.items():
        if month == months[-1]:
            continue
        # Created and published on the 1st of the month after the period (last month's run
        # just now when that is the 1st before half past nine).
        stamp = min(_aware(_add_months(month, 1), 9, 30), now)
        BillRun.objects.filter(pk=run.pk).update(
            status=BillRun.Status.PUBLISHED, created_at=stamp, published_at=stamp
        )
    _publish_history_bills(community)
    current = runs[months[-1]]
    services.run_publish(run=current, actor=manager)
    # The households' inbox shows this month's bills at once (the queued task adds nothing).
    transaction.on_commit(lambda: services.notify_run_published(current.pk))
    _payments(community, rooms, home, cashier, now, rng)
    return sum(run.bill_count for run in runs.values())


def _publish_history_bills(community) -> None:
    """The bills of the runs just stamped published, with their run's dates, in one joined
    UPDATE (one per run cost a round trip and a statement each, 24 of them per seeding)."""
    bill, run = Bill._meta.db_table, BillRun._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {bill} SET status = %s, created_at = r.created_at,"  # noqa: S608 (table names from the models)
            f" published_at = r.published_at FROM {run} r"
            f" WHERE {bill}.run_id = r.id AND r.community_id = %s AND r.status = %s"
            f" AND {bill}.status = %s",
            [Bill.Status.PUBLISHED, community.pk, BillRun.Status.PUBLISHED, Bill.Status.DRAFT],
        )


def _parking(community, rooms, occupied, home, rng) -> None:
    count = max(4, len(rooms) // 4)
    tenants = [room for room in rooms if room.pk in occupied and room.pk != home]
    rng.shuffle(tenants)
    renters = tenants[: int(count * 0.8) - (1 if home else 0)]
    if home:
        renters.insert(0, next(room for room in rooms if room.pk == home))
    # A few households rent two spaces.
    renters += renters[1 : 1 + count // 20]
    ParkingSpace.objects.bulk_create(
        [
            ParkingSpace(
                community=community,
                code=f"B{1 + n // 200}-{n % 200 + 1:03d}",
                room=renters[n] if n < len(renters) else None,
            )
            for n in range(count)
        ],
        ignore_conflicts=True,
    )


def _readings(rooms, occupied, months, cashier, rng) -> None:
    """A reading per meter and month, from the month before the first bill on; one water meter
    is replaced four months ago (its reading starts again from 0)."""
    Meter.objects.bulk_create(
        [
            Meter(room=room, kind=kind, number=f"{kind[0].upper()}{room.pk:08d}")
            for room in rooms
            for kind in METER_PROFILES
        ],
        ignore_conflicts=True,
    )
    meters = Meter.objects.filter(room__in=[room.pk for room in rooms]).order_by("pk")
    changed_meter = None
    readings = []
    read_months = [_add_months(months[0], -1), *months]
    # Entered two days before the month's end; this month's readings (billed ahead) just now.
    now = timezone.now()
    entered = {month: min(_aware(_add_months(month, 1), 10) - dt.timedelta(days=2), now)
               for month in read_months}  # fmt: skip
    for meter_id, room_id, kind in meters.values_list("pk", "room_id", "kind"):
        is_home = room_id in occupied
        if changed_meter is None and kind == "water" and is_home:
            changed_meter = meter_id
        profile = METER_PROFILES[kind]
        size = rng.uniform(0.7, 1.4) if is_home else 0.03
        current = Decimal(rng.randrange(100, 3000))
        for number, month in enumerate(read_months):
            used = Decimal(str(round(profile[month.month] * size * rng.uniform(0.85, 1.15), 1)))
            previous = current if number else current - used
            is_change = meter_id == changed_meter and month == months[-4]
            if is_change:
                previous = Decimal("0.00")
            current = previous + used
            readings.append((meter_id, month, previous, current, is_change, entered[month]))
    # Rows, not model instances: a year of readings for every meter.
    services._insert_rows(
        MeterReading,
        ("meter_id", "month", "previous", "current", "is_meter_change", "entered_at"),
        readings,
        {"entered_by_id": cashier.pk},
    )


def _payments(community, rooms, home, cashier, now, rng) -> None:
    """One counter payment per room and month for that month's bills, between the publication
    and the due date (a few later, with the late fee) and before today. Bills due from today on
    are paid by about half the households; a few households are in arrears: one to three
    months overdue, and everything after them unpaid; 张伟 still owes an old property bill.

    Whatever the date, "overdue" means due before today: two months ago is always overdue
    (due on the 15th of last month), last month only after the 15th; so arrears are counted
    in overdue periods, not in months back from this one."""
    today = timezone.localdate()
    owners = _Owners.of(community)
    arrears = _arrears(rooms, owners, home, rng)
    bills = _published_bills(community)
    periods = sorted({period for _room, period in bills})
    oldest_open = _first_unpaid_periods(bills, arrears, today)
    payments, items = [], []
    for (room_id, period), room_bills in bills.items():
        if period == periods[-1]:
            continue  # this month's bills are open (a few are paid today, through the service)
        if room_id in oldest_open and period >= oldest_open[room_id]:
            continue  # in arrears from this period on
        due = room_bills[0].due_date
        if room_id == home and period == periods[-3]:
            room_bills = [bill for bill in room_bills if bill.kind != "property"]
        paid = _paid_on(room_bills, due, today, now, rng)
        if paid is None:
            continue
        payment, fees = _history_payment(community, room_id, room_bills, paid, owners, cashier, rng)
        payments.append(payment)
        items += [
            (payment, bill.pk, bill.amount, fee) for bill, fee in zip(room_bills, fees, strict=True)
        ]
    _save_history(community, payments, items)


@dataclass
class _Owners:
    """The verified owner of each room: the name on its receipts, and the user who pays
    online."""

    names: dict[int, str]
    user_ids: dict[int, int]

    @classmethod
    def of(cls, community: Community) -> "_Owners":
        owners = Residency.objects.filter(
            room__building__community=community, status=Residency.Status.VERIFIED,
            relation=Residency.Relation.OWNER,
        )  # fmt: skip
        return cls(
            names=dict(owners.values_list("room_id", "user__display_name")),
            user_ids=dict(owners.values_list("room_id", "user_id")),
        )


def _arrears(rooms, owners: _Owners, home, rng) -> dict[int, int]:
    """A few households (never 张伟's) that owe the last one to three overdue periods."""
    households = [room for room in rooms if room.pk in owners.names]
    arrears = {
        room.pk: rng.randint(1, 3)
        for room in rng.sample(households, min(len(households), max(2, len(rooms) // 40)))
    }
    arrears.pop(home, None)
    return arrears


def _published_bills(community) -> dict[tuple[int, dt.date], list]:
    """The published bills as plain rows, by room and billing period."""
    bills = defaultdict(list)
    for bill in (
        Bill.objects.filter(community=community, status=Bill.Status.PUBLISHED)
        .order_by("period_start", "pk")
        .values_list("pk", "room_id", "kind", "amount", "due_date", "period_start",
                     "published_at", "late_fee_daily_rate", "late_fee_cap_rate", named=True)
    ):  # fmt: skip
        bills[(bill.room_id, bill.period_start)].append(bill)
    return bills


def _first_unpaid_periods(bills, arrears: dict[int, int], today: dt.date) -> dict[int, dt.date]:
    """For each household in arrears, the first overdue period it has not paid."""
    overdue = sorted({period for (_room, period), room_bills in bills.items()
                      if room_bills[0].due_date < today})  # fmt: skip
    return {room_id: overdue[-min(back, len(overdue))] for room_id, back in arrears.items()}


def _paid_on(
    room_bills, due: dt.date, today: dt.date, now, rng
) -> tuple[dt.date, dt.datetime] | None:
    """The day and the moment a room paid one period's bills; None if it has not: about half
    the bills not due yet, and none published today or paid after now."""
    if due >= today and rng.random() < 0.5:
        return None
    published = timezone.localdate(room_bills[0].published_at)
    late = due < today and rng.random() < 0.06
    if late:
        day = due + dt.timedelta(days=rng.randint(3, 40))
    else:
        day = published + dt.timedelta(days=rng.randint(0, max(0, (due - published).days)))
    day = min(day, today - dt.timedelta(days=1))
    if day < published:
        return None  # published today (the 1st): nobody has paid it yet
    paid_at = max(
        _aware(day, rng.randint(8, 17), rng.randint(0, 59)),
        room_bills[0].published_at + dt.timedelta(minutes=rng.randint(5, 120)),
    )
    return None if paid_at >= now else (day, paid_at)


def _history_payment(community, room_id, room_bills, paid, owners: _Owners, cashier, rng):
    """The payment of one room's bills of one period, online (by the owner) or at the counter,
    with the late fee of each bill on the day it was paid."""
    day, paid_at = paid
    fees = [
        rules.late_fee(bill.amount, bill.due_date, day, bill.late_fee_daily_rate,
                       bill.late_fee_cap_rate)
        for bill in room_bills
    ]  # fmt: skip
    online = room_id in owners.user_ids and rng.random() < 0.6
    payment = Payment(
        number=f"{'ZF' if online else 'JF'}{day:%y%m%d}{uuid.uuid4().hex[:8].upper()}",
        community=community, room_id=room_id, payer_name=owners.names.get(room_id, ""),
        payer_id=owners.user_ids.get(room_id) if online else None,
        method=rng.choice(ONLINE_METHODS if online else COUNTER_METHODS),
        channel="sandbox" if online else "",
        trade_no=f"SBX{uuid.uuid4().hex[:20].upper()}" if online else "",
        amount=sum((b.amount for b in room_bills), Decimal("0.00")) + sum(fees),
        status=Payment.Status.SUCCEEDED, cashier=None if online else cashier,
        created_at=paid_at, paid_at=paid_at,
    )  # fmt: skip
    return payment, fees


def _save_history(community, payments: list[Payment], items: list[tuple]) -> None:
    """The history's payments and items in bulk, and their bills marked paid."""
    Payment.objects.bulk_create(payments, batch_size=1000)
    services._insert_rows(
        PaymentItem,
        ("payment_id", "bill_id", "amount", "late_fee"),
        [(payment.pk, *rest) for payment, *rest in items],
    )
    # One joined UPDATE for the year's paid bills (a bulk_update of 30,000 rows takes a minute;
    # a correlated subquery per bill walked every payment item on PostgreSQL's unanalysed tables),
    # planned on the statistics of the rows just written.
    analyze(Bill, Payment, PaymentItem)
    bill, item, payment = Bill._meta.db_table, PaymentItem._meta.db_table, Payment._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {bill} SET status = %s, paid_amount = {bill}.amount,"  # noqa: S608 (table names from the models)
            f" late_fee_paid = paid.late_fee, paid_at = paid.paid_at"
            f" FROM (SELECT i.bill_id, i.late_fee, p.paid_at FROM {item} i"
            f" JOIN {payment} p ON p.id = i.payment_id WHERE p.community_id = %s) AS paid"
            f" WHERE {bill}.id = paid.bill_id AND {bill}.status = %s",
            [Bill.Status.PAID, community.pk, Bill.Status.PUBLISHED],
        )


def _issue_receipts(companies) -> None:
    """Receipts for the history's payments, numbered in the order they were paid, continuing
    the company's sequence without gaps."""
    for company in companies:
        with transaction.atomic():
            sequence, _created = ReceiptSequence.objects.get_or_create(company=company)
            sequence = ReceiptSequence.objects.select_for_update().get(pk=sequence.pk)
            payments = list(
                Payment.objects.filter(
                    community__company=company, status=Payment.Status.SUCCEEDED,
                    receipt__isnull=True,
                ).order_by("paid_at", "pk").values_list("pk", "paid_at")
            )  # fmt: skip
            Receipt.objects.bulk_create(
                [
                    Receipt(
                        company=company,
                        number=sequence.next_number + n,
                        payment_id=pk,
                        issued_at=paid_at,
                        token=uuid.uuid4().hex,
                    )  # fmt: skip
                    for n, (pk, paid_at) in enumerate(payments)
                ],
                batch_size=2000,
            )
            sequence.next_number += len(payments)
            sequence.save(update_fields=["next_number"])


def _todays_payments(community, cashier, month) -> None:
    """A few households pay this month's bills at the counter today."""
    rooms = (
        Bill.objects.filter(community=community, period_start=month, status=Bill.Status.PUBLISHED)
        .exclude(room__residencies__user__mobile=FEATURED_MOBILE)
        .values_list("room_id", flat=True)
        .distinct()
        .order_by("room_id")
    )
    for room_id in list(rooms)[3:30:6]:
        bills = list(
            Bill.objects.filter(room_id=room_id, period_start=month, status=Bill.Status.PUBLISHED)
        )
        services.counter_payment(bills=bills, method="pos", cashier=cashier)

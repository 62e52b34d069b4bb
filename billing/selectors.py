"""Who sees which bills, and the queries the billing pages and services are built on.

Bills belong to the room: its unpaid ones (arrears follow the flat) show to whoever lives there
now. Payments, receipts and the fee trend belong to the household: like repair orders
(repairs.selectors), a household sees only what happened in its own time in the room, which
starts where the last household before it moved out (`household_rooms`)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple, TypedDict

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import Community, Residency, Room, User
from accounts.selectors import (
    household_ids_of_user,
    resident_cache_scopes,
    room_order,
    verified_rooms_of_user,
)
from kit import parameters
from kit.cache import cached
from notices import fanout

from . import rules
from .models import (
    Bill,
    BillingSettings,
    BillLine,
    BillRun,
    CashierDay,
    FeeKind,
    FeePrice,
    FeeRule,
    MeterReading,
    ParkingSpace,
    Payment,
    PaymentItem,
    PaymentNotification,
    PaymentRefund,
    PrepaymentAccount,
    PrepaymentEntry,
    Receipt,
)
from .reports import fee_trend


class BillableRoom(NamedTuple):
    pk: int
    area: Decimal | None
    label: str  # as Room.label


def billable_rooms(community: Community) -> list[BillableRoom]:
    """The community's rooms in the estate's order: rows, not model instances (a bill run
    plans 20,000 of them)."""
    rows = (
        Room.objects.filter(building__community=community)
        .order_by(*room_order(prefix=""))
        .values_list("pk", "area", "building__name", "unit__name", "number")
    )
    return [
        BillableRoom(pk, area, f"{building}{unit or ''}{number}")
        for pk, area, building, unit, number in rows
    ]


def price_on(rule: FeeRule, day: dt.date) -> FeePrice | None:
    """The rule's price in force on `day` (the latest one from that day or before)."""
    return rule.prices.filter(valid_from__lte=day).order_by("-valid_from").first()


def readings_for(community: Community, kind: str, month: dt.date) -> dict[int, tuple]:
    """Room id → (previous, current) of the month's reading of its `kind` meter: rows, not
    model instances (a bill run reads 20,000 of them per metered rule)."""
    readings = MeterReading.objects.filter(
        meter__room__building__community=community, meter__kind=kind, month=month
    ).values_list("meter__room_id", "previous", "current", named=True)
    return {reading.meter__room_id: reading for reading in readings}


def parking_counts(community: Community) -> dict[int, int]:
    return dict(
        ParkingSpace.objects.filter(community=community, room__isnull=False)
        .values("room_id")
        .annotate(count=Count("pk"))
        .values_list("room_id", "count")
    )


def residents_of_rooms(room_ids) -> QuerySet[User]:
    """Everyone with a verified residency in these rooms: owners, tenants, family members."""
    return User.objects.filter(
        residencies__room_id__in=room_ids,
        residencies__status=Residency.Status.VERIFIED,
        is_active=True,
    ).distinct()


def late_fee_of(bill: Bill, today: dt.date) -> Decimal:
    if bill.status not in Bill.UNPAID_STATUSES:
        return Decimal("0.00")
    return rules.late_fee(
        bill.outstanding, bill.due_date, today, bill.late_fee_daily_rate, bill.late_fee_cap_rate
    )


def billing_settings(community: Community) -> BillingSettings:
    """The community's reminder days; a community without its own starts from the platform's
    (or its company's) parameters."""
    found = BillingSettings.objects.filter(community=community).first()
    if found is not None:
        return found
    company = community.company_id
    settings, _created = BillingSettings.objects.get_or_create(
        community=community,
        defaults={
            "remind_days_before": ",".join(
                map(str, parameters.get("billing.remind_days_before", company=company))
            ),
            "remind_days_after": ",".join(
                map(str, sorted(parameters.get("billing.remind_days_after", company=company)))
            ),
        },
    )
    return settings


# --- Households -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdRoom:
    """A room of one of the user's households, and when that household's time there began:
    the moment the last owner or tenant who came before it moved out (None: nobody did, so the
    room's whole history is the household's)."""

    room_id: int
    since: dt.datetime | None


def _moved_out(**conditions) -> QuerySet[Residency]:
    """Owners' and tenants' residencies that were verified and have ended: move-outs."""
    return Residency.objects.filter(
        head__isnull=True,
        status=Residency.Status.ENDED,
        verified_at__isnull=False,
        ended_at__isnull=False,
        **conditions,
    )


def _last_move_out_before():
    """The latest move-out from the room of an outer head residency by an owner or tenant
    who came before it (a subquery)."""
    earlier = _moved_out(room_id=OuterRef("room_id"), created_at__lt=OuterRef("created_at"))
    return earlier.order_by("-ended_at").values("ended_at")[:1]


def household_rooms(user: User) -> list[HouseholdRoom]:
    """The rooms of the user's households now (family members share their head's)."""
    heads = (
        Residency.objects.filter(pk__in=household_ids_of_user(user))
        .annotate(since=Subquery(_last_move_out_before()))
        .order_by("room_id")
        .values_list("room_id", "since")
    )
    return [HouseholdRoom(room_id, since) for room_id, since in heads]


def _payments_of(user: User, prefix: str = "") -> Q:
    """Payments (`prefix` leads from the outer model to one) of the user's households' own
    time: one of them lives in the payment's room, and no owner or tenant who came before it
    moved out after the payment was started (the household that started a payment is the one
    it belongs to, even when it settles later). The households are looked up first, one query:
    as a subquery their join was planned into every payment query again (60 ms each on the
    20,000-room estate); their ids make the rest index lookups."""
    moved_out_since = _moved_out(
        room_id=OuterRef(OuterRef(f"{prefix}room_id")),
        created_at__lt=OuterRef("created_at"),
        ended_at__gt=OuterRef(OuterRef(f"{prefix}created_at")),
    )
    households = [row["pk"] for row in household_ids_of_user(user)]
    # A payment someone started online is their household's: an owner's and a tenant's
    # households living in one room at the same time do not see each other's. A payment at the
    # counter names no payer and is the room's.
    payer_is_ours = Residency.objects.filter(
        Q(pk__in=households) | Q(head__in=households),
        user_id=OuterRef(f"{prefix}payer_id"),
        room_id=OuterRef(f"{prefix}room_id"),
    )
    # The plain room condition first lets PostgreSQL start from the payments of these rooms
    # (their index) instead of testing the correlated subqueries on every payment there is.
    in_our_rooms = Q(
        **{f"{prefix}room_id__in": Residency.objects.filter(pk__in=households).values("room_id")}
    )
    return (
        in_our_rooms
        & Q(
            Exists(
                Residency.objects.filter(
                    pk__in=households, room_id=OuterRef(f"{prefix}room_id")
                ).exclude(Exists(moved_out_since))
            )
        )
        & (Q(**{f"{prefix}payer__isnull": True}) | Q(Exists(payer_is_ours)))
    )


def _bills_of(rooms: list[HouseholdRoom], *, arrears: bool) -> Q:
    """The room's bills of the household's time: published in it or paid by the household;
    with `arrears`, also every unpaid bill of the room, whenever it was billed."""
    condition = Q(pk__in=[])
    for room in rooms:
        mine = Q(room_id=room.room_id)
        if room.since is not None:
            paid_by_us = PaymentItem.objects.filter(
                bill=OuterRef("pk"), payment__created_at__gte=room.since
            )
            own = Q(published_at__gte=room.since) | Q(Exists(paid_by_us))
            if arrears:
                own |= Q(status__in=Bill.UNPAID_STATUSES)
            mine &= own
        condition |= mine
    return condition


def residents_of_payment(payment: Payment) -> QuerySet[User]:
    """Who hears about a payment (its receipt, its refund): the verified members of the
    households of its room whose time there had begun when it was started; of the payer's
    household only, when someone paid online."""
    heads = (
        Residency.objects.filter(
            room_id=payment.room_id, status=Residency.Status.VERIFIED, head__isnull=True
        )
        .annotate(since=Subquery(_last_move_out_before()))
        .filter(Q(since__isnull=True) | Q(since__lte=payment.created_at))
    )
    if payment.payer_id is not None:
        heads = heads.filter(
            Q(user_id=payment.payer_id) | Q(family_members__user_id=payment.payer_id)
        )
    heads = heads.values("pk")
    return User.objects.filter(
        Q(residencies__pk__in=heads) | Q(residencies__head__in=heads),
        residencies__status=Residency.Status.VERIFIED,
        is_active=True,
    ).distinct()


# --- Residents -----------------------------------------------------------------------------------


def bills_for_user(user: User) -> QuerySet[Bill]:
    """Published bills of the user's rooms (family members included), with lines: every
    unpaid one, and the others of the household's own time."""
    return (
        Bill.objects.filter(_bills_of(household_rooms(user), arrears=True))
        .exclude(status=Bill.Status.DRAFT)
        .select_related("room__building", "room__unit", "community")
        .prefetch_related(Prefetch("lines", queryset=BillLine.objects.order_by("sort", "pk")))
        .order_by("due_date", "kind", "pk")
    )


def unpaid_bills_for_user(user: User) -> QuerySet[Bill]:
    """Every unpaid bill of the user's rooms: arrears follow the flat, whoever ran them up."""
    return (
        Bill.objects.filter(room__in=verified_rooms_of_user(user), status__in=Bill.UNPAID_STATUSES)
        .select_related("room__building", "room__unit", "community")
        .prefetch_related(Prefetch("lines", queryset=BillLine.objects.order_by("sort", "pk")))
        .order_by("due_date", "kind", "pk")
    )


def unpaid_bill_badge(user: User) -> int:
    """The 缴费 tab's number: how many unpaid_bills_for_user, cached until a bill of one of the
    rooms changes (billing.services invalidates ``household:<room>``, a run's publication the
    community) or the user's rooms do."""
    return cached(
        "unpaid-bills",
        resident_cache_scopes(user),
        lambda: Bill.objects.filter(
            room__in=verified_rooms_of_user(user), status__in=Bill.UNPAID_STATUSES
        ).count(),
    )


def get_bill_for_user(user: User, bill_id: int) -> Bill | None:
    return bills_for_user(user).filter(pk=bill_id).first()


def bill_payment_items_for_user(user: User, bill: Bill) -> QuerySet[PaymentItem]:
    """What the household paid on one bill (another household's payments are not shown)."""
    return (
        PaymentItem.objects.filter(bill=bill)
        .filter(_payments_of(user, prefix="payment__"))
        .filter(payment__status__in=Payment.SETTLED_STATUSES, payment__unapplied=False)
        .select_related("payment__receipt")
        .order_by("payment__paid_at", "pk")
    )


def trend_scope_for_user(user: User) -> fee_trend.Scope:
    """The bills of the user's fee trend: those of each household's own time in its room."""
    rooms = household_rooms(user)
    return fee_trend.Scope(
        filter=_bills_of(rooms, arrears=False),
        key=";".join(f"{room.room_id}@{room.since.isoformat() if room.since else ''}"
                     for room in rooms),
        empty=not rooms,
    )  # fmt: skip


def payments_for_user(user: User) -> QuerySet[Payment]:
    """The household's payments (of its own time in its rooms), newest first, with their
    bills and receipt."""
    return (
        Payment.objects.filter(_payments_of(user), status__in=Payment.SETTLED_STATUSES)
        .select_related("room__building", "room__unit", "receipt")
        .prefetch_related(
            Prefetch("items", queryset=PaymentItem.objects.select_related("bill").order_by("pk"))
        )
        .order_by("-paid_at", "-pk")
    )


def get_payment_for_user(user: User, number: str) -> Payment | None:
    """One of the household's payments, settled or not, by its number."""
    return (
        Payment.objects.filter(_payments_of(user), number=number)
        .select_related("room__building", "room__unit", "community", "receipt")
        .first()
    )


# Open payments shown on the 缴费 tab, newest first; more than this is not a household.
OPEN_PAYMENTS_SHOWN = 10


def open_payments_for_user(user: User) -> list[Payment]:
    """The household's online payments still waiting for the provider's word (recent ones),
    with their room and bills: each is shown as a card to continue or cancel. A payment just
    created (the provider not answered yet) counts as waiting too."""
    since = timezone.now() - dt.timedelta(minutes=settings.PAYMENT_EXPIRE_MINUTES)
    return list(
        Payment.objects.filter(
            _payments_of(user),
            status__in=Payment.OPEN_STATUSES,
            method__in=Payment.ONLINE_METHODS,
            created_at__gte=since,
        )
        .select_related("room__building", "room__unit", "community")
        .prefetch_related(
            Prefetch("items", queryset=PaymentItem.objects.select_related("bill").order_by("pk"))
        )
        .order_by("-created_at", "-pk")[:OPEN_PAYMENTS_SHOWN]
    )


# A payment staff must look at: a failed refund or a provider's alert (`attention`), or money
# that could not be applied to its bills and has not been given back in full yet. The first
# alternative matches the partial index `payment_attention_idx`.
NEEDS_ATTENTION = (Q(unapplied=True) | ~Q(attention="")) & (
    ~Q(attention="") | Q(refunded_amount__lt=F("amount"))
)


def payments_needing_attention(community: Community) -> QuerySet[Payment]:
    return Payment.objects.filter(NEEDS_ATTENTION, community=community)


def attention_badge(request) -> int:
    if request.community is None:
        return 0
    return payments_needing_attention(request.community).count()


def get_receipt_for_user(user: User, receipt_id: int) -> Receipt | None:
    return (
        Receipt.objects.filter(_payments_of(user, prefix="payment__"), pk=receipt_id)
        .select_related("payment__room__building__community__company", "company")
        .first()
    )


def receipt_with_details(receipt: Receipt) -> Receipt:
    return (
        Receipt.objects.select_related(
            "company",
            "payment__room__building__community",
            "payment__room__unit",
            "payment__cashier",
            "payment__payer",
        )  # fmt: skip
        .prefetch_related(
            Prefetch(
                "payment__items",
                queryset=PaymentItem.objects.select_related("bill").order_by("pk"),
            )
        )
        .get(pk=receipt.pk)
    )


def run_notification_progress(run: BillRun) -> fanout.Progress:
    """How far the run's `bill.published` fan-out has come: people with their message of all."""
    return fanout.progress("bill.published", run)


def household_heads(room_ids: Iterable[int]) -> dict[int, str]:
    """The name of each room's head of household (an owner before a tenant), one query."""
    heads: dict[int, str] = {}
    rows = (
        Residency.objects.filter(
            room_id__in=list(room_ids),
            status=Residency.Status.VERIFIED,
            head__isnull=True,
            relation__in=[Residency.Relation.OWNER, Residency.Relation.TENANT],
            user__is_active=True,
        )
        .order_by("room_id", "relation", "created_at", "pk")
        .values_list("room_id", "user__display_name")
    )
    for room_id, name in rows:
        if name and room_id not in heads:
            heads[room_id] = name
    return heads


def dunning_bills(community: Community, bill_ids: Iterable[int]) -> QuerySet[Bill]:
    """The chosen bills that are still unpaid, of this community only, in room order."""
    return (
        Bill.objects.filter(
            community=community, pk__in=list(bill_ids), status__in=Bill.UNPAID_STATUSES
        )
        .select_related("room__building", "room__unit")
        .order_by(
            *room_order(),
            "room_id",
            "due_date",
            "kind",
            "pk",
        )
    )


# --- The resident's 缴费 tab ------------------------------------------------------------------------

# A bill due within this many days is marked "due soon".
DUE_SOON_DAYS = 7
ZERO = Decimal("0.00")


def with_dues(bill: Bill, today: dt.date) -> Bill:
    """Sets on the bill what the pages show beside the stored amounts: the late fee so far,
    the total due today, and whether (and how long) it is overdue."""
    bill.late_fee = late_fee_of(bill, today)
    unpaid = bill.status in Bill.UNPAID_STATUSES
    bill.total_due = (bill.outstanding + bill.late_fee) if unpaid else ZERO
    bill.overdue_days = (today - bill.due_date).days if unpaid and bill.due_date < today else 0
    bill.due_soon = (
        unpaid and not bill.overdue_days and (bill.due_date - today).days <= DUE_SOON_DAYS
    )
    return bill


def _total_due(bills: Iterable[Bill]) -> Decimal:
    return sum((bill.total_due for bill in bills), ZERO)


class KindDues(TypedDict):
    kind: str
    label: str
    bills: list[Bill]
    total: Decimal


class RoomDues(TypedDict):
    room: Room
    community: Community
    kinds: list[KindDues]  # a kind with an overdue bill first, then in FeeKind's order
    total: Decimal


@dataclass
class HouseholdDues:
    """The unpaid bills of a user's rooms with their dues today (`with_dues`), and the same
    bills by room and fee kind. The first room's bills are chosen for paying: one payment
    covers one room."""

    bills: list[Bill]
    rooms: list[RoomDues]

    @property
    def total_due(self) -> Decimal:
        return _total_due(self.bills)

    @property
    def late_fee_total(self) -> Decimal:
        return sum((bill.late_fee for bill in self.bills), ZERO)

    @property
    def overdue_count(self) -> int:
        return sum(1 for bill in self.bills if bill.overdue_days)

    @property
    def communities_with_phone(self) -> list[Community]:
        communities = {bill.community_id: bill.community for bill in self.bills}
        return [community for community in communities.values() if community.service_phone]

    @property
    def selected_room(self) -> int | None:
        return self.rooms[0]["room"].pk if self.rooms else None

    @property
    def selected_bills(self) -> list[Bill]:
        return [bill for bill in self.bills if bill.room_id == self.selected_room]

    @property
    def selected_total(self) -> Decimal:
        return _total_due(self.selected_bills)


def household_dues(user: User, today: dt.date) -> HouseholdDues:
    bills = [with_dues(bill, today) for bill in unpaid_bills_for_user(user)]
    by_room: dict[int, dict[str, list[Bill]]] = {}
    for bill in bills:
        by_room.setdefault(bill.room_id, defaultdict(list))[bill.kind].append(bill)
    return HouseholdDues(bills=bills, rooms=[_room_dues(kinds) for kinds in by_room.values()])


def _room_dues(kinds: dict[str, list[Bill]]) -> RoomDues:
    first = next(iter(kinds.values()))[0]
    ordered = sorted(
        kinds,
        key=lambda kind: (
            not any(bill.overdue_days for bill in kinds[kind]),
            FeeKind.values.index(kind),
        ),
    )
    return RoomDues(
        room=first.room,
        community=first.community,
        total=_total_due(bill for kind_bills in kinds.values() for bill in kind_bills),
        kinds=[
            KindDues(
                kind=kind,
                label=FeeKind(kind).label,
                bills=kinds[kind],
                total=_total_due(kinds[kind]),
            )
            for kind in ordered
        ],
    )


# --- The counter (收银台) ---------------------------------------------------------------------------


def open_bills_of_room(room: Room) -> QuerySet[Bill]:
    return Bill.objects.filter(room=room, status__in=Bill.UNPAID_STATUSES).order_by(
        "due_date", "kind", "pk"
    )


def recent_payments_of_room(room: Room, count: int = 5) -> list[Payment]:
    """The room's latest payments that are settled or closed (not those still open)."""
    return list(
        Payment.objects.filter(room=room)
        .exclude(status__in=Payment.OPEN_STATUSES)
        .select_related("receipt", "cashier")
        .order_by(Coalesce("paid_at", "created_at").desc(), "-pk")[:count]
    )


class CounterRow(TypedDict):
    bill: Bill
    late_fee: Decimal
    to_pay: Decimal
    to_pay_fen: int
    checked: bool


@dataclass
class CounterSheet:
    """A room's unpaid bills at the counter, each with its late fee today and what paying it
    takes, the chosen ones checked; and the room's latest payments."""

    rows: list[CounterRow]
    recent_payments: list[Payment]

    @property
    def chosen_total(self) -> Decimal:
        return sum((row["to_pay"] for row in self.rows if row["checked"]), Decimal("0"))

    @property
    def chosen_count(self) -> int:
        return sum(1 for row in self.rows if row["checked"])


def counter_sheet(
    room: Room, open_bills: Iterable[Bill], *, chosen: set[str] | None, today: dt.date
) -> CounterSheet:
    """`chosen`: the ids of the bills ticked on a posted form; None chooses them all."""
    rows = []
    for bill in open_bills:
        late_fee = late_fee_of(bill, today)
        to_pay = bill.outstanding + late_fee
        rows.append(
            CounterRow(
                bill=bill,
                late_fee=late_fee,
                to_pay=to_pay,
                to_pay_fen=int(to_pay * 100),
                checked=chosen is None or str(bill.pk) in chosen,
            )
        )
    return CounterSheet(rows=rows, recent_payments=recent_payments_of_room(room))


# --- One payment (staff) ---------------------------------------------------------------------------


@dataclass
class PaymentSheet:
    """What the staff's page of a payment shows beside it: the receipt, the items with what
    was refunded of each, the refunds, and the provider's latest notifications."""

    payment: Payment
    receipt: Receipt | None
    items: list[PaymentItem]
    refunds: list[PaymentRefund]
    notifications: list[PaymentNotification]

    @property
    def pending_refunds(self) -> list[PaymentRefund]:
        return [refund for refund in self.refunds if refund.status == PaymentRefund.Status.PENDING]

    @property
    def refundable_now(self) -> bool:
        """Paid, not refunded in full, and no refund still waiting for the provider."""
        payment = self.payment
        return (
            payment.status == Payment.Status.SUCCEEDED
            and payment.refundable > 0
            and not self.pending_refunds
        )

    @property
    def needs_attention(self) -> bool:
        payment = self.payment
        return bool(payment.attention or (payment.unapplied and payment.refundable > 0))

    @property
    def items_amount(self) -> Decimal:
        return sum((item.amount for item in self.items), Decimal("0"))

    @property
    def items_late_fee(self) -> Decimal:
        return sum((item.late_fee for item in self.items), Decimal("0"))

    @property
    def items_refunded(self) -> Decimal:
        return sum((item.refunded for item in self.items), Decimal("0"))

    @property
    def any_refunded(self) -> bool:
        return any(item.refunded for item in self.items)


def payment_sheet(payment: Payment, *, notifications_shown: int) -> PaymentSheet:
    refunds = list(
        PaymentRefund.objects.filter(payment=payment)
        .select_related("requested_by")
        .order_by("-created_at", "-pk")
    )
    items = list(PaymentItem.objects.filter(payment=payment).select_related("bill").order_by("pk"))
    for item in items:
        item.subtotal = item.amount + item.late_fee
        item.refunded = item.refunded_amount + item.refunded_late_fee
    notifications = []
    if payment.is_online:
        notifications = list(
            PaymentNotification.objects.filter(payment=payment).order_by("-received_at", "-pk")[
                :notifications_shown
            ]
        )
    return PaymentSheet(
        payment=payment,
        receipt=Receipt.objects.filter(payment=payment).first(),
        items=items,
        refunds=refunds,
        notifications=notifications,
    )


# --- The cashier's day (日结) -----------------------------------------------------------------------


def local_day_range(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The aware start and end of a local day (an index range, not a per-row date cast)."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


@dataclass
class CashierDaySummary:
    """One cashier's day at the counter: what came in by method, what was voided, the prepaid
    money in and out, and the cash that should be in the drawer."""

    day: dt.date
    by_method: list[dict]
    receipts: int
    voided: int
    voided_total: Decimal
    received: Decimal
    prepaid_in: Decimal
    prepaid_deducted: Decimal
    prepaid_refunded: Decimal
    cash_refunded: Decimal
    cash_expected: Decimal

    def as_json(self) -> dict:
        return {
            "by_method": [
                {**row, "total": str(row["total"]), "label": str(row["label"])}
                for row in self.by_method
            ],
            **{
                name: str(getattr(self, name))
                for name in (
                    "received",
                    "voided_total",
                    "prepaid_in",
                    "prepaid_deducted",
                    "prepaid_refunded",
                    "cash_refunded",
                    "cash_expected",
                )
            },  # fmt: skip
            "receipts": self.receipts,
            "voided": self.voided,
        }


def payments_of_cashier_day(community: Community, cashier_id: int, day: dt.date):
    start, end = local_day_range(day)
    return Payment.objects.filter(
        community=community, cashier_id=cashier_id, paid_at__gte=start, paid_at__lt=end,
        method__in=Payment.BILL_COUNTER_METHODS,
    )  # fmt: skip


def cashier_day_summary(
    community: Community, cashier: User | int, day: dt.date
) -> CashierDaySummary:
    """A fixed number of queries, whatever the day's count of payments."""
    cashier_id = getattr(cashier, "pk", cashier)
    zero = Decimal("0.00")
    taken = payments_of_cashier_day(community, cashier_id, day)
    kept = taken.exclude(status=Payment.Status.VOIDED)
    labels = dict(Payment.Method.choices)
    order = {method: index for index, method in enumerate(Payment.BILL_COUNTER_METHODS)}
    by_method = sorted(
        (
            {"method": row["method"], "label": labels.get(row["method"], row["method"]),
             "count": row["count"], "total": row["total"] or zero}
            for row in kept.values("method").annotate(count=Count("pk"), total=Sum("amount"))
            .order_by()
        ),
        key=lambda row: order.get(row["method"], 99),
    )  # fmt: skip
    totals = taken.aggregate(
        receipts=Count("receipt"),
        voided=Count("pk", filter=Q(status=Payment.Status.VOIDED)),
        voided_total=Sum("amount", filter=Q(status=Payment.Status.VOIDED)),
        prepaid_in=Sum("amount", filter=Q(purpose=Payment.Purpose.PREPAYMENT)
                       & ~Q(status=Payment.Status.VOIDED)),
    )  # fmt: skip
    start, end = local_day_range(day)
    prepaid_refunded = -(
        PrepaymentEntry.objects.filter(
            account__community=community, actor_id=cashier_id, kind=PrepaymentEntry.Kind.REFUND,
            created_at__gte=start, created_at__lt=end,
        ).aggregate(total=Sum("amount"))["total"] or zero
    )  # fmt: skip
    cash_refunded = (
        PaymentRefund.objects.filter(
            payment__community=community, requested_by_id=cashier_id,
            payment__method=Payment.Method.CASH, status=PaymentRefund.Status.SUCCEEDED,
            finished_at__gte=start, finished_at__lt=end,
        ).aggregate(total=Sum("amount"))["total"] or zero
    )  # fmt: skip
    money = {row["method"]: row["total"] for row in by_method}
    received = sum(
        (total for method, total in money.items() if method != Payment.Method.PREPAID), zero
    )
    return CashierDaySummary(
        day=day, by_method=by_method, receipts=totals["receipts"], voided=totals["voided"],
        voided_total=totals["voided_total"] or zero, received=received,
        prepaid_in=totals["prepaid_in"] or zero,
        prepaid_deducted=money.get(Payment.Method.PREPAID, zero),
        prepaid_refunded=prepaid_refunded, cash_refunded=cash_refunded,
        cash_expected=money.get(Payment.Method.CASH, zero) - cash_refunded - prepaid_refunded,
    )  # fmt: skip


def cashier_days(community: Community, *, cashier_id: int | None, since: dt.date,
                 until: dt.date) -> list[dict]:  # fmt: skip
    """Per cashier and local day in [since, until]: count and total of the counter payments
    taken (not voided), and whether the day is handed over. Two queries."""
    start, _ = local_day_range(since)
    _, end = local_day_range(until)
    rows = Payment.objects.filter(
        community=community, paid_at__gte=start, paid_at__lt=end,
        method__in=Payment.BILL_COUNTER_METHODS, cashier__isnull=False,
    )  # fmt: skip
    if cashier_id is not None:
        rows = rows.filter(cashier_id=cashier_id)
    grouped = (
        rows.annotate(day=TruncDate("paid_at", tzinfo=timezone.get_current_timezone()))
        .values("cashier_id", "cashier__display_name", "cashier__mobile", "day")
        .annotate(
            count=Count("pk", filter=~Q(status=Payment.Status.VOIDED)),
            total=Sum("amount", filter=~Q(status=Payment.Status.VOIDED)
                      & ~Q(method=Payment.Method.PREPAID)),
            voided=Count("pk", filter=Q(status=Payment.Status.VOIDED)),
        )
        .order_by("-day", "cashier__display_name")
    )  # fmt: skip
    closed = {
        (row.cashier_id, row.day): row
        for row in CashierDay.objects.filter(community=community, day__gte=since, day__lte=until)
    }
    return [
        {**row, "name": row["cashier__display_name"] or row["cashier__mobile"],
         "closed": closed.get((row["cashier_id"], row["day"])), "total": row["total"] or Decimal("0.00")}
        for row in grouped
    ]  # fmt: skip


def prepayment_of_room(room: Room, entries: int = 8) -> tuple[Decimal, list[PrepaymentEntry]]:
    """The room's prepaid balance and its latest ledger entries."""
    account = PrepaymentAccount.objects.filter(room=room).first()
    if account is None:
        return Decimal("0.00"), []
    return account.balance, list(
        account.entries.select_related("payment__receipt", "actor").order_by("-created_at", "-pk")[
            :entries
        ]
    )

"""Who sees which bills, and the queries the billing pages and services are built on."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import Community, Residency, Room, User
from accounts.selectors import verified_rooms_of_user
from notices import fanout

from . import rules
from .models import (
    Bill,
    BillingSettings,
    BillLine,
    BillRun,
    FeePrice,
    FeeRule,
    MeterReading,
    ParkingSpace,
    Payment,
    PaymentItem,
    Receipt,
)


def billable_rooms(community: Community) -> QuerySet[Room]:
    return (
        Room.objects.filter(building__community=community)
        .select_related("building", "unit")
        .order_by("building__sort_order", "building__name", "unit__sort_order", "floor", "number")
    )


def price_on(rule: FeeRule, day: dt.date) -> FeePrice | None:
    """The rule's price in force on `day` (the latest one from that day or before)."""
    return rule.prices.filter(valid_from__lte=day).order_by("-valid_from").first()


def readings_for(community: Community, kind: str, month: dt.date) -> dict[int, MeterReading]:
    readings = MeterReading.objects.filter(
        meter__room__building__community=community, meter__kind=kind, month=month
    ).select_related("meter")
    return {reading.meter.room_id: reading for reading in readings}


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
    settings, _created = BillingSettings.objects.get_or_create(community=community)
    return settings


# --- Residents -----------------------------------------------------------------------------------


def bills_for_user(user: User) -> QuerySet[Bill]:
    """Published bills of the user's verified rooms (family members included), with lines."""
    return (
        Bill.objects.filter(room__in=verified_rooms_of_user(user))
        .exclude(status=Bill.Status.DRAFT)
        .select_related("room__building", "room__unit", "community")
        .prefetch_related(Prefetch("lines", queryset=BillLine.objects.order_by("sort", "pk")))
        .order_by("due_date", "kind", "pk")
    )


def unpaid_bills_for_user(user: User) -> QuerySet[Bill]:
    return bills_for_user(user).filter(status__in=Bill.UNPAID_STATUSES)


def get_bill_for_user(user: User, bill_id: int) -> Bill | None:
    return bills_for_user(user).filter(pk=bill_id).first()


def payments_for_user(user: User) -> QuerySet[Payment]:
    """Payments for the user's verified rooms, newest first, with their bills and receipt."""
    return (
        Payment.objects.filter(
            room__in=verified_rooms_of_user(user), status__in=Payment.SETTLED_STATUSES
        )
        .select_related("room__building", "room__unit", "receipt")
        .prefetch_related(
            Prefetch("items", queryset=PaymentItem.objects.select_related("bill").order_by("pk"))
        )
        .order_by("-paid_at", "-pk")
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
            room__in=verified_rooms_of_user(user),
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
        Receipt.objects.filter(pk=receipt_id, payment__room__in=verified_rooms_of_user(user))
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

"""Billing's part of the staff room page (一户一档) and of moving a household out, registered
with staff.rooms from BillingConfig.ready: the room's arrears and open bills, its latest
payments and receipts, its meters with their latest readings; and, at move-out, the room's
unpaid bills and waiving them. Every query here starts from the room (indexes on room_id)."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Count, DateField, DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Room, User
from kit.templatetags.money import yuan
from kit.templatetags.periods import period_label

from .models import Bill, Meter, MeterReading, Payment

VIEW_BILL = "billing.view_bill"
COLLECT = "billing.collect_payment"
WAIVE = "billing.waive_bill"
ZERO = Decimal("0.00")
RECENT = 6
MONEY = DecimalField(max_digits=14, decimal_places=2)
READING = DecimalField(max_digits=12, decimal_places=2)


# --- Reads -----------------------------------------------------------------------------------


def room_arrears(room: Room, today) -> dict:
    """What the room owes: unpaid bills, their outstanding total, and how many are overdue
    (one query)."""
    return Bill.objects.filter(room=room, status__in=Bill.UNPAID_STATUSES).aggregate(
        count=Count("pk"),
        outstanding=Coalesce(
            Sum(F("amount") - F("paid_amount"), output_field=MONEY), Value(ZERO), output_field=MONEY
        ),
        overdue=Count("pk", filter=Q(due_date__lt=today)),
    )


def room_open_bills(room: Room, limit: int | None = RECENT) -> list[Bill]:
    """The room's unpaid bills, the oldest debt first."""
    bills = Bill.objects.filter(room=room, status__in=Bill.UNPAID_STATUSES).order_by(
        "due_date", "pk"
    )
    return list(bills[:limit] if limit else bills)


def room_recent_payments(room: Room, limit: int = RECENT - 1) -> list[Payment]:
    """The room's latest settled payments, each with its receipt's number (or "")."""
    payments = list(
        Payment.objects.filter(room=room, status__in=Payment.SETTLED_STATUSES)
        .select_related("receipt")
        .order_by("-paid_at", "-pk")[:limit]
    )
    for payment in payments:
        payment.receipt_number = (
            payment.receipt.display_number if hasattr(payment, "receipt") else ""
        )
    return payments


def room_meters(room: Room) -> list[Meter]:
    """The room's meters, each with its latest reading's month, reading and consumption."""
    latest = MeterReading.objects.filter(meter=OuterRef("pk")).order_by("-month")
    return list(
        Meter.objects.filter(room=room)
        .annotate(
            latest_month=Subquery(latest.values("month")[:1], output_field=DateField()),
            latest_current=Subquery(latest.values("current")[:1], output_field=READING),
            latest_previous=Subquery(latest.values("previous")[:1], output_field=READING),
        )
        .order_by("kind")
    )


# --- The room page's panel ---------------------------------------------------------------------


def _list_url(name: str, room: Room, **query) -> str:
    params = "&".join(f"{key}={value}" for key, value in {**query, "room_id": room.pk}.items())
    return f"{reverse(name)}?{params}"


def room_panel_context(request: HttpRequest, room: Room) -> dict | None:
    """Four queries, for staff who see bills."""
    from staff.access import staff_has_perm
    from staff.rooms import SummaryFigure

    if not staff_has_perm(request, VIEW_BILL):
        return None
    today = timezone.localdate()
    arrears = room_arrears(room, today)
    meters = room_meters(room)
    for meter in meters:
        meter.consumption = (
            meter.latest_current - meter.latest_previous if meter.latest_month else None
        )
    bills_url = _list_url("billing_staff:bills", room, status="all")
    owing = arrears["outstanding"] > 0
    return {
        "arrears": arrears,
        "open_bills": room_open_bills(room),
        "payments": room_recent_payments(room),
        "meters": meters,
        "today": today,
        "bills_url": bills_url,
        "open_bills_url": _list_url("billing_staff:bills", room, status="open"),
        "payments_url": _list_url("billing_staff:payments", room),
        "counter_url": reverse("billing_staff:counter_room", kwargs={"room_id": room.pk})
        if staff_has_perm(request, COLLECT)
        else "",
        "summary": [
            SummaryFigure(
                label=_("Arrears"),
                value=yuan(arrears["outstanding"]),
                url=_list_url("billing_staff:bills", room, status="open"),
                tone="danger" if arrears["overdue"] else ("warning" if owing else ""),
                order=40,
            )
        ],
    }


# --- Moving out ----------------------------------------------------------------------------------


def move_out_debts(request: HttpRequest, room: Room):
    """The room's unpaid bills when someone moves out (two queries), or None if it owes
    nothing. Whoever may end a residency is warned; the links to bills and the counter are
    only for staff who may follow them."""
    from staff.access import staff_has_perm
    from staff.rooms import OpenBill, RoomDebts

    bills = room_open_bills(room, limit=None)
    if not bills:
        return None
    today = timezone.localdate()
    can_view = staff_has_perm(request, VIEW_BILL)
    return RoomDebts(
        bills=[
            OpenBill(
                pk=bill.pk,
                number=bill.number,
                title=bill.title,
                period=period_label(bill.period_start, bill.period_end),
                outstanding=bill.outstanding,
                overdue=bill.due_date < today,
                waivable=bill.paid_amount == 0,
                url=reverse("billing_staff:bill_detail", kwargs={"bill_id": bill.pk})
                if can_view
                else "",
            )
            for bill in bills
        ],
        total=sum((bill.outstanding for bill in bills), ZERO),
        counter_url=reverse("billing_staff:counter_room", kwargs={"room_id": room.pk})
        if staff_has_perm(request, COLLECT)
        else "",
        can_waive=staff_has_perm(request, WAIVE),
    )


@transaction.atomic
def move_out_waive(
    *, room: Room, bill_ids: list[int], actor: User, reason: str, request: HttpRequest | None
) -> int:
    """Waive the room's unpaid bills among `bill_ids` that nothing was paid on (each audited
    as billing.waived, with the reason)."""
    from .services import bill_waive

    bills = Bill.objects.filter(
        room=room, pk__in=bill_ids, status__in=Bill.UNPAID_STATUSES, paid_amount=0
    ).order_by("pk")
    waived = 0
    for bill in bills:
        bill_waive(bill=bill, actor=actor, reason=reason, request=request)
        waived += 1
    return waived


def register() -> None:
    from staff.rooms import MoveOutCheck, RoomPanel, register_move_out_check, register_room_panel

    register_room_panel(
        RoomPanel(
            "billing",
            "staff/billing/_room_panel.html",
            context=room_panel_context,
            order=20,
            wide=True,
        )  # fmt: skip
    )
    register_move_out_check("billing", MoveOutCheck(debts=move_out_debts, waive=move_out_waive))

"""Bill runs, payments, receipts, waivers, refunds and reminders through billing.services."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from billing import services
from billing.models import Bill, BillReminder, Payment, Receipt
from billing.online import services as online
from tests.factories import build_billing_world


def test_the_billing_world_builds(community, room):
    world = build_billing_world(community, room)
    assert world["bill"].status == Bill.Status.PUBLISHED
    assert world["bill"].amount == D("275.80")
    assert world["payment"].status == Payment.Status.SUCCEEDED
    assert world["receipt"].number == 1


@pytest.mark.req("SBIL-1")
def test_a_run_creates_bills_with_lines_and_never_twice(
    community, room, property_rule, manager, last_month
):
    run = services.run_create(
        community=community, fee_rules=[property_rule], month=last_month, actor=manager
    )
    bill = run.bills.get(room=room)
    assert bill.status == Bill.Status.DRAFT and bill.amount == D("275.80")
    (line,) = bill.lines.all()
    assert (line.quantity, line.unit_price, line.amount) == (D("98.5"), D("2.8"), D("275.80"))
    assert bill.due_date == services.rules.due_date(bill.period_end, 15)
    again = services.run_create(
        community=community, fee_rules=[property_rule], month=last_month, actor=manager
    )
    assert again.bill_count == 0
    assert Bill.objects.filter(room=room).count() == 1


@pytest.mark.req("BIL-4")
def test_receipt_numbers_are_gap_free_per_company(community, room, property_rule, manager, cashier):
    from tests.factories import RoomFactory

    other_room = RoomFactory(building=room.building, number="1202", floor=12)  # not 1201
    months = [dt.date(2025, m, 1) for m in (1, 2, 3)]
    for month in months:
        run = services.run_create(
            community=community, fee_rules=[property_rule], month=month, actor=manager
        )
        services.run_publish(run=run, actor=manager)
    bills = list(Bill.objects.filter(room=room).order_by("period_start"))
    first = services.counter_payment(bills=[bills[0]], method="cash", cashier=cashier)
    # A refused payment (two rooms at once) takes no number.
    with pytest.raises(ValidationError):
        services.counter_payment(
            bills=[bills[1], Bill.objects.filter(room=other_room).first()], method="cash",
            cashier=cashier,
        )  # fmt: skip
    second = services.counter_payment(bills=bills[1:], method="pos", cashier=cashier)
    assert [first.receipt.number, second.receipt.number] == [1, 2]
    assert Receipt.objects.filter(company=community.company).count() == 2
    with pytest.raises(ValidationError):
        services.counter_payment(bills=[bills[0]], method="cash", cashier=cashier)  # paid


@pytest.mark.req("SBIL-2")
def test_counter_payment_includes_the_late_fee_and_refund_reopens(published_bill, cashier, manager):
    Bill.objects.filter(pk=published_bill.pk).update(
        due_date=timezone.localdate() - dt.timedelta(days=10)
    )
    published_bill.refresh_from_db()
    payment = services.counter_payment(bills=[published_bill], method="cash", cashier=cashier)
    # 10 days × 0.05 % × 275.80 = 1.379 → 1.38
    assert payment.amount == D("277.18")
    item = payment.items.get()
    assert (item.amount, item.late_fee) == (D("275.80"), D("1.38"))
    published_bill.refresh_from_db()
    assert published_bill.status == Bill.Status.PAID
    with pytest.raises(ValidationError):
        online.refund_payment(payment=payment, actor=manager, reason=" ")
    online.refund_payment(payment=payment, actor=manager, reason="重复缴费")
    published_bill.refresh_from_db()
    assert published_bill.status == Bill.Status.REFUNDED and published_bill.paid_amount == 0
    with pytest.raises(ValidationError):
        online.refund_payment(payment=payment, actor=manager, reason="again")


def test_waive_needs_a_reason_and_an_unpaid_bill(published_bill, manager, cashier):
    with pytest.raises(ValidationError):
        services.bill_waive(bill=published_bill, actor=manager, reason="")
    services.bill_waive(bill=published_bill, actor=manager, reason="困难家庭减免")
    published_bill.refresh_from_db()
    assert published_bill.status == Bill.Status.WAIVED
    with pytest.raises(ValidationError):
        services.counter_payment(bills=[published_bill], method="cash", cashier=cashier)


@pytest.mark.req("SBIL-1")
def test_a_price_change_applies_from_its_date_and_never_to_past_bills(
    community, room, property_rule, manager
):
    january = dt.date(2025, 1, 1)
    services.run_create(community=community, fee_rules=[property_rule], month=january,
                        actor=manager)  # fmt: skip
    with pytest.raises(ValidationError) as raised:
        services.price_set(rule=property_rule, valid_from=dt.date(2025, 1, 15),
                           unit_price=D("3.00"), actor=manager)  # fmt: skip
    assert "valid_from" in raised.value.error_dict
    services.price_set(rule=property_rule, valid_from=dt.date(2025, 2, 1), unit_price=D("3.00"),
                       actor=manager)  # fmt: skip
    services.run_create(community=community, fee_rules=[property_rule],
                        month=dt.date(2025, 2, 1), actor=manager)  # fmt: skip
    amounts = list(
        Bill.objects.filter(room=room).order_by("period_start").values_list("amount", flat=True)
    )
    assert amounts == [D("275.80"), D("295.50")]


@pytest.mark.req("SBIL-1")
def test_a_reading_below_the_last_needs_a_meter_change(room, manager):
    services.reading_record(room=room, kind="water", month=dt.date(2025, 1, 1),
                            current=D("100"), actor=manager)  # fmt: skip
    services.reading_record(room=room, kind="water", month=dt.date(2025, 2, 1),
                            current=D("112.5"), actor=manager)  # fmt: skip
    with pytest.raises(ValidationError) as raised:
        services.reading_record(room=room, kind="water", month=dt.date(2025, 3, 1),
                                current=D("5"), actor=manager)  # fmt: skip
    assert "current" in raised.value.error_dict
    reading = services.reading_record(
        room=room, kind="water", month=dt.date(2025, 3, 1), current=D("5"), actor=manager,
        meter_change=True, start=D("0"),
    )  # fmt: skip
    assert reading.consumption == D("5")


@pytest.mark.req("BIL-5")
def test_reminders_go_once_per_bill_and_day(published_bill, resident, family_member):
    from notices.models import Message

    due = published_bill.due_date
    sent = services.send_reminders(today=due - dt.timedelta(days=3))
    assert sent["due_soon"] == 1
    assert services.send_reminders(today=due - dt.timedelta(days=3))["due_soon"] == 0
    assert Message.objects.filter(event="bill.due_soon", recipient=resident).count() == 1
    assert Message.objects.filter(event="bill.due_soon", recipient=family_member).count() == 1
    services.send_reminders(today=due + dt.timedelta(days=1))
    published_bill.refresh_from_db()
    assert published_bill.status == Bill.Status.OVERDUE
    assert BillReminder.objects.filter(bill=published_bill).count() == 2

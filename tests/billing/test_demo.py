"""The demo billing data of `seed_demo` is consistent and idempotent (one test: seeding is the
slow part, the checks are cheap)."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Max, Min, Sum
from django.utils import timezone

from billing import selectors
from billing.models import (
    Bill,
    BillLine,
    BillRun,
    FeeRule,
    FeeRuleTemplate,
    MeterReading,
    ParkingSpace,
    Payment,
    PaymentItem,
    Receipt,
    ReceiptSequence,
)
from notices.models import Message

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def test_the_demo_billing(django_capture_on_commit_callbacks):
    from accounts.models import User

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", rooms=60, quiet=True, stdout=io.StringIO())
    featured = User.objects.get(mobile="13900000001")

    every_community_adopts_the_platform_templates_and_has_13_published_runs()
    amounts_add_up()
    receipts_are_gap_free_and_the_sequence_continues_after_them()
    the_featured_household_has_a_paid_year_open_bills_and_one_overdue(featured)
    the_community_has_a_few_households_in_arrears_with_late_fees()
    seeding_again_writes_nothing()


def every_community_adopts_the_platform_templates_and_has_13_published_runs():
    assert set(FeeRuleTemplate.objects.values_list("name", flat=True)) >= {
        "物业服务费", "水费", "电费", "燃气费", "车位管理费", "垃圾清运费",
    }  # fmt: skip
    electricity = FeeRuleTemplate.objects.get(name="电费")
    assert electricity.tiers == [["200", "0.538"], ["400", "0.588"], ["", "0.838"]]
    for community_id, rules in (
        FeeRule.objects.values("community").annotate(n=Count("pk")).values_list("community", "n")
    ):
        assert rules == 6
        runs = BillRun.objects.filter(community_id=community_id)
        assert runs.count() == 13
        assert set(runs.values_list("status", flat=True)) == {"published"}
    assert not Bill.objects.filter(status="draft").exists()
    assert ParkingSpace.objects.filter(room__isnull=False).exists()
    assert MeterReading.objects.filter(is_meter_change=True).exists()


def amounts_add_up():
    lines = dict(BillLine.objects.values("bill").annotate(s=Sum("amount")).values_list("bill", "s"))
    for pk, amount in Bill.objects.values_list("pk", "amount"):
        assert lines[pk] == amount
    for payment in Payment.objects.annotate(
        items_total=Sum("items__amount"), fees=Sum("items__late_fee")
    ):
        assert payment.amount == payment.items_total + payment.fees
    paid = Bill.objects.filter(status="paid")
    assert not paid.exclude(paid_amount=F("amount")).exists()
    assert not paid.filter(paid_at__isnull=True).exists()
    assert PaymentItem.objects.filter(late_fee__gt=0).exists()


def receipts_are_gap_free_and_the_sequence_continues_after_them():
    for sequence in ReceiptSequence.objects.all():
        receipts = Receipt.objects.filter(company=sequence.company)
        numbers = receipts.aggregate(low=Min("number"), high=Max("number"), n=Count("pk"))
        assert numbers == {"low": 1, "high": numbers["n"], "n": numbers["n"]}
        assert sequence.next_number == numbers["n"] + 1
    assert not Payment.objects.filter(status="succeeded", receipt__isnull=True).exists()
    cashiers = set(
        Payment.objects.filter(method__in=Payment.COUNTER_METHODS).values_list(
            "cashier__mobile", flat=True
        )
    )
    assert cashiers == {"13800001004", "13800002004"}
    # Most households pay on the phone: those payments have a payer and no cashier.
    online = Payment.objects.filter(method__in=Payment.ONLINE_METHODS)
    assert online.count() > Payment.objects.filter(method__in=Payment.COUNTER_METHODS).count() / 2
    assert not online.filter(payer__isnull=True).exists()
    assert not online.filter(cashier__isnull=False).exists()


def the_featured_household_has_a_paid_year_open_bills_and_one_overdue(demo):
    today = timezone.localdate()
    bills = selectors.bills_for_user(demo)
    paid_months = set(bills.filter(status="paid").values_list("period_start", flat=True))
    assert len(paid_months) >= 11
    unpaid = selectors.unpaid_bills_for_user(demo)
    assert unpaid.count() >= 5
    overdue = unpaid.filter(status="overdue")
    assert overdue.count() == 1
    assert overdue.get().kind == "property"
    assert selectors.late_fee_of(overdue.get(), today) > Decimal("0.00")
    assert bills.filter(kind="parking").exists()
    assert selectors.payments_for_user(demo).count() >= 11
    assert Message.objects.filter(recipient=demo, event="bill.published").count() == 1


def the_community_has_a_few_households_in_arrears_with_late_fees():
    today = timezone.localdate()
    overdue = list(Bill.objects.filter(status="overdue"))
    assert len(overdue) >= 3
    assert sum(selectors.late_fee_of(bill, today) for bill in overdue) > 0
    this_month = today.replace(day=1)
    current = Bill.objects.filter(period_start=this_month)
    assert current.filter(status="published").count() > current.filter(status="paid").count()
    assert current.filter(status="paid").exists()  # a few paid at the counter today


def seeding_again_writes_nothing():
    counts = (Bill.objects.count(), Payment.objects.count(), Receipt.objects.count())

    call_command("seed_demo", rooms=60, quiet=True, stdout=io.StringIO())

    assert (Bill.objects.count(), Payment.objects.count(), Receipt.objects.count()) == counts

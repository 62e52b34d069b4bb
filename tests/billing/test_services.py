"""Bill runs, payments, receipts, waivers, refunds and reminders through billing.services."""

from decimal import Decimal as D

from billing.models import Bill, Payment
from tests.factories import build_billing_world


def test_the_billing_world_builds(community, room):
    world = build_billing_world(community, room)
    assert world["bill"].status == Bill.Status.PUBLISHED
    assert world["bill"].amount == D("275.80")
    assert world["payment"].status == Payment.Status.SUCCEEDED
    assert world["receipt"].number == 1

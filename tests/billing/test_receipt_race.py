"""Receipt numbers are gap-free and unique per company even when several cashiers take
payments at the same moment: the company's sequence row is locked until each payment's
transaction ends (billing.services.receipt_issue)."""

import pytest

from billing import services
from billing.models import Bill, Receipt
from tests.factories import RoomFactory, billing_actor, fee_rule
from tests.races import at_once, postgres_only

pytestmark = [pytest.mark.req("SBIL-2", "BIL-4")]

COUNT = 6


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_concurrent_payments_get_consecutive_receipt_numbers(community):
    """Six counter payments of six rooms' bills at the same moment, each in its own
    transaction and connection: six receipts numbered 1 to 6, none twice, none lost."""
    rooms = [RoomFactory(building__community=community) for _ in range(COUNT)]
    cashier = billing_actor(community)
    rule = fee_rule(community, kind="fixed", name="垃圾清运费", unit_price="20.00")
    run = services.run_create(
        community=community, fee_rules=[rule], month=_last_month(), actor=cashier
    )
    services.run_publish(run=run, actor=cashier)
    bills = [Bill.objects.get(run=run, room=room) for room in rooms]
    numbers = at_once(
        [
            lambda bill=bill: (
                services.counter_payment(
                    bills=[bill], method="cash", cashier=cashier
                ).receipt.number
            )
            for bill in bills
        ]
    )
    assert sorted(numbers) == list(range(1, COUNT + 1))
    assert sorted(Receipt.objects.values_list("number", flat=True)) == list(range(1, COUNT + 1))


def _last_month():
    import datetime as dt

    from django.utils import timezone

    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)

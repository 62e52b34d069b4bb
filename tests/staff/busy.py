"""A busy morning in one community, for the work home page's tests, its browser journey and
its bench: new, undispatched and overdue repairs and complaints, bindings waiting, money
taken and given back today, arrears, parcels waiting, an activity this week, a booking to
confirm. Rows only where the services would need a whole story (the figures count rows)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import Residency

from ..factories import (
    ActivityFactory,
    ComplaintFactory,
    ParcelFactory,
    RepairOrderFactory,
    ResidencyFactory,
    RoomFactory,
    bookable_provider,
    booking_row,
    build_billing_world,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday morning: "this week" and "today" are the same whatever day the tests run.
MORNING = dt.datetime(2026, 12, 9, 9, 30, tzinfo=SHANGHAI)


def busy_morning(community, room, *, extra_rooms: int = 2) -> dict:
    """Rows making every figure of the home page non-zero in `community` (`room` is 3栋1201,
    with a verified owner). Returns the expected figures."""
    now = timezone.now()
    owner = Residency.objects.filter(room=room, status=Residency.Status.VERIFIED).first()
    if owner is None:
        owner = ResidencyFactory(room=room, user__display_name="张伟", user__mobile="13900000001")
    rooms = [
        RoomFactory(building=room.building, number=f"{1301 + n}", floor=13)
        for n in range(extra_rooms)
    ]
    households = [owner] + [ResidencyFactory(room=r) for r in rooms]
    # Repairs: two new (one of them overdue), one accepted and not dispatched.
    RepairOrderFactory(household=households[0])
    RepairOrderFactory(household=households[1], accept_due_at=now - dt.timedelta(minutes=20))
    RepairOrderFactory(household=households[-1], status="accepted", accepted_at=now)
    # Complaints: one new, one accepted nobody handles and past its reply time.
    ComplaintFactory(household=households[0])
    ComplaintFactory(
        household=households[1], status="accepted", reply_due_at=now - dt.timedelta(hours=1)
    )
    # Bindings waiting for the office.
    ResidencyFactory(room=rooms[0], status=Residency.Status.PENDING, verified_at=None,
                     relation=Residency.Relation.TENANT, user__display_name="刘洋")  # fmt: skip
    # Billing: a payment today, last month's bill overdue, and a refund today.
    world = build_billing_world(community, room)
    bill = world["bill"]
    type(bill).objects.filter(pk=bill.pk).update(
        due_date=timezone.localdate() - dt.timedelta(days=9)
    )
    _refund_today(world["payment"])
    # Services.
    ParcelFactory(household=households[0])
    ParcelFactory(household=households[1])
    ActivityFactory(community=community, starts_at=now + dt.timedelta(hours=4))
    provider = bookable_provider(community)
    booking_row(owner, provider)
    return {"bill": bill, "payment": world["payment"], "receipt": world["receipt"]}


def _refund_today(payment) -> None:
    from billing.models import PaymentRefund

    PaymentRefund.objects.create(
        number=f"TK{payment.pk:010d}",
        payment=payment,
        amount=Decimal("10.00"),
        reason="多收退还",
        status=PaymentRefund.Status.SUCCEEDED,
        finished_at=timezone.now(),
    )

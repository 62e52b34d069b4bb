"""The business roll-up (PSTA-2): the nightly task sums the closed months' bills and the closed
days' payments; the statistics read it for those and the raw tables for the rest, and give
the same figures and series as from the raw tables alone, for every period and scope. Late
payments on old bills and refunds after a run are counted by the next run; a run too old to
trust is ignored. The clock is pinned to 2026-06-15 10:00 (Asia/Shanghai)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Community
from billing.models import Bill, Payment, PaymentItem
from platform_admin.business import selectors
from platform_admin.business.models import BusinessRollup, DailyPayments, MonthlyBills
from platform_admin.business.selectors import business_figures, money_by_month
from platform_admin.business.services import business_roll_up
from platform_admin.business.tasks import business_roll_up_task
from platform_admin.scope import Period
from tests.factories import business_bill, business_payment, household_in

pytestmark = [pytest.mark.req("PSTA-2"), pytest.mark.django_db]

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 6, 15)
MONEY = ("billed", "collected", "arrears", "collection_rate", "received", "collected_by_method")
PERIODS = [
    Period.month(TODAY),  # the open month: all raw
    Period.month(dt.date(2026, 5, 1)),
    Period.month(dt.date(2026, 1, 1)),
    Period.quarter(TODAY),  # two closed months and the open one
    Period.quarter(dt.date(2026, 2, 1)),
    Period.year(TODAY),
    Period.year(dt.date(2025, 6, 1)),
    Period("range", dt.date(2026, 3, 10), dt.date(2026, 6, 12)),  # months' ends at both sides
    Period("range", dt.date(2026, 2, 3), dt.date(2026, 2, 20)),  # within a month
]


def at(day: int, month: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=ZONE)


@pytest.fixture(autouse=True)
def _pinned():
    with time_machine.travel(dt.datetime.combine(TODAY, dt.time(10), tzinfo=ZONE), tick=False):
        yield


@pytest.fixture
def estate(community, other_community):
    """Bills of every month of 2026 in two communities, paid (in part, late, by several
    methods, with late fees) on days up to today; waived and draft bills."""
    bills = {}
    for n, place in enumerate([community, other_community]):
        room = household_in(place).room
        for month in range(1, 7):
            first = dt.date(2026, month, 1)
            paid = business_bill(room, month=first, amount=f"{100 + month + n}.00",
                                 paid=f"{100 + month + n}.00", status="paid")  # fmt: skip
            part = business_bill(room, month=first, amount="80.00", paid="30.00",
                                 status="partially_paid")  # fmt: skip
            business_bill(room, month=first, amount="45.00", status="published")
            business_bill(room, month=first, amount="20.00", status="waived")
            business_bill(room, month=first, amount="999.00", status="draft")
            day = min(month * 3, 15) if month < 6 else 15  # June's payments are today's
            business_payment(paid, amount=paid.amount, method="wechat", paid_at=at(day, month))
            business_payment(
                part,
                amount="30.00",
                method=("cash", "alipay")[n],
                late_fee="1.20",
                paid_at=at(day, month, 23),
            )  # 23:00 local is the next UTC day
            bills[(place.pk, month)] = part
    return bills


def money(communities, period):
    figures = business_figures(communities, period)
    return (
        {key: {name: getattr(value, name) for name in MONEY} for key, value in figures.items()},
        money_by_month(communities, period).rows,
    )


def scopes(community, other_community):
    return [[community], [other_community], [community, other_community]]


def everything(community, other_community):
    return {
        (str(period), index): money(ids, period)
        for period in PERIODS
        for index, ids in enumerate(scopes(community, other_community))
    }


def test_the_roll_up_gives_the_raw_figures_and_series(estate, community, other_community):
    raw = everything(community, other_community)
    assert raw[(str(PERIODS[5]), 2)][0][None]["billed"] > 0

    run = business_roll_up()

    assert run.months_through == dt.date(2026, 6, 1)
    assert run.days_through == TODAY
    assert run.finished_at is not None
    assert MonthlyBills.objects.count() == 10  # five closed months, two communities
    assert not MonthlyBills.objects.filter(month=dt.date(2026, 6, 1)).exists()
    assert not DailyPayments.objects.filter(day=TODAY).exists()
    assert everything(community, other_community) == raw


def test_late_payments_and_refunds_count_by_the_next_run(estate, community, other_community):
    business_roll_up()
    # Today: a late payment on February's bill and a refund of March's (paid in March).
    february = estate[(community.pk, 2)]
    business_payment(february, amount="50.00", method="card", paid_at=at(15, 6, 9))
    Bill.objects.filter(pk=february.pk).update(paid_amount=Decimal("80.00"), status="paid")
    march = estate[(community.pk, 3)]
    item = PaymentItem.objects.get(bill=march)
    PaymentItem.objects.filter(pk=item.pk).update(refunded_amount=Decimal("10.00"))
    Bill.objects.filter(pk=march.pk).update(paid_amount=Decimal("20.00"))
    Payment.objects.filter(pk=item.payment_id).update(refunded_at=at(15, 6, 9))

    # Today's money is read raw: the late payment is received at once.
    june = business_figures([community], Period.month(TODAY))[community.pk]
    assert june.collected_by_method["card"] == Decimal("50.00")

    # The next night's run counts both in their months and days.
    with time_machine.travel(at(16, 6, 1), tick=False):
        business_roll_up_task()
        assert BusinessRollup.objects.count() == 2
        rolled = everything(community, other_community)
        BusinessRollup.objects.all().delete()  # raw from here on
        assert everything(community, other_community) == rolled
    year = rolled[(str(PERIODS[5]), 0)][0][community.pk]
    assert year["received"] == sum(
        (item.amount - item.refunded_amount + item.late_fee - item.refunded_late_fee
         for item in PaymentItem.objects.filter(payment__community=community)),
        Decimal("0.00"),
    )  # fmt: skip


def test_a_run_too_old_to_trust_is_ignored(estate, community, other_community):
    business_roll_up()
    MonthlyBills.objects.update(billed=Decimal("1.00"))  # what a stale roll-up would show
    fresh = business_figures([community], Period.month(dt.date(2026, 5, 1)))[None].billed
    assert fresh == Decimal("1.00")
    later = dt.datetime.combine(TODAY, dt.time(10), tzinfo=ZONE) + selectors.ROLLUP_MAX_AGE
    with time_machine.travel(later + dt.timedelta(minutes=1), tick=False):
        figures = business_figures([community], Period.month(dt.date(2026, 5, 1)))
        assert figures[None].billed == Decimal("105.00") + Decimal("145.00")


def test_an_unfinished_run_is_ignored(estate, community):
    run = business_roll_up()
    BusinessRollup.objects.filter(pk=run.pk).update(finished_at=None)
    MonthlyBills.objects.update(billed=Decimal("1.00"))
    assert business_figures([community], Period.month(dt.date(2026, 5, 1)))[None].billed == (
        Decimal("250.00")
    )


def test_a_run_replaces_the_rows_of_the_last(estate, community):
    business_roll_up()
    first = set(MonthlyBills.objects.values_list("pk", flat=True))
    business_roll_up()
    assert MonthlyBills.objects.count() == 10
    assert not first & set(MonthlyBills.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("rolled_up", [False, True])
def test_bounded_queries(estate, rolled_up, django_assert_max_num_queries):
    if rolled_up:
        business_roll_up()
    communities = Community.objects.all()
    with django_assert_max_num_queries(13):
        business_figures(communities, Period.year(TODAY))
    with django_assert_max_num_queries(3):
        money_by_month(communities, Period.year(TODAY))

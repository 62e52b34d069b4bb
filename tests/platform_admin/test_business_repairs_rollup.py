"""The business roll-up of repairs (PSTA-2): the nightly task sums the closed months' repair
orders per community (reported, cancelled, and the numerators and denominators of the figures
of the orders completed); the statistics read it for those months and the raw orders for the
rest, and give the same repairs figures and series as from the raw orders alone, for every
period and scope. An order completed or rated after a run counts by the next run. The clock is
pinned to 2026-06-15 10:00 (Asia/Shanghai)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Community
from platform_admin.business import selectors
from platform_admin.business.models import BusinessRollup, MonthlyRepairs
from platform_admin.business.selectors import business_figures, repairs_by_month
from platform_admin.business.services import business_roll_up
from platform_admin.business.tasks import business_roll_up_task
from platform_admin.scope import Period
from repairs import performance
from repairs.models import RepairOrder, RepairRating
from tests.factories import business_repair, household_in

pytestmark = [pytest.mark.req("PSTA-2"), pytest.mark.django_db]

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 6, 15)
REPAIRS = ("repairs", "repairs_finished", "repairs_overdue", "repair_on_time_rate",
           "repair_accept_hours", "repair_finish_hours", "repair_rating", "repair_ratings")  # fmt: skip
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


def at(day: int, month: int, hour: int = 10, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=ZONE)


@pytest.fixture(autouse=True)
def _pinned():
    with time_machine.travel(dt.datetime.combine(TODAY, dt.time(10), tzinfo=ZONE), tick=False):
        yield


@pytest.fixture
def estate(community, other_community):
    """Orders of every month from December 2025 to today in two communities: completed in
    the month reported or the next (some across a month's end at 23:00 local, the previous
    UTC day), on time or late or without a deadline, rated or not; cancelled and open ones.
    Returns {(community id, month): an order still open} to finish later."""
    open_orders = {}
    for n, place in enumerate([community, other_community]):
        household = household_in(place)
        for year, month in [(2025, 12), *((2026, m) for m in range(1, 7))]:
            last_day = 15 if month == 6 and year == 2026 else 28
            business_repair(household, created=at(2, month, year=year), completed=at(3, month, year=year),
                   response=600 + n * 60 + month, finish=3600 * (month + n), on_time=True,
                   rating=(5, 4, 3 + n))  # fmt: skip
            business_repair(household, created=at(min(10, last_day), month, year=year),
                   completed=at(last_day, month, 23, year=year), response=1800 + month,
                   finish=7200 + 7 * month, on_time=bool(month % 2), rating=(2, 3, 1))  # fmt: skip
            business_repair(
                household,
                created=at(1, month, 0, year=year),
                completed=at(min(12, last_day), month, year=year),
                response=90,
            )
            business_repair(
                household, created=at(5, month, year=year), status=RepairOrder.Status.CANCELLED
            )
            open_orders[(place.pk, month)] = business_repair(
                household, created=at(7, month, year=year)
            )
    return open_orders


def figures(communities, period):
    result = business_figures(communities, period)
    return (
        {key: {name: getattr(value, name) for name in REPAIRS} for key, value in result.items()},
        repairs_by_month(communities, period).rows,
    )


def everything(community, other_community):
    return {
        (str(period), index): figures(ids, period)
        for period in PERIODS
        for index, ids in enumerate([[community], [other_community], [community, other_community]])
    }


def test_the_roll_up_gives_the_raw_figures_and_series(estate, community, other_community):
    raw = everything(community, other_community)
    year = raw[(str(PERIODS[5]), 2)][0][None]
    assert year["repairs"] == 2 * 6 * 5
    assert year["repair_ratings"] > 0 and year["repair_rating"] is not None

    run = business_roll_up()

    assert run.months_before == dt.datetime(2026, 6, 1, tzinfo=ZONE)
    assert run.repair_rows == MonthlyRepairs.objects.count() == 12  # Dec–May, two communities
    assert not MonthlyRepairs.objects.filter(month=dt.date(2026, 6, 1)).exists()
    assert everything(community, other_community) == raw


def test_the_raw_figures_are_those_of_the_repairs_app(estate, community, other_community):
    """Without a roll-up the platform's repairs figures are repairs.performance's own."""
    period = Period.quarter(dt.date(2026, 4, 1))
    ids = [community.pk, other_community.pk]
    summary = performance.communities_summary(ids, period.start, period.last_day)
    ours = selectors.repairs_by_community(ids, period.start, period.end)
    for pk in ids:
        assert ours[pk].reported == summary[pk].reported
        assert ours[pk].completed == summary[pk].completed
        assert ours[pk].totals == summary[pk].totals
        assert ours[pk].avg_rating == pytest.approx(summary[pk].avg_rating)
        assert ours[pk].avg_response_seconds == pytest.approx(summary[pk].avg_response_seconds)


def test_orders_finished_and_rated_after_a_run_count_by_the_next(
    estate, community, other_community
):
    business_roll_up()
    # Today: February's open order of the community is finished late and rated, and an old
    # rating-less order of March gets its rating.
    household = household_in(community)
    february = estate[(community.pk, 2)]
    RepairOrder.objects.filter(pk=february.pk).update(
        status=RepairOrder.Status.COMPLETED, completed_at=at(27, 2), technician_response_seconds=5,
        technician_finish_seconds=50, finished_on_time=False,
    )  # fmt: skip
    RepairRating.objects.create(order=february, speed=1, quality=1, attitude=1,
                                rated_by=household.user, created_at=at(15, 6, 9))  # fmt: skip
    march = RepairOrder.objects.get(
        community=community, created_at=at(1, 3, 0), status=RepairOrder.Status.COMPLETED
    )
    RepairRating.objects.create(order=march, speed=5, quality=5, attitude=5,
                                rated_by=household.user, created_at=at(15, 6, 9))  # fmt: skip
    stale = business_figures([community], Period.month(dt.date(2026, 2, 1)))[community.pk]

    with time_machine.travel(at(16, 6, 1), tick=False):
        business_roll_up_task()
        assert BusinessRollup.objects.count() == 2
        rolled = everything(community, other_community)
        february = business_figures([community], Period.month(dt.date(2026, 2, 1)))[None]
        march = business_figures([community], Period.month(dt.date(2026, 3, 1)))[None]
        BusinessRollup.objects.all().delete()  # raw from here on
        assert everything(community, other_community) == rolled
    assert february.repairs_finished == stale.repairs_finished + 1
    assert february.repairs_overdue == stale.repairs_overdue + 1
    assert february.repair_ratings == stale.repair_ratings + 1
    assert march.repair_ratings == 3


def test_a_run_too_old_to_trust_is_ignored(estate, community):
    business_roll_up()
    MonthlyRepairs.objects.update(reported=1000)  # what a stale roll-up would show
    may = Period.month(dt.date(2026, 5, 1))
    assert business_figures([community], may)[None].repairs == 1000
    later = dt.datetime.combine(TODAY, dt.time(10), tzinfo=ZONE) + selectors.ROLLUP_MAX_AGE
    with time_machine.travel(later + dt.timedelta(minutes=1), tick=False):
        assert business_figures([community], may)[None].repairs == 5
        assert repairs_by_month([community], may).rows[-2]["reported"] == 5


def test_a_run_without_repairs_is_read_raw(estate, community):
    """A run made before repairs were rolled up (no moment to read the raw orders from)."""
    run = business_roll_up()
    BusinessRollup.objects.filter(pk=run.pk).update(months_before=None)
    MonthlyRepairs.objects.all().delete()
    assert business_figures([community], Period.month(dt.date(2026, 5, 1)))[None].repairs == 5


@pytest.mark.parametrize("rolled_up", [False, True])
def test_bounded_queries(estate, rolled_up, django_assert_max_num_queries):
    if rolled_up:
        business_roll_up()
    communities = Community.objects.all()
    with django_assert_max_num_queries(13):
        business_figures(communities, Period.year(TODAY))
    with django_assert_max_num_queries(3):
        repairs_by_month(communities, Period.year(TODAY))

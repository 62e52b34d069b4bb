"""The daily roll-up behind the performance figures (repairs.rollup): what the page reads from it
is what the orders themselves add up to, kept so by the services as orders are reported,
completed, rated, cancelled, repeated (and reopened), on varied data and any period: months,
today's partial month, single days at local midnight."""

import dataclasses
import datetime as dt
import math
import random

import pytest
import time_machine
from django.utils import timezone

from repairs import rollup, services
from repairs.models import RepairDayFigures, RepairOrder, RepairRating
from repairs.performance import (
    community_summary,
    community_summary_from_orders,
    technician_performance,
    technician_performance_from_orders,
)
from tests.factories import RepairOrderFactory, ResidencyFactory, RoomFactory, photo_upload
from tests.races import at_once, postgres_only

pytestmark = pytest.mark.django_db
Status = RepairOrder.Status
WORKERS = 4


def same_figures(read, computed) -> None:
    for name in (f.name for f in dataclasses.fields(read)):
        mine, theirs = getattr(read, name), getattr(computed, name)
        if name == "totals":
            continue
        if isinstance(mine, float) or isinstance(theirs, float):
            assert mine is not None and theirs is not None, name
            assert math.isclose(mine, theirs, rel_tol=1e-9), (name, mine, theirs)
        else:
            assert mine == theirs, (name, mine, theirs)


def assert_both_ways(community, start: dt.date, end: dt.date) -> None:
    rows = technician_performance(community, start, end)
    expected = technician_performance_from_orders(community, start, end)
    assert [row.technician.pk for row in rows] == [row.technician.pk for row in expected]
    for row, other in zip(rows, expected, strict=True):
        same_figures(row, other)
    same_figures(community_summary(community, start, end), community_summary_from_orders(
        community, start, end))  # fmt: skip
    same_figures(community_summary(community, start, end, rows),
                 community_summary_from_orders(community, start, end, expected))  # fmt: skip


def periods(today: dt.date, rng: random.Random, first: dt.date) -> list[tuple[dt.date, dt.date]]:
    month = today.replace(day=1)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    chosen = [
        (first, today),
        (month, today),  # today's partial month
        (month, month + dt.timedelta(days=40)),  # into the future
        (previous, month - dt.timedelta(days=1)),
        (today, today),
        (today - dt.timedelta(days=365), today),
    ]
    for _ in range(12):
        start = first + dt.timedelta(days=rng.randrange((today - first).days + 1))
        chosen.append((start, start + dt.timedelta(days=rng.randrange(0, 40))))
    return chosen


def rows_now(community) -> list[tuple]:
    fields = ["day", "technician_id", *(f.name for f in RepairDayFigures._meta.fields[4:])]
    return sorted(
        RepairDayFigures.objects.filter(community=community).values_list(*fields),
        key=lambda row: (row[0], row[1] or 0),
    )


@pytest.mark.req("SREP-3")
def test_kept_by_the_services_through_every_step(
    community, residency, resident, dispatcher, technician_member, other_technician
):
    """Orders over ten weeks through the services, some at a minute to and past local
    midnight: the roll-up as the services left it equals the orders' figures on every period,
    and equals a rebuild from scratch."""
    zone = timezone.get_current_timezone()
    categories = list(community.repair_categories.order_by("sort_order")[:2])
    slot = community.repair_time_slots.order_by("start").first()
    second = ResidencyFactory(room=RoomFactory(building=residency.room.building, number="0802"))
    technicians = [technician_member, other_technician.staff_member]
    rng = random.Random(21)
    today = timezone.localdate()
    first = today - dt.timedelta(days=70)

    def at(day: dt.date, hour: int, minute: int = 0, second: int = 0):
        moment = dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=zone)
        return time_machine.travel(moment, tick=False)

    def report(household, category):
        return services.order_create(
            reporter=household.user, residency=household, category=category,
            description="水管漏水", contact_name="张伟", contact_phone="13900000000",
            day=timezone.localdate() + dt.timedelta(days=1), slot=slot,
        )  # fmt: skip

    finished = []
    for index in range(14):
        day = first + dt.timedelta(days=5 * index)
        household = residency if index % 3 else second
        category = categories[index % 2]
        technician = technicians[index % 2]
        with at(day, 9):
            order = report(household, category)
            if index % 7 == 6:
                services.order_cancel_by_resident(order=order, user=household.user, reason="好了")
                continue
            order = services.order_assign(order=order, technician=technician, actor=dispatcher)
            services.order_technician_accept(order=order, technician=technician)
            order = services.order_start(order=order, technician=technician, share_location=False)
        if index % 5 == 4:
            with at(day, 15):
                services.order_cancel_by_staff(order=order, actor=dispatcher, reason="业主取消")
            continue
        # Some finish a minute before local midnight, some just after it.
        finish_at = (day, 23, 59, 30) if index % 2 else (day + dt.timedelta(days=1), 0, 0, 30)
        with at(*finish_at):
            order = services.order_finish(
                order=order, technician=technician, result_note="已修复",
                photos=[photo_upload("after.jpg")],
            )  # fmt: skip
        finished.append(order)
        if rng.random() < 0.7:
            with at(day + dt.timedelta(days=2), 10):
                scores = [rng.randint(1, 5) for _ in range(3)]
                services.order_rate(order=order, user=household.user, speed=scores[0],
                                    quality=scores[1], attitude=scores[2])  # fmt: skip
    # The same fault again in the same room within 30 days: a repeat of an earlier day.
    with at(today, 8):
        report(residency, categories[0])
        report(second, categories[1])

    assert RepairOrder.objects.filter(status=Status.COMPLETED).count() == len(finished) >= 8
    for start, end in periods(today, rng, first):
        assert_both_ways(community, start, end)
    assert technician_performance(community, first, today)[0].completed > 0
    kept = rows_now(community)
    rollup.rebuild([community.pk])
    assert rows_now(community) == kept


def test_varied_rows_rebuilt_then_kept_through_changes(community, residency, technician_member,
                                                       other_technician, outsider):  # fmt: skip
    """Hundreds of orders of every state over three months (public areas, few rooms so that
    faults repeat, ratings low and high, unrated, a technician gone): rebuilt, then changed
    order by order as a service would (rated, reported again, reopened after being finished,
    finished again): both ways agree on every period after each change."""
    rng = random.Random(2026)
    zone = timezone.get_current_timezone()
    now = timezone.now()
    today = timezone.localdate()
    first = today - dt.timedelta(days=95)
    households = [residency] + [
        ResidencyFactory(room=RoomFactory(building=residency.room.building, number=f"1{n:03d}"))
        for n in range(3)
    ]
    categories = list(community.repair_categories.all()[:3])
    technicians = [technician_member, other_technician.staff_member]

    def moment(days_ago: float) -> dt.datetime:
        return now - dt.timedelta(days=days_ago)

    def order_at(created: dt.datetime, status: str, **extra) -> RepairOrder:
        household = households[rng.randrange(len(households))]
        public = rng.random() < 0.1
        fields = {
            "household": household, "room": None if public else household.room,
            "public_area": "花园" if public else "", "category": rng.choice(categories),
            "created_at": created, "status": status,
        }  # fmt: skip
        if status == Status.CANCELLED:
            fields["cancelled_at"] = created + dt.timedelta(hours=1)
        if status == Status.COMPLETED:
            finish = rng.randint(600, 4 * 86400)
            fields.update(
                technician=rng.choice(technicians), assigned_at=created,
                completed_at=min(created + dt.timedelta(seconds=finish), now),
                technician_response_seconds=rng.choice([None, rng.randint(0, 7200)]),
                technician_finish_seconds=finish, finished_on_time=rng.choice([True, False, None]),
            )  # fmt: skip
        fields.update(extra)
        return RepairOrderFactory(**fields)

    def rate(order: RepairOrder) -> None:
        RepairRating.objects.create(
            order=order, speed=rng.randint(1, 5), quality=rng.randint(1, 5),
            attitude=rng.randint(1, 5), rated_by=order.household.user,
        )  # fmt: skip

    statuses = [Status.COMPLETED] * 6 + [Status.CANCELLED, Status.PENDING, Status.ASSIGNED]
    for _ in range(160):
        order = order_at(moment(rng.uniform(0, 95)), rng.choice(statuses))
        if order.status == Status.COMPLETED and rng.random() < 0.6:
            rate(order)
    # Orders at a second to and past local midnight, and another community's.
    for days_ago in (3, 20, 40):
        midnight = dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time.min, zone)
        for offset in (-1, 1):
            order_at(midnight + dt.timedelta(seconds=offset), Status.COMPLETED,
                     completed_at=midnight + dt.timedelta(seconds=offset))  # fmt: skip
    RepairOrderFactory(household=outsider.residencies.get(), status=Status.COMPLETED,
                       completed_at=now, technician_finish_seconds=60)  # fmt: skip
    rollup.rebuild()
    assert RepairDayFigures.objects.filter(community=community).count() > 50
    for start, end in periods(today, rng, first):
        assert_both_ways(community, start, end)

    completed = list(RepairOrder.objects.filter(community=community, status=Status.COMPLETED))
    for step in range(24):
        kind = step % 4
        if kind == 0:  # a rating arrives
            unrated = [o for o in completed if not RepairRating.objects.filter(order=o).exists()]
            order = rng.choice(unrated)
            rate(order)
            rollup.order_changed(order)
        elif kind == 1:  # the same fault reported again (maybe a repeat of an earlier day)
            order = order_at(moment(rng.uniform(0, 20)), Status.PENDING)
            rollup.order_reported(order)
        elif kind == 2:  # reopened after being finished
            order = rng.choice(completed)
            before = rollup.order_days(order)
            order.status, order.completed_at = Status.IN_PROGRESS, None
            order.save(update_fields=["status", "completed_at"])
            completed.remove(order)
            rollup.order_changed(order, before)
            reopened = order
        else:  # and finished again today
            before = rollup.order_days(reopened)
            reopened.status, reopened.completed_at = Status.COMPLETED, timezone.now()
            reopened.save(update_fields=["status", "completed_at"])
            completed.append(reopened)
            rollup.order_changed(reopened, before)
        for start, end in rng.sample(periods(today, rng, first), 4):
            assert_both_ways(community, start, end)
    kept = rows_now(community)
    rollup.rebuild([community.pk])
    assert rows_now(community) == kept


def test_another_time_zones_days_are_computed_from_the_orders(community, make_order):
    make_order("completed")
    today = timezone.localdate()
    with timezone.override("UTC"):
        rows = technician_performance(community, today, today)
        assert [r.completed for r in rows] == [
            r.completed for r in technician_performance_from_orders(community, today, today)
        ]


def test_a_year_of_figures_is_one_query_of_the_roll_up(community, make_order,
                                                       django_assert_num_queries):  # fmt: skip
    for _ in range(3):
        make_order("completed")
    today = timezone.localdate()
    with django_assert_num_queries(2):
        rows = technician_performance(community, today - dt.timedelta(days=365), today)
    with django_assert_num_queries(1):
        summary = community_summary(community, today - dt.timedelta(days=365), today, rows)
    assert summary.completed == 3 and summary.reported == 3


@pytest.mark.req("SREP-3")
def test_orders_from_before_the_roll_up_are_rolled_up_after_migrating(community, make_order):
    """A database that had orders before the roll-up's table: `migrate` fills it (after its
    last migration), and leaves communities that have figures as they are."""
    from django.core.management import call_command

    from accounts.models import Community

    make_order("completed")
    make_order("cancelled")
    kept = rows_now(community)
    other = RepairOrderFactory()  # of another community
    assert other.community_id != community.pk
    RepairDayFigures.objects.all().delete()
    RepairDayFigures.objects.bulk_create([RepairDayFigures(community=community,
                                          day=timezone.localdate(), reported=99)])  # fmt: skip
    wrong_but_there = rows_now(community)

    call_command("migrate", verbosity=0)

    assert rows_now(community) == wrong_but_there  # not rebuilt: it has figures
    assert rows_now(Community.objects.get(pk=other.community_id)) != []
    RepairDayFigures.objects.filter(community=community).delete()
    call_command("migrate", verbosity=0)
    assert rows_now(community) == kept
    today = timezone.localdate()
    assert_both_ways(Community.objects.get(pk=other.community_id), today, today)


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_orders_of_one_day_finished_and_rated_at_once_all_count(community, make_order,
                                                                technician_member):  # fmt: skip
    """Several technicians' orders of the same day finished at the same moment, then rated at
    once: each transaction recomputes the day only after the others committed (the day's lock),
    so none of them is lost from the figures."""
    orders = [make_order("in_progress") for _ in range(WORKERS)]

    def finish(order):
        return lambda: services.order_finish(
            order=order, technician=technician_member, result_note="已修复",
            photos=[photo_upload("after.jpg")],
        )  # fmt: skip

    at_once([finish(order) for order in orders])
    today = timezone.localdate()
    [row] = technician_performance(community, today, today)
    assert row.completed == WORKERS

    def rate(order):
        return lambda: services.order_rate(
            order=order, user=order.reporter, speed=5, quality=4, attitude=2
        )

    at_once([rate(order) for order in orders])
    [row] = technician_performance(community, today, today)
    assert (row.ratings, row.low_ratings) == (WORKERS, WORKERS)
    assert_both_ways(community, today, today)
    kept = rows_now(community)
    rollup.rebuild([community.pk])
    assert rows_now(community) == kept

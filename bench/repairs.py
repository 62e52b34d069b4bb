"""Seed a year of repairs and time the staff repair pages and the performance figures.

    .venv/bin/python bench/repairs.py [--orders 100000] [--technicians 50] [--rooms 3000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_bench .venv/bin/python bench/repairs.py

Uses its own database under var/bench-repairs/ (or DATABASE_URL if set). It seeds the demo
estate, gives its first community (翠湖花园) `--technicians` technicians and `--orders` orders
spread over the past year (bulk rows: most completed, most of those rated, some cancelled, the
newest still open), then, logged in as the community's manager:

- requests the staff queue, the monitoring board, the ratings list and the performance page,
  and prints the median time of 5 requests and the number of SQL queries of each (at most
  30, whatever the number of orders), each made by its view, not answered from the page
  cache;
- times `repairs.performance.technician_performance` for all technicians over the year
  (median of 5; must be under 0.3 s) and `community_summary` from the daily roll-up and from
  the orders themselves, checks that both agree, and prints the figures.

On PostgreSQL it runs ANALYZE after loading (as autovacuum would). It exits with status 1
when a limit is exceeded. A second run reuses the orders already
there (pass --rebuild to start the orders again)."""

import argparse
import datetime as dt
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LINLI_VAR_DIR", str(ROOT / "var" / "bench-repairs"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

MAX_QUERIES = 30
MAX_PERFORMANCE_SECONDS = 0.3
MANAGER_MOBILE = "13800001001"  # 陈立军, 经理 of 翠湖花园
BATCH = 5000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--technicians", type=int, default=50)
    parser.add_argument("--rooms", type=int, default=3000)
    parser.add_argument("--rebuild", action="store_true", help="delete the orders and rebuild")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Community, User

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    call_command("seed_demo", rooms=args.rooms, quiet=True, stdout=io.StringIO())
    print(
        f"seed_demo --rooms {args.rooms}: {time.monotonic() - started:.1f} s on {connection.vendor}"
    )
    community = Community.objects.get(name="翠湖花园")
    technicians = ensure_technicians(community, args.technicians)
    ensure_orders(community, technicians, args.orders, rebuild=args.rebuild)
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load in production; without it the planner
        # still believes the tables are empty.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    failures: list[str] = []
    manager = User.objects.get(mobile=MANAGER_MOBILE)
    time_pages(manager, failures)
    time_performance(community, failures)
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("\nAll limits met.")


def ensure_technicians(community, wanted: int, *, series: int = 1) -> list:
    """`wanted` technicians serving `community`; another community's bench technicians take
    another `series` (their mobiles and employee numbers apart)."""
    from django.contrib.auth.models import Group

    from accounts.demo import ensure_user
    from repairs.selectors import technicians_of
    from staff.models import StaffMember
    from staff.positions import TECHNICIAN
    from staff.services import staff_member_create

    position = Group.objects.get(name=TECHNICIAN)
    from accounts.models import User

    # The demo password, as the demo staff have it.
    password = User.objects.get(mobile=MANAGER_MOBILE).password
    existing = list(technicians_of(community))
    for n in range(len(existing), wanted):
        user = ensure_user(
            mobile=f"137000{series}{n:04d}", name=f"维修工{n + 1:02d}", password_hash=password
        )
        if not StaffMember.objects.filter(user=user).exists():
            staff_member_create(
                user=user, company=community.company, communities=[community], position=position,
                employee_number=f"BENCH-{n:04d}" if series == 1 else f"BENCH{series}-{n:04d}",
            )  # fmt: skip
    technicians = list(technicians_of(community))
    print(f"technicians of {community.name}: {len(technicians)}")
    return technicians


def ensure_orders(community, technicians, wanted: int, *, rebuild: bool) -> None:
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Residency
    from repairs import rollup
    from repairs.models import RepairOrder, RepairRating

    Status = RepairOrder.Status
    orders = RepairOrder.objects.filter(community=community)
    if rebuild:
        RepairRating.objects.filter(order__community=community).delete()
        orders.delete()
    have = orders.count()
    if have >= wanted:
        print(f"orders of {community.name}: {have} (already there)")
        return
    rng = random.Random(2026)
    now = timezone.now()
    categories = list(community.repair_categories.filter(is_active=True))
    households = list(
        Residency.objects.filter(
            room__building__community=community,
            status=Residency.Status.VERIFIED,
            head__isnull=True,
        ).select_related("user")
    )
    started = time.monotonic()
    made = ratings_made = 0
    for batch_start in range(have, wanted, BATCH):
        batch, rated = [], []
        for index in range(batch_start, min(batch_start + BATCH, wanted)):
            age = dt.timedelta(seconds=rng.uniform(0, 365 * 86400))
            created = now - age
            household = households[rng.randrange(len(households))]
            category = categories[rng.randrange(len(categories))]
            public = rng.random() < 0.05
            # The last two days are still being worked on; before that nearly all is closed.
            if age < dt.timedelta(days=2):
                status = rng.choice(
                    [Status.PENDING, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS]
                )
            else:
                status = Status.CANCELLED if rng.random() < 0.03 else Status.COMPLETED
            order = RepairOrder(
                number=f"BX{timezone.localtime(created):%y%m%d}{community.pk:02X}{index:06X}"[:20],
                community=community, household=household,
                room=None if public else household.room, public_area="中心花园" if public else "",
                category=category, description="漏水", reporter=household.user,
                contact_name=household.user.display_name, contact_phone=household.user.mobile,
                appointment_start=created + dt.timedelta(days=1),
                appointment_end=created + dt.timedelta(days=1, hours=3), created_at=created,
                accept_due_at=created + dt.timedelta(minutes=category.accept_within_minutes),
                finish_due_at=created + dt.timedelta(hours=category.finish_within_hours),
                status=status,
            )  # fmt: skip
            if status == Status.CANCELLED:
                order.cancelled_at = created + dt.timedelta(hours=1)
                order.cancel_reason = "重复报修"
            elif status != Status.PENDING:
                order.accepted_at = created + dt.timedelta(minutes=rng.randint(1, 90))
                if status != Status.ACCEPTED:
                    order.technician = technicians[rng.randrange(len(technicians))]
                    order.assigned_at = order.accepted_at
                if status == Status.IN_PROGRESS:
                    response = rng.randint(30, 3600)
                    order.technician_accepted_at = order.assigned_at + dt.timedelta(
                        seconds=response
                    )
                    order.technician_response_seconds = response
                    order.started_at = min(order.technician_accepted_at, now)
                if status == Status.COMPLETED:
                    response = rng.randint(30, 3600)
                    finish = rng.randint(1800, 3 * 86400)
                    order.technician_accepted_at = order.assigned_at + dt.timedelta(
                        seconds=response
                    )
                    order.started_at = order.technician_accepted_at
                    order.completed_at = order.assigned_at + dt.timedelta(seconds=finish)
                    order.technician_response_seconds = response
                    order.technician_finish_seconds = finish
                    order.finished_on_time = order.completed_at <= order.finish_due_at
                    order.result_note = "已修复"
            batch.append(order)
        with transaction.atomic():
            RepairOrder.objects.bulk_create(batch, batch_size=1000)
            for order in batch:
                if order.status == Status.COMPLETED and rng.random() < 0.7:
                    low = rng.random() < 0.08
                    rated.append(
                        RepairRating(
                            order=order,
                            speed=rng.randint(1, 2) if low else rng.randint(3, 5),
                            quality=rng.randint(3, 5),
                            attitude=rng.randint(3, 5),
                            comment="很好" if not low else "太慢了",
                            rated_by=order.reporter,
                            created_at=order.completed_at + dt.timedelta(hours=2),
                        )
                    )
            RepairRating.objects.bulk_create(rated, batch_size=1000)
        made += len(batch)
        ratings_made += len(rated)
    print(
        f"orders of {community.name}: {orders.count()} ({made} new, {ratings_made} new ratings) "
        f"in {time.monotonic() - started:.1f} s"
    )
    began = time.monotonic()
    # The bulk rows bypass the services that keep the daily figures: roll them up as a whole.
    rollup.rebuild([community.pk])
    print(f"daily figures of {community.name} rebuilt in {time.monotonic() - began:.1f} s")


def time_pages(manager, failures: list[str]) -> None:
    from django.test import Client
    from django.urls import reverse

    from bench.services import pass_second_factor
    from bench.timing import time_page

    client = Client(HTTP_HOST="localhost")
    client.force_login(manager)
    pass_second_factor(client, manager)  # managers sign in with a second factor
    pages = [
        reverse("repairs_staff:queue"),
        reverse("repairs_staff:board"),
        reverse("repairs_staff:ratings"),
        reverse("repairs_staff:ratings") + "?low=on",
        reverse("repairs_staff:performance") + "?period=year",
        reverse("repairs_staff:performance") + "?period=month",
    ]
    print(f"\n{'page':44} {'median ms':>10} {'queries':>8}")
    for url in pages:
        try:
            timing = time_page(client, url)
        except NotImplementedError:
            print(f"{url:44} {'not built yet':>19}")
            failures.append(f"{url}: the view is not implemented yet")
            continue
        except Exception as error:  # noqa: BLE001 - report every page, then fail
            print(f"{url:44} {'error':>19}")
            failures.append(f"{url}: {type(error).__name__}: {error}")
            continue
        count = timing.queries
        print(f"{url:44} {timing.median_ms:10.1f} {count:8d}")
        if timing.status != 200:
            failures.append(f"{url}: status {timing.status}")
        if count > MAX_QUERIES:
            failures.append(f"{url}: {count} SQL queries (at most {MAX_QUERIES})")


def time_performance(community, failures: list[str]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from repairs import performance
    from repairs.performance import community_summary, technician_performance
    from repairs.views.performance import duration_text, percent_text, score_text

    end = timezone.localdate()
    start = end - dt.timedelta(days=365)

    def median_ms(compute) -> float:
        timings = []
        for _ in range(5):
            began = time.perf_counter()
            compute()
            timings.append(time.perf_counter() - began)
        return statistics.median(timings) * 1000

    # The same figures computed from the orders (what the page read before the daily roll-up):
    # timed alongside, under the same load, and compared.
    from_orders = performance.technician_performance_from_orders(community, start, end)
    print(f"\n{'figures over the year (median of 5)':44} {'roll-up ms':>10} {'orders ms':>10}")
    for name, rolled, raw in (
        ("technician_performance", lambda: technician_performance(community, start, end),
         lambda: performance.technician_performance_from_orders(community, start, end)),
        ("community_summary", lambda: community_summary(community, start, end),
         lambda: performance.community_summary_from_orders(community, start, end)),
    ):  # fmt: skip
        print(f"{name:44} {median_ms(rolled):10.1f} {median_ms(raw):10.1f}")
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        rows = technician_performance(community, start, end)
        took = time.perf_counter() - began
    summary = community_summary(community, start, end)
    if [_comparable(row) for row in rows] != [_comparable(row) for row in from_orders] or (
        _comparable(summary)
        != _comparable(performance.community_summary_from_orders(community, start, end))
    ):
        failures.append("the roll-up's figures differ from the orders' own")
    print(
        f"\ntechnician_performance, {len(rows)} technicians, {start} – {end}: "
        f"{took * 1000:.0f} ms ({len(queries.captured_queries)} queries)"
    )
    print(
        f"  completed {summary.completed}, reported {summary.reported}, ratings {summary.ratings} "
        f"({summary.low_ratings} low), accept {duration_text(summary.avg_response_seconds)}, "
        f"finish {duration_text(summary.avg_finish_seconds)}, on time "
        f"{percent_text(summary.on_time_rate)}, rating {score_text(summary.avg_rating)}, "
        f"repeats {percent_text(summary.repeat_rate)}"
    )
    print(f"  {'technician':10} {'done':>6} {'accept':>10} {'finish':>10} {'on time':>8} "
          f"{'rating':>6} {'repeat':>7}")  # fmt: skip
    for row in sorted(rows, key=lambda r: -r.completed)[:5]:
        print(
            f"  {row.name:10} {row.completed:6d} {duration_text(row.avg_response_seconds):>10} "
            f"{duration_text(row.avg_finish_seconds):>10} {percent_text(row.on_time_rate):>8} "
            f"{score_text(row.avg_rating):>6} {percent_text(row.repeat_rate):>7}"
        )
    if took >= MAX_PERFORMANCE_SECONDS:
        failures.append(
            f"technician_performance took {took:.2f} s (under {MAX_PERFORMANCE_SECONDS} s)"
        )
    if len(queries.captured_queries) > 3:
        failures.append(f"technician_performance ran {len(queries.captured_queries)} queries")


def _comparable(figures) -> tuple:
    """The figures as the page shows them (averages to 9 significant digits)."""
    values = []
    for name, value in vars(figures).items():
        if name == "totals":
            continue
        values.append(float(f"{value:.9g}") if isinstance(value, float) else value)
    return tuple(values)


if __name__ == "__main__":
    main()

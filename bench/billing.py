"""Time a month's bill run over a large estate, its publication, and the bill pages.

    .venv/bin/python bench/billing.py [--rooms 20000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_bbench .venv/bin/python bench/billing.py

Uses its own database under var/bench-billing/ (or DATABASE_URL if set). It seeds the demo
estate (a load-test estate gets the demo fee rules but no bill history), gives every room a
floor area, a water and an electricity reading for the current month and some rooms parking
spaces, then:

- times `billing.services.run_create` for the current month with four fee rules of each
  community (property, water, electricity, fixed: about four bills per room, with their
  lines) and prints the bills and lines created (all of it under 5 s);
- times `run_publish` (the update) and, separately, the `bill.published` fan-out that its
  Celery task runs (`notify_run_published`, in-process here; under 3 s);
- requests the resident bill page as 张伟 and the staff bill list as the manager, and prints
  the median time of 5 requests and the number of SQL queries (at most 30 each).

A second run deletes the month's bills and runs again. On PostgreSQL it runs ANALYZE after
loading (as autovacuum would). It exits with status 1 when a limit is exceeded."""

import argparse
import io
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LINLI_VAR_DIR", str(ROOT / "var" / "bench-billing"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# The goals of issue 21: the run of 80,000 bills and the fan-out to their 20,000 households.
MAX_RUN_SECONDS = 5.0
MAX_FAN_OUT_SECONDS = 3.0
MAX_QUERIES = 30
MANAGER_MOBILE = "13800001001"  # 陈立军, 经理 of 翠湖花园
RESIDENT_MOBILE = "13900000001"  # 张伟
KINDS = ("property", "water", "electricity", "fixed")
BATCH = 5000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, default=20000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Community, Room

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    call_command("seed_demo", rooms=args.rooms, quiet=True, stdout=io.StringIO())
    print(
        f"seed_demo --rooms {args.rooms}: {time.monotonic() - started:.1f} s "
        f"({Room.objects.count()} rooms) on {connection.vendor}"
    )
    communities = list(Community.objects.filter(name__in=["翠湖花园", "金桂苑"]).order_by("pk"))
    month = prepare(communities)
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load; without it the planner still believes
        # the tables are empty.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    failures: list[str] = []
    runs = time_run_create(communities, month, failures)
    time_publish(runs, failures)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    time_pages(failures)
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("\nAll limits met.")


def prepare(communities):
    """Areas, parking and this month's readings; the month's earlier bench bills deleted."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Room
    from billing.models import Bill, BillLine, BillRun, Meter, MeterReading, ParkingSpace

    month = timezone.localdate().replace(day=1)
    rng = random.Random(2026)
    started = time.monotonic()
    with transaction.atomic():
        BillLine.objects.filter(bill__community__in=communities, bill__period_start=month).delete()
        Bill.objects.filter(community__in=communities, period_start=month).delete()
        BillRun.objects.filter(community__in=communities, period_start=month).delete()
        Room.objects.filter(building__community__in=communities, area__isnull=True).update(
            area=Decimal("96.40")
        )
        for community in communities:
            rooms = list(
                Room.objects.filter(building__community=community)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            ParkingSpace.objects.bulk_create(
                [
                    ParkingSpace(community=community, code=f"P-{n:05d}", room_id=room_id)
                    for n, room_id in enumerate(rooms[::5])
                ],
                batch_size=BATCH,
                ignore_conflicts=True,
            )
            Meter.objects.bulk_create(
                [Meter(room_id=r, kind=k) for r in rooms for k in ("water", "electricity")],
                batch_size=BATCH,
                ignore_conflicts=True,
            )
        meters = Meter.objects.filter(
            room__building__community__in=communities, kind__in=["water", "electricity"]
        ).exclude(readings__month=month)
        readings = []
        for meter_id, kind in meters.values_list("pk", "kind"):
            previous = Decimal(rng.randrange(100, 5000))
            used = Decimal(rng.randrange(5, 25) if kind == "water" else rng.randrange(80, 520))
            readings.append(
                MeterReading(
                    meter_id=meter_id, month=month, previous=previous, current=previous + used
                )  # fmt: skip
            )
        MeterReading.objects.bulk_create(readings, batch_size=BATCH)
    print(
        f"prepared {month:%Y-%m}: {len(readings)} new readings, parking for every fifth room, "
        f"in {time.monotonic() - started:.1f} s"
    )
    return month


def time_run_create(communities, month, failures: list[str]) -> list:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Room, User
    from billing import services
    from billing.models import BillLine, FeeRule

    manager = User.objects.get(mobile=MANAGER_MOBILE)
    runs, took, queries = [], 0.0, 0
    for community in communities:
        fee_rules = [
            FeeRule.objects.filter(community=community, kind=kind, is_active=True)
            .order_by("pk")
            .first()
            for kind in KINDS
        ]
        assert all(fee_rules), f"{community.name} lacks one of the fee rules {KINDS}"
        connection.queries_log.clear()  # a full log (9000) would capture nothing
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            runs.append(
                services.run_create(
                    community=community, fee_rules=fee_rules, month=month, actor=manager
                )
            )
            took += time.perf_counter() - began
        queries += len(captured.captured_queries)
    bills = sum(run.bill_count for run in runs)
    lines = BillLine.objects.filter(bill__run__in=runs).count()
    exceptions = sum(len(run.skipped) for run in runs)
    print(
        f"\nrun_create {month:%Y-%m}, {len(KINDS)} fee kinds × {len(communities)} communities: "
        f"{bills} bills, {lines} lines, {exceptions} exceptions in {took:.2f} s "
        f"({bills / took:,.0f} bills/s, {queries} queries)"
    )
    if took >= MAX_RUN_SECONDS:
        failures.append(f"run_create took {took:.1f} s (under {MAX_RUN_SECONDS:.0f} s)")
    rooms = Room.objects.filter(building__community__in=communities).count()
    if bills + exceptions != rooms * len(KINDS):
        failures.append(f"{bills} bills and {exceptions} exceptions for {rooms} rooms")
    return runs


def time_publish(runs, failures: list[str]) -> None:
    from accounts.models import User
    from billing import services
    from notices import fanout
    from notices.models import Message

    manager = User.objects.get(mobile=MANAGER_MOBILE)
    # The fan-out is the Celery task's work: timed below, in-process, not queued here (its
    # outbox row is written by run_publish, as in production).
    kick = fanout.kick
    fanout.kick = lambda fan_out_id: False
    try:
        began = time.perf_counter()
        published = sum(services.run_publish(run=run, actor=manager) for run in runs)
        took = time.perf_counter() - began
    finally:
        fanout.kick = kick
    print(f"run_publish: {published} bills in {took:.2f} s")
    before = Message.objects.filter(event="bill.published").count()
    began = time.perf_counter()
    notified = sum(services.notify_run_published(run.pk) for run in runs)
    took = time.perf_counter() - began
    written = Message.objects.filter(event="bill.published").count() - before
    print(
        f"notify_run_published (the task's fan-out): {notified} people, {written} messages "
        f"in {took:.2f} s"
    )
    if took >= MAX_FAN_OUT_SECONDS:
        failures.append(f"the fan-out took {took:.1f} s (under {MAX_FAN_OUT_SECONDS:.0f} s)")


def time_pages(failures: list[str]) -> None:
    from django.urls import reverse

    from accounts.models import User
    from bench.throughput import logged_in
    from bench.timing import time_page

    pages = [
        (RESIDENT_MOBILE, reverse("billing:bills")),
        (MANAGER_MOBILE, reverse("billing_staff:bills")),
        (MANAGER_MOBILE, reverse("billing_staff:bills") + "?page=20"),
    ]
    print(f"\n{'page':44} {'median ms':>10} {'queries':>8}")
    for mobile, url in pages:
        # The manager's portal asks for the second factor: his session has passed it.
        client = logged_in(User.objects.get(mobile=mobile), second_factor=mobile == MANAGER_MOBILE)
        label = f"{url} ({mobile})"
        try:
            timing = time_page(client, url)
        except NotImplementedError:
            print(f"{label:44} {'not built yet':>19}")
            failures.append(f"{url}: the view is not implemented yet")
            continue
        except Exception as error:  # noqa: BLE001 - report every page, then fail
            print(f"{label:44} {'error':>19}")
            failures.append(f"{url}: {type(error).__name__}: {error}")
            continue
        count = timing.queries
        print(f"{label:44} {timing.median_ms:10.1f} {count:8d}")
        if timing.status != 200:
            failures.append(f"{url}: status {timing.status}")
        if count > MAX_QUERIES:
            failures.append(f"{url}: {count} SQL queries (at most {MAX_QUERIES})")


if __name__ == "__main__":
    main()

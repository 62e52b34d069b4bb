"""Seed the 20,000-room estate with complaints and suggestions and time the staff complaint
queue, the statistics page and a busy room's page.

    .venv/bin/python bench/complaints.py [--rooms 20000] [--complaints 50000]
        [--suggestions 5000] [--rebuild]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_figures_bench \\
        .venv/bin/python bench/complaints.py

Uses its own database under var/bench-complaints/ (or DATABASE_URL if set). It seeds the demo
estate, then gives its first community (翠湖花园), in bulk rows:

- `--complaints` complaints over the past year (more of them recent), from its households, in
  every category, channel and status (most closed, some replied, open, returned, merged,
  withdrawn), routed to its departments and complaint handlers, with times to accept, reply
  and close around the categories' service levels, and satisfaction on most closed ones;
- `--suggestions` suggestions in every status.

Then, as its manager, it requests the staff home page (the machine's baseline, not limited),
the staff queue (`complaints_staff:queue`), the statistics
page for this month (the default) and for the past year, its Excel export, and the page of the
room with the most complaints, and prints the median time of 5 requests and the number of SQL
queries of each. It exits with status 1 when a page runs more than MAX_QUERIES queries or a
median is over MAX_MS. On PostgreSQL it runs ANALYZE after loading (as autovacuum would). A
second run reuses the rows already there (pass --rebuild to start them again)."""

import argparse
import datetime as dt
import io
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LINLI_VAR_DIR", str(ROOT / "var" / "bench-complaints"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

from bench.services import pass_second_factor  # noqa: E402

MAX_QUERIES = 30
MAX_MS = 200.0
MANAGER_MOBILE = "13800001001"  # 陈立军, 经理 of 翠湖花园
COMPLAINT_PREFIX = "TSB"  # bench rows' numbers: TSB0000000001…
SUGGESTION_PREFIX = "JYB"
BATCH = 5000
DAYS = 365

# (status, weight): what a year of complaints looks like.
STATUSES = [
    ("closed", 62), ("replied", 9), ("in_progress", 8), ("accepted", 4), ("submitted", 4),
    ("returned", 3), ("merged", 3), ("withdrawn", 7),
]  # fmt: skip
CHANNELS = [("app", 72), ("phone", 14), ("desk", 11), ("other", 3)]
SATISFACTION = [(5, 45), (4, 30), (3, 13), (2, 7), (1, 5)]
SUGGESTION_STATUSES = [
    ("submitted", 10), ("evaluating", 10), ("adopted", 10), ("in_progress", 15),
    ("completed", 25), ("declined", 25), ("merged", 5),
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, default=20_000)
    parser.add_argument("--complaints", type=int, default=50_000)
    parser.add_argument("--suggestions", type=int, default=5_000)
    parser.add_argument("--rebuild", action="store_true", help="delete the rows and rebuild")
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
    if args.rebuild:
        clear(community)
    ensure_complaints(community, args.complaints)
    ensure_suggestions(community, args.suggestions)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    failures: list[str] = []
    time_pages(User.objects.get(mobile=MANAGER_MOBILE), community, failures)
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("\nAll limits met.")


def clear(community) -> None:
    from complaints.models import Complaint, Suggestion

    Complaint.objects.filter(community=community, number__startswith=COMPLAINT_PREFIX).delete()
    Suggestion.objects.filter(community=community, number__startswith=SUGGESTION_PREFIX).delete()


def _households(community) -> list:
    from accounts.models import Residency

    return list(
        Residency.objects.filter(
            room__building__community=community,
            status=Residency.Status.VERIFIED,
            head__isnull=True,
        ).select_related("user")
    )


def _pick(rng: random.Random, weighted: list[tuple]) -> object:
    return rng.choices([value for value, _ in weighted], [weight for _, weight in weighted])[0]


def _complaint(rng, n, *, now, households, rooms, categories, departments, handlers) -> object:
    """One complaint row, as far along its life as its status says."""
    from complaints.models import Complaint

    household = households[rng.randrange(len(households))]
    category = categories[rng.randrange(len(categories))]
    # More complaints lately: a quarter in the last 30 days, the rest over the year.
    age_days = rng.uniform(0, 30) if rng.random() < 0.25 else rng.uniform(0, DAYS)
    created = now - dt.timedelta(days=age_days)
    status = _pick(rng, STATUSES)
    accept_due = created + dt.timedelta(hours=category.accept_within_hours)
    reply_due = created + dt.timedelta(hours=category.reply_within_hours)
    row = Complaint(
        number=f"{COMPLAINT_PREFIX}{n:010d}", community_id=household.room.building.community_id,
        household=household, reporter_id=household.user_id, channel=_pick(rng, CHANNELS),
        category=category, room_id=household.room_id, details="基准投诉：楼道垃圾没有清运。",
        contact_name="住户", contact_phone="13900000000", status=status, created_at=created,
        accept_due_at=accept_due, reply_due_at=reply_due,
    )  # fmt: skip
    if category.about_neighbours:
        row.about_neighbour = True
        row.neighbour_room_id = rooms[rng.randrange(len(rooms))]
    if status in ("submitted", "withdrawn") or (status == "merged" and rng.random() < 0.5):
        return row
    # Accepted: mostly within the service level, some late (minutes to a day).
    accept = int(rng.lognormvariate(7.5, 1.0))  # median about 30 minutes
    row.accepted_at = created + dt.timedelta(seconds=accept)
    row.accept_seconds = accept
    if status in ("accepted", "merged"):
        return row
    row.department = departments[rng.randrange(len(departments))]
    row.handler = handlers[rng.randrange(len(handlers))] if rng.random() < 0.8 else None
    row.routed_at = row.accepted_at
    if status == "in_progress":
        return row
    reply = accept + int(rng.lognormvariate(11, 0.8))  # median about 17 hours
    row.replied_at = created + dt.timedelta(seconds=reply)
    row.reply = "已处理，感谢您的反馈。"
    if status == "returned":
        row.return_count = 1
        row.returned_at = row.replied_at + dt.timedelta(hours=rng.randint(1, 48))
        return row
    if status == "closed":
        close = reply + int(rng.uniform(3600, 5 * 86400))
        row.closed_at = created + dt.timedelta(seconds=close)
        row.close_seconds = close
        row.closed_by = "resident" if rng.random() < 0.7 else "auto"
        row.return_count = 1 if rng.random() < 0.05 else 0
        if row.closed_by == "resident" and rng.random() < 0.85:
            row.satisfaction = _pick(rng, SATISFACTION)
            row.rated_at = row.closed_at
    return row


def ensure_complaints(community, wanted: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Room
    from complaints.handling.selectors import handlers_for
    from complaints.models import Complaint, ComplaintCategory, Department

    bench = Complaint.objects.filter(community=community, number__startswith=COMPLAINT_PREFIX)
    have = bench.count()
    if have >= wanted:
        print(f"complaints: {have} (already there)")
        return
    rng = random.Random(17 + have)
    now = timezone.now()
    households = _households(community)
    rooms = list(
        Room.objects.filter(building__community=community).values_list("pk", flat=True)[:5000]
    )
    categories = list(ComplaintCategory.objects.filter(community=community))
    departments = list(Department.objects.filter(community=community))
    handlers = list(handlers_for(community))
    assert households and categories and departments and handlers, "seed_demo first"
    started = time.monotonic()
    for batch_start in range(have, wanted, BATCH):
        with transaction.atomic():
            Complaint.objects.bulk_create(
                [
                    _complaint(
                        rng,
                        n,
                        now=now,
                        households=households,
                        rooms=rooms,
                        categories=categories,
                        departments=departments,
                        handlers=handlers,
                    )  # fmt: skip
                    for n in range(batch_start, min(batch_start + BATCH, wanted))
                ]
            )
    print(
        f"complaints: {bench.count()} ({wanted - have} new, {len(households)} households, "
        f"{len(handlers)} handlers) in {time.monotonic() - started:.1f} s"
    )


def ensure_suggestions(community, wanted: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from complaints.models import Suggestion

    bench = Suggestion.objects.filter(community=community, number__startswith=SUGGESTION_PREFIX)
    have = bench.count()
    if have >= wanted:
        print(f"suggestions: {have} (already there)")
        return
    rng = random.Random(29 + have)
    now = timezone.now()
    households = _households(community)
    rows = []
    for n in range(have, wanted):
        household = households[rng.randrange(len(households))]
        status = _pick(rng, SUGGESTION_STATUSES)
        created = now - dt.timedelta(days=rng.uniform(0, DAYS))
        decided = status not in ("submitted", "evaluating")
        rows.append(
            Suggestion(
                number=f"{SUGGESTION_PREFIX}{n:09d}", community=community, household=household,
                proposer_id=household.user_id, title=f"基准建议{n}", body="建议增设充电桩。",
                is_public=rng.random() < 0.8, status=status, created_at=created,
                decided_at=created + dt.timedelta(days=3) if decided else None,
                completed_at=created + dt.timedelta(days=30) if status == "completed" else None,
                support_count=rng.randint(0, 40),
            )
        )  # fmt: skip
    with transaction.atomic():
        Suggestion.objects.bulk_create(rows, batch_size=BATCH)
    print(f"suggestions: {bench.count()} ({wanted - have} new)")


def _time(client, label: str, url: str, failures: list[str]) -> None:
    from bench.timing import time_page

    timing = time_page(client, url, warm=True)  # warmed: sessions, caches
    count, median = timing.queries, timing.median_ms
    print(f"{label:44} {median:10.1f} {count:8d}")
    if timing.status != 200:
        failures.append(f"{label}: status {timing.status}")
    if count > MAX_QUERIES:
        failures.append(f"{label}: {count} SQL queries (at most {MAX_QUERIES})")
    if median > MAX_MS:
        failures.append(f"{label}: {median:.0f} ms (under {MAX_MS:.0f} ms)")


def time_pages(manager, community, failures: list[str]) -> None:
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from complaints.models import Complaint

    client = Client(HTTP_HOST="localhost")
    client.force_login(manager)
    pass_second_factor(client, manager)
    today = timezone.localdate()
    year = f"?start={today - dt.timedelta(days=DAYS - 1):%Y-%m-%d}&end={today:%Y-%m-%d}"
    figures = reverse("complaints_staff:figures")
    busiest = (
        Complaint.objects.filter(community=community, room__isnull=False)
        .values("room_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    print(
        f"\n{Complaint.objects.filter(community=community).count()} complaints in "
        f"{community.name}, "
        f"{Complaint.objects.filter(community=community, created_at__date__gte=today.replace(day=1)).count()}"
        " this month"
    )
    print(f"\n{'page':44} {'median ms':>10} {'queries':>8}")
    # Not limited: what a staff page costs on this machine, to read the others against.
    _time(client, "staff:home (baseline)", reverse("staff:home"), [])
    _time(client, "complaints_staff:queue", reverse("complaints_staff:queue"), failures)
    _time(client, "complaints_staff:figures (this month)", figures, failures)
    _time(client, "complaints_staff:figures (past year)", figures + year, failures)
    _time(
        client, "complaints_staff:figures (year, Excel)", figures + year + "&export=xlsx", failures
    )
    room_url = reverse("staff_residents:room_detail", args=[busiest["room_id"]])
    _time(client, f"room page ({busiest['n']} complaints)", room_url, failures)


if __name__ == "__main__":
    main()

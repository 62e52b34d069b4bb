"""Seed the 20,000-room estate with a year of activity, in one database, for the platform's
benches (bench/platform_statistics.py, bench/backup.py, bench/usage.py).

    .venv/bin/python bench/estate.py [--rooms 20000] [--orders 100000] [--complaints 50000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_estate_bench .venv/bin/python bench/estate.py

Uses its own database under var/bench-estate/ (or DATABASE_URL if set). `seed_estate()` runs
the demo seeding for `--rooms` rooms and then the other benches' own seeding functions, so the
rows look the way each module's bench made them:

- bills: the demo's billing history (billing.demo.seed_billing) with its room limit lifted: a
  bill run per month for the past twelve months and this one, every fee kind, meter readings,
  and the households' payments (counter and online, some late, some in arrears);
- repairs (bench/repairs.py): `--technicians` technicians and `--orders` orders over the past
  year in 翠湖花园, a quarter of that in 金桂苑;
- services (bench/services.py): `--providers` providers and `--reviews` finished, reviewed
  bookings in 翠湖花园; `--activities` activities held over the past year in each community,
  with sign-ups and check-ins;
- complaints and suggestions (bench/complaints.py) over the past year in 翠湖花园.

Idempotent: a second run finds the rows there and adds nothing. On PostgreSQL it ends with
VACUUM ANALYZE (as autovacuum would after a bulk load: the seeding updates every bill once,
which leaves as many dead rows as live ones until a vacuum, and the index scans then read
both). Prints what it made and how long it took."""

import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LINLI_VAR_DIR", str(ROOT / "var" / "bench-estate"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# What "a year of activity" is on the 20,000-room estate, unless told otherwise.
DEFAULTS = {
    "rooms": 20_000,
    "orders": 100_000,
    "technicians": 50,
    "providers": 200,
    "reviews": 20_000,
    "activities": 150,
    "complaints": 50_000,
    "suggestions": 5_000,
}
FIRST, SECOND = "翠湖花园", "金桂苑"


def main() -> None:
    parser = argparse.ArgumentParser()
    for name, value in DEFAULTS.items():
        parser.add_argument(f"--{name}", type=int, default=value)
    args = parser.parse_args()

    import django

    django.setup()
    seed_estate(**vars(args))


def seed_estate(**counts: int) -> dict:
    """The estate with a year of activity (DEFAULTS, overridden by `counts`); returns the
    counts of the main tables. Safe to call again: what is there is reused."""
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Community
    from bench.complaints import ensure_complaints, ensure_suggestions
    from bench.repairs import ensure_orders, ensure_technicians
    from bench.services import ensure_past_activities, ensure_providers, ensure_reviews
    from billing.demo import seed_billing

    wanted = {**DEFAULTS, **counts}
    began = time.monotonic()
    call_command("migrate", verbosity=0)
    started = time.monotonic()
    call_command("seed_demo", rooms=wanted["rooms"], quiet=True, stdout=io.StringIO())
    print(f"seed_demo --rooms {wanted['rooms']}: {time.monotonic() - started:.1f} s "
          f"on {connection.vendor}")  # fmt: skip
    communities = list(Community.objects.order_by("pk"))
    first = next(community for community in communities if community.name == FIRST)
    second = next(community for community in communities if community.name == SECOND)

    started = time.monotonic()
    bills = seed_billing(communities, max_history_rooms=wanted["rooms"])
    print(f"bills: {bills} new in {time.monotonic() - started:.1f} s")

    for series, community, share in ((1, first, 1.0), (2, second, 0.25)):
        technicians = ensure_technicians(
            community, max(5, int(wanted["technicians"] * share)), series=series
        )
        ensure_orders(community, technicians, int(wanted["orders"] * share), rebuild=False)

    providers = ensure_providers(first, wanted["providers"])
    ensure_reviews(first, providers, wanted["reviews"])
    for community in (first, second):
        ensure_past_activities(community, wanted["activities"])

    ensure_complaints(first, wanted["complaints"])
    ensure_suggestions(first, wanted["suggestions"])

    if connection.vendor == "postgresql":
        # VACUUM cannot run inside a transaction block; Django's connection is in autocommit.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    rows = table_counts()
    print(f"\nthe estate after {time.monotonic() - began:.0f} s:")
    for name, count in rows.items():
        print(f"  {name:28} {count:>10,}")
    return rows


def table_counts() -> dict[str, int]:
    from accounts.models import Room, User
    from billing.models import Bill, Payment
    from complaints.models import Complaint, Suggestion
    from repairs.models import RepairOrder
    from services.models import Activity, ActivityParticipant, Booking

    return {
        "rooms": Room.objects.count(),
        "users": User.objects.count(),
        "bills": Bill.objects.count(),
        "payments": Payment.objects.count(),
        "repair orders": RepairOrder.objects.count(),
        "bookings": Booking.objects.count(),
        "activities": Activity.objects.count(),
        "activity participants": ActivityParticipant.objects.count(),
        "complaints": Complaint.objects.count(),
        "suggestions": Suggestion.objects.count(),
    }


if __name__ == "__main__":
    main()

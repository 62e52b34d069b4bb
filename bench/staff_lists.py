"""Seed a large estate and time the staff portal's list pages.

    .venv/bin/python bench/staff_lists.py [--rooms 20000]

Uses its own database under var/bench/ (or DATABASE_URL if set) and prints, per page, the
median time of 5 requests and the number of SQL queries, which must not grow with rows."""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LINLI_VAR_DIR", str(ROOT / "var" / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, default=20000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Residency, Room, User

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    call_command("seed_demo", rooms=args.rooms, quiet=True, stdout=io.StringIO())
    seeded = time.monotonic() - started
    print(
        f"seed_demo --rooms {args.rooms}: {seeded:.1f} s "
        f"({Room.objects.count()} rooms, {User.objects.count()} users, "
        f"{Residency.objects.count()} residencies) on {connection.vendor}"
    )

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(mobile="13800000001"))
    pages = [
        "/staff/",
        "/staff/residents/",
        "/staff/residents/?status=pending",
        "/staff/residents/?q=王",
        "/staff/rooms/",
        "/staff/rooms/?occupancy=vacant",
        "/staff/rooms/?page=50",
        "/staff/team/",
        "/staff/audit/",
    ]
    print(f"{'page':38} {'median ms':>10} {'queries':>8}")
    for url in pages:
        timings = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(f"{url:38} {statistics.median(timings):10.1f} {len(queries.captured_queries):8d}")


if __name__ == "__main__":
    main()

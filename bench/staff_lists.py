"""Seed a large estate and time the staff portal's list pages.

    .venv/bin/python bench/staff_lists.py [--rooms 20000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_b_estate LINLI_VAR_DIR=... \\
        .venv/bin/python bench/staff_lists.py --no-seed [--repeat 5] [--profile /staff/residents/]

Uses its own database under var/bench/ (or DATABASE_URL if set; `--no-seed` takes it as it is,
e.g. a copy of the 20,000-room estate of bench/estate.py) and prints, per page, the median of
`--repeat` requests (the first, which fills the caches, left out): wall time, the CPU time of
the process (which the machine's load does not change much), the number of SQL queries, which
must not grow with rows, and their time. `--profile URL` prints where one request's CPU goes."""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LINLI_VAR_DIR", str(ROOT / "var" / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# The staff portal's list pages (and the overview), as the manager of the first community.
PAGES = [
    "/staff/",
    "/staff/residents/",
    "/staff/residents/?status=pending",
    "/staff/residents/?q=王",
    "/staff/rooms/",
    "/staff/rooms/?occupancy=vacant",
    "/staff/rooms/?page=50",
    "/staff/team/",
    "/staff/audit/",
    "/staff/repairs/",
    "/staff/repairs/ratings/",
    "/staff/repairs/performance/",
    "/staff/billing/runs/",
    "/staff/billing/charges/",
    "/staff/billing/bills/",
    "/staff/billing/bills/?view=arrears",
    "/staff/billing/payments/",
    "/staff/billing/cashier-days/",
    "/staff/notices/",
    "/staff/messages/",
    "/staff/complaints/",
    "/staff/suggestions/",
    "/staff/services/bookings/",
    "/staff/services/providers/",
    "/staff/services/activities/",
    "/staff/services/parcels/",
]


def _median(values: list[float]) -> float:
    # Not the statistics module: bench/statistics.py, beside this file, takes its name.
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, default=20000)
    parser.add_argument("--no-seed", action="store_true", help="use the database as it is")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--mobile", default="13800000001", help="the staff member to log in as")
    parser.add_argument("--profile", metavar="URL", help="profile one request of URL")
    parser.add_argument("pages", nargs="*", help="only these addresses")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.allauth_bridge import record_authentication
    from accounts.mfa import requires_second_factor
    from accounts.models import Residency, Room, User

    if not args.no_seed:
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
    user = User.objects.get(mobile=args.mobile)
    client.force_login(user)
    if requires_second_factor(user):
        # As after the authenticator code (tests/conftest.py's pass_second_factor).
        request = SimpleNamespace(session=client.session)
        record_authentication(request, user, "mfa", type="totp")
        request.session.save()
    if args.profile:
        client.get(args.profile)
        profiler = cProfile.Profile()
        profiler.enable()
        client.get(args.profile)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
        return
    print(f"{os.getloadavg()[0]:.2f} load; {connection.vendor}")
    print(f"{'page':38} {'wall ms':>8} {'cpu ms':>7} {'queries':>8} {'sql ms':>7} {'KB':>5}")
    for url in args.pages or PAGES:
        walls, cpus, sqls = [], [], []
        for _ in range(args.repeat + 1):
            with CaptureQueriesContext(connection) as queries:
                began, cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                cpus.append((time.process_time() - cpu) * 1000)
                walls.append((time.perf_counter() - began) * 1000)
            sqls.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
            if response.status_code != 200:
                break
        if response.status_code != 200:
            print(f"{url:38} {response.status_code}")
            continue
        print(
            f"{url:38} {_median(walls[1:]):8.1f} {_median(cpus[1:]):7.1f} "
            f"{len(queries.captured_queries):8d} {_median(sqls[1:]):7.1f} "
            f"{len(response.content) // 1024:5d}"
        )


if __name__ == "__main__":
    main()

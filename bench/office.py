"""Time the office's everyday pages on the 20,000-room estate with a year of activity: the work
home page (工作台) of 翠湖花园's manager, of its cashier, and of the regional manager serving
every community (with the communities at a glance), the global search, and one household's
page (一户一档, `staff_residents:room_detail`).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_estate_bench .venv/bin/python bench/office.py

Uses the database of bench/estate.py (var/bench-estate/, or DATABASE_URL if set) as it is:
it only reads (run bench/estate.py first to seed it). Prints the median time of REPEAT
requests and the number of SQL queries of each page, and exits with status 1 when a page's
median is over MAX_SECONDS or its queries over its bound."""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LINLI_VAR_DIR", str(ROOT / "var" / "bench-estate"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

MAX_SECONDS = 0.2
# The home page's bound: tests/staff/test_workday.py asserts it does not grow with the data.
MAX_QUERIES = 40
REPEAT = 7
FIRST = "翠湖花园"
REGIONAL, MANAGER, CASHIER = "13800000001", "13800001001", "13800001004"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=REPEAT)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from accounts.models import Room
    from bench.estate import table_counts

    print(f"database: {connection.vendor} {connection.settings_dict.get('NAME')}")
    for name, count in table_counts().items():
        print(f"  {name:28} {count:>10,}")
    _warn_of_dead_rows()
    room = _busiest_room()
    print(f"\nroom page: {room} (id {room.pk}, {Room.objects.count():,} rooms)")
    failures: list[str] = []
    pages = [
        ("home, manager of " + FIRST, MANAGER, "/staff/", {}),
        ("home, cashier of " + FIRST, CASHIER, "/staff/", {}),
        ("home, regional manager", REGIONAL, "/staff/", {}),
        ("search 3栋1201", MANAGER, "/staff/search/", {"q": "3-1201"}),
        ("search 张", MANAGER, "/staff/search/", {"q": "张伟"}),
        ("room page (一户一档)", MANAGER, f"/staff/rooms/{room.pk}/", {}),
    ]
    print(f"\n{'page':32} {'median ms':>10} {'min ms':>8} {'queries':>8}")
    for label, mobile, url, params in pages:
        took, fastest, count, status = _timed(_client(mobile), url, params, args.repeat)
        print(f"{label:32} {took * 1000:10.1f} {fastest * 1000:8.1f} {count:8d}")
        if status not in (200, 302):
            failures.append(f"{label}: status {status}")
        if took >= MAX_SECONDS:
            failures.append(f"{label}: {took * 1000:.0f} ms (under {MAX_SECONDS * 1000:.0f} ms)")
        if url == "/staff/" and count > MAX_QUERIES:
            failures.append(f"{label}: {count} SQL queries (at most {MAX_QUERIES})")
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("\nAll limits met.")


def _warn_of_dead_rows() -> None:
    """A freshly seeded database whose server runs without autovacuum keeps every row the
    seeding updated: the indexes then lead through them (the arrears figure reads 2.5 million
    dead bills for 3,000 live ones) and the planner's estimates are stale. Production vacuums."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_live_tup, n_dead_tup FROM pg_stat_user_tables "
            "WHERE n_dead_tup > n_live_tup AND n_dead_tup > 10000 ORDER BY n_dead_tup DESC"
        )
        rows = cursor.fetchall()
    for name, live, dead in rows:
        print(f"  warning: {name} has {dead:,} dead rows for {live:,} live (not vacuumed): "
              f"run VACUUM ANALYZE for figures like production's")  # fmt: skip


def _busiest_room():
    """The 翠湖花园 room with the most repair orders: the fullest household file."""
    from django.db.models import Count

    from accounts.models import Room

    return (
        Room.objects.filter(building__community__name=FIRST)
        .annotate(orders=Count("repair_orders"))
        .order_by("-orders", "pk")
        .select_related("building", "unit")
        .first()
    )


def _client(mobile: str):
    from django.test import Client

    from accounts.models import User
    from bench.services import pass_second_factor

    user = User.objects.get(mobile=mobile)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    pass_second_factor(client, user)
    return client


def _timed(client, url: str, params: dict, repeat: int) -> tuple[float, float, int, int]:
    from bench.timing import time_page

    # Warmed: the session, the positions, the templates.
    timing = time_page(client, url, params, repeat=repeat, warm=True)
    return timing.median_ms / 1000, timing.fastest_ms / 1000, timing.queries, timing.status


if __name__ == "__main__":
    main()

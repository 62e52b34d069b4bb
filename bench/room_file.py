"""Time the staff room page (一户一档) on a seeded estate and check that its queries use indexes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_estate_bench \
        .venv/bin/python bench/room_file.py [--rooms 5]

Seed the database first with bench/estate.py (same DATABASE_URL). Opens the room page of the
busiest rooms of 翠湖花园 (most bills, repairs and complaints) as the demo manager, prints the
median of 5 requests and the number of SQL queries per room, then EXPLAINs every query of the
last request and lists those that scan a whole table of more than 1,000 rows."""

import argparse
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LINLI_VAR_DIR", str(ROOT / "var" / "bench-estate"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

MANAGER_MOBILE = "13800000001"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Room, User
    from bench.services import pass_second_factor

    rooms = list(
        Room.objects.filter(building__community__name="翠湖花园")
        .annotate(
            bill_count=Count("bills", distinct=True),
            repair_count=Count("repair_orders", distinct=True),
        )
        .order_by("-repair_count", "-bill_count", "pk")[: args.rooms]
    )
    client = Client(HTTP_HOST="localhost")
    manager = User.objects.get(mobile=MANAGER_MOBILE)
    client.force_login(manager)
    pass_second_factor(client, manager)
    print(f"{'room':16} {'bills':>6} {'repairs':>8} {'median ms':>10} {'queries':>8}")
    last_queries: list[dict] = []
    for room in rooms:
        url = f"/staff/rooms/{room.pk}/"
        client.get(url)  # warm caches
        times = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        print(f"{room.label:16} {room.bill_count:>6} {room.repair_count:>8} "
              f"{sorted(times)[len(times) // 2]:>10.1f} {len(captured.captured_queries):>8}")  # fmt: skip
        last_queries = captured.captured_queries
    sql_ms = sum(float(q["time"]) for q in last_queries) * 1000
    print(f"\nthe last request spent {sql_ms:.0f} ms in SQL; its slowest queries:")
    for query in sorted(last_queries, key=lambda q: -float(q["time"]))[:6]:
        print(f"  {float(query['time']) * 1000:6.1f} ms  {query['sql'][:150]}")
    if connection.vendor != "postgresql":
        return
    print("\nqueries scanning a whole large table (Seq Scan on > 1,000 rows):")
    found, executed = 0, 0.0
    with connection.cursor() as cursor:
        for query in last_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN ANALYZE " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            executed += float(re.search(r"Execution Time: ([\d.]+)", plan).group(1))
            for table, rows in re.findall(r"Seq Scan on (\w+).*?rows=(\d+)", plan):
                if int(rows) > 1000:
                    found += 1
                    print(f"  {table} ({rows} rows): {sql[:160]}")
    print(f"  {found or 'none'}")
    print(f"the server's execution time of those queries (EXPLAIN ANALYZE): {executed:.1f} ms")


if __name__ == "__main__":
    main()

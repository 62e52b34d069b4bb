"""Time the operators' 业务统计 page on the 20,000-room estate with a year of activity.

    .venv/bin/python bench/platform_statistics.py [--no-seed]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_estate_bench .venv/bin/python bench/platform_statistics.py

Uses the database of bench/estate.py (var/bench-estate/, or DATABASE_URL if set) and seeds it
first through `bench.estate.seed_estate` (nothing to do when it is there; --no-seed skips even
the check), and builds the business roll-up as the nightly task does. Then, logged in as the demo operator, it requests 业务统计 for this month, this
quarter and this year at the platform's, the demo company's and 翠湖花园's scope, and prints
the median time of 5 requests, the number of SQL queries and the time of the first request
(its charts not drawn yet, unless an earlier run drew them) of each; and it times
`business_figures` alone for the year over the whole platform. It exits with status 1 when a
page's median is over MAX_SECONDS or it runs more than MAX_QUERIES queries."""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LINLI_VAR_DIR", str(ROOT / "var" / "bench-estate"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

MAX_SECONDS = 1.0
MAX_QUERIES = 60  # the page's bound in tests/platform_admin/test_business_page.py
OPERATOR_MOBILE = "13800000000"
REPEAT = 5


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-seed", action="store_true", help="use the database as it is")
    args = parser.parse_args()

    import django

    django.setup()
    from bench.estate import seed_estate, table_counts

    if args.no_seed:
        for name, count in table_counts().items():
            print(f"  {name:28} {count:>10,}")
    else:
        seed_estate()

    roll_up()
    failures: list[str] = []
    time_pages(failures)
    time_selector()
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("\nAll limits met.")


def roll_up() -> None:
    """What the nightly task does, first: the pages read the closed months from it."""
    from platform_admin.business.tasks import business_roll_up_task

    began = time.perf_counter()
    rows = business_roll_up_task()
    print(f"\nbusiness roll-up: {rows:,} rows in {time.perf_counter() - began:.1f} s")


def _timed(client, url: str, params: dict) -> tuple[float, int, int, float]:
    from bench.timing import time_page

    timing = time_page(client, url, params, repeat=REPEAT)
    return timing.median_ms / 1000, timing.queries, timing.status, timing.first_ms / 1000


def time_pages(failures: list[str]) -> None:
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import Community, User
    from bench.services import pass_second_factor

    operator = User.objects.get(mobile=OPERATOR_MOBILE)
    client = Client(HTTP_HOST="localhost")
    client.force_login(operator)
    pass_second_factor(client, operator)
    community = Community.objects.select_related("company").get(name="翠湖花园")
    scopes = {
        "platform": {},
        "company": {"company": community.company_id},
        "community": {"community": community.pk},
    }
    url = reverse("admin:platform_business")
    today = f"{timezone.localdate():%Y-%m-%d}"
    print(f"\n{'业务统计':10} {'scope':10} {'period':8} {'median ms':>10} {'queries':>8} "
          f"{'first ms':>9}")  # fmt: skip
    for period in ("month", "quarter", "year"):
        for scope, params in scopes.items():
            took, count, status, first = _timed(
                client, url, {"period": period, "day": today, **params}
            )
            print(f"{'':12} {scope:10} {period:8} {took * 1000:10.0f} {count:8d} "
                  f"{first * 1000:9.0f}")  # fmt: skip
            label = f"{scope} {period}"
            if status != 200:
                failures.append(f"{label}: status {status}")
            if took >= MAX_SECONDS:
                failures.append(f"{label}: {took:.2f} s (under {MAX_SECONDS} s)")
            if count > MAX_QUERIES:
                failures.append(f"{label}: {count} SQL queries (at most {MAX_QUERIES})")
    took, count, _status, _first = _timed(
        client, url, {"period": "year", "day": today, "export": "xlsx"}
    )
    print(f"{'':12} {'platform':10} {'year xlsx':8} {took * 1000:10.0f} {count:8d}")


def time_selector() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from platform_admin.business.selectors import business_figures
    from platform_admin.scope import Period, Scope

    period = Period.year(timezone.localdate())
    timings = []
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            figures = business_figures(Scope().communities(), period)
            timings.append(time.perf_counter() - began)
    total = figures[None]
    print(
        f"\nbusiness_figures, platform, {period.label}: "
        f"{statistics.median(timings) * 1000:.0f} ms (median of {REPEAT}, "
        f"{len(queries.captured_queries)} queries)"
    )
    print(
        f"  repairs {total.repairs:,} (on time {_percent(total.repair_on_time_rate)}, "
        f"rating {total.repair_rating}), billed ¥{total.billed:,} collected ¥{total.collected:,} "
        f"({_percent(total.collection_rate)}), received ¥{total.received:,}, "
        f"activities {total.activities} ({total.activity_signups:,} people, attendance "
        f"{_percent(total.attendance_rate)}), bookings {total.bookings:,} "
        f"(rating {total.booking_rating}), complaints {total.complaints:,} "
        f"(satisfaction {total.complaint_satisfaction}), suggestions {total.suggestions:,} "
        f"(adopted {_percent(total.suggestion_adoption_rate)})"
    )


def _percent(rate) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


if __name__ == "__main__":
    main()

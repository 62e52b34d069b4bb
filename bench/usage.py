"""Seed a year of sign-ups and portal use on a 20,000-room estate and time the operators'
user statistics page (PSTA-1).

    .venv/bin/python bench/usage.py [--residents 20000] [--communities 20] [--companies 4]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_usage_bench .venv/bin/python bench/usage.py

Uses its own database under var/bench-usage/ (or DATABASE_URL if set). It builds `--companies`
property companies with `--communities` communities and one room per resident (bulk rows),
`--residents` resident accounts opened over the past year (WeChat, phone, QQ) with their rooms
(most verified, some pending), and a year of UsageDay rows, about 30 % of the residents active
in a month (some nearly every week, some now and then, most never), then rolls up every closed
day as the nightly job does. Logged in as an operator, it requests 用户统计 for this month,
this quarter and this year, for the platform, one company and one community, and prints the
median time of 5 requests and the number of SQL queries of each; then each of its three charts
(images of their own): the first request, which draws it, and the median of 3 more, which find
it drawn. It exits with status 1 when a page or a drawn chart takes over 1 s, or a page more
than MAX_QUERIES queries. On PostgreSQL it runs ANALYZE after loading (as autovacuum would).
A second run reuses the rows there (pass --rebuild to start again)."""

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LINLI_VAR_DIR", str(ROOT / "var" / "bench-usage"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# A cache of its own per run: the charts' first requests really draw them.
os.environ.setdefault("CACHE_KEY_PREFIX", f"bench-usage-{time.time_ns()}")

MAX_QUERIES = 45
MAX_MS = 1000.0
BATCH = 5000
MOBILE_PREFIX = "1770"  # the bench's residents: 1770xxxxxxx
OPERATOR_MOBILE = "17799999999"
# (share of residents, chance of using the portal on a given day)
HABITS = ((0.20, 0.22), (0.22, 0.03), (0.58, 0.0))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--communities", type=int, default=20)
    parser.add_argument("--companies", type=int, default=4)
    parser.add_argument("--rebuild", action="store_true", help="delete the bench's rows first")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    if args.rebuild:
        delete_everything()
    communities = ensure_estate(args.companies, args.communities)
    created = ensure_residents(communities, args.residents)
    rows = ensure_usage() if created else None
    from platform_admin.usage.models import UsageDay
    from platform_admin.usage.services import usage_roll_up

    rolled = usage_roll_up()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"on {connection.vendor}: {args.residents} residents, {len(communities)} communities; "
        f"{UsageDay.objects.count()} usage rows ({rows or 'kept'}), {len(rolled)} days rolled up; "
        f"ready in {time.monotonic() - started:.1f} s"
    )
    print_activity()
    failures: list[str] = []
    time_pages(communities, failures)
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("\nAll limits met.")


def delete_everything() -> None:
    from accounts.models import PropertyCompany, User
    from platform_admin.usage.models import UsageDay, UsageSummary

    UsageSummary.objects.all().delete()
    UsageDay.objects.all().delete()
    User.objects.filter(mobile__startswith=MOBILE_PREFIX).delete()
    PropertyCompany.objects.filter(name__startswith="基准").delete()


def ensure_estate(companies: int, communities: int) -> list:
    from accounts.models import Building, Community, PropertyCompany

    existing = list(Community.objects.filter(company__name__startswith="基准").order_by("pk"))
    if existing:
        return existing
    made = []
    for c in range(companies):
        company = PropertyCompany.objects.create(name=f"基准物业{c + 1}有限公司")
        for n in range(communities // companies):
            community = Community.objects.create(
                company=company, name=f"基准{c + 1}-{n + 1}小区", address="杭州市"
            )
            Building.objects.create(community=community, name="1栋")
            made.append(community)
    return made


def ensure_residents(communities: list, residents: int) -> bool:
    """Accounts opened over the past year, each with a room in one community. False when they
    exist already."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import Building, Residency, Room, SignupChannel, User

    if User.objects.filter(mobile__startswith=MOBILE_PREFIX).exists():
        return False
    generator = random.Random(18)
    now = timezone.now()
    password = make_password("bench")
    User.objects.get_or_create(
        mobile=OPERATOR_MOBILE,
        defaults={"display_name": "基准运营", "is_staff": True, "is_superuser": True},
    )
    buildings = {b.community_id: b for b in Building.objects.filter(community__in=communities)}
    channels = [SignupChannel.WECHAT] * 6 + [SignupChannel.PHONE] * 3 + [SignupChannel.QQ]
    users = [
        User(
            mobile=f"{MOBILE_PREFIX}{n:07d}", display_name=f"住户{n}", password=password,
            date_joined=now - dt.timedelta(days=generator.random() * 365),
            signup_channel=generator.choice(channels), mobile_verified=True,
        )
        for n in range(residents)
    ]  # fmt: skip
    User.objects.bulk_create(users, batch_size=BATCH)
    users = list(User.objects.filter(mobile__startswith=MOBILE_PREFIX).order_by("pk"))
    rooms = [
        Room(building=buildings[communities[n % len(communities)].pk], number=f"{n + 1}", floor=1)
        for n in range(residents)
    ]
    Room.objects.bulk_create(rooms, batch_size=BATCH)
    rooms = list(Room.objects.filter(building__in=buildings.values()).order_by("pk"))
    residencies = []
    for user, room in zip(users, rooms, strict=True):
        verified = generator.random() < 0.92
        residencies.append(
            Residency(
                user=user, room=room, relation=Residency.Relation.OWNER,
                status=Residency.Status.VERIFIED if verified else Residency.Status.PENDING,
                created_at=user.date_joined + dt.timedelta(hours=1),
                verified_at=user.date_joined + dt.timedelta(days=1) if verified else None,
            )
        )  # fmt: skip
    Residency.objects.bulk_create(residencies, batch_size=BATCH)
    return True


def ensure_usage() -> int:
    """A year of days of use: each resident keeps a habit; days before they joined are empty."""
    from django.utils import timezone

    from accounts.models import Residency
    from platform_admin.figures import FEATURES
    from platform_admin.usage.models import UsageDay

    generator = random.Random(2026)
    today = timezone.localdate()
    chances = {"repairs": 0.06, "payments": 0.12, "notices": 0.3, "bookings": 0.05,
               "activities": 0.06, "complaints": 0.02}  # fmt: skip
    residents = Residency.objects.filter(
        user__mobile__startswith=MOBILE_PREFIX, status=Residency.Status.VERIFIED
    ).values_list("user_id", "room__building__community_id", "user__date_joined")
    batch, total = [], 0
    for user_id, community_id, joined in residents.iterator():
        pick, share_so_far, chance = generator.random(), 0.0, 0.0
        for share, per_day in HABITS:
            share_so_far += share
            if pick < share_so_far:
                chance = per_day
                break
        first = max(timezone.localtime(joined).date(), today - dt.timedelta(days=365))
        span = (today - first).days + 1
        active = min(span, sum(1 for _ in range(span) if generator.random() < chance))
        for offset in generator.sample(range(span), active):
            used = {f: generator.random() < p for f, p in chances.items()}
            batch.append(UsageDay(user_id=user_id, community_id=community_id,
                                  day=first + dt.timedelta(days=offset),
                                  **{f: used[f] for f in FEATURES}))  # fmt: skip
        if len(batch) >= BATCH:
            UsageDay.objects.bulk_create(batch)
            total += len(batch)
            batch = []
    UsageDay.objects.bulk_create(batch)
    return total + len(batch)


def print_activity() -> None:
    """How active the bench's residents are: the monthly active share of the last full month."""
    from django.utils import timezone

    from platform_admin.scope import Period, Scope
    from platform_admin.usage.selectors import usage_figures

    last_month = Period.month(timezone.localdate().replace(day=1) - dt.timedelta(days=1))
    figures = usage_figures(Scope().communities(), last_month)[None]
    share = figures.active_users / figures.residents if figures.residents else 0
    print(
        f"{last_month.label}: {figures.active_users} active of {figures.residents} residents "
        f"({share:.0%}), {figures.daily_active_average} a day on average"
    )


def time_pages(communities: list, failures: list[str]) -> None:
    from types import SimpleNamespace

    from django.test import Client
    from django.urls import reverse

    from accounts.allauth_bridge import record_authentication
    from accounts.models import User

    operator = User.objects.get(mobile=OPERATOR_MOBILE)
    client = Client(HTTP_HOST="localhost")
    client.force_login(operator)
    session = SimpleNamespace(session=client.session)
    record_authentication(session, operator, "mfa", type="totp")  # the second factor passed
    session.session.save()
    scopes = [
        ("platform", {}),
        ("company", {"company": communities[0].company_id}),
        ("community", {"community": communities[0].pk}),
    ]
    url = reverse("admin:platform_usage")
    chart_url = reverse("admin:platform_usage_chart")
    print(f"\n{'scope':10} {'period':8} {'page ms':>8} {'queries':>8}   "
          f"{'charts: first ms':>16} {'then ms':>8} {'queries':>8}")  # fmt: skip
    for scope_name, scope in scopes:
        for period in ("month", "quarter", "year"):
            query = {"period": period, **scope}
            median, count, status = _timed(client, url, query, 5)
            line = f"{scope_name:10} {period:8} {median:8.0f} {count:8d}"
            if status != 200:
                failures.append(f"{scope_name} {period}: status {status}")
            if count > MAX_QUERIES:
                failures.append(f"{scope_name} {period}: {count} queries (at most {MAX_QUERIES})")
            if median > MAX_MS:
                failures.append(f"{scope_name} {period}: {median:.0f} ms (at most {MAX_MS:.0f})")
            # The three charts, drawn on the first request and from the cache after.
            first = then = 0.0
            most = 0
            for name in ("signups", "active", "features"):
                cold, _count, _status = _timed(client, chart_url, {**query, "chart": name}, 1)
                warm, count, status = _timed(client, chart_url, {**query, "chart": name}, 3)
                first, then, most = max(first, cold), max(then, warm), max(most, count)
                if status != 200 or warm > MAX_MS:
                    failures.append(f"{scope_name} {period} chart {name}: {warm:.0f} ms, {status}")
            print(f"{line}   {first:16.0f} {then:8.0f} {most:8d}")


def _timed(client, url: str, query: dict, times: int) -> tuple[float, int, int]:
    from bench.timing import time_page

    timing = time_page(client, url, query, repeat=times)
    return timing.median_ms, timing.queries, timing.status


if __name__ == "__main__":
    main()

"""Send online-payment notifications, duplicates mixed in, to a running server (gunicorn on
PostgreSQL) and check that every payment is settled exactly once.

    .venv/bin/python bench/payments.py [--payments 600] [--notifications 1000] [--workers 4]
                                       [--concurrency 16] [--rooms 120] [--keep | --fresh]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_paybench .venv/bin/python bench/payments.py

Needs PostgreSQL: DATABASE_URL, else postgres://postgres@127.0.0.1:5432/linli_paybench. That
database is dropped and made again at every start, unless --keep (a DATABASE_URL whose
database name lacks "bench" is always kept): the first run migrates and seeds a small demo
estate and keeps the result as the template <database>_seed<rooms>; later runs copy it in a
second (migrate and seed_demo then find nothing to do). The template is made again when the
migrations, the demo code or the day change, or with --fresh. The bench's files (the sandbox
gateway's key, the filesystem broker's queue, gunicorn's log) are under var/bench-payments/.
Server and bench run with DJANGO_DEBUG off (DJANGO_DEBUG=1 overrides), so DEBUG costs nothing.

It adds bill runs for the months after the demo's last one while the open bills are too few,
then starts `--payments` online payments with `online.payment_start`, each over one to three
open bills of one room (no bill in two payments), spread over WeChat Pay, Alipay and bank card,
all in the sandbox (no credentials are configured). It starts gunicorn (`--workers` workers, 2
threads each) on a free port of 127.0.0.1 and warms it up; the sandbox books every payment paid
and signs its notification (`SandboxProvider.pay`); `--notifications` notifications (each
payment's once, plus re-sends of random payments' same notification, shuffled) are POSTed to
/pay/notify/<method>/ from `--concurrency` client threads. It prints the throughput and the
latencies and stops gunicorn.

It checks that every reply is HTTP 200 {"code": "SUCCESS"}; that every payment succeeded, with
exactly one receipt (receipt numbers without gaps); that the notification log says "settled"
once per payment and "duplicate" for every other notification; that each bill was paid once
(its paid amount and late fee went up by exactly its payment item's); and that gunicorn logged
no error. It exits with status 1 when one of these fails, after printing gunicorn's log."""

import argparse
import io
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/linli_paybench"
os.environ.setdefault("LINLI_VAR_DIR", str(ROOT / "var" / "bench-payments"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "false")

METHODS = ("wechat", "alipay", "card")
# Kinds billed for the added months: none of them needs a meter reading.
EXTRA_KINDS = ("property", "parking", "fixed")
MANAGER_MOBILES = {"翠湖花园": "13800001001", "金桂苑": "13800002001"}
FALLBACK_PAYER = "13900000001"  # 张伟 pays for a room nobody lives in
SUCCESS = {"code": "SUCCESS"}
MAX_ADDED_MONTHS = 24
SETUP_THREADS = 4  # payment_start and the sandbox wait on the database most of the time
STARTUP_SECONDS = 60.0
REQUEST_TIMEOUT = 30.0
LOG_ERROR = re.compile(r"\b(ERROR|CRITICAL)\b|^Traceback")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--payments", type=int, default=600)
    parser.add_argument("--notifications", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (2 threads each)")
    parser.add_argument("--concurrency", type=int, default=16, help="client threads")
    parser.add_argument("--rooms", type=int, default=120, help="rooms of the demo estate")
    reuse = parser.add_mutually_exclusive_group()
    reuse.add_argument("--keep", action="store_true", help="reuse the database as it is")
    reuse.add_argument("--fresh", action="store_true", help="seed again, not from the template")
    parser.add_argument("--seed", type=int, default=2026, help="random seed")
    args = parser.parse_args()
    if not 0 < args.payments <= args.notifications:
        parser.error("need 0 < --payments <= --notifications")

    started = time.monotonic()
    template = prepare_database(keep=args.keep, fresh=args.fresh, rooms=args.rooms)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Room

    call_command("migrate", verbosity=0)
    began = time.monotonic()
    call_command("seed_demo", rooms=args.rooms, quiet=True, stdout=io.StringIO())
    print(
        f"migrate + seed_demo --rooms {args.rooms}: {time.monotonic() - started:.1f} s "
        f"(seed {time.monotonic() - began:.1f} s, {Room.objects.count()} rooms) "
        f"on {connection.vendor} {connection.settings_dict['NAME']}"
    )
    if connection.vendor != "postgresql":
        sys.exit("bench/payments.py needs PostgreSQL (DATABASE_URL=postgres://...)")
    if template:
        save_template(template)

    rng = random.Random(args.seed)
    payments = start_payments(args.payments, rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would, soon after the load
    connection.close()  # nothing of ours holds a connection while the server works
    print(f"set-up done after {time.monotonic() - started:.1f} s")

    failures: list[str] = []
    with Server(workers=args.workers) as server:
        # Signed now, not before gunicorn started: the sandbox believes 5 minutes at most.
        notifications = sign_notifications(payments)
        notifications += [
            (p["method"], p["headers"], p["body"])
            for p in rng.choices(payments, k=args.notifications - len(payments))
        ]
        rng.shuffle(notifications)
        replies = send(server.url, notifications, args.concurrency)
    report_replies(replies, failures)
    check_books(payments, args.notifications, failures)
    errors = [line for line in server.log_text.splitlines() if LOG_ERROR.search(line)]
    print(f"gunicorn log ({Server.log_path()}): {len(errors)} errors")
    if errors:
        failures.append(f"gunicorn logged {len(errors)} errors: {errors[0]}")
    print(f"\nwhole run: {time.monotonic() - started:.1f} s")
    if failures:
        if errors:
            print("\ngunicorn log, last 60 lines:")
            print("\n".join(server.log_text.splitlines()[-60:]))
        print("\nFAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("\nAll checks passed.")


# --- The database -------------------------------------------------------------------------------


def prepare_database(*, keep: bool, fresh: bool, rooms: int) -> str | None:
    """Point DATABASE_URL at the bench database. Unless kept (or not a bench database), drop
    it and make it again: a copy of the seeded template of an earlier run when there is one for
    this code, estate size and day, else empty. Returns the template to make once seeded."""
    import psycopg

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql", "psql"):
        sys.exit(f"bench/payments.py needs PostgreSQL, not {parts.scheme}: set DATABASE_URL")
    name = parts.path.lstrip("/")
    if not keep and "bench" not in name:
        print(f"{name} is not a bench database: kept as it is (as with --keep)")
        keep = True
    template, stamp = f"{name}_seed{rooms}", seed_fingerprint(rooms)
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        databases = dict(
            conn.execute(
                "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database"
            ).fetchall()
        )
        if keep:
            if name not in databases:
                conn.execute(f'CREATE DATABASE "{name}"')
            return None
        if name in databases:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if template in databases and (fresh or databases[template] != stamp):
            conn.execute(f'DROP DATABASE "{template}" WITH (FORCE)')
            del databases[template]
        if template in databases:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            print(f"{name}: a copy of {template}, seeded by an earlier run")
        else:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"{name}: created empty; seeded, it is kept as {template} for the next runs")
    # The broker's queue of the previous run (no worker ever reads it).
    queue = Path(os.environ["LINLI_VAR_DIR"]) / "celery" / "queue"
    for message in queue.glob("*.msg") if queue.is_dir() else []:
        message.unlink()
    return None if template in databases else template


def save_template(template: str) -> None:
    """Keep the migrated and seeded database as `template` for the next runs."""
    import psycopg
    from django.db import connection

    parts = urlsplit(os.environ["DATABASE_URL"])
    name = parts.path.lstrip("/")
    connection.close()  # CREATE DATABASE … TEMPLATE needs the source to itself
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')
        stamp = seed_fingerprint(int(template.rsplit("_seed", 1)[1]))
        conn.execute(f"COMMENT ON DATABASE \"{template}\" IS '{stamp}'")


def seed_fingerprint(rooms: int) -> str:
    """What the seeded database depends on: migrations, demo code, estate size, today."""
    import datetime as dt
    import hashlib
    from zoneinfo import ZoneInfo

    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the settings' TIME_ZONE
    digest = hashlib.sha256(f"{rooms} {today}".encode())
    sources = [*ROOT.glob("*/migrations/*.py"), *ROOT.glob("*/demo.py")]
    sources += [*ROOT.glob("*/management/commands/seed_demo.py")]
    for path in sorted(sources):
        digest.update(path.relative_to(ROOT).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def open_bills():
    """Open bills that no open payment covers, by room."""
    from billing.models import Bill, Payment, PaymentItem

    covered = PaymentItem.objects.filter(payment__status__in=Payment.OPEN_STATUSES).values(
        "bill_id"
    )
    by_room = defaultdict(list)
    for bill in (
        Bill.objects.filter(status__in=Bill.UNPAID_STATUSES)
        .exclude(pk__in=covered)
        .order_by("room_id", "pk")
        .only("pk", "room_id")
    ):
        by_room[bill.room_id].append(bill.pk)
    return by_room


def group_bills(by_room: dict, rng: random.Random) -> list[tuple[int, list[int]]]:
    """One to three bills of a room per payment, the rooms taken in turn."""
    queues = []
    for room_id, bill_ids in by_room.items():
        groups, at = [], 0
        while at < len(bill_ids):
            size = rng.randint(1, 3)
            groups.append((room_id, bill_ids[at : at + size]))
            at += size
        queues.append(groups)
    rng.shuffle(queues)
    interleaved = []
    for round_ in range(max((len(q) for q in queues), default=0)):
        interleaved += [q[round_] for q in queues if round_ < len(q)]
    return interleaved


def add_month_of_bills() -> int:
    """A published bill run for the month after each community's last (kinds that need no
    meter reading); returns the number of bills."""
    import datetime as dt

    from django.db import transaction

    from accounts.models import Community, User
    from billing import services
    from billing.models import BillRun, FeeRule

    created = 0
    for community in Community.objects.filter(name__in=MANAGER_MOBILES).order_by("pk"):
        manager = User.objects.get(mobile=MANAGER_MOBILES[community.name])
        last = BillRun.objects.filter(community=community).order_by("-period_start").first()
        month = (last.period_start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        fee_rules = list(
            FeeRule.objects.filter(community=community, kind__in=EXTRA_KINDS, is_active=True)
        )
        with transaction.atomic():
            run = services.run_create(
                community=community, fee_rules=fee_rules, month=month, actor=manager
            )
            created += services.run_publish(run=run, actor=manager)
    return created


def start_payments(count: int, rng: random.Random) -> list[dict]:
    """`count` pending online payments over disjoint open bills: number, method, amount and,
    per bill, the item's amount and late fee and what the bill had paid before."""
    from accounts.models import Residency, User
    from billing.models import Bill, Payment, PaymentItem
    from billing.online import services as online
    from billing.online.providers import get_provider
    from billing.online.providers.sandbox import SandboxProvider

    for method in METHODS:
        if not isinstance(get_provider(method), SandboxProvider):
            sys.exit(f"{method} is not in the sandbox here: this bench pays in the sandbox only")
    began = time.monotonic()
    added, months = 0, 0
    groups = group_bills(open_bills(), rng)
    while len(groups) < count:
        if months == MAX_ADDED_MONTHS:
            sys.exit(f"{len(groups)} groups of open bills after {months} months added")
        added += add_month_of_bills()
        months += 1
        groups = group_bills(open_bills(), rng)
    groups = groups[:count]
    residents = {}
    for room_id, user_id, relation in Residency.objects.filter(
        status=Residency.Status.VERIFIED
    ).values_list("room_id", "user_id", "relation"):
        if room_id not in residents or relation == Residency.Relation.OWNER:
            residents[room_id] = user_id
    users = User.objects.in_bulk(set(residents.values()))
    fallback = User.objects.get(mobile=FALLBACK_PAYER)
    took_bills = time.monotonic() - began

    def start(job):
        n, (room_id, bill_ids) = job
        method = METHODS[n % len(METHODS)]
        payment, _checkout = online.payment_start(
            bills=list(Bill.objects.filter(pk__in=bill_ids)),
            method=method,
            payer=users.get(residents.get(room_id), fallback),
            client=online.Client(),
        )
        return {"number": payment.number, "method": method, "amount": payment.amount}

    began = time.monotonic()
    payments = in_threads(start, list(enumerate(groups)))
    took_start = time.monotonic() - began

    numbers = [p["number"] for p in payments]
    pending = Payment.objects.filter(number__in=numbers, status=Payment.Status.PENDING).count()
    items = PaymentItem.objects.filter(payment__number__in=numbers)
    bills = Bill.objects.filter(pk__in=items.values("bill_id"))
    # What the bills had paid before: the check afterwards compares with it.
    before = {b.pk: (b.paid_amount, b.late_fee_paid) for b in bills}
    for payment in payments:
        payment["bills"] = {}
    by_number = {p["number"]: p for p in payments}
    for number, bill_id, amount, late_fee in items.values_list(
        "payment__number", "bill_id", "amount", "late_fee"
    ):
        by_number[number]["bills"][bill_id] = (amount, late_fee, *before[bill_id])
    spread = Counter(p["method"] for p in payments)
    total = sum((p["amount"] for p in payments), Decimal("0.00"))
    print(
        f"payment_start: {len(payments)} payments ({pending} pending) over {len(before)} bills "
        f"({added} bills added in {months} new months, {took_bills:.1f} s), ¥{total:,}, "
        + ", ".join(f"{m} {spread[m]}" for m in METHODS)
        + f" in {took_start:.1f} s ({SETUP_THREADS} threads)"
    )
    if pending != len(payments) or len(before) != sum(len(p["bills"]) for p in payments):
        sys.exit("the payments are not all pending over disjoint bills")
    return payments


def sign_notifications(payments: list[dict]) -> list[tuple]:
    """Book every payment paid at the sandbox; (method, HTTP headers, body) of the signed
    notification of each, also kept in the payment's dict for the re-sends."""
    from billing.online.providers import get_provider

    def pay(payment):
        meta, body = get_provider(payment["method"]).pay(payment["number"])
        return {http_name(key): value for key, value in meta.items()}, body

    began = time.monotonic()
    for payment, (headers, body) in zip(payments, in_threads(pay, payments), strict=True):
        payment["headers"], payment["body"] = headers, body
    print(f"sandbox pay + sign: {len(payments)} notifications in {time.monotonic() - began:.1f} s")
    return [(p["method"], p["headers"], p["body"]) for p in payments]


def in_threads(func, items: list) -> list:
    """func(item) for every item, in SETUP_THREADS threads (each with its own database
    connection, closed at the end); the results in the items' order."""
    from django.db import connection

    results = [None] * len(items)
    errors = []

    def run(offset: int) -> None:
        try:
            for at in range(offset, len(items), SETUP_THREADS):
                results[at] = func(items[at])
        except BaseException as error:  # noqa: BLE001 - raised again in the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(SETUP_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def http_name(meta_key: str) -> str:
    """HTTP_X_SANDBOX_SIGNATURE → X-Sandbox-Signature, CONTENT_TYPE → Content-Type."""
    key = meta_key.removeprefix("HTTP_")
    return "-".join(part.capitalize() for part in key.split("_"))


# --- The server ---------------------------------------------------------------------------------


class Server:
    """gunicorn on a free port of 127.0.0.1, with this process's environment (database, var
    dir, settings), until the block ends."""

    def __init__(self, *, workers: int):
        self.workers = workers
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.log_text = ""

    @staticmethod
    def log_path() -> Path:
        return Path(os.environ["LINLI_VAR_DIR"]) / "gunicorn.log"

    def __enter__(self):
        import requests

        # Every notification comes from this one address: the per-address rate of the
        # notification endpoint (PAYMENT_NOTIFY_RATE, 300/m) would refuse most of them with 429.
        env = {"PAYMENT_NOTIFY_RATE": "100000/m", **os.environ, "LINLI_SITE_URL": self.url}
        self.log = self.log_path().open("w")
        began = time.monotonic()
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "-b",
             f"127.0.0.1:{self.port}", "-w", str(self.workers), "--threads", "2"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"gunicorn exited ({self.process.returncode}): see log")
                if time.monotonic() - began > STARTUP_SECONDS:
                    raise RuntimeError("gunicorn did not answer /healthz in time")
                try:
                    if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.2)
            answered = time.monotonic() - began
            # Each worker loads the URLconf (every view module) on its first request: a burst
            # reaches them all, so that this is not timed with the notifications.
            with ThreadPoolExecutor(max_workers=4 * self.workers) as pool:
                list(pool.map(lambda _n: requests.get(self.url + "/healthz", timeout=30),
                              range(16 * self.workers)))  # fmt: skip
        except BaseException:
            self.__exit__()
            print(self.log_text[-4000:])
            raise
        print(
            f"gunicorn -w {self.workers} --threads 2 on {self.url}: /healthz answered after "
            f"{answered:.1f} s, warmed up after {time.monotonic() - began:.1f} s"
        )
        return self

    def __exit__(self, *exc_info):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        self.log_text = self.log_path().read_text(errors="replace")


def send(url: str, notifications: list, concurrency: int) -> list[tuple]:
    """POST every notification from `concurrency` threads (a session each); returns per
    notification (status or exception name, reply text, seconds)."""
    import requests

    local = threading.local()
    sessions = []

    def post(notification):
        method, headers, body = notification
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            sessions.append(session)
        began = time.perf_counter()
        try:
            reply = session.post(
                f"{url}/pay/notify/{method}/", data=body, headers=headers, timeout=REQUEST_TIMEOUT
            )
            status, text = reply.status_code, reply.text
        except requests.RequestException as error:
            status, text = type(error).__name__, str(error)
        return status, text, time.perf_counter() - began

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        replies = list(pool.map(post, notifications))
    took = time.perf_counter() - began
    for session in sessions:
        session.close()  # or gunicorn's workers wait for the kept-alive connections at exit
    latencies = sorted(seconds * 1000 for _status, _text, seconds in replies)
    p95 = latencies[max(0, round(len(latencies) * 0.95) - 1)]
    print(
        f"\nsent {len(replies)} notifications from {concurrency} threads in {took:.2f} s: "
        f"{len(replies) / took:,.0f} notifications/s; latency p50 "
        f"{statistics.median(latencies):.0f} ms, p95 {p95:.0f} ms, max {latencies[-1]:.0f} ms"
    )
    return replies


# --- The checks ---------------------------------------------------------------------------------


def report_replies(replies: list[tuple], failures: list[str]) -> None:
    def ok(status, text) -> bool:
        try:
            return status == 200 and json.loads(text) == SUCCESS
        except ValueError:
            return False

    statuses = Counter(status for status, _text, _seconds in replies)
    print(
        "replies: " + ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items(), key=str))
    )
    bad = [(status, text) for status, text, _seconds in replies if not ok(status, text)]
    if bad:
        samples = Counter(f"{status} {text[:120]!r}" for status, text in bad)
        failures.append(
            f"{len(bad)} of {len(replies)} replies are not 200 {json.dumps(SUCCESS)}: "
            + "; ".join(f"{n}× {sample}" for sample, n in samples.most_common(3))
        )


def check_books(payments: list[dict], sent: int, failures: list[str]) -> None:
    from django.db.models import Count, Max, Min

    from billing.models import Bill, Payment, PaymentNotification, Receipt

    numbers = [p["number"] for p in payments]
    count = len(payments)
    statuses = Counter(Payment.objects.filter(number__in=numbers).values_list("status", flat=True))
    unapplied = Payment.objects.filter(number__in=numbers, unapplied=True).count()
    receipts = Receipt.objects.filter(payment__number__in=numbers)
    receipt_count = receipts.count()
    outcomes = Counter(
        PaymentNotification.objects.filter(number__in=numbers, source="notify").values_list(
            "outcome", flat=True
        )
    )
    print(
        f"\npayments: {dict(sorted(statuses.items()))} of {count}, {unapplied} unapplied; "
        f"receipts: {receipt_count}"
    )
    print(f"notification log: {dict(sorted(outcomes.items()))} of {sent} sent")
    if statuses[Payment.Status.SUCCEEDED] != count:
        failures.append(f"{statuses[Payment.Status.SUCCEEDED]} of {count} payments succeeded")
    if unapplied:
        failures.append(f"{unapplied} payments were not applied to their bills")
    if receipt_count != count:
        failures.append(f"{receipt_count} receipts for {count} payments")
    for company_id, low, high, n in receipts.values_list("company_id").annotate(
        Min("number"), Max("number"), Count("pk")
    ):
        if high - low + 1 != n:
            failures.append(f"company {company_id}: receipts {low}–{high} are {n}, with gaps")
    expected = {
        str(PaymentNotification.Outcome.SETTLED): count,
        str(PaymentNotification.Outcome.DUPLICATE): sent - count,
    }
    if dict(outcomes) != {outcome: n for outcome, n in expected.items() if n}:
        failures.append(f"notification outcomes {dict(outcomes)}, expected {expected}")

    expected_bills = {b: v for p in payments for b, v in p["bills"].items()}
    principal = sum((v[0] for v in expected_bills.values()), Decimal("0.00"))
    late_fees = sum((v[1] for v in expected_bills.values()), Decimal("0.00"))
    paid = fees = Decimal("0.00")
    wrong = []
    for pk, status, paid_amount, late_fee_paid in Bill.objects.filter(
        pk__in=expected_bills
    ).values_list("pk", "status", "paid_amount", "late_fee_paid"):
        amount, late_fee, paid_before, fee_before = expected_bills[pk]
        paid += paid_amount - paid_before
        fees += late_fee_paid - fee_before
        if (
            status != Bill.Status.PAID
            or paid_amount != paid_before + amount
            or late_fee_paid != fee_before + late_fee
        ):
            wrong.append(pk)
    print(
        f"bills: {len(expected_bills)}, paid ¥{paid:,} of principal ¥{principal:,} "
        f"and late fees ¥{fees:,} of ¥{late_fees:,}; {len(wrong)} not paid exactly once"
    )
    if wrong or paid != principal or fees != late_fees:
        failures.append(
            f"bills paid ¥{paid} (late fees ¥{fees}) for principal ¥{principal} (late fees "
            f"¥{late_fees}); {len(wrong)} bills wrong, e.g. {wrong[:5]}"
        )


if __name__ == "__main__":
    main()

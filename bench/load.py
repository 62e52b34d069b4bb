"""A load test (issue 21): simulated residents and staff against gunicorn + PostgreSQL + Redis +
a Celery worker and beat, then a check in the database that nothing was lost or doubled.

    .venv/bin/python bench/load.py [--users 200] [--staff 20] [--duration 300] [--chaos]
                                   [--rooms 520] [--web-workers 4] [--port 8150] [--keep | --fresh]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_loadbench REDIS_URL=redis://127.0.0.1:6379/5

The database (DATABASE_URL, else linli_loadbench) is prepared as bench/payments.py does (its
code): dropped and copied from a seeded template <database>_seed<rooms> of an earlier run, or
migrated and seeded with `seed_demo --rooms` and kept as that template. The bench's files
(plan, journal, logs, the sandbox gateway's key, collected static files) are in LINLI_VAR_DIR,
else var/bench-load/.

The servers run with config.settings.local and DJANGO_DEBUG off: production's settings refuse
the payment sandbox, which the simulated residents pay through (no money can move here).
gunicorn (--web-workers, 2 threads each) on --port, a Celery worker (-c 2) and beat (its
sweep of lost deliveries every minute, with the leases shortened to 30 s so that a loss is
made good within the run's drain), against Redis (REDIS_URL, else redis://127.0.0.1:6379/5).
The outside channels (Web Push, WeChat, SMS) are bench/loadtest/channel.py: every send is a
line in a log, so a delivery sent twice shows. Every simulated resident has a (fake) Web Push
subscription, so that their messages have deliveries.

locust (bench/loadtest/locustfile.py, run headless as a subprocess) then plays --users people
for --duration seconds, --staff of them staff (both queues, sessions made here for the
company's staff, second factor recorded as passed) and the others residents (one per room,
signed in by sessions made here): browsing the home page, notices, bills, repairs, messages,
"me" and activities; paying one to three open bills through the sandbox (the cashier page,
then the sandbox gateway — a small HTTP service of this process that books the trade and
signs its notification as bench/payments.py does — and the notification POSTed to
/pay/notify/, a third of them twice); reporting repairs with one or two photos; signing up
for activities. Each person comes from an address of their own (X-Forwarded-For behind one
trusted proxy), as residents behind the proxy would.

--chaos: the broker and cache are a redis-server of the bench's own (--redis-port, without
persistence), and during the run the worker is killed (SIGKILL) at 30% of the duration and
started again 5 s later, and Redis is killed at 55% and started again, empty, 3 s later. At 25%
the first community's manager publishes an urgent notice (a fan-out to every household, an SMS
to every resident), so that the worker is busy when it is killed; afterwards the notice's
fan-out, run again, must find nobody left out.

After the run it waits (--drain seconds at most) until no delivery is due or being sent and
no fan-out is open, reconciles the payments still pending with the sandbox (as the beat does
after PAYMENT_RECONCILE_AFTER_MINUTES), stops everything, prints requests, throughput and p50/p95/p99 per page,
the errors (failed requests and errors in gunicorn's log), then checks: every payment the
residents completed succeeded once (one receipt, its bills paid exactly by its items, the
notification settled once however often it came, the household told); no bill is in two
succeeded payments; every repair reported exists once with its photos; every sign-up exists
once; every delivery made during the run reached its channel exactly once (Web Push again
after a lost worker only where the provider collapses it, as notices/delivery.py intends) and
none is left queued or sending. A WeChat or SMS delivery whose worker was killed between its
claim and the provider's answer is sent at most once: the sweep marks it failed for an operator
(it may or may not have arrived); those are counted and printed, not failed. Exits with status
1 on any error or anything lost or doubled."""

import argparse
import contextlib
import csv
import datetime as dt
import faulthandler
import importlib.util
import io
import json
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV_BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/linli_loadbench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/5"
HOST = "127.0.0.1"
MAX_BILL_GROUPS = 3  # payments per resident at most
MAX_ACTIVITIES = 2  # sign-ups per resident at most
LEASE_SECONDS = "30"
# Longer than a simulated person waits between requests (locustfile: 6 s at most): gunicorn's
# default (2 s) closes idle connections just as a client reuses them, and on a busy machine
# the client then reads "connection reset" (a browser would retry; requests does not).
KEEP_ALIVE_SECONDS = "20"  # the spine's leases during the bench (NOTIFY_*_SECONDS)


def main() -> None:
    faulthandler.register(signal.SIGUSR1)  # kill -USR1 <pid>: where a stuck run waits
    # Stopped (timeout, kill): the servers it started stop with it (the `finally` below).
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(143))
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200, help="simulated residents")
    parser.add_argument("--staff", type=int, default=20, help="simulated staff")
    parser.add_argument("--duration", type=int, default=300, help="seconds of load")
    parser.add_argument("--spawn-rate", type=float, default=20, help="people started a second")
    parser.add_argument("--chaos", action="store_true", help="kill the worker and Redis mid-run")
    parser.add_argument("--rooms", type=int, default=520, help="rooms of the demo estate")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8150, help="gunicorn; the gateway +1")
    parser.add_argument("--redis-port", type=int, default=8159, help="Redis of --chaos")
    parser.add_argument("--drain", type=int, default=180, help="seconds to wait for the queue")
    reuse = parser.add_mutually_exclusive_group()
    reuse.add_argument("--keep", action="store_true", help="reuse the database as it is")
    reuse.add_argument("--fresh", action="store_true", help="seed again, not from the template")
    args = parser.parse_args()

    var_dir = Path(os.environ.get("LINLI_VAR_DIR", ROOT / "var" / "bench-load")).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["LINLI_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = f"redis://{HOST}:{args.redis_port}/0" if args.chaos else None
    os.environ["REDIS_URL"] = redis_url or os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    base = f"http://{HOST}:{args.port}"
    os.environ.update(server_environment(var_dir, base))
    payments = load_payments_bench()

    started = time.monotonic()
    redis = Redis(args.redis_port, var_dir) if args.chaos else None
    if redis:
        redis.start()
    template = payments.prepare_database(keep=args.keep, fresh=args.fresh, rooms=args.rooms)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("seed_demo", rooms=args.rooms, quiet=True, stdout=io.StringIO())
    if connection.vendor != "postgresql":
        sys.exit("bench/load.py needs PostgreSQL (DATABASE_URL=postgres://...)")
    if template:
        payments.save_template(template)
    collect_static(var_dir)
    log(
        f"database {connection.settings_dict['NAME']} ready after {time.monotonic() - started:.0f} s"
    )

    plan = make_plan(args, var_dir, base, payments)
    marks = high_water_marks()
    with connection.cursor() as cursor:
        # The project's tables only: a database-wide ANALYZE also takes the shared catalogs
        # (pg_authid…), and waits for whoever holds them in any other database of the server.
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        tables = ", ".join(connection.ops.quote_name(name) for (name,) in cursor.fetchall())
        cursor.execute(f"ANALYZE {tables}")
    connection.close()
    plan_path = var_dir / "plan.json"
    plan_path.write_text(json.dumps(plan, ensure_ascii=False))

    processes = Processes(var_dir, args)
    gateway = Gateway(args.port + 1, payments)
    failures: list[str] = []
    chaos = None
    try:
        gateway.start()
        processes.start_all()
        chaos = Chaos(args.duration, processes, redis) if args.chaos else None
        if chaos:
            chaos.start()
        began = time.monotonic()
        run_locust(args, plan_path, var_dir, base)
        took = time.monotonic() - began
        if chaos:
            chaos.join()
        drained = drain(args.drain)
        reconcile_now()
    finally:
        gateway.stop()
        processes.stop_all()
        if redis:
            redis.stop()
    errors = report_stats(var_dir, took, failures)
    errors += report_logs(var_dir, failures)
    if not drained:
        failures.append(f"the queue did not drain in {args.drain} s")
    check_everything(var_dir, marks, failures)
    check_notice(chaos.notice if chaos else None, failures)
    load = os.getloadavg()
    print(f"\nload average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores; "
          f"{args.users} residents, {args.staff} staff, {args.duration} s"
          + (", with chaos" if args.chaos else ""))  # fmt: skip
    if chaos:
        print("chaos: " + "; ".join(chaos.done))
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("\nNo errors; nothing lost or doubled.")


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def load_payments_bench():
    """bench/payments.py as a module: its database preparation and signing are reused."""
    spec = importlib.util.spec_from_file_location("bench_payments", BENCH / "payments.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def server_environment(var_dir: Path, base: str) -> dict[str, str]:
    recording = "bench.loadtest.channel.RecordingBackend"
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "PYTHONPATH": str(ROOT),
        "DJANGO_STATIC_ROOT": str(var_dir / "static"),
        "LINLI_SITE_URL": base,
        "LINLI_TRUSTED_PROXY_COUNT": "1",
        "NOTIFY_WEBPUSH_BACKEND": recording,
        "NOTIFY_WECHAT_BACKEND": recording,
        "NOTIFY_SMS_BACKEND": recording,
        "LOAD_DELIVERY_LOG": str(var_dir / "deliveries.log"),
        "NOTIFY_SENDING_LEASE_SECONDS": LEASE_SECONDS,
        "NOTIFY_REDISPATCH_SECONDS": LEASE_SECONDS,
        "NOTIFY_FAN_OUT_RETRY_SECONDS": LEASE_SECONDS,
    }


def collect_static(var_dir: Path) -> None:
    from django.core.management import call_command

    if not (var_dir / "static" / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)


# --- The plan: who does what --------------------------------------------------------------------


def make_plan(args, var_dir: Path, base: str, payments) -> dict:
    from django.conf import settings

    from billing.online.providers.sandbox import gateway_key

    gateway_key()  # made once here, before the servers start: they all read this one key
    for name in ("journal.jsonl", "deliveries.log"):
        (var_dir / name).write_text("")
    began = time.monotonic()
    residents = plan_residents(args.users, payments)
    staff = plan_staff(args.staff)
    photo = var_dir / "photo.jpg"
    make_photo(photo)
    log(f"plan: {len(residents)} residents, {len(staff)} staff sessions, "
        f"{sum(len(r['bills']) for r in residents)} bill groups to pay, "
        f"{sum(len(r['activities']) for r in residents)} activities to sign up for "
        f"({time.monotonic() - began:.0f} s)")  # fmt: skip
    return {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "residents": residents,
        "staff": staff,
        "photo": str(photo),
        "journal": str(var_dir / "journal.jsonl"),
        "gateway": f"http://{HOST}:{args.port + 1}/pay",
        "base": base,
    }


def session_for(user, *, second_factor: bool = False) -> str:
    """A signed-in session of `user` (as after the login page, and its second factor)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import login
    from django.test import RequestFactory

    from accounts.allauth_bridge import record_authentication

    request = RequestFactory().get("/", REMOTE_ADDR=HOST)
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    record_authentication(request, user, "password")
    if second_factor:
        record_authentication(request, user, "mfa", type="totp")
    request.session.save()
    return request.session.session_key


def plan_residents(count: int, payments) -> list[dict]:
    """`count` residents, one per room (the owner where there is one), with their open bills
    in groups (each group paid by one payment), activities they may sign up for and a Web Push
    subscription each. Adds months of bills while the open bills are too few."""
    from accounts.models import Residency, User
    from billing.selectors import unpaid_bills_for_user
    from notices.models import PushSubscription
    from notices.selectors import notices_for_user

    chosen: dict[int, int] = {}  # room → user
    taken: set[int] = set()
    rows = Residency.objects.filter(status=Residency.Status.VERIFIED).order_by("room_id", "pk")
    for room_id, user_id, relation in rows.values_list("room_id", "user_id", "relation"):
        if user_id in taken:
            continue
        if room_id not in chosen or relation == Residency.Relation.OWNER:
            taken.discard(chosen.get(room_id))
            chosen[room_id] = user_id
            taken.add(user_id)
    users = User.objects.in_bulk(list(chosen.values()))
    room_of = {user_id: room_id for room_id, user_id in chosen.items()}
    rng = random.Random(2026)
    people = sorted(users.values(), key=lambda u: u.pk)
    rng.shuffle(people)
    people = people[:count]
    for _month in range(6):
        if sum(1 for u in people if unpaid_bills_for_user(u).exists()) >= 0.9 * len(people):
            break
        payments.add_month_of_bills()
    planned = []
    for user in people:
        own = unpaid_bills_for_user(user).filter(room_id=room_of[user.pk])  # no one else's
        bills = [(b.pk, str(b.paid_amount)) for b in own]
        groups = [
            {"ids": [pk for pk, _paid in bills[at : at + 2]], "before": dict(bills[at : at + 2])}
            for at in range(0, len(bills), 2)
        ][:MAX_BILL_GROUPS]
        PushSubscription.objects.get_or_create(
            endpoint=f"https://push.load.invalid/{user.pk}",
            defaults={"user": user, "p256dh": "load", "auth": "load", "user_agent": "load"},
        )
        planned.append({
            "id": user.pk, "name": user.get_full_name() or "住户", "mobile": user.mobile,
            "session": session_for(user), "bills": groups,
            "notice": notices_for_user(user).values_list("pk", flat=True).first(),
            "activities": plan_activities(user),
        })  # fmt: skip
    return planned


def plan_activities(user) -> list[dict]:
    """Activities the user's household may sign up for now, with the form's data; each tried
    in a transaction rolled back, so that the simulated sign-up is one the service accepts."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from services.activities import selectors, services
    from services.activities.forms import SignupForm

    found = []
    for activity in selectors.activities_for_user(user)["upcoming"]:
        if activity.my_signup or len(found) == MAX_ACTIVITIES:
            continue
        seen = selectors.get_activity_for_user(user, activity.pk)
        if seen is None:
            continue
        household = seen[1]
        people = selectors.household_people(household)
        data = {"members": [str(user.pk)], "others": ""}
        form = SignupForm(data, activity=activity, people=people)
        data.update({name: "压测" for name in form.fields if name.startswith("answer_")})
        form = SignupForm(data, activity=activity, people=people)
        if not form.is_valid():
            continue
        with transaction.atomic():
            try:
                services.signup_create(
                    activity=activity, household=household, user=user,
                    member_ids=form.cleaned_data["members"],
                    other_names=form.cleaned_data["others"],
                    answers=form.cleaned_data["answers"],
                )  # fmt: skip
            except ValidationError:
                continue
            finally:
                transaction.set_rollback(True)
        found.append({"id": activity.pk, "data": data})
    return found


def plan_staff(count: int) -> list[dict]:
    """`count` sessions of the staff who work the repair or complaint queue (several sessions
    per person when they are fewer), each told which of the two queues it may open."""
    from django.conf import settings
    from django.test import Client

    from accounts.mfa import requires_second_factor
    from staff.models import StaffMember

    members = []
    logging.disable(logging.WARNING)  # the queues refused to some (403) are no news
    for member in StaffMember.objects.filter(is_active=True).select_related("user"):
        user = member.user
        key = session_for(user, second_factor=requires_second_factor(user))
        client = Client(HTTP_HOST=HOST)
        client.cookies[settings.SESSION_COOKIE_NAME] = key
        may = {
            queue: client.get(f"/staff/{queue}/").status_code == 200
            for queue in ("repairs", "complaints")
        }
        if any(may.values()):
            members.append((user, may))
    logging.disable(logging.NOTSET)
    if not members:
        sys.exit("no staff member may open the repair or complaint queue: seed the demo first")
    sessions = []
    for n in range(count):
        user, may = members[n % len(members)]
        key = session_for(user, second_factor=requires_second_factor(user))
        sessions.append({"id": user.pk, "name": user.get_full_name(), "mobile": user.mobile,
                         "session": key, **may})  # fmt: skip
    return sessions


def make_photo(path: Path) -> None:
    """A phone-like photo (1600×1200 JPEG with some detail), once."""
    if path.exists():
        return
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1600, 1200), (182, 176, 160))
    draw = ImageDraw.Draw(image)
    rng = random.Random(7)
    for _n in range(400):
        x, y = rng.randrange(1600), rng.randrange(1200)
        colour = tuple(rng.randrange(256) for _c in range(3))
        draw.ellipse((x, y, x + rng.randrange(10, 120), y + rng.randrange(10, 120)), fill=colour)
    image.save(path, "JPEG", quality=85)


def high_water_marks() -> dict[str, int]:
    """The highest id of each table the checks read: what the run added is above it."""
    from django.db.models import Max

    from billing.models import Payment, PaymentNotification
    from notices.models import Delivery, Message
    from repairs.models import RepairOrder
    from services.models import ActivitySignup

    models = {
        "payment": Payment, "notification": PaymentNotification, "delivery": Delivery,
        "message": Message, "repair": RepairOrder, "signup": ActivitySignup,
    }  # fmt: skip
    return {
        name: model.objects.aggregate(top=Max("pk"))["top"] or 0 for name, model in models.items()
    }


# --- The processes ------------------------------------------------------------------------------


class Redis:
    """A redis-server of the bench's own (no persistence: a restart loses everything)."""

    def __init__(self, port: int, var_dir: Path):
        self.port, self.var_dir, self.process = port, var_dir, None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", HOST, "--save", "",
             "--appendonly", "no", "--dir", str(self.var_dir)],
            stdout=open(self.var_dir / "redis.log", "a"), stderr=subprocess.STDOUT,  # noqa: SIM115
        )  # fmt: skip
        wait_for_port(self.port)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class Processes:
    """gunicorn, the Celery worker and beat, each with its log in the var dir."""

    def __init__(self, var_dir: Path, args):
        self.var_dir, self.args = var_dir, args
        self.web = self.worker = self.beat = None

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        output = open(self.var_dir / f"{name}.log", "a")  # noqa: SIM115 - open as long as it runs
        return subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603

    def start_all(self) -> None:
        for name in ("gunicorn", "worker", "beat"):
            (self.var_dir / f"{name}.log").write_text("")
        self.web = self._spawn("gunicorn", [
            str(VENV_BIN / "gunicorn"), "config.wsgi:application",
            "--bind", f"{HOST}:{self.args.port}", "--workers", str(self.args.web_workers),
            "--threads", "2", "--no-control-socket", "--timeout", "60",
            "--keep-alive", KEEP_ALIVE_SECONDS,
        ])  # fmt: skip
        self.start_worker()
        self.beat = self._spawn("beat", [
            str(VENV_BIN / "celery"), "-A", "config", "beat", "-l", "info",
            "--schedule", str(self.var_dir / "celerybeat-schedule"),
        ])  # fmt: skip
        wait_for_port(self.args.port, path="/healthz")
        warm(f"http://{HOST}:{self.args.port}", self.args.web_workers)

    def start_worker(self) -> None:
        self.worker = self._spawn("worker", [
            str(VENV_BIN / "celery"), "-A", "config", "worker", "-l", "info", "-c", "2",
            "--without-gossip", "--without-mingle", "-n", f"load-{time.time_ns()}@%h",
        ])  # fmt: skip

    def kill_worker(self) -> None:
        """SIGKILL to the worker's whole process group? No: to the main process and its pool
        children, as the kernel's OOM killer or a lost machine would end them."""
        children = subprocess.run(["pgrep", "-P", str(self.worker.pid)],  # noqa: S603, S607
                                  capture_output=True, text=True).stdout.split()  # fmt: skip
        for pid in [self.worker.pid, *map(int, children)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.worker.wait()

    def stop_all(self) -> None:
        for process in (self.web, self.worker, self.beat):
            if process is not None and process.poll() is None:
                process.terminate()
        for process in (self.web, self.worker, self.beat):
            if process is not None:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def wait_for_port(port: int, path: str = "", seconds: float = 60) -> None:
    import socket
    import urllib.request

    deadline = time.monotonic() + seconds
    while True:
        try:
            if path:
                with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=5):  # noqa: S310
                    return
            else:
                with socket.create_connection((HOST, port), timeout=2):
                    return
        except OSError as error:
            if time.monotonic() > deadline:
                sys.exit(f"nothing answers on port {port}{path}: {error}")
            time.sleep(0.3)


def warm(base: str, workers: int) -> None:
    """Every gunicorn worker loads the URLconf on its first request: not in the figures."""
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    def fetch(_n) -> str:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=30) as reply:  # noqa: S310
                reply.read()
        except OSError as error:  # a 503 (the cache slow to answer on a busy machine) warms too
            return f"{type(error).__name__}: {error}"
        return ""

    with ThreadPoolExecutor(max_workers=4 * workers) as pool:
        errors = [error for error in pool.map(fetch, range(16 * workers)) if error]
    if errors:
        log(f"warming up: {len(errors)} of {16 * workers} /healthz failed, e.g. {errors[0]}")


class Chaos(threading.Thread):
    """Kills the worker at 30% of the run (started again 5 s later) and Redis at 55% (3 s)."""

    def __init__(self, duration: int, processes: Processes, redis: Redis):
        super().__init__(daemon=True)
        self.duration, self.processes, self.redis = duration, processes, redis
        self.done: list[str] = []
        self.notice = None

    def run(self) -> None:
        began = time.monotonic()

        def at(share: float) -> None:
            time.sleep(max(0.0, began + share * self.duration - time.monotonic()))

        at(0.25)
        self.notice = publish_urgent_notice()
        self.done.append(
            f"urgent notice {self.notice} published at {time.monotonic() - began:.0f} s"
        )
        at(0.30)
        self.processes.kill_worker()
        self.done.append(f"worker killed at {time.monotonic() - began:.0f} s")
        time.sleep(5)
        self.processes.start_worker()
        self.done.append(f"worker started at {time.monotonic() - began:.0f} s")
        at(0.55)
        self.redis.kill()
        self.done.append(f"Redis killed at {time.monotonic() - began:.0f} s")
        time.sleep(3)
        self.redis.start()
        self.done.append(f"Redis started (empty) at {time.monotonic() - began:.0f} s")


def publish_urgent_notice() -> int:
    """An urgent notice to the whole first community, as its manager publishes one: a fan-out
    to every household and an SMS to every resident, in the worker while it is killed."""
    from django.db import connection

    from accounts.models import Community, User
    from notices import services
    from notices.models import Notice

    try:
        notice = Notice(
            community=Community.objects.order_by("pk").first(),
            title="[压测] 全小区停水通知",
            body="<p>明日 9:00–17:00 管道检修，全小区停水。</p>",
            importance="urgent",
        )
        manager = User.objects.get(mobile="13800000001")
        services.notice_save(notice=notice, actor=manager, buildings=[], publish="now")
        return notice.pk
    finally:
        connection.close()


def check_notice(notice_id: int | None, failures: list[str]) -> None:
    """The notice's fan-out, run again now, finds nobody left out: it adds no message."""
    if notice_id is None:
        return
    from notices import services
    from notices.models import Message

    def told() -> int:
        return Message.objects.filter(object_id=str(notice_id), event="notice.published").count()

    before = told()
    services.notice_fan_out(notice_id=notice_id)
    added = told() - before
    print(f"urgent notice {notice_id}: {before} residents told; its fan-out run again adds {added}")
    if added or not before:
        failures.append(f"the urgent notice's fan-out had left out {added} residents")


class Gateway:
    """The sandbox payment gateway's side: POST {"method", "number"} books the trade as paid
    and answers the signed notification (headers and body), as bench/payments.py signs."""

    def __init__(self, port: int, payments):
        from billing.online.providers import get_provider

        def pay(method: str, number: str) -> dict:
            from django.db import connection

            try:
                meta, body = get_provider(method).pay(number)
            finally:
                connection.close()
            headers = {payments.http_name(key): value for key, value in meta.items()}
            return {"headers": headers, "body": body.decode()}

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                asked = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                try:
                    reply, status = pay(asked["method"], asked["number"]), 200
                except Exception as error:  # noqa: BLE001 - told to the caller
                    reply, status = {"error": f"{type(error).__name__}: {error}"}, 500
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer((HOST, port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        if self.thread.is_alive():  # shutdown() waits for a serve_forever() that never began
            self.server.shutdown()
        self.server.server_close()


def run_locust(args, plan_path: Path, var_dir: Path, base: str) -> None:
    env = {**os.environ, "LOAD_PLAN": str(plan_path), "LOAD_STAFF": str(args.staff)}
    command = [
        str(VENV_BIN / "locust"), "-f", str(BENCH / "loadtest" / "locustfile.py"), "--headless",
        "--users", str(args.users + args.staff), "--spawn-rate", str(args.spawn_rate),
        "--run-time", f"{args.duration}s", "--host", base, "--csv", str(var_dir / "locust"),
        "--only-summary", "--stop-timeout", "120", "--loglevel", "WARNING",
    ]  # fmt: skip
    log(f"locust: {args.users} residents and {args.staff} staff for {args.duration} s on {base}")
    with open(var_dir / "locust.log", "w") as output:
        subprocess.run(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603


def drain(seconds: int) -> bool:
    """Wait until no delivery is due or being sent and no fan-out is open (the worker and the
    beat's sweep still running)."""
    from django.db import connection
    from django.db.models import Q
    from django.utils import timezone

    from notices.models import Delivery, FanOut

    deadline = time.monotonic() + seconds
    began = time.monotonic()
    while True:
        now = timezone.now()
        busy = Delivery.objects.filter(
            Q(status=Delivery.Status.SENDING)
            | Q(status=Delivery.Status.QUEUED, next_attempt_at__lte=now)
        ).count()
        busy += FanOut.objects.filter(finished_at__isnull=True).count()
        connection.close()
        if not busy:
            log(f"drained {time.monotonic() - began:.0f} s after the run")
            return True
        if time.monotonic() > deadline:
            log(f"{busy} deliveries or fan-outs still open after {seconds} s")
            return False
        time.sleep(3)


def reconcile_now() -> None:
    """What the beat's reconciliation does within PAYMENT_RECONCILE_AFTER_MINUTES of the run:
    ask the sandbox about the payments still pending (a notification refused or lost, e.g. while
    Redis was down) and settle the paid ones, now rather than after that wait."""
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from billing.online.services import reconcile

    later = timezone.now() + dt.timedelta(minutes=settings.PAYMENT_RECONCILE_AFTER_MINUTES)
    counts = reconcile(now=later, limit=10_000)
    connection.close()
    log(f"reconciliation after the run: {counts}")


# --- The figures --------------------------------------------------------------------------------


def report_stats(var_dir: Path, took: float, failures: list[str]) -> int:
    rows = list(csv.DictReader(open(var_dir / "locust_stats.csv", encoding="utf-8")))  # noqa: SIM115
    print(f"\n{'page':<28}{'requests':>9}{'errors':>7}{'rps':>8}{'p50':>7}{'p95':>7}{'p99':>7}"
          "  (ms)")  # fmt: skip
    errors = 0
    for row in rows:
        name = row["Name"] if row["Type"] else "Aggregated"
        count, failed = int(row["Request Count"]), int(row["Failure Count"])
        if name.startswith("(gateway"):
            continue
        print(f"{name:<28}{count:>9}{failed:>7}{float(row['Requests/s']):>8.1f}"
              f"{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}")  # fmt: skip
        if name == "Aggregated":
            errors = failed
    print(f"(locust ran {took:.0f} s; the sandbox gateway's signing is left out)")
    failed_rows = var_dir / "locust_failures.csv"
    if errors and failed_rows.exists():
        for row in list(csv.DictReader(open(failed_rows, encoding="utf-8")))[:8]:  # noqa: SIM115
            print(f"  {row['Occurrences']}× {row['Name']}: {row['Error'][:160]}")
    if errors:
        failures.append(f"{errors} requests failed")
    return errors


def report_logs(var_dir: Path, failures: list[str]) -> int:
    import re

    pattern = re.compile(r"\b(ERROR|CRITICAL)\b|^Traceback")
    lines = (var_dir / "gunicorn.log").read_text(errors="replace").splitlines()
    errors = [line for line in lines if pattern.search(line)]
    print(f"gunicorn log: {len(errors)} errors" + (f", e.g. {errors[0][:200]}" if errors else ""))
    if errors:
        failures.append(f"gunicorn logged {len(errors)} errors")
    worker = (var_dir / "worker.log").read_text(errors="replace").splitlines()
    worker_errors = [line for line in worker if pattern.search(line)]
    print(f"worker log: {len(worker_errors)} errors"
          + (f", e.g. {worker_errors[0][:200]}" if worker_errors else ""))  # fmt: skip
    return len(errors)


# --- The books ----------------------------------------------------------------------------------


def check_everything(var_dir: Path, marks: dict, failures: list[str]) -> None:
    journal = [json.loads(line) for line in open(var_dir / "journal.jsonl", encoding="utf-8")]  # noqa: SIM115
    by_kind = defaultdict(list)
    for entry in journal:
        by_kind[entry["kind"]].append(entry)
    print()
    check_payments(by_kind["payment"], marks, failures)
    check_repairs(by_kind["repair"], by_kind["repair-attempt"], marks, failures)
    check_signups(by_kind["signup"], by_kind["signup-attempt"], marks, failures)
    check_deliveries(var_dir / "deliveries.log", marks, failures)


def check_payments(paid: list[dict], marks: dict, failures: list[str]) -> None:
    from django.db.models import Count

    from billing.models import (
        Payment,
        PaymentItem,
        PaymentNotification,
        Receipt,
        SandboxTrade,
    )  # fmt: skip
    from notices.models import Message

    numbers = [entry["number"] for entry in paid]
    if len(set(numbers)) != len(numbers):
        failures.append("the journal names a payment twice")
    payments = {p.number: p for p in Payment.objects.filter(number__in=numbers)}
    statuses = Counter(p.status for p in payments.values())
    receipts = Counter(
        Receipt.objects.filter(payment__number__in=numbers).values_list(
            "payment__number", flat=True
        )
    )
    settled = Counter(
        PaymentNotification.objects.filter(
            number__in=numbers, outcome=PaymentNotification.Outcome.SETTLED
        ).values_list("number", flat=True)
    )
    told = set(
        Message.objects.filter(
            pk__gt=marks["message"], object_id__in=[str(p.pk) for p in payments.values()],
            event__startswith="payment",
        ).values_list("object_id", flat=True)
    )  # fmt: skip
    wrong = [n for n in numbers if n not in payments
             or payments[n].status != Payment.Status.SUCCEEDED or receipts[n] != 1
             or settled[n] != 1 or str(payments[n].pk) not in told]  # fmt: skip
    # Every payment of the run: a paid sandbox trade is a succeeded payment, and back.
    run = Payment.objects.filter(pk__gt=marks["payment"])
    trades = dict(SandboxTrade.objects.filter(number__in=run.values("number"))
                  .values_list("number", "state"))  # fmt: skip
    mismatched = [
        number for number, status in run.values_list("number", "status")
        if (trades.get(number) == SandboxTrade.State.PAID) != (status == Payment.Status.SUCCEEDED)
    ]  # fmt: skip
    # No bill in two succeeded online payments; a bill paid in the run has gained exactly
    # what its item of the run says (its paid amount before is in the plan's snapshot).
    online = PaymentItem.objects.filter(
        payment__status=Payment.Status.SUCCEEDED, payment__method__in=["wechat", "alipay", "card"]
    )
    run_bills = PaymentItem.objects.filter(payment__in=run).values("bill_id")
    doubled_bills = list(
        online.filter(bill_id__in=run_bills).values("bill_id").annotate(n=Count("pk"))
        .filter(n__gt=1).values_list("bill_id", flat=True)
    )  # fmt: skip
    overpaid = []
    for entry in paid:
        payment = payments.get(entry["number"])
        if payment is None:
            continue
        for item in PaymentItem.objects.filter(payment=payment).select_related("bill"):
            before = entry["before"].get(str(item.bill_id))
            if before is None or item.bill.paid_amount != Decimal(before) + item.amount:
                overpaid.append(item.bill_id)
    total = sum((p.amount for p in payments.values()), Decimal("0.00"))
    print(f"payments: {len(numbers)} completed by residents (¥{total:,}), statuses "
          f"{dict(statuses)}; {len(wrong)} not settled exactly once with one receipt and the "
          f"household told; {len(mismatched)} of {run.count()} payments of the run disagree "
          f"with the sandbox; {len(doubled_bills)} bills in two payments; {len(overpaid)} bills "
          f"whose paid amount is not their items'")  # fmt: skip
    if wrong:
        failures.append(f"payments not settled exactly once: {wrong[:5]}")
    if mismatched:
        failures.append(f"payments whose status disagrees with the sandbox: {mismatched[:5]}")
    if doubled_bills or overpaid:
        failures.append(f"bills paid twice {doubled_bills[:5]} or wrongly {overpaid[:5]}")


def check_repairs(
    reported: list[dict], attempts: list[dict], marks: dict, failures: list[str]
) -> None:
    """Every report answered exists once; a report whose answer did not come back before the
    run ended may exist (at most once per attempt); no other order was made."""
    from django.db.models import Count, Q

    from repairs.models import RepairAttachment, RepairOrder

    orders = {
        o["pk"]: o
        for o in RepairOrder.objects.filter(pk__gt=marks["repair"])
        .annotate(photos=Count("attachments", filter=Q(
            attachments__kind=RepairAttachment.Kind.IMAGE,
            attachments__stage=RepairAttachment.Stage.REPORT)))
        .values("pk", "reporter_id", "photos")
    }  # fmt: skip
    journaled = Counter(entry["order"] for entry in reported)
    missing = [e["order"] for e in reported if e["order"] not in orders]
    wrong = [e["order"] for e in reported if e["order"] in orders
             and (orders[e["order"]]["photos"] != e["photos"]
                  or orders[e["order"]]["reporter_id"] != e["user"])]  # fmt: skip
    tried = Counter(entry["user"] for entry in attempts)
    unanswered = Counter(o["reporter_id"] for pk, o in orders.items() if pk not in journaled)
    extra = [user for user, n in unanswered.items()
             if n > tried[user] - sum(1 for e in reported if e["user"] == user)]  # fmt: skip
    files_missing = 0
    for attachment in RepairAttachment.objects.filter(order__in=list(orders)):
        if not attachment.file or not attachment.file.storage.exists(attachment.file.name):
            files_missing += 1
    print(f"repairs: {len(reported)} reported ({len(attempts)} tried), {len(orders)} orders "
          f"made in the run; {len(missing)} missing, {sum(unanswered.values())} made for reports "
          f"whose answer the run's end cut off, {len(extra)} users with more orders than tries, "
          f"{len(wrong)} with other photos or reporter, {files_missing} photo files missing")  # fmt: skip
    if missing or extra or wrong or files_missing or max(journaled.values(), default=1) > 1:
        failures.append(f"repairs lost {missing[:5]}, more than tried by users {extra[:5]}, wrong {wrong[:5]}, "
                        f"{files_missing} files missing")  # fmt: skip


def check_signups(
    signed: list[dict], attempts: list[dict], marks: dict, failures: list[str]
) -> None:
    from services.models import ActivitySignup

    made = Counter(
        ActivitySignup.objects.filter(pk__gt=marks["signup"]).values_list("user_id", "activity_id")
    )
    wanted = Counter((entry["user"], entry["activity"]) for entry in signed)
    lost = [key for key in wanted if made[key] < wanted[key]]
    tried = Counter((entry["user"], entry["activity"]) for entry in attempts)
    # At most one per try (a try whose answer the run's end cut off may have made one).
    doubled = [key for key in made if made[key] > max(wanted[key], tried[key] and 1)]
    print(f"sign-ups: {len(signed)} by residents ({len(attempts)} tried), {sum(made.values())} "
          f"made; {len(lost)} lost, {len(doubled)} doubled or not asked for")  # fmt: skip
    if lost or doubled:
        failures.append(f"sign-ups lost {lost[:5]} or doubled {doubled[:5]}")


def check_deliveries(path: Path, marks: dict, failures: list[str]) -> None:
    from django.utils import timezone

    from notices.delivery import IDEMPOTENT_CHANNELS
    from notices.models import Delivery, Message

    sent = Counter()
    for line in path.read_text().splitlines():
        sent[int(line.split()[0])] += 1
    deliveries = {
        d["pk"]: d
        for d in Delivery.objects.filter(pk__gt=marks["delivery"]).values(
            "pk", "channel", "status", "attempts", "last_error", "next_attempt_at"
        )
    }
    messages = Message.objects.filter(pk__gt=marks["message"]).count()
    statuses = Counter(d["status"] for d in deliveries.values())
    # Sent, then its worker was killed before it was marked sent: the sweep marks it failed
    # for an operator (it cannot know); it did arrive, once.
    flagged = [pk for pk, d in deliveries.items() if d["status"] == Delivery.Status.FAILED
               and d["last_error"].startswith("worker lost") and sent[pk] == 1]  # fmt: skip
    # Claimed, then its worker was killed before the provider was called (or while it was):
    # WeChat and SMS are sent at most once, so the sweep marks it failed for an operator
    # rather than risk a duplicate (notices/delivery.py). Not silent, not doubled: counted.
    abandoned = [pk for pk, d in deliveries.items() if d["status"] == Delivery.Status.FAILED
                 and d["last_error"].startswith("worker lost") and not sent[pk]]  # fmt: skip
    now = timezone.now()
    deferred = [pk for pk, d in deliveries.items()
                if d["status"] == Delivery.Status.QUEUED and d["next_attempt_at"] > now]  # fmt: skip
    lost = [pk for pk, d in deliveries.items() if d["status"] != Delivery.Status.SENT
            and pk not in flagged and pk not in abandoned and pk not in deferred]  # fmt: skip
    unsent = [
        pk for pk, d in deliveries.items() if d["status"] == Delivery.Status.SENT and not sent[pk]
    ]
    doubled = [pk for pk in deliveries if sent[pk] > 1]
    collapsed = [pk for pk in doubled if deliveries[pk]["channel"] in IDEMPOTENT_CHANNELS
                 and deliveries[pk]["attempts"] > 1]  # fmt: skip
    doubled = [pk for pk in doubled if pk not in collapsed]
    print(f"messages: {messages} written in the run; deliveries: {len(deliveries)} "
          f"{dict(statuses)}, {sum(sent.values())} sends; {len(lost)} lost, {len(unsent)} marked "
          f"sent but never sent, {len(doubled)} sent twice, {len(collapsed)} Web Push re-sent "
          f"after a lost worker (collapsed by the provider), {len(flagged)} sent once but marked failed "
          f"after a lost worker, {len(abandoned)} abandoned unsent after a lost worker (at most once: "
          f"failed for an operator), {len(deferred)} deferred (quiet hours, back-off)")  # fmt: skip
    if lost or unsent or doubled:
        examples = [deliveries[pk] for pk in (lost + unsent + doubled)[:3]]
        failures.append(f"deliveries lost {len(lost)}, never sent {len(unsent)}, doubled "
                        f"{len(doubled)}: {examples}")  # fmt: skip


if __name__ == "__main__":
    main()

"""Throughput of the resident pages and the staff lists against a bare Django page (issue 21).

    .venv/bin/python bench/throughput.py [--pages home,bills,...] [--seconds 3] [--rounds 2]
                                         [--connections 16] [--workers 5] [--port 8765]

Serves the product as production does (gunicorn sync workers, config.settings.production with
every variable it demands set to a local value, as bench/lighthouse.py does, in a var dir of its
own: --var-dir, default var/bench-throughput/ or LINLI_VAR_DIR) and, the same way on the next
port, the baseline: `bench/baseline/`, a bare Django project with one view that answers "ok".
PostgreSQL from DATABASE_URL, by default a copy of the 20,000-room estate (`linli_estate`, made
by bench/estate.py) as database `linli_throughput`, made on first use and migrated; Redis from
REDIS_URL (default redis://127.0.0.1:6379/0).

It logs in the demo resident 张伟 (13900000001) and the regional manager (13800000001, who sees
the overview of his communities; his session is marked as having passed the second factor, as a
login with the authenticator code would), checks that every page answers 200 to their session cookies,
runs `wrk` on each page for --warm-up seconds (the workers' first requests import and compile),
then for each page alternates `wrk` runs (--seconds each, --rounds times) of the baseline and of
the page, and prints per page: requests a second, p50 and p99,
the ratio to the baseline's requests a second in the runs beside it, the SQL queries and bytes
of the page and the CPU time of one request made by its view, then the queries and CPU time of
one answered from the page cache (kit.pagecache; medians of five, in this process, with the
same settings and database: figures that do not depend on the machine's load), and at the end
the resident set size of each gunicorn worker of both servers. wrk sends the session cookie
and the CSRF cookie the first page set, as a browser would.

Goals, printed next to the figures: resident pages at 0.10 of the baseline or more with p99
under 100 ms, staff lists at 0.03 or more with p99 under 300 ms. Exits with status 1 when a page
misses them. The load average is printed with the figures: on a busy machine they are low.
--no-wrk prints only the figures measured in this process (queries, bytes, CPU time), which do
not depend on the load."""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.lighthouse import answers, production_environment, resident_paths, wait_for  # noqa: E402

RESIDENT = "13900000001"
STAFF = "13800000001"  # the regional manager: two communities, so the overview too
ESTATE_TEMPLATE = "linli_estate"
ESTATE_COPY = "linli_throughput"
GOALS = {"resident": (0.10, 100.0), "staff": (0.03, 300.0)}  # (min ratio, max p99 ms)

# name → staff URL (name, query string): every list page of the staff portal.
STAFF_PAGES = {
    "s-overview": ("staff:home", ""),
    "s-residents": ("staff_residents:residents", ""),
    "s-rooms": ("staff_residents:rooms", ""),
    "s-repairs": ("repairs_staff:queue", ""),
    "s-bills": ("billing_staff:bills", ""),
    "s-arrears": ("billing_staff:bills", "?status=overdue"),
    "s-payments": ("billing_staff:payments", ""),
    "s-complaints": ("complaints_staff:queue", ""),
    "s-suggestions": ("complaints_staff:suggestion_queue", ""),
    "s-notices": ("notices_staff:list", ""),
    "s-inbox": ("notices_staff:inbox", ""),
    "s-bookings": ("services_staff:booking_list", ""),
    "s-activities": ("services_staff:activity_list", ""),
    "s-parcels": ("services_staff:parcel_list", ""),
}


@dataclass
class Page:
    name: str
    portal: str  # "resident" or "staff"
    path: str
    queries: int = 0  # made by its view
    bytes: int = 0
    cpu_ms: float = 0.0
    kept_queries: int = 0  # answered from the page cache (kit.pagecache)
    kept_cpu_ms: float = 0.0
    runs: list[dict] = field(default_factory=list)
    baseline: list[dict] = field(default_factory=list)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default="", help="comma-separated names (default: all)")
    parser.add_argument("--seconds", type=int, default=3, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="baseline/page runs per page")
    parser.add_argument("--warm-up", type=int, default=2, help="seconds of wrk per page first")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=5, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8765")),
                        help="the product's port; the baseline's is the next one")  # fmt: skip
    parser.add_argument(
        "--no-wrk",
        action="store_true",
        help="only the queries, bytes and CPU time of each page (a busy machine)",
    )
    parser.add_argument(
        "--var-dir",
        default=os.environ.get("LINLI_VAR_DIR", str(ROOT / "var" / "bench-throughput")),
    )
    args = parser.parse_args()
    shutil.which("wrk") or sys.exit("wrk is missing: apt-get install wrk")

    var_dir = Path(args.var_dir).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    environment = production_environment(var_dir, args.port)
    environment["DJANGO_ALLOWED_HOSTS"] = "localhost,127.0.0.1,testserver"
    environment["DJANGO_SECRET_KEY"] = "bench-throughput-only"  # noqa: S105 - local
    environment["DATABASE_URL"] = os.environ.get("DATABASE_URL") or estate_copy()
    environment["REDIS_URL"] = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    os.environ.update(environment)
    product = f"http://127.0.0.1:{args.port}"
    baseline = f"http://127.0.0.1:{args.port + 1}"
    for base in (product, baseline):
        if answers(base + "/"):
            sys.exit(f"{base} is taken by another server: choose another --port")

    pages, cookies = prepare(args.pages)
    if args.no_wrk:
        print_in_process(pages)
        return
    # A SIGTERM ends the run through the `finally` below: the servers stop with it.
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit("terminated"))
    servers = {
        "product": start_server("config.wsgi:application", args.port, args.workers, var_dir),
        "baseline": start_server("bench.baseline.wsgi:application", args.port + 1, args.workers,
                                 var_dir, {"DJANGO_SETTINGS_MODULE": "bench.baseline.settings"}),
    }  # fmt: skip
    try:
        wait_for(product + "/healthz", seconds=90)
        wait_for(baseline + "/", seconds=90)
        for page in pages:
            cookies[page.portal] = check_served(product, page, cookies[page.portal])
        # Every worker imports, compiles templates and fills caches on its first requests.
        for page in pages:
            wrk(product + page.path, cookies[page.portal], args.warm_up, args.connections)
        wrk(baseline + "/", "", args.warm_up, args.connections)
        for page in pages:
            measure(page, product, baseline, cookies[page.portal], args)
            log(f"{page.name}: {summary(page)}")
        memory = {name: worker_rss(server.pid) for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.terminate()
        for server in servers.values():
            server.wait(timeout=30)
    failures = report(pages, memory, args)
    sys.exit(1 if failures else 0)


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def estate_copy() -> str:
    """The URL of linli_throughput, a copy of the estate made the first time."""
    url = f"postgres://postgres@127.0.0.1:5432/{ESTATE_COPY}"
    psql = [shutil.which("psql") or "psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc"]
    exists = subprocess.run(  # noqa: S603 - fixed arguments
        [*psql, "SELECT 1 FROM pg_database WHERE datname = 'linli_throughput'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if exists:
        return url
    for _attempt in range(30):
        made = subprocess.run(  # noqa: S603 - fixed arguments
            [shutil.which("createdb") or "createdb", "-h", "127.0.0.1", "-U", "postgres", "-T", ESTATE_TEMPLATE, ESTATE_COPY],
            capture_output=True, text=True,
        )  # fmt: skip
        if made.returncode == 0:
            log(f"copied {ESTATE_TEMPLATE} to {ESTATE_COPY}")
            return url
        if "being accessed by other users" not in made.stderr:
            sys.exit(f"createdb failed: {made.stderr.strip()} (seed it with bench/estate.py)")
        time.sleep(2)
    sys.exit(f"{ESTATE_TEMPLATE} stayed in use: set DATABASE_URL to a copy of it")


def prepare(selected: str) -> tuple[list[Page], dict[str, str]]:
    """Migrate and collect the static files; the pages and a session cookie per portal, each
    page's queries, bytes and CPU time measured once in this process."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import reverse

    from accounts.models import User

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("compilemessages", ignore_patterns=[".venv", "node_modules"], verbosity=0,
                     stdout=quiet)  # fmt: skip
    log(f"migrated and collected in {time.monotonic() - started:.0f} s")

    resident = User.objects.get(mobile=RESIDENT)
    staff = User.objects.get(mobile=STAFF)
    pages = [Page(name, "resident", path) for name, path in resident_paths(resident).items()]
    pages += [
        Page(name, "staff", reverse(url_name) + query)
        for name, (url_name, query) in STAFF_PAGES.items()
    ]
    if selected:
        wanted = [name.strip() for name in selected.split(",") if name.strip()]
        unknown = sorted(set(wanted) - {page.name for page in pages})
        if unknown:
            sys.exit(f"unknown pages {', '.join(unknown)}; known: "
                     + ",".join(page.name for page in pages))  # fmt: skip
        pages = [page for page in pages if page.name in wanted]
    clients = {"resident": logged_in(resident), "staff": logged_in(staff, second_factor=True)}
    for page in pages:
        measure_in_process(page, clients[page.portal])
    from django.conf import settings

    cookies = {
        portal: f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        for portal, client in clients.items()
    }
    return pages, cookies


def logged_in(user, second_factor: bool = False):
    """A client with a session of `user`; with `second_factor`, the session has passed one, as
    after the authenticator code of a real login (the manager's portal asks for it)."""
    from types import SimpleNamespace

    from django.test import Client

    from accounts.allauth_bridge import record_authentication

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    if second_factor:
        request = SimpleNamespace(session=client.session)
        record_authentication(request, user, "mfa", type="totp")
        request.session.save()
    return client


def measure_in_process(page: Page, client) -> None:
    """Queries and CPU time of the page made by its view (the page cache off) and answered from
    the page cache: the median of five requests each."""
    from django.test import override_settings

    response = client.get(page.path)  # warms what the first request fills
    if response.status_code != 200:
        sys.exit(f"{page.name}: {page.path} answered {response.status_code}")
    with override_settings(LINLI_PAGE_CACHE_SECONDS=0):
        page.queries, page.cpu_ms, response = five_requests(client, page.path)
    page.bytes = len(response.content)
    client.get(page.path)  # kept, if the page cache is on
    page.kept_queries, page.kept_cpu_ms, _response = five_requests(client, page.path)


def five_requests(client, path: str):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as queries:
            began = time.process_time()
            response = client.get(path)
            timings.append((time.process_time() - began) * 1000)
    return len(queries.captured_queries), statistics.median(timings), response


def start_server(app: str, port: int, workers: int, var_dir: Path, extra=None):
    gunicorn = Path(sys.executable).parent / "gunicorn"
    output = open(var_dir / f"gunicorn-{port}.log", "a")  # noqa: SIM115 - as long as the server
    return subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [str(gunicorn), app, "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--worker-class", "sync", "--no-control-socket", "--access-logfile", "/dev/null",
         # A worker booting slowly on a busy machine is not killed after 30 s.
         "--timeout", "120"],
        cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, env={**os.environ, **(extra or {})},
    )  # fmt: skip


def check_served(base: str, page: Page, cookie: str) -> str:
    """The page answers 200 over HTTP with the cookie wrk sends (not a redirect to the login).
    Returns the cookies a browser would send next: with the CSRF cookie the first page sets."""
    from django.conf import settings

    request = urllib.request.Request(base + page.path, headers={"Cookie": cookie})  # noqa: S310
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            status = response.status
            set_cookies = response.headers.get_all("Set-Cookie") or []
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        sys.exit(f"{page.name}: {base}{page.path} answered {status} over HTTP")
    for set_cookie in set_cookies:
        name, _, value = set_cookie.split(";", 1)[0].partition("=")
        if name == settings.CSRF_COOKIE_NAME and f"{name}=" not in cookie:
            cookie = f"{cookie}; {name}={value}"
    return cookie


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def measure(page: Page, product: str, baseline: str, cookie: str, args) -> None:
    for _round in range(args.rounds):
        page.baseline.append(wrk(baseline + "/", "", args.seconds, args.connections))
        page.runs.append(wrk(product + page.path, cookie, args.seconds, args.connections))


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def wrk(url: str, cookie: str, seconds: int, connections: int) -> dict:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency",
               "--timeout", "10s", url]  # fmt: skip
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    latency = {
        int(percent): float(value) * UNITS[unit]
        for percent, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$",
                                               output, re.MULTILINE)
    }  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": rps,
        "p50": latency.get(50, 0.0),
        "p99": latency.get(99, 0.0),
        "errors": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def figures(page: Page) -> dict:
    rps = statistics.mean(run["rps"] for run in page.runs)
    base = statistics.mean(run["rps"] for run in page.baseline)
    return {
        "rps": rps,
        "base": base,
        "ratio": rps / base if base else 0.0,
        "p50": statistics.median(run["p50"] for run in page.runs),
        "p99": statistics.median(run["p99"] for run in page.runs),
        "errors": sum(run["errors"] for run in page.runs),
    }


def summary(page: Page) -> str:
    f = figures(page)
    return (f"{f['rps']:.0f} rps ({f['ratio']:.3f} of {f['base']:.0f}), p50 {f['p50']:.0f} ms, "
            f"p99 {f['p99']:.0f} ms")  # fmt: skip


def misses(page: Page) -> list[str]:
    min_ratio, max_p99 = GOALS[page.portal]
    f = figures(page)
    found = []
    if f["ratio"] < min_ratio:
        found.append(f"{page.name}: ratio {f['ratio']:.3f} < {min_ratio}")
    if f["p99"] > max_p99:
        found.append(f"{page.name}: p99 {f['p99']:.0f} ms > {max_p99:.0f} ms")
    if f["errors"]:
        found.append(f"{page.name}: {f['errors']} answers other than 2xx/3xx")
    return found


def worker_rss(master: int) -> list[float]:
    """MiB of resident memory of each worker of a gunicorn master."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) != master:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        rss = re.search(r"VmRSS:\s+(\d+) kB", status)
        if rss:
            found.append(int(rss.group(1)) / 1024)
    return sorted(found)


def print_in_process(pages: list[Page]) -> None:
    print("load average " + " ".join(f"{load:.2f}" for load in os.getloadavg())
          + f" on {os.cpu_count()} cores (figures of this process, not of the load)")  # fmt: skip
    print(f"{'page':<14}{'queries':>8}{'KiB':>7}{'cpu ms':>8}{'kept q':>7}{'kept ms':>8}  path")
    for page in pages:
        print(f"{page.name:<14}{page.queries:>8}{page.bytes / 1024:>7.1f}{page.cpu_ms:>8.1f}"
              f"{page.kept_queries:>7}{page.kept_cpu_ms:>8.1f}  {page.path}")  # fmt: skip


def report(pages: list[Page], memory: dict[str, list[float]], args) -> list[str]:
    print(f"{args.workers} gunicorn sync workers, wrk {args.connections} connections, "
          f"{args.rounds}×{args.seconds} s per page; load average "
          + " ".join(f"{load:.2f}" for load in os.getloadavg())
          + f" on {os.cpu_count()} cores")  # fmt: skip
    print(f"{'page':<14}{'rps':>7}{'base':>7}{'ratio':>7}{'p50 ms':>8}{'p99 ms':>8}"
          f"{'queries':>8}{'KiB':>7}{'cpu ms':>8}{'kept q':>7}{'kept ms':>8}  goal")  # fmt: skip
    failures = []
    for page in pages:
        f = figures(page)
        min_ratio, max_p99 = GOALS[page.portal]
        missed = misses(page)
        failures += missed
        print(f"{page.name:<14}{f['rps']:>7.0f}{f['base']:>7.0f}{f['ratio']:>7.3f}"
              f"{f['p50']:>8.1f}{f['p99']:>8.1f}{page.queries:>8}{page.bytes / 1024:>7.1f}"
              f"{page.cpu_ms:>8.1f}{page.kept_queries:>7}{page.kept_cpu_ms:>8.1f}"
              f"  ≥{min_ratio:.2f}, <{max_p99:.0f} ms"
              + ("  MISSED" if missed else ""))  # fmt: skip
    for name, sizes in memory.items():
        if sizes:
            print(f"RSS per worker, {name}: " + ", ".join(f"{size:.0f}" for size in sizes) + " MiB")
    print("\nMISSED:\n  " + "\n  ".join(failures) if failures else "\nAll goals met.")
    return failures


if __name__ == "__main__":
    main()

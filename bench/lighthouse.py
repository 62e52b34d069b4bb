"""Lighthouse (mobile) on the residents' main pages as served in production, with the bytes of a
first and of a repeat visit (issue 20).

    .venv/bin/python bench/lighthouse.py [--pages home,bills,...] [--keep-server] [--json]

Serves the product as production does: gunicorn with config.settings.production (every variable
it demands set to a local value, HTTPS redirect off), in a var dir of its own (--var-dir, default
var/bench-lighthouse/, or LINLI_VAR_DIR): migrated, seeded with `manage.py seed_demo` and
collectstatic'ed there. It logs in as the demo resident 张伟 (13900000001) through the login page
at http://localhost (the only host on plain http where Chromium keeps the Secure session cookie)
and passes his session cookie to Lighthouse (--extra-headers).

Lighthouse is the npm package pinned in bench/package.json (12.8.x: the last one that runs on
Node 20), installed with `npm ci --prefix bench` on first use, run with Debian's Chromium
(/usr/bin/chromium, headless) and its defaults: the mobile form factor, simulated throttling.
The repeat visit is measured with Playwright: the page is loaded, then loaded again in the same
browser context (HTTP cache kept), and the second load's bytes are the sum of CDP
Network.loadingFinished encodedDataLength, the HTML included.

Prints a table: page, the four categories' scores, KiB on the first visit (Lighthouse's
total-byte-weight) and on a repeat visit, then each page's failed audits (accessibility, best
practices, SEO). Exits with status 1 when a score is below MIN_SCORE, a first visit is over
MAX_FIRST_KIB or a repeat visit over MAX_REPEAT_KIB. The Lighthouse reports stay in
<var dir>/reports/<page>.json. --json prints the results as JSON instead of the table."""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
LIGHTHOUSE = BENCH / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = Path("/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox"
RESIDENT, PASSWORD = "13900000001", "linli2026"
HOST = "localhost"

MIN_SCORE = 98
MAX_FIRST_KIB = 150
MAX_REPEAT_KIB = 30
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
SHORT = {"performance": "perf", "accessibility": "a11y", "best-practices": "bp", "seo": "seo"}
# name → what the page is (the order of the table)
PAGES = {
    "home": "首页",
    "notices": "公告",
    "notice": "一条公告",
    "repairs": "报修",
    "order": "一张报修单",
    "bills": "缴费",
    "bill": "一张账单",
    "history": "缴费记录",
    "trend": "费用趋势",
    "messages": "消息",
    "me": "我的",
    "services": "便民服务",
    "activities": "社区活动",
}


def resident_paths(user) -> dict[str, str]:
    """The address of each of PAGES for this resident; the objects (a notice, an order, a bill)
    are the first ones of his own lists, as he would open them."""
    from django.urls import reverse

    from billing.selectors import bills_for_user, unpaid_bills_for_user
    from notices.selectors import notices_for_user
    from repairs.selectors import orders_for_user

    notice = notices_for_user(user).first()
    order = orders_for_user(user).first()
    bill = unpaid_bills_for_user(user).first() or bills_for_user(user).first()
    missing = [
        name for name, found in (("notice", notice), ("order", order), ("bill", bill)) if not found
    ]
    if missing:
        raise LookupError(f"{user} has no {', '.join(missing)}: seed the demo data first")
    return {
        "home": reverse("accounts:home"),
        "notices": reverse("notices:board"),
        "notice": reverse("notices:detail", args=[notice.pk]),
        "repairs": reverse("repairs:list"),
        "order": reverse("repairs:detail", args=[order.pk]),
        "bills": reverse("billing:bills"),
        "bill": reverse("billing:bill", args=[bill.pk]),
        "history": reverse("billing:history"),
        "trend": reverse("billing:trend"),
        "messages": reverse("notices:inbox"),
        "me": reverse("accounts:me"),
        "services": reverse("services:provider_list"),
        "activities": reverse("services:activity_list"),
    }


def production_environment(var_dir: Path, port: int) -> dict[str, str]:
    """What config.settings.production demands, set to local values."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "LINLI_VAR_DIR": str(var_dir),
        "DJANGO_STATIC_ROOT": str(var_dir / "static"),
        "DJANGO_SECRET_KEY": "bench-lighthouse-only",
        "DJANGO_ALLOWED_HOSTS": f"{HOST},127.0.0.1",
        "LINLI_SITE_URL": f"http://{HOST}:{port}",
        "SMS_BACKEND": "accounts.sms.backends.console.SmsBackend",
        "NOTIFY_WEBPUSH_BACKEND": "notices.channels.ConsoleBackend",
        "NOTIFY_WECHAT_BACKEND": "notices.channels.ConsoleBackend",
        "LINLI_BACKUP_KEY": "bench-lighthouse-only",
        "LINLI_TRUSTED_PROXY_COUNT": "0",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "PAYMENT_SANDBOX": "false",
        "LINLI_OAUTH_SANDBOX": "false",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--pages", default=",".join(PAGES), help="comma-separated: " + ",".join(PAGES)
    )
    parser.add_argument("--keep-server", action="store_true", help="leave gunicorn running")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8765")))
    parser.add_argument(
        "--var-dir",
        default=os.environ.get("LINLI_VAR_DIR", str(ROOT / "var" / "bench-lighthouse")),
    )
    args = parser.parse_args()
    pages = [name.strip() for name in args.pages.split(",") if name.strip()]
    unknown = sorted(set(pages) - set(PAGES))
    if unknown:
        parser.error(f"unknown pages {', '.join(unknown)}; known: {', '.join(PAGES)}")
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install chromium")
    ensure_lighthouse()

    var_dir = Path(args.var_dir).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    environment = production_environment(var_dir, args.port)
    os.environ.update(environment)
    sys.path.insert(0, str(ROOT))
    base = f"http://{HOST}:{args.port}"
    if answers(base + "/healthz"):
        sys.exit(f"port {args.port} is taken by another server: choose another with --port")
    paths = prepare(pages)
    server = start_server(var_dir, args.port)
    try:
        wait_for(base + "/healthz")
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped (see {var_dir}/gunicorn.log)")
        cookie = log_in(base)
        results = []
        for name in pages:
            log(f"{name}: {paths[name]}")
            result = {"page": name, "path": paths[name]}
            result.update(run_lighthouse(base + paths[name], cookie, var_dir / "reports" / name))
            result["repeat_bytes"] = repeat_visit_bytes(base + paths[name], cookie)
            results.append(result)
    finally:
        if args.keep_server:
            log(f"gunicorn (pid {server.pid}) keeps serving {base}/ (log: {var_dir}/gunicorn.log)")
        else:
            server.terminate()
            server.wait(timeout=30)
    failures = judge(results)
    load = os.getloadavg()[0]
    if args.json:
        print(json.dumps({"results": results, "failures": failures, "load_average": load},
                         ensure_ascii=False, indent=2))  # fmt: skip
    else:
        print_table(results, var_dir / "reports")
        if load > (os.cpu_count() or 1):
            print(f"\nload average {load:.1f} on {os.cpu_count()} cores: Lighthouse's simulated "
                  "timings follow the machine's, the performance scores are low on a busy one.")  # fmt: skip
        print("\nFAILED:\n  " + "\n  ".join(failures) if failures else "\nAll limits met.")
    sys.exit(1 if failures else 0)


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def ensure_lighthouse() -> None:
    if LIGHTHOUSE.exists():
        return
    log("installing Lighthouse: npm ci --prefix bench")
    npm = shutil.which("npm") or sys.exit("npm is missing (Node.js 20)")
    subprocess.run(  # noqa: S603 - fixed arguments
        [npm, "ci", "--prefix", str(BENCH), "--no-audit", "--no-fund", "--loglevel=error"],
        check=True,
    )


def prepare(pages: list[str]) -> dict[str, str]:
    """Migrate, seed, collect the static files and compile the messages in the var dir; the
    addresses of the pages."""
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import User

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", stdout=quiet)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("compilemessages", ignore_patterns=[".venv", "node_modules"], verbosity=0)
    log(f"migrated, seeded and collected in {time.monotonic() - started:.0f} s")
    return resident_paths(User.objects.get(mobile=RESIDENT))


def start_server(var_dir: Path, port: int) -> subprocess.Popen:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    output = open(var_dir / "gunicorn.log", "a")  # noqa: SIM115 - open as long as the server
    return subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [str(gunicorn), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--no-control-socket", "--access-logfile", "-"],
        cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
    )  # fmt: skip


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - our own address
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - our own server
                return
        except OSError as error:  # URLError, refused, timed out
            if time.monotonic() > deadline:
                sys.exit(f"the server did not answer {url}: {error}")
            time.sleep(0.5)


def _launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])


def log_in(base: str) -> dict:
    """The demo resident's session cookie, from the login page's password form."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = _launch(playwright)
        context = browser.new_context()
        page = context.new_page()
        page.goto(base + "/accounts/login/")
        page.fill("input[name=login]", RESIDENT)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("form[method=post] button[type=submit]")
        cookies = {c["name"]: c for c in context.cookies()}
        browser.close()
    from django.conf import settings

    cookie = cookies.get(settings.SESSION_COOKIE_NAME)
    if cookie is None:
        sys.exit(f"logging in as {RESIDENT} failed (still on {page.url})")
    return cookie


def run_lighthouse(url: str, cookie: dict, report: Path, attempts: int = 3) -> dict:
    """Lighthouse once, again when it fails to record the page load (its NO_NAVSTART and
    similar runtime errors come and go on a busy machine)."""
    for _attempt in range(attempts):
        result = _run_lighthouse_once(url, cookie, report)
        if "error" not in result:
            break
        log(f"{url}: {result['error']}")
    return result


def _run_lighthouse_once(url: str, cookie: dict, report: Path) -> dict:
    report.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as profile:
        completed = subprocess.run(  # noqa: S603 - our own addresses
            [str(LIGHTHOUSE), url, "--output=json", f"--output-path={report}.json", "--quiet",
             f"--chrome-flags={CHROME_FLAGS} --user-data-dir={profile}",
             "--only-categories=" + ",".join(CATEGORIES),
             "--extra-headers=" + json.dumps({"Cookie": f"{cookie['name']}={cookie['value']}"})],
            env={**os.environ, "CHROME_PATH": str(CHROMIUM)}, capture_output=True, text=True,
        )  # fmt: skip
    if completed.returncode != 0:
        log(completed.stderr[-2000:])
        return {"error": f"lighthouse exited with {completed.returncode}"}
    data = json.loads(Path(f"{report}.json").read_text())
    if data.get("runtimeError"):
        return {"error": data["runtimeError"].get("message", "runtime error")}
    if data.get("finalDisplayedUrl", url) != url:
        return {"error": f"ended on {data['finalDisplayedUrl']}, not {url}"}
    scores = {c: round((data["categories"][c]["score"] or 0) * 100) for c in CATEGORIES}
    failed = []
    for category in CATEGORIES[1:]:
        for ref in data["categories"][category]["auditRefs"]:
            audit = data["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                failed.append(f"{category}: {ref['id']} ({audit['title']})")
    return {
        "scores": scores,
        "first_bytes": int(data["audits"]["total-byte-weight"]["numericValue"]),
        "failed_audits": failed,
    }


def repeat_visit_bytes(url: str, cookie: dict) -> int:
    """The bytes of the second load of the page in one browser context (its HTTP cache kept)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = _launch(playwright)
        context = browser.new_context(viewport={"width": 412, "height": 823})
        context.add_cookies([cookie])
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        received = []
        cdp.on("Network.loadingFinished", lambda event: received.append(event["encodedDataLength"]))
        page.goto(url, wait_until="networkidle")
        received.clear()
        page.goto(url, wait_until="networkidle")
        total = int(sum(received))
        browser.close()
    return total


def judge(results: list[dict]) -> list[str]:
    failures = []
    for result in results:
        name = result["page"]
        if "error" in result:
            failures.append(f"{name}: {result['error']}")
            continue
        for category, score in result["scores"].items():
            if score < MIN_SCORE:
                failures.append(f"{name}: {category} {score} < {MIN_SCORE}")
        if result["first_bytes"] > MAX_FIRST_KIB * 1024:
            failures.append(
                f"{name}: first visit {_kib(result['first_bytes'])} > {MAX_FIRST_KIB} KiB"
            )
        if result["repeat_bytes"] > MAX_REPEAT_KIB * 1024:
            failures.append(
                f"{name}: repeat visit {_kib(result['repeat_bytes'])} > {MAX_REPEAT_KIB} KiB"
            )
    return failures


def _kib(size: int) -> str:
    return f"{size / 1024:.1f} KiB"


def print_table(results: list[dict], reports: Path) -> None:
    head = f"{'page':<11}" + "".join(f"{SHORT[c]:>6}" for c in CATEGORIES)
    print(f"{head}{'first KiB':>11}{'repeat KiB':>12}  path")
    for result in results:
        if "error" in result:
            print(f"{result['page']:<11}  {result['error']}")
            continue
        scores = "".join(f"{result['scores'][c]:>6}" for c in CATEGORIES)
        print(f"{result['page']:<11}{scores}{result['first_bytes'] / 1024:>11.1f}"
              f"{result['repeat_bytes'] / 1024:>12.1f}  {result['path']}")  # fmt: skip
    failed = [r for r in results if r.get("failed_audits")]
    if failed:
        print(f"\nfailed audits (reports in {reports}/):")
        for result in failed:
            print(f"  {result['page']}:")
            for audit in result["failed_audits"]:
                print(f"    {audit}")


if __name__ == "__main__":
    shutil.which("node") or sys.exit("node is missing (Node.js 20)")
    main()

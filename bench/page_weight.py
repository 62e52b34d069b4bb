"""Bytes a phone downloads for the main resident pages, on a first and on a repeat visit.

    .venv/bin/python bench/page_weight.py [--base http://127.0.0.1:8000] [--phone 13900000001]

Runs against a server that is already up (`make run`, which serves the collected, compressed
and hashed static files as production does). It logs in as the demo resident through the
password form, then opens each page in a fresh browser context (empty cache: first visit) and
opens it again in the same context (repeat visit), as WeChat's Chromium on an Android phone
(375x812), and sums what the network delivered (Chrome DevTools Protocol,
Network.loadingFinished encodedDataLength: compressed bodies and headers; files served from the
browser's cache count 0). It prints a table in KB and exits with status 1 when a page weighs
more than --first-limit KB on a first visit or --repeat-limit KB on a repeat visit.
"""

import argparse
import re
import sys

from playwright.sync_api import sync_playwright

WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; M2012K11AC Build/TKQ1.220829.002; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 "
    "MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin "
    "NetType/WIFI Language/zh_CN ABI/arm64"
)
# (label, path, or a list page and the pattern of its first detail link)
PAGES = [
    ("home", "/", None),
    ("notices", "/notices/", None),
    ("a notice", "/notices/", r'href="(/notices/\d+/)"'),
    ("repairs", "/repairs/", None),
    ("an order", "/repairs/", r'href="(/repairs/\d+/)"'),
    ("bills", "/bills/", None),
    ("a bill", "/bills/", r'href="(/bills/\d+/)"'),
    ("history", "/bills/history/", None),
    ("trend", "/bills/trend/", None),
    ("messages", "/messages/", None),
    ("me", "/me/", None),
    ("services", "/services/", None),
    ("activities", "/activities/", None),
]


def visit(context, url):
    """Opens url in a new tab of context; returns (bytes, requests, stylesheets) delivered."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    sizes = {}
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)
    sheets = page.eval_on_selector_all("link[rel=stylesheet]", "els => els.length")
    page.close()
    return sum(sizes.values()), sum(1 for size in sizes.values() if size), sheets


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--phone", default="13900000001")
    parser.add_argument("--password", default="linli2026")
    parser.add_argument("--first-limit", type=float, default=150)
    parser.add_argument("--repeat-limit", type=float, default=30)
    args = parser.parse_args()
    failed = False
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        options = {
            "viewport": {"width": 375, "height": 812},
            "device_scale_factor": 2,
            "is_mobile": True,
            "user_agent": WECHAT_UA,
        }
        login = browser.new_context(**options)
        page = login.new_page()
        page.goto(args.base + "/accounts/login/")
        page.fill("#id_login", args.phone)
        page.fill("#id_password", args.password)
        page.locator("form[action='/accounts/login/'] [type=submit]").first.click()
        page.wait_for_load_state("load")
        state = login.storage_state()
        print(f"{'page':<12} {'first KB':>9} {'req':>4} {'repeat KB':>10} {'req':>4} {'css':>4}")
        for label, path, link in PAGES:
            if link:
                page.goto(args.base + path)
                found = re.search(link, page.content())
                if not found:
                    print(f"{label:<12} (no link on {path})")
                    continue
                path = found.group(1)
            context = browser.new_context(storage_state=state, **options)
            first, first_requests, sheets = visit(context, args.base + path)
            repeat, repeat_requests, _ = visit(context, args.base + path)
            context.close()
            over = first / 1024 > args.first_limit or repeat / 1024 > args.repeat_limit
            failed |= over
            print(
                f"{label:<12} {first / 1024:9.1f} {first_requests:4} {repeat / 1024:10.1f} "
                f"{repeat_requests:4} {sheets:4}{'  over' if over else ''}"
            )
        browser.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

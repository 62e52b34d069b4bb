"""Headless Chromium (Debian's, driven by Playwright) for every test in this folder: one
browser per run, pages at phone or desktop size, optionally already logged in."""

import os
import shutil

import pytest
from django.conf import settings
from django.test import Client

from .support import CHROMIUM

# Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures
# around it are plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SIZES = {"phone": {"width": 375, "height": 812}, "desk": {"width": 1440, "height": 900}}


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    missing = not CHROMIUM.exists() or shutil.which("chromium") is None
    skip = pytest.mark.skip(
        reason="Debian's Chromium is not installed (/usr/bin/chromium) and make test could not "
        "install it (not root): sudo apt-get install chromium"
    )
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.browser)
            if missing:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, live_server):
    """`open_page(size="phone", user=None, user_agent=None, csp=False)`: a new browser context
    at that size; with a user, already logged in through a session cookie (so the test does not
    depend on the login form); with a user agent, as that browser (WeChat's, say). The pages'
    Content-Security-Policy is bypassed unless csp=True: Playwright's wait_for_function
    evaluates its predicate with eval, which the policy forbids (tests/browser/
    test_csp_pages.py holds the pages to it). Contexts close at the end of the test."""
    contexts = []

    def open_(size="phone", user=None, user_agent=None, csp=False):
        options = {"user_agent": user_agent} if user_agent else {}
        context = browser.new_context(
            viewport=SIZES[size], locale="zh-CN", bypass_csp=not csp, **options
        )
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
            )
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def phone_page(open_page):
    return open_page("phone")

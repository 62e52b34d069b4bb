"""Headless Chromium (Debian's, driven by Playwright) logs into each portal and saves
screenshots under var/screenshots/ for a person to look at."""

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - playwright is a dev dependency
    expect = None

from accounts.demo import DEMO_TOTP_SECRET, demo_totp_code
from kit.audit import log_action
from tests.factories import PASSWORD, ResidencyFactory, StaffMemberFactory, UserFactory

from . import support


def log_in(page, base, mobile, next_url="/"):
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("input[name=login]", mobile)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if "/accounts/2fa/authenticate/" in page.url:
        # Operators and managers: the authenticator app's code (the demo secret, as seeded).
        support.shot(page, "second-factor")
        page.fill("input[name=code]", demo_totp_code()[0])
        with page.expect_navigation():
            page.click("form[action$='/authenticate/'] button[type=submit]")


@pytest.fixture
def estate(transactional_db, room, positions):
    owner = ResidencyFactory(room=room, user__display_name="张伟", user__mobile="13900000001")
    ResidencyFactory(
        room=room, relation="family", user__display_name="李娜", user__mobile="13900000002"
    )
    ResidencyFactory(
        room=room,
        status="pending",
        verified_at=None,
        relation="tenant",
        user__display_name="赵租户",
    )
    community = room.building.community
    staff = StaffMemberFactory(
        communities=[community],
        position_name="经理",
        user__display_name="陈经理",
        user__mobile="13800001001",
    )
    operator = UserFactory(
        mobile="13800000000", display_name="平台运营", is_staff=True, is_superuser=True
    )
    from accounts.allauth_bridge import activate_totp

    for user in (staff.user, operator):
        activate_totp(user, DEMO_TOTP_SECRET)
    log_action(actor=staff.user, action="residency.verified", target=owner, community=community)
    return {"owner": owner.user, "staff": staff.user, "operator": operator}


def test_resident_portal_at_phone_size(open_page, live_server, estate):
    page = open_page("phone")
    page.goto(f"{live_server.url}/accounts/login/")
    support.shot(page, "resident-login")
    log_in(page, live_server.url, "13900000001")
    assert page.locator(".tab-bar").is_visible()
    assert page.get_by_text("3栋1201").is_visible()
    assert page.get_by_text("李娜").is_visible()
    # Nothing sticks out sideways on a 375 px phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    support.shot(page, "resident-home")
    with page.expect_navigation():
        page.click(".tab-bar >> text=我的")
    expect(page.get_by_text("我的房屋")).to_be_visible()
    support.shot(page, "resident-me")


def test_staff_portal_at_desktop_size(open_page, live_server, estate):
    page = open_page("desk")
    log_in(page, live_server.url, "13800001001", "/staff/")
    assert page.locator(".sidebar").get_by_text("住户管理").is_visible()
    # The work home page (issue 19): the day's figures, not the estate's statistics.
    assert page.get_by_text("今日工作").is_visible()
    support.shot(page, "staff-home")
    with page.expect_navigation():
        page.click(".sidebar >> text=住户管理")
    expect(page.get_by_text("赵租户")).to_be_visible()
    support.shot(page, "staff-residents")
    # htmx: filtering swaps only the table and keeps the typed search.
    page.fill("input[name=q]", "赵")
    page.wait_for_function("!document.body.innerText.includes('张伟')", timeout=5000)
    assert page.input_value("input[name=q]") == "赵"
    with page.expect_navigation():
        page.get_by_role("button", name="通过").click()
    expect(page.get_by_text("已认证赵租户")).to_be_visible()
    support.shot(page, "staff-verified")
    with page.expect_navigation():
        page.click(".sidebar >> text=房屋")
    with page.expect_navigation():
        page.click("text=3栋1201")
    expect(page.get_by_text("历任住户")).to_be_visible()  # the household's file (issue 19)
    support.shot(page, "staff-room")


def test_platform_admin(open_page, live_server, estate):
    page = open_page("desk")
    # The admin's login page is the site's (with its limits and the second factor).
    log_in(page, live_server.url, "13800000000", "/admin/")
    assert page.get_by_text("邻里 · 平台管理").first.is_visible()
    support.shot(page, "admin-index")
    page.goto(f"{live_server.url}/admin/kit/auditentry/")
    assert page.get_by_text("房屋绑定已认证").first.is_visible()
    support.shot(page, "admin-audit")

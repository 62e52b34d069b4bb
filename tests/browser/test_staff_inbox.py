"""The staff inbox in headless Chromium: a manager at a desk (1440×900) finds the alerts the
services sent him (an overdue repair, a low rating, a payment to check) under 消息 in the side
menu and opens one into its staff page; a technician on his phone (375×812) reads his new jobs
from the 消息 tab. Screenshots: var/screenshots/staff-inbox-*.png."""

# The fixtures of tests/repairs and tests/billing are imported, and the test names them as
# arguments (which pyflakes reads as redefinitions).
# ruff: noqa: F811
import re

import pytest
from playwright.sync_api import expect

from notices.models import Message

from ..billing.conftest import last_month, property_rule, published_bill  # noqa: F401
from ..notices.test_alert_links import alerts_for_manager
from ..repairs.conftest import (  # noqa: F401
    dispatcher,
    make_order,
    residency,
    technician_member,
)
from . import support


def shot(page, name):
    support.shot(page, f"staff-inbox-{name}")


@pytest.mark.req("SREP-2", "NOT-2")
def test_manager_and_technician_read_their_alerts(
    open_page, live_server, transactional_db, manager, technician, resident, make_order,
    published_bill,
):  # fmt: skip
    base = live_server.url
    alerts = alerts_for_manager(manager, make_order, resident, published_bill)
    make_order("assigned", description="厨房水槽下水慢，疑似堵塞。")
    assert Message.objects.filter(recipient=manager).count() == 3
    overdue_id = alerts["repair.overdue"][1]

    # The manager: 消息 in the side menu, with the unread count.
    desk = open_page("desk", manager)
    desk.goto(f"{base}/staff/")
    entry = desk.locator(".sidebar a.nav-link", has_text="消息")
    expect(entry.locator(".badge")).to_have_text("3")
    with desk.expect_navigation():
        entry.click()
    expect(desk).to_have_url(re.compile(r"/staff/messages/$"))
    items = desk.locator(".message-item")
    expect(items).to_have_count(3)
    for text in ("已超时", "差评", "需要核查"):
        expect(items.filter(has_text=text)).to_have_count(1)
    expect(desk.locator(".message-item.unread")).to_have_count(3)
    shot(desk, "manager")

    # Opening the overdue alert: the order's staff page, and one unread fewer.
    with desk.expect_navigation():
        items.filter(has_text="已超时").click()
    expect(desk).to_have_url(re.compile(rf"/staff/repairs/{overdue_id}/$"))
    desk.goto(f"{base}/staff/messages/")
    expect(desk.locator(".message-item.unread")).to_have_count(2)
    expect(desk.locator(".sidebar a.nav-link", has_text="消息").locator(".badge")).to_have_text("2")

    # 消息设置: the Web Push switch answers (whatever this browser can do) and the mutes.
    with desk.expect_navigation():
        desk.get_by_role("link", name="消息设置").click()
    status = desk.locator("[data-push-status]")
    expect(status).not_to_have_text("正在检查这台设备…", timeout=10_000)
    expect(desk.get_by_text("推送到此设备")).to_be_visible()
    shot(desk, "manager-settings")

    # Mark all as read: the badge goes.
    desk.goto(f"{base}/staff/messages/")
    with desk.expect_navigation():
        desk.get_by_role("button", name="全部已读").click()
    expect(desk.locator(".message-item.unread")).to_have_count(0)
    expect(desk.locator(".sidebar a.nav-link", has_text="消息").locator(".badge")).to_have_count(0)

    # The technician, on his phone: the 消息 tab with its badge, a list that fits the screen.
    phone = open_page("phone", technician)
    phone.goto(f"{base}/staff/")
    expect(phone).to_have_url(re.compile(r"/staff/jobs/$"))
    tab = phone.locator(".tab-bar a", has_text="消息")
    expect(tab.locator(".tab-badge")).to_contain_text("2")
    with phone.expect_navigation():
        tab.click()
    expect(phone.locator(".message-item")).to_have_count(2)
    expect(phone.locator(".message-item").first).to_contain_text("新维修工单")
    shot(phone, "technician")
    with phone.expect_navigation():
        phone.get_by_role("link", name="消息设置").click()
    expect(phone.locator("[data-push-status]")).not_to_have_text("正在检查这台设备…")
    shot(phone, "technician-settings")
    phone.go_back()
    with phone.expect_navigation():
        phone.locator(".message-item").first.click()
    expect(phone).to_have_url(re.compile(r"/staff/jobs/\d+/$"))

"""Feedback on the resident's phone (issue 20): a result comes as a toast above the tab bar
that screen readers are told about and that goes by itself; the "Get code" button counts down
the wait for the next text, also after the page is loaded again."""

import re

import pytest
from playwright.sync_api import expect


@pytest.mark.req("ACC-1")
def test_a_toast_is_announced_and_the_code_button_counts_down(open_page, live_server, resident):
    page = open_page(size="phone", user=resident)
    page.goto(f"{live_server.url}/me/profile/")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/me/")
    toast = page.locator('[role="status"] [data-toast]')
    expect(toast).to_have_text("个人资料已保存。")
    box, bar = toast.bounding_box(), page.locator(".tab-bar").bounding_box()
    assert box["y"] + box["height"] <= bar["y"], "above the tab bar"
    expect(toast).to_have_count(0, timeout=8000)  # gone by itself

    visitor = open_page(size="phone")
    visitor.goto(f"{live_server.url}/accounts/signup/")
    visitor.fill("input[name=phone]", "13800138200")
    visitor.click("button[value=send_code]")
    button = visitor.locator("button[value=send_code]")
    expect(button).to_have_text(re.compile(r"^\s*\d+秒后重新获取\s*$"))
    expect(button).to_be_disabled()
    visitor.goto(f"{live_server.url}/accounts/signup/")
    expect(button).to_have_text(re.compile(r"^\s*(5\d|60)秒后重新获取\s*$"))
    expect(button).to_be_disabled()

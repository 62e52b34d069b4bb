"""Inside WeChat's webview (issue 20): WeChat shows the page's <title> and its own back button
above the page, so the resident pages leave out their app bar's title row; <title> is the page's
heading (the site name on the home page only); the bar's actions stay, in a row of their own.
Outside WeChat nothing changes."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

WECHAT_ANDROID = (
    "Mozilla/5.0 (Linux; Android 13; M2012K11AC Build/TKQ1.220829.002; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 "
    "MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin "
    "NetType/WIFI Language/zh_CN ABI/arm64"
)
WECHAT_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN"
)
PHONE_BROWSER = (
    "Mozilla/5.0 (Linux; Android 13; M2012K11AC) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/116.0.0.0 Mobile Safari/537.36"
)

# The resident's pages without a parameter, the account pages residents see among them.
RESIDENT_PAGES = [
    "accounts:home",
    "accounts:me",
    "accounts:profile_edit",
    "accounts:security",
    "accounts:rooms",
    "accounts:room_bind",
    "accounts:family",
    "notices:board",
    "notices:inbox",
    "notices:settings",
    "billing:bills",
    "billing:trend",
    "billing:history",
    "billing:pay",
    "repairs:list",
    "repairs:create",
    "complaints:home",
    "complaints:suggestion_board",
    "services:provider_list",
    "services:booking_list",
    "services:activity_list",
    "services:parcel_list",
    "account_change_password",
    "socialaccount_connections",
]


def _title(body: str) -> str:
    return re.search(r"<title>(.*?)</title>", body, re.S).group(1).strip()


def _heading(body: str) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S).group(1).strip()


@pytest.mark.parametrize("name", RESIDENT_PAGES)
def test_inside_wechat_no_title_bar_and_the_title_is_the_heading(client_for, resident, name):
    response = client_for(resident).get(reverse(name), headers={"user-agent": WECHAT_ANDROID})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="app-bar' not in body
    assert "bi-chevron-left" not in body  # WeChat has its own back button
    assert re.search(r'<html[^>]* class="resident in-wechat"', body)
    title = _title(body)
    assert title and "·" not in title
    if name == "accounts:home":
        assert title == settings.LINLI_SITE_NAME
    else:
        assert title != settings.LINLI_SITE_NAME
        # The heading is still there for screen readers, and it is the title.
        assert title == _heading(body)


@pytest.mark.parametrize("name", RESIDENT_PAGES)
def test_outside_wechat_unchanged(client_for, resident, name):
    body = client_for(resident).get(reverse(name), headers={"user-agent": PHONE_BROWSER})
    body = body.content.decode()
    assert "in-wechat" not in body
    assert _title(body).endswith(f" · {settings.LINLI_SITE_NAME}")
    if name != "accounts:home":  # the home page has its own header, no app bar
        assert 'class="app-bar' in body


def test_wechat_page_titles_read_as_the_heading(client_for, resident):
    client = client_for(resident)
    for name, heading in [("notices:inbox", "消息"), ("billing:bills", "缴费")]:
        body = client.get(reverse(name), headers={"user-agent": WECHAT_IOS}).content.decode()
        assert _title(body) == heading, name
    body = client.get(reverse("notices:inbox"), headers={"user-agent": PHONE_BROWSER})
    assert _title(body.content.decode()) == f"消息 · {settings.LINLI_SITE_NAME}"


def test_inside_wechat_the_bar_actions_stay(client_for, resident):
    """消息's gear (notification settings) is in the app bar outside WeChat, in the action row
    inside it."""
    settings_url = reverse("notices:settings")
    client = client_for(resident)
    body = client.get(reverse("notices:inbox"), headers={"user-agent": WECHAT_ANDROID})
    body = body.content.decode()
    row = re.search(r'<div class="wechat-actions[^"]*">(.*?)</div>', body, re.S)
    assert row and f'href="{settings_url}"' in row.group(1) and "bi-gear" in row.group(1)
    body = client.get(reverse("notices:inbox"), headers={"user-agent": PHONE_BROWSER})
    header = re.search(r'<header class="app-bar[^"]*">(.*?)</header>', body.content.decode(), re.S)
    assert f'href="{settings_url}"' in header.group(1)
    # A page without actions has no empty row.
    body = client.get(reverse("billing:bills"), headers={"user-agent": WECHAT_ANDROID})
    assert "wechat-actions" not in body.content.decode()


def test_login_page_title_inside_wechat(client, db):
    body = client.get(reverse("account_login"), headers={"user-agent": WECHAT_ANDROID})
    assert _title(body.content.decode()) == "登录"
    body = client.get(reverse("account_login"), headers={"user-agent": PHONE_BROWSER})
    assert _title(body.content.decode()) == f"登录 · {settings.LINLI_SITE_NAME}"

"""What every site has besides its pages: /favicon.ico, /robots.txt, the icons and the meta
description in each page's head."""

import re

import pytest
from django.urls import reverse

from platform_admin.views import ROBOTS_DISALLOWED


def test_favicon_ico_is_served_and_cached_long(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    max_age = int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1))
    assert max_age >= 7 * 24 * 3600


def test_robots_txt_keeps_crawlers_out_of_private_areas_only(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    disallowed = [line.removeprefix("Disallow: ") for line in lines[1:]]
    assert {"/staff/", "/admin/", "/provider/"} <= set(disallowed)
    assert disallowed == ROBOTS_DISALLOWED
    # Lighthouse's "is-crawlable" fails a page robots.txt disallows: none of the resident pages.
    for page in [
        "/",
        "/bills/",
        "/bills/pay/",
        "/pay/P1/",
        "/notices/",
        "/repairs/",
        "/me/",
        "/accounts/login/",
    ]:
        assert not any(page.startswith(path) for path in disallowed), page


def _head(body: str) -> str:
    return body.split("</head>")[0]


@pytest.mark.req("X-2")
def test_resident_pages_have_icons_and_a_chinese_meta_description(client, resident):
    client.force_login(resident)
    head = _head(client.get(reverse("billing:bills")).content.decode())
    description = re.search(r'<meta name="description" content="([^"]+)">', head).group(1)
    assert re.search(r"[\u4e00-\u9fff]", description)
    assert 'rel="apple-touch-icon"' in head and "apple-touch-icon" in head
    assert re.search(r'<link rel="icon" href="[^"]+\.png" type="image/png"', head)


@pytest.mark.req("X-2")
def test_the_login_page_has_its_own_description(client, db):
    login = _head(client.get(reverse("account_login")).content.decode())
    assert '<meta name="description" content="用手机号或微信登录邻里' in login
    assert 'rel="apple-touch-icon"' in login

"""The operators' pages (platform_admin.site): on the admin's index in a section of their own,
in Chinese, and closed to everybody but operators — property staff and residents included,
whatever object a page names."""

import re

import pytest
from django.urls import reverse

from platform_admin.site import PAGES


def _url(page) -> str:
    kwargs = dict.fromkeys(re.findall(r"<(?:\w+:)?(\w+)>", page.route), 1)
    return reverse(f"admin:{page.name}", kwargs=kwargs)


def test_the_index_lists_the_operator_pages_first_in_chinese(client_for, operator):
    body = client_for(operator).get(reverse("admin:index")).content.decode()
    assert "平台运营" in body
    menu = [page for page in PAGES.values() if page.in_menu]
    assert {page.name for page in menu} == {
        "platform_parameters",
        "platform_backups",
        "platform_usage",
        "platform_business",
        "platform_reports",
        "platform_partners_expiring",
    }
    for page in menu:
        assert reverse(f"admin:{page.name}") in body, page.name
    assert body.index("平台运营") < body.index("/admin/accounts/user/")


def test_every_menu_page_opens_for_an_operator_with_a_chinese_title(client_for, operator):
    client = client_for(operator)
    for page in PAGES.values():
        if not page.in_menu:
            continue
        response = client.get(_url(page))
        assert response.status_code == 200, page.name
        title = response.content.decode().split("<title>")[1].split("</title>")[0]
        assert re.search(r"[\u4e00-\u9fff]", title), (page.name, title)


@pytest.mark.req("X-2")
@pytest.mark.parametrize("who", ["manager", "resident", "outsider_staff"])
def test_no_operator_page_opens_for_property_staff_or_residents(client_for, request, who):
    client = client_for(request.getfixturevalue(who))
    for page in PAGES.values():
        for method in (client.get, client.post):
            response = method(_url(page))
            assert response.status_code in (302, 403), (page.name, response.status_code)
            if response.status_code == 302:
                assert reverse("admin:login") in response["Location"], page.name


def test_anonymous_visitors_are_sent_to_the_login(client):
    for page in PAGES.values():
        response = client.get(_url(page))
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]

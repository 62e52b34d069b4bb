"""长辈模式 (issue 20): a resident's own large-text switch, kept on the account and in a cookie
that the pages before login honour too."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.middleware import LARGE_TEXT_COOKIE

from ..factories import PASSWORD, UserFactory

SWITCH = reverse("accounts:large_text")
HTML_TAG = re.compile(r"<html [^>]*>")


def html_classes(response) -> str:
    return HTML_TAG.search(response.content.decode())[0]


@pytest.mark.req("ACC-4")
def test_the_switch_persists_on_the_account_and_in_a_cookie(client_for, resident):
    client = client_for(resident)
    response = client.post(SWITCH, {"large_text": "1", "next": reverse("notices:settings")})
    assert response.status_code == 302 and response["Location"] == reverse("notices:settings")
    resident.refresh_from_db()
    assert resident.large_text is True
    cookie = response.cookies[LARGE_TEXT_COOKIE]
    assert cookie.value == "1" and cookie["max-age"] and cookie["httponly"]

    response = client.post(SWITCH, {"large_text": "0"})
    assert response["Location"] == reverse("accounts:me")
    resident.refresh_from_db()
    assert resident.large_text is False
    assert response.cookies[LARGE_TEXT_COOKIE]["max-age"] == 0  # deleted


@pytest.mark.req("ACC-4")
def test_the_html_class_follows_the_account(client_for, resident):
    client = client_for(resident)
    for name in ("accounts:me", "notices:settings", "accounts:home"):
        assert "large-text" not in html_classes(client.get(reverse(name)))
    client.post(SWITCH, {"large_text": "1"})
    for name in ("accounts:me", "notices:settings", "accounts:home", "billing:bills"):
        assert 'class="resident large-text"' in html_classes(client.get(reverse(name))), name
    # The account pages that residents see (allauth's, in the resident shell) too.
    assert "large-text" in html_classes(client.get(reverse("account_change_password")))


@pytest.mark.req("ACC-4")
def test_me_and_notification_settings_show_the_switch_in_its_state(client_for, resident):
    client = client_for(resident)
    for name in ("accounts:me", "notices:settings"):
        body = client.get(reverse(name)).content.decode()
        assert f'action="{SWITCH}"' in body
        assert 'role="switch" aria-checked="false"' in body
        assert "长辈模式" in body
    client.post(SWITCH, {"large_text": "1"})
    assert 'aria-checked="true"' in client.get(reverse("accounts:me")).content.decode()


def test_the_login_page_honours_the_cookie_before_login(db, client):
    assert "large-text" not in html_classes(client.get(reverse("account_login")))
    client.cookies[LARGE_TEXT_COOKIE] = "1"
    assert "large-text" in html_classes(client.get(reverse("account_login")))


def test_logging_in_sets_the_cookie_from_the_account(db):
    elder = UserFactory(mobile="13900000088", large_text=True)
    client = Client()
    response = client.post(reverse("account_login"), {"login": elder.mobile, "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[LARGE_TEXT_COOKIE].value == "1"

    # An account without it clears a cookie left by someone else on this phone.
    other = UserFactory(mobile="13900000089")
    client = Client()
    client.cookies[LARGE_TEXT_COOKIE] = "1"
    response = client.post(reverse("account_login"), {"login": other.mobile, "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[LARGE_TEXT_COOKIE]["max-age"] == 0
    # Logging out keeps it: the login page stays large for the person who chose it.
    client = Client()
    client.post(reverse("account_login"), {"login": elder.mobile, "password": PASSWORD})
    response = client.post(reverse("account_logout"))
    assert LARGE_TEXT_COOKIE not in response.cookies
    assert "large-text" in html_classes(client.get(reverse("account_login")))


@pytest.mark.req("ACC-4")
def test_the_switch_is_the_residents_own_post_with_csrf(client, client_for, resident):
    # Not logged in: to the login page, nothing changes.
    response = client.post(SWITCH, {"large_text": "1"})
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    # GET changes nothing.
    assert client_for(resident).get(SWITCH).status_code == 405
    resident.refresh_from_db()
    assert resident.large_text is False
    # A forged cross-site POST (no CSRF token) is refused.
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(resident)
    assert guarded.post(SWITCH, {"large_text": "1"}).status_code == 403
    resident.refresh_from_db()
    assert resident.large_text is False
    # It changes only the signed-in person's own account, and goes back only to this site.
    neighbour = UserFactory(mobile="13900000077")
    response = client_for(resident).post(
        SWITCH, {"large_text": "1", "user": neighbour.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("accounts:me")
    neighbour.refresh_from_db()
    resident.refresh_from_db()
    assert resident.large_text is True and neighbour.large_text is False

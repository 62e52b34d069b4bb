"""The admin's login page is no second way in: it sends everyone to the site's login, where the
password limits (django-axes per number + IP, allauth's "login_failed" per IP and per number) and
the second factor apply (issue 14, finding 4)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/"
SITE_LOGIN = "/accounts/login/"


def guess_at_admin(client, operator, password):
    return client.post(
        ADMIN_LOGIN, {"username": operator.mobile, "password": password, "next": "/admin/"}
    )


def test_32_guesses_from_8_addresses_then_the_right_one_from_a_ninth_is_refused(operator, password):
    for address in range(8):
        guesser = Client(REMOTE_ADDR=f"203.0.113.{address + 10}")
        for guess in range(4):
            guess_at_admin(guesser, operator, f"guess-{address}-{guess}")
    ninth = Client(REMOTE_ADDR="198.51.100.40")
    response = guess_at_admin(ninth, operator, password)
    assert "_auth_user_id" not in ninth.session, "the admin login must not log anyone in"
    assert response.status_code == 302
    assert response["Location"].startswith(SITE_LOGIN)
    assert ninth.get("/admin/").status_code == 302


def test_the_admin_login_page_sends_to_the_site_login_with_next():
    response = Client().get(ADMIN_LOGIN, {"next": "/admin/billing/bill/"})
    assert response.status_code == 302
    assert response["Location"] == f"{SITE_LOGIN}?next=%2Fadmin%2Fbilling%2Fbill%2F"


def test_the_site_login_stops_the_same_distributed_guesser(operator, password):
    """Where the admin login now leads: 32 wrong passwords from 8 addresses use up the number's
    hourly failures, so the right one from a ninth address is refused too."""
    for address in range(8):
        guesser = Client(REMOTE_ADDR=f"203.0.113.{address + 30}")
        for guess in range(4):
            guesser.post(SITE_LOGIN, {"login": operator.mobile, "password": f"guess-{guess}"})
    ninth = Client(REMOTE_ADDR="198.51.100.41")
    response = ninth.post(SITE_LOGIN, {"login": operator.mobile, "password": password})
    assert response.status_code == 200
    assert "过多" in response.content.decode()
    assert "_auth_user_id" not in ninth.session

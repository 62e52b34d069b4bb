"""The logged-in user of a request comes from the cache (accounts.middleware.
AuthenticationMiddleware, issue 21) until a row of accounts_user is written: never a user
whose password changed, who was switched off or deleted, nor anybody else's session."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import UserFactory

# Real commits: the cached row is dropped when a write to accounts_user is committed, which a
# test's transaction never is.
pytestmark = pytest.mark.django_db(transaction=True)

ME = reverse("accounts:me")
LOGIN = reverse("account_login")


def user_queries(client) -> tuple[int, int]:
    """The answer's status and how many times the request read accounts_user by id."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(ME)
    reads = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith('SELECT "accounts_user"."id"')
        and 'WHERE "accounts_user"."id" =' in query["sql"]
    ]
    return response.status_code, len(reads)


@pytest.fixture
def logged_in(resident):
    client = Client()
    client.force_login(resident)
    assert user_queries(client) == (200, 1)  # read once, then kept
    return client


def test_the_user_is_read_once_then_kept(logged_in):
    assert user_queries(logged_in) == (200, 0)
    assert user_queries(logged_in) == (200, 0)


def test_another_session_of_another_user_is_never_answered_with_this_user(logged_in, resident):
    other = UserFactory(display_name="李娜")
    client = Client()
    client.force_login(other)
    response = client.get(ME)
    assert response.wsgi_request.user == other
    assert logged_in.get(ME).wsgi_request.user == resident


def test_a_password_changed_elsewhere_ends_the_session_at_once(logged_in, resident):
    resident.set_password("another-Secret-2026")
    resident.save()
    response = logged_in.get(ME)
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_a_user_switched_off_is_logged_out_at_once(logged_in, resident):
    type(resident).objects.filter(pk=resident.pk).update(is_active=False)
    response = logged_in.get(ME)
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_a_deleted_user_is_logged_out_at_once(logged_in, resident):
    resident.residencies.all().delete()
    resident.delete()
    response = logged_in.get(ME)
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_a_changed_name_shows_at_once(logged_in, resident):
    type(resident).objects.filter(pk=resident.pk).update(display_name="张伟伟")
    assert logged_in.get(ME).wsgi_request.user.display_name == "张伟伟"


def test_a_session_with_a_forged_hash_is_not_believed(logged_in):
    session = logged_in.session
    session["_auth_user_hash"] = "0" * 64
    session.save()
    response = logged_in.get(ME)
    assert response.status_code == 302 and response.url.startswith(LOGIN)

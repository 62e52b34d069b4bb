"""Password login and its brute-force limits: django-axes locks a number for one client IP,
briefly; allauth's "login_failed" limit counts per IP and per number (ACC-1)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client, override_settings

from accounts import limits

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def attempt(client, mobile, password):
    return client.post(LOGIN, {"login": mobile, "password": password})


@pytest.mark.req("ACC-1")
def test_password_login_and_wrong_password(client, resident, password):
    wrong = attempt(client, resident.mobile, "not-the-password")
    unknown = attempt(client, "13700000001", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    for response in (wrong, unknown):
        assert "不正确" in response.content.decode()
    assert attempt(client, "+86 139 0000 0001", password).status_code == 302


@pytest.mark.req("ACC-1")
def test_five_wrong_passwords_lock_the_number_for_that_ip_only(resident, password):
    attacker = Client(REMOTE_ADDR="203.0.113.5")
    for n in range(4):
        assert attempt(attacker, resident.mobile, f"guess-{n}").status_code == 200
    response = attempt(attacker, resident.mobile, "guess-4")
    assert response.status_code == 429
    body = response.content.decode()
    assert f'value="{resident.mobile}"' in body, "the number typed stays"
    assert "15" in body, "says how long"

    response = attempt(attacker, resident.mobile, password)
    assert response.status_code == 429, "even the right password waits out the lock"

    # The owner, elsewhere, is not locked out by someone else's guessing.
    assert (
        attempt(Client(REMOTE_ADDR="198.51.100.20"), resident.mobile, password).status_code == 302
    )


@pytest.mark.req("ACC-1")
def test_the_lock_ends_after_the_cool_off(resident, password):
    attacker = Client(REMOTE_ADDR="203.0.113.6")
    for n in range(5):
        attempt(attacker, resident.mobile, f"guess-{n}")
    assert attempt(attacker, resident.mobile, password).status_code == 429
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=16))
    assert attempt(attacker, resident.mobile, password).status_code == 302


@pytest.mark.req("ACC-1")
@override_settings(LINLI_TRUSTED_PROXY_COUNT=1)
def test_lockout_uses_the_client_ip_behind_the_proxy(resident, password):
    """Behind one proxy every request comes from the proxy's address: the lock follows the
    address the proxy reports, so one guesser does not lock everybody behind it."""
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attacker = Client(HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    for n in range(5):
        attempt(attacker, resident.mobile, f"guess-{n}")
    assert attempt(attacker, resident.mobile, password).status_code == 429
    owner = Client(HTTP_X_FORWARDED_FOR="198.51.100.21", **proxy)
    assert attempt(owner, resident.mobile, password).status_code == 302
    assert AccessAttempt.objects.filter(ip_address="203.0.113.7").exists()


@pytest.mark.req("ACC-1")
def test_a_distributed_guesser_is_stopped_per_number(resident, password, settings):
    settings.AXES_FAILURE_LIMIT = 1000  # only allauth's per-number count in play here
    for n in range(20):
        attempt(Client(REMOTE_ADDR=f"203.0.113.{n + 10}"), resident.mobile, f"guess-{n}")
    response = attempt(Client(REMOTE_ADDR="198.51.100.30"), resident.mobile, password)
    assert response.status_code == 200
    assert "过多" in response.content.decode() or "Too many" in response.content.decode()
    # ...and another resident's number is not affected (allauth's key names the number).
    assert limits.login_failed_key("139 0000 0001") == "phone:13900000001"


@pytest.mark.req("ACC-1")
def test_failures_on_one_number_do_not_limit_another(resident, family_member, password):
    for n in range(20):
        attempt(Client(REMOTE_ADDR=f"203.0.113.{n + 40}"), resident.mobile, f"guess-{n}")
    response = attempt(Client(REMOTE_ADDR="198.51.100.31"), family_member.mobile, password)
    assert response.status_code == 302


@pytest.mark.req("ACC-1")
def test_login_by_sms_code_still_works_during_a_lockout(resident):
    from accounts.sms import outbox

    attacker = Client(REMOTE_ADDR="203.0.113.8")
    for n in range(5):
        attempt(attacker, resident.mobile, f"guess-{n}")
    attacker.post("/accounts/login/code/", {"phone": resident.mobile})
    code = outbox[-1].params["code"]
    assert attacker.post("/accounts/login/code/confirm/", {"code": code}).status_code == 302
    assert attacker.get("/").status_code == 200

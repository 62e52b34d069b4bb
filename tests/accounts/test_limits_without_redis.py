"""Finding 16: logging in, SMS codes, sign-up and password reset go on while the cache's Redis
is down, and their limits still hold; the counters live in the database, not in the cache."""

import shutil

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from kombu.exceptions import OperationalError

from accounts.models import User
from accounts.sms import outbox, send_sms
from accounts.tasks import send_sms_task
from config.cache import redis_cache
from tests.processes import RedisServer

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
LOGIN_CODE = "/accounts/login/code/"
CONFIRM_LOGIN_CODE = "/accounts/login/code/confirm/"
SIGNUP = "/accounts/signup/"
RESET_SMS = "/accounts/password/reset/sms/"


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def cache_on(redis_server):
    """The default cache on the test's own Redis, configured as the settings do for REDIS_URL."""
    default = redis_cache(redis_server.url, prefix="linli-down-test")
    with override_settings(CACHES={**settings.CACHES, "default": default}):
        yield redis_server


def last_code(phone: str) -> str:
    texts = [m for m in outbox if m.phone == phone and m.template == "verification_code"]
    assert texts, f"no code was texted to {phone}: {outbox}"
    return texts[-1].params["code"]


def log_in(client, mobile, password):
    return client.post(LOGIN, {"login": mobile, "password": password})


@pytest.mark.req("ACC-1")
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")
def test_logins_codes_sign_up_and_reset_work_and_stay_limited_while_redis_is_down(
    cache_on, resident, password, travel
):
    assert log_in(Client(), resident.mobile, password).status_code == 302
    cache.set("still-there", 1)
    assert cache.get("still-there") == 1

    cache_on.stop()
    assert cache.get("still-there") is None, "a cache that is down is a cache miss, not a 500"

    # Password login.
    client = Client()
    assert log_in(client, resident.mobile, password).status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 200

    # SMS code login.
    client = Client()
    response = client.post(LOGIN_CODE, {"phone": resident.mobile})
    assert response.status_code == 302
    assert response["Location"].startswith(CONFIRM_LOGIN_CODE)
    response = client.post(CONFIRM_LOGIN_CODE, {"code": last_code(resident.mobile)})
    assert response.status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 200

    # The one-text-a-minute limit of a number still holds.
    response = Client().post(LOGIN_CODE, {"phone": resident.mobile})
    assert response.status_code == 200
    assert "秒后再获取验证码" in response.content.decode()

    # Sign-up by SMS code.
    client = Client()
    response = client.post(SIGNUP, {"action": "send_code", "phone": "13800138009"})
    assert response.status_code == 200
    response = client.post(SIGNUP, {"phone": "13800138009", "code": last_code("13800138009")})
    assert response.status_code == 302
    assert User.objects.get(mobile="13800138009").mobile_verified

    # Password reset by SMS code.
    travel(61)
    client = Client()
    response = client.post(RESET_SMS, {"action": "send_code", "phone": resident.mobile})
    assert response.status_code == 200
    new_password = "Another-quiet-garden-7"
    response = client.post(
        RESET_SMS,
        {
            "phone": resident.mobile,
            "code": last_code(resident.mobile),
            "password1": new_password,
            "password2": new_password,
        },
    )
    assert response.status_code == 302
    password = new_password

    # Wrong passwords: the N+1-th is refused, even with the right password (django-axes,
    # per number and client), and allauth's per-IP limit on failures counts without Redis too.
    guesser = Client(REMOTE_ADDR="198.51.100.20")
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = log_in(guesser, resident.mobile, f"wrong-{attempt}")
        assert response.status_code == 200, attempt
    assert log_in(guesser, resident.mobile, "wrong-again").status_code == 429, "locked now"
    assert log_in(guesser, resident.mobile, password).status_code == 429
    with override_settings(
        ACCOUNT_RATE_LIMITS={**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/m/ip,20/h/key"}
    ):
        other = Client(REMOTE_ADDR="198.51.100.21")
        for attempt in range(3):
            response = log_in(other, f"1390000010{attempt}", "wrong")
            assert "过多" not in response.content.decode(), attempt
        response = log_in(other, "13900000109", "wrong")
        assert "登录失败次数过多" in response.content.decode()

    # Redis is back: the cache is a cache again, and logging in goes on.
    cache_on.start()
    cache.set("back-again", 1)
    assert cache.get("back-again") == 1
    assert log_in(Client(), resident.mobile, password).status_code == 302


@pytest.mark.req("ACC-1")
def test_a_code_is_sent_from_the_web_process_when_the_broker_is_down(monkeypatch, caplog):
    """The broker is Redis too: a code that waits for it is a login that fails."""

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_sms_task.__class__, "apply_async", broker_down)
    send_sms("13900000001", "verification_code", {"code": "123456", "minutes": "5"})
    assert [(m.phone, m.params["code"]) for m in outbox] == [("13900000001", "123456")]
    assert "broker" in caplog.text

"""Finding 12: a budget of texts for the whole site, per hour and per day. Past it, codes are
refused for everybody with a clear message (what was typed stays), and the operators hear of
it once per window."""

import time

import pytest
from django.core import mail
from django.test import Client

from accounts import limits
from accounts.sms import outbox

pytestmark = pytest.mark.django_db

LOGIN_CODE = "/accounts/login/code/"
SIGNUP = "/accounts/signup/"
PAUSED = "短信发送暂停"


@pytest.fixture
def operators(settings):
    settings.ADMINS = [("运维", "ops@example.cn")]


def request_code(phone: str, address: str):
    return Client(REMOTE_ADDR=address).post(SIGNUP, {"action": "send_code", "phone": phone})


@pytest.mark.req("ACC-1")
def test_the_hourly_budget_stops_codes_for_everybody_and_tells_operators_once(
    settings, operators, start_of_an_hour
):
    settings.LINLI_SMS_SITE_BUDGET = ["3/h", "3000/d"]
    for n in range(3):
        response = request_code(f"1380013800{n}", f"198.51.100.{n}")
        assert PAUSED not in response.content.decode(), n
    assert len(outbox) == 3

    response = request_code("13800138003", "198.51.100.3")
    assert response.status_code == 200
    body = response.content.decode()
    assert PAUSED in body
    assert 'value="13800138003"' in body, "the number typed stays"
    response = Client(REMOTE_ADDR="198.51.100.4").post(LOGIN_CODE, {"phone": "13800138004"})
    assert PAUSED in response.content.decode()
    assert len(outbox) == 3, "nothing more was sent"

    alerts = [m for m in mail.outbox if m.to == ["ops@example.cn"]]
    assert len(alerts) == 1, "one alert per window, not one per refusal"
    assert "3/h" in alerts[0].subject
    # A refused number may ask again at once when the pause is over: its minute was not taken.
    settings.LINLI_SMS_SITE_BUDGET = ["4/h", "3000/d"]
    assert PAUSED not in request_code("13800138003", "198.51.100.3").content.decode()
    assert len(outbox) == 4


@pytest.mark.dates
@pytest.mark.req("ACC-1")
def test_the_daily_budget_holds_across_hours(settings, operators, travel):
    settings.LINLI_SMS_SITE_BUDGET = ["500/h", "2/d"]
    # The day's window begins at 00:00 UTC: start one hour into it, whatever today is.
    now = time.time()
    travel(86400 - now % 86400 + 3600)
    request_code("13800138000", "198.51.100.1")
    travel(3600)
    request_code("13800138001", "198.51.100.2")
    travel(3600)
    assert PAUSED in request_code("13800138002", "198.51.100.3").content.decode()
    assert len(outbox) == 2
    assert len(mail.outbox) == 1


@pytest.mark.req("ACC-1")
def test_the_budget_is_counted_in_the_database(settings, rf, start_of_an_hour):
    """The same counters as the per-number limits: they hold while Redis is down
    (tests/accounts/test_limits_without_redis.py)."""
    settings.LINLI_SMS_SITE_BUDGET = ["1/h"]
    limits.reserve_sms(rf.post("/", REMOTE_ADDR="198.51.100.1"), "13800138000")
    with pytest.raises(limits.SmsLimitExceeded):
        limits.reserve_sms(rf.post("/", REMOTE_ADDR="198.51.100.2"), "13800138001")
    assert limits.hit(limits.SITE_GROUP, "1/h", increment=False).count == 1

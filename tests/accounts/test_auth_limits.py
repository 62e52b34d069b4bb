"""SMS abuse limits (ASVS 6.5/6.6): per number per minute, hour and day, per client IP, on every
path that texts a code; the client IP behind the reverse proxy (ACC-1, ACC-3)."""

import re

import pytest
from django.test import Client, RequestFactory, override_settings

from accounts import limits
from accounts.sms import outbox
from kit.net import client_ip

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
LOGIN_CODE = "/accounts/login/code/"
RESET_SMS = "/accounts/password/reset/sms/"
WAIT = re.compile(r"请\d+(分钟后再试|秒后再获取验证码)")


def next_minute(phone: str) -> None:
    """Let the one-per-minute interval of this number pass without moving the clock, so that
    the hourly and daily windows stay where they are."""
    limits.clear_interval(phone)


def texts_to(phone: str) -> int:
    return sum(1 for message in outbox if message.phone == phone)


def send_login_code(client, phone):
    return client.post(LOGIN_CODE, {"phone": phone})


@pytest.mark.req("ACC-1")
def test_one_text_per_number_and_minute(client, resident, travel):
    assert send_login_code(client, resident.mobile).status_code == 302
    response = Client().post(SIGNUP, {"action": "send_code", "phone": resident.mobile})
    assert response.status_code == 200
    body = response.content.decode()
    assert "秒" in body or "second" in body
    assert f'value="{resident.mobile}"' in body, "the number typed stays"
    assert texts_to(resident.mobile) == 1

    travel(30)
    response = send_login_code(Client(), resident.mobile)
    assert response.status_code == 200
    assert texts_to(resident.mobile) == 1
    travel(31)
    assert send_login_code(Client(), resident.mobile).status_code == 302
    assert texts_to(resident.mobile) == 2


@pytest.mark.req("ACC-1")
def test_five_texts_per_number_and_hour(resident):
    for sent in range(5):
        next_minute(resident.mobile)
        assert send_login_code(Client(), resident.mobile).status_code == 302, sent
    next_minute(resident.mobile)
    response = send_login_code(Client(), resident.mobile)
    assert response.status_code == 200
    # "Try again in N minutes", or "in N seconds" when the hour's window ends within two.
    assert WAIT.search(response.content.decode())
    assert texts_to(resident.mobile) == 5


@pytest.mark.req("ACC-1")
def test_ten_texts_per_number_and_day(resident, settings):
    # The hourly rule is proven above; without it the daily one shows on its own.
    settings.LINLI_SMS_LIMITS = {**settings.LINLI_SMS_LIMITS, "number": ["10/d"]}
    for sent in range(10):
        next_minute(resident.mobile)
        assert send_login_code(Client(), resident.mobile).status_code == 302, sent
    next_minute(resident.mobile)
    assert send_login_code(Client(), resident.mobile).status_code == 200
    assert texts_to(resident.mobile) == 10


@pytest.mark.req("ACC-1")
def test_texts_per_client_ip(settings):
    per_hour = int(settings.LINLI_SMS_LIMITS["ip"][0].split("/")[0])
    client = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(per_hour):
        response = client.post(RESET_SMS, {"action": "send_code", "phone": f"1370000{n:04d}"})
        assert "is-invalid" not in response.content.decode(), n
    response = client.post(RESET_SMS, {"action": "send_code", "phone": "13799999999"})
    assert "is-invalid" in response.content.decode()
    assert len(outbox) == per_hour
    # Another client is not held up.
    Client(REMOTE_ADDR="198.51.100.8").post(
        RESET_SMS, {"action": "send_code", "phone": "13799999999"}
    )
    assert len(outbox) == per_hour + 1


@pytest.mark.req("ACC-1", "ACC-3")
def test_every_code_path_shares_the_per_number_limit(client, resident):
    """Sign-up, login code, SMS password reset and re-authentication by code: one text to a
    number per minute, whichever path (resends and the change of number: their own tests)."""
    paths = [
        lambda c, phone: c.post(SIGNUP, {"action": "send_code", "phone": phone}),
        lambda c, phone: c.post(LOGIN_CODE, {"phone": phone}),
        lambda c, phone: c.post(RESET_SMS, {"action": "send_code", "phone": phone}),
    ]
    pairs = [(first, second) for first in paths for second in paths]
    for n, (first, second) in enumerate(pairs):
        phone = f"1370000{n:04d}"
        first(Client(), phone)
        second(Client(), phone)
        assert texts_to(phone) == 1, n

    # A logged-in resident: re-authentication by code, then a new number twice.
    client.force_login(resident)
    client.post("/accounts/reauthenticate/code/", {"action": "send"})
    client.post("/accounts/reauthenticate/code/", {"action": "send"})
    assert texts_to(resident.mobile) == 1


@pytest.mark.req("ACC-1")
def test_verify_phone_resend_is_limited(client, resident, password, travel):
    resident.mobile_verified = False
    resident.save()
    client.post("/accounts/login/", {"login": resident.mobile, "password": password})
    assert texts_to(resident.mobile) == 1
    response = client.post("/accounts/phone/verify/", {"action": "resend"})
    assert response.status_code == 302
    assert texts_to(resident.mobile) == 1
    page = client.get(response["Location"]).content.decode()
    assert "秒" in page or "second" in page
    travel(61)
    client.post("/accounts/phone/verify/", {"action": "resend"})
    assert texts_to(resident.mobile) == 2


@pytest.mark.req("ACC-1")
def test_the_limits_can_be_asked_directly(rf):
    """What the forms and the adapter call: each text is one claim (the interval) and one
    atomic upsert per window, in the database (accounts.RateCounter)."""
    request = rf.post("/")
    for _ in range(5):
        next_minute("13700000002")
        limits.reserve_sms(request, "13700000002")
    next_minute("13700000002")
    with pytest.raises(limits.SmsLimitExceeded):
        limits.reserve_sms(request, "13700000002")


@pytest.mark.req("ACC-1")
def test_a_refusal_for_the_number_uses_up_none_of_the_networks_texts(rf, settings):
    settings.LINLI_SMS_LIMITS = {**settings.LINLI_SMS_LIMITS, "number": ["1/h"], "ip": ["3/h"]}
    request = rf.post("/", REMOTE_ADDR="203.0.113.7")
    limits.reserve_sms(request, "13700000001")
    for _ in range(3):
        next_minute("13700000001")
        with pytest.raises(limits.SmsLimitExceeded):
            limits.reserve_sms(request, "13700000001")
    # The network has had one text of its three.
    limits.reserve_sms(request, "13700000002")
    limits.reserve_sms(request, "13700000003")
    with pytest.raises(limits.SmsLimitExceeded):
        limits.reserve_sms(request, "13700000004")


@pytest.mark.req("ACC-1")
def test_a_refusal_for_the_network_uses_up_none_of_the_numbers_texts(rf, settings):
    settings.LINLI_SMS_LIMITS = {**settings.LINLI_SMS_LIMITS, "number": ["2/h"], "ip": ["1/h"]}
    busy = rf.post("/", REMOTE_ADDR="203.0.113.7")
    limits.reserve_sms(busy, "13700000001")
    with pytest.raises(limits.SmsLimitExceeded):
        limits.reserve_sms(busy, "13700000002")
    # From another network the number still has both of its texts.
    limits.reserve_sms(rf.post("/", REMOTE_ADDR="198.51.100.8"), "13700000002")
    next_minute("13700000002")
    limits.reserve_sms(rf.post("/", REMOTE_ADDR="198.51.100.9"), "13700000002")
    next_minute("13700000002")
    with pytest.raises(limits.SmsLimitExceeded):
        limits.reserve_sms(rf.post("/", REMOTE_ADDR="198.51.100.10"), "13700000002")


@pytest.mark.req("ACC-1")
@override_settings(LINLI_TRUSTED_PROXY_COUNT=1)
def test_client_ip_behind_one_proxy():
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    # The proxy appended the address it saw; what the client sent before it is not trusted.
    assert client_ip(request) == "203.0.113.9"


@pytest.mark.req("ACC-1")
def test_client_ip_without_proxy_ignores_forwarded_headers():
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.10", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_ip(request) == "203.0.113.10"


@pytest.mark.req("ACC-1")
@override_settings(LINLI_TRUSTED_PROXY_COUNT=1)
def test_client_ip_reads_only_the_header_the_proxy_writes():
    # X-Real-IP and the like are headers a client can send too: one setting, one header.
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="6.6.6.6", HTTP_X_FORWARDED_FOR="203.0.113.11"
    )
    assert client_ip(request) == "203.0.113.11"


@pytest.mark.req("ACC-1")
def test_a_passed_interval_is_taken_by_one_request_only(rf, travel):
    """The row may still hold the interval after our clock says it passed (it is purged
    later): the first request after the deadline takes the slot, the next one waits a full
    interval again."""
    request = rf.post("/", REMOTE_ADDR="203.0.113.7")
    limits.reserve_sms(request, "13700000001")
    travel(61)
    limits.reserve_sms(request, "13700000001")
    with pytest.raises(limits.SmsLimitExceeded):
        limits.reserve_sms(request, "13700000001")

"""Feedback on texted codes (issue 20): a wrong code says how many tries are left and, after
the last one, that a new code is needed; a "Get code" button counts down the rest of the
per-number interval, also on a page loaded again later (the server renders the seconds)."""

import re

import pytest

from accounts.models import User
from accounts.sms import outbox

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
LOGIN_CODE = "/accounts/login/code/"
CONFIRM_LOGIN_CODE = "/accounts/login/code/confirm/"
RESET_SMS = "/accounts/password/reset/sms/"
TRIES_LEFT = "验证码错误，还可以再试%d次。"
EXHAUSTED = "验证码输错次数过多，已失效，请重新获取。"
EXPIRED = "验证码错误或已过期，请重新获取。"


def last_code(phone: str) -> str:
    texts = [m for m in outbox if m.phone == phone and m.template == "verification_code"]
    assert texts, f"no code was texted to {phone}: {outbox}"
    return texts[-1].params["code"]


def wrong_for(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def countdown(html: str) -> int | None:
    """The seconds of the page's countdown button, None without one."""
    found = re.findall(r'data-countdown="(\d+)"', html)
    assert len(found) <= 1, found
    return int(found[0]) if found else None


@pytest.mark.req("ACC-1")
def test_a_wrong_signup_code_says_how_many_tries_are_left(client):
    client.post(SIGNUP, {"action": "send_code", "phone": "13800138100"})
    code = last_code("13800138100")
    for left in (4, 3, 2, 1):
        response = client.post(SIGNUP, {"phone": "13800138100", "code": wrong_for(code)})
        assert response.context["form"].errors["code"] == [TRIES_LEFT % left]
        assert (TRIES_LEFT % left) in response.content.decode()
    # The fifth wrong try was the last: it says so and what to do.
    response = client.post(SIGNUP, {"phone": "13800138100", "code": wrong_for(code)})
    assert response.context["form"].errors["code"] == [EXHAUSTED]
    # The right code no longer works either; the page says to get a new one.
    response = client.post(SIGNUP, {"phone": "13800138100", "code": code})
    assert response.context["form"].errors["code"] == [EXPIRED]
    assert not User.objects.filter(mobile="13800138100").exists()


@pytest.mark.req("ACC-1")
def test_tries_left_tell_nothing_about_a_taken_number(client, resident, travel):
    client.post(SIGNUP, {"action": "send_code", "phone": resident.mobile})
    taken = client.post(SIGNUP, {"phone": resident.mobile, "code": "123456"})
    client.post(SIGNUP, {"action": "send_code", "phone": "13800138101"})
    free = client.post(
        SIGNUP, {"phone": "13800138101", "code": wrong_for(last_code("13800138101"))}
    )
    assert taken.context["form"].errors["code"] == free.context["form"].errors["code"]
    assert taken.context["form"].errors["code"] == [TRIES_LEFT % 4]


@pytest.mark.req("ACC-1")
def test_a_wrong_login_code_says_how_many_tries_are_left(client, resident):
    client.post(LOGIN_CODE, {"phone": resident.mobile})
    wrong = wrong_for(last_code(resident.mobile))
    for left in (4, 3, 2, 1):
        response = client.post(CONFIRM_LOGIN_CODE, {"code": wrong})
        assert response.status_code == 200
        assert response.context["form"].errors["code"] == [TRIES_LEFT % left]
    response = client.post(CONFIRM_LOGIN_CODE, {"code": wrong}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[0][0] == LOGIN_CODE, "back to ask for a new code"
    assert EXHAUSTED in page
    assert "登录失败次数过多" not in page  # allauth's "try again later" is not what helps


@pytest.mark.req("ACC-3")
def test_a_wrong_password_reset_code_says_how_many_tries_are_left(client, resident):
    client.post(RESET_SMS, {"action": "send_code", "phone": resident.mobile})
    wrong = wrong_for(last_code(resident.mobile))
    form = {
        "phone": resident.mobile,
        "password1": "Quiet-garden-42",
        "password2": "Quiet-garden-42",
    }
    response = client.post(RESET_SMS, {**form, "code": wrong})
    assert response.context["form"].errors["code"] == [TRIES_LEFT % 4]
    # A number without an account gets the same answer (its code is one nobody knows).
    client.post(RESET_SMS, {"action": "send_code", "phone": "13800138102"})
    response = client.post(RESET_SMS, {**form, "phone": "13800138102", "code": "123456"})
    assert response.context["form"].errors["code"] == [TRIES_LEFT % 4]


@pytest.mark.req("ACC-1")
def test_the_get_code_button_counts_down_after_a_reload(client, travel):
    assert countdown(client.get(SIGNUP).content.decode()) is None
    sent = client.post(SIGNUP, {"action": "send_code", "phone": "13800138103"})
    assert 59 <= countdown(sent.content.decode()) <= 60
    travel(20)
    later = client.get(SIGNUP).content.decode()
    assert 39 <= countdown(later) <= 40, "the page loaded again knows the seconds left"
    assert 'data-wait-label="%(seconds)s秒后重新获取"' in later
    # A second tap meanwhile is refused and the countdown goes on.
    again = client.post(SIGNUP, {"action": "send_code", "phone": "13800138103"})
    assert 39 <= countdown(again.content.decode()) <= 40
    assert len(outbox) == 1
    travel(41)
    assert countdown(client.get(SIGNUP).content.decode()) is None


@pytest.mark.req("ACC-1")
@pytest.mark.req("ACC-3")
def test_every_code_page_counts_down(client, resident, travel):
    client.post(LOGIN_CODE, {"phone": resident.mobile})
    travel(10)
    confirm = client.get(CONFIRM_LOGIN_CODE).content.decode()
    assert 'value="resend"' in confirm
    assert 49 <= countdown(confirm) <= 50
    travel(51)
    client.post(RESET_SMS, {"action": "send_code", "phone": resident.mobile})
    travel(5)
    assert 54 <= countdown(client.get(RESET_SMS).content.decode()) <= 55

"""Sign-up with a mobile number and an SMS code, login by SMS code and by password (ACC-1)."""

import re

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.sms import outbox

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
LOGIN = "/accounts/login/"
LOGIN_CODE = "/accounts/login/code/"
CONFIRM_LOGIN_CODE = "/accounts/login/code/confirm/"


def last_code(phone: str) -> str:
    texts = [m for m in outbox if m.phone == phone and m.template == "verification_code"]
    assert texts, f"no code was texted to {phone}: {outbox}"
    return texts[-1].params["code"]


def without_tokens(html: str) -> str:
    """The page without what differs per request: the CSRF token, the seconds until the next
    code."""
    html = re.sub(r'data-countdown="\d+"', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def request_signup_code(client, phone: str):
    return client.post(SIGNUP, {"action": "send_code", "phone": phone})


@pytest.mark.req("ACC-1")
def test_sign_up_with_number_and_code_then_log_in_by_code(client, travel):
    response = request_signup_code(client, "138 0013 8000")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="138 0013 8000"' in body, "the number typed stays in the form"
    assert [(m.phone, m.template) for m in outbox] == [("13800138000", "verification_code")]
    code = last_code("13800138000")
    assert len(code) == 6 and code.isdigit()
    assert outbox[0].params["minutes"] == "5"

    response = client.post(SIGNUP, {"phone": "13800138000", "code": code})
    assert response.status_code == 302
    user = User.objects.get(mobile="13800138000")
    assert user.mobile_verified
    assert not user.has_usable_password(), "a password is optional"
    assert client.get(reverse("accounts:home")).status_code == 200

    client.post(reverse("account_logout"))
    outbox.clear()
    travel(61)  # one text per number and minute
    response = client.post(LOGIN_CODE, {"phone": "+86 138-0013-8000"})
    assert response.status_code == 302
    assert response["Location"].startswith(CONFIRM_LOGIN_CODE)
    response = client.post(CONFIRM_LOGIN_CODE, {"code": last_code("13800138000")})
    assert response.status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 200


@pytest.mark.req("ACC-1")
def test_sign_up_with_a_password_then_log_in_with_it(client):
    request_signup_code(client, "13800138001")
    response = client.post(
        SIGNUP,
        {
            "phone": "13800138001",
            "code": last_code("13800138001"),
            "password1": "Quiet-garden-42",
        },
    )
    assert response.status_code == 302
    client.post(reverse("account_logout"))
    response = client.post(LOGIN, {"login": "13800138001", "password": "Quiet-garden-42"})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.req("ACC-1")
def test_a_weak_password_does_not_use_up_the_code(client):
    request_signup_code(client, "13800138002")
    code = last_code("13800138002")
    response = client.post(SIGNUP, {"phone": "13800138002", "code": code, "password1": "123"})
    assert response.status_code == 200
    assert not User.objects.filter(mobile="13800138002").exists()
    response = client.post(SIGNUP, {"phone": "13800138002", "code": code})
    assert response.status_code == 302
    assert User.objects.filter(mobile="13800138002").exists()


@pytest.mark.req("ACC-1")
def test_full_width_digits_in_number_and_code(client):
    request_signup_code(client, "１３８００１３８００３")
    code = last_code("13800138003").translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    response = client.post(SIGNUP, {"phone": "１３８ ００１３ ８００３", "code": code})
    assert response.status_code == 302
    assert User.objects.get(mobile="13800138003").mobile_verified


@pytest.mark.req("ACC-1")
@pytest.mark.parametrize(
    "number",
    [
        "010-12345678",  # a Beijing landline
        "+1 415 555 0100",  # another country
        "+852 9123 4567",  # Hong Kong
        "1380013800",  # ten digits
        "12800138000",  # no such mobile prefix
        "abc",
    ],
)
def test_numbers_that_are_not_mainland_mobiles_are_refused(client, number):
    response = request_signup_code(client, number)
    assert response.status_code == 200
    body = response.content.decode()
    assert "11" in body and "is-invalid" in body
    assert not outbox
    response = client.post(LOGIN_CODE, {"phone": number})
    assert response.status_code == 200
    assert not outbox


@pytest.mark.req("ACC-1")
def test_a_taken_number_gets_the_same_reply_and_an_account_exists_text(client, resident):
    taken = request_signup_code(client, resident.mobile)
    outbox_taken = [(m.phone, m.template) for m in outbox]
    outbox.clear()
    free = request_signup_code(client, "13800138004")

    assert outbox_taken == [(resident.mobile, "account_exists")]
    assert [(m.phone, m.template) for m in outbox] == [("13800138004", "verification_code")]

    def page(response, number):
        masked = f"{number[:3]}****{number[-4:]}"
        html = response.content.decode().replace(number, "N").replace(masked, "M")
        return without_tokens(html)

    assert taken.status_code == free.status_code == 200
    assert page(taken, resident.mobile) == page(free, "13800138004")

    # Whatever code is tried for the taken number, the answer is a plain "wrong code".
    response = client.post(SIGNUP, {"phone": resident.mobile, "code": "123456"})
    assert response.status_code == 200
    assert "验证码" in response.content.decode() or "code" in response.content.decode()
    assert User.objects.filter(mobile=resident.mobile).count() == 1


@pytest.mark.req("ACC-1")
def test_wrong_expired_and_reused_signup_codes(client, travel):
    request_signup_code(client, "13800138005")
    code = last_code("13800138005")
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(SIGNUP, {"phone": "13800138005", "code": wrong})
    assert response.status_code == 200
    assert not User.objects.filter(mobile="13800138005").exists()

    travel(5 * 60 + 1)
    response = client.post(SIGNUP, {"phone": "13800138005", "code": code})
    assert response.status_code == 200, "an expired code is refused"
    assert not User.objects.filter(mobile="13800138005").exists()

    request_signup_code(client, "13800138005")
    code = last_code("13800138005")
    assert client.post(SIGNUP, {"phone": "13800138005", "code": code}).status_code == 302
    client.post(reverse("account_logout"))
    User.objects.filter(mobile="13800138005").delete()
    response = client.post(SIGNUP, {"phone": "13800138005", "code": code})
    assert response.status_code == 200, "a used code does not work twice"


@pytest.mark.req("ACC-1")
def test_five_wrong_tries_end_a_signup_code(client):
    request_signup_code(client, "13800138006")
    code = last_code("13800138006")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        client.post(SIGNUP, {"phone": "13800138006", "code": wrong})
    response = client.post(SIGNUP, {"phone": "13800138006", "code": code})
    assert response.status_code == 200
    assert not User.objects.filter(mobile="13800138006").exists()


@pytest.mark.req("ACC-1")
def test_a_code_works_only_in_the_browser_that_asked_for_it(client, django_user_model):
    from django.test import Client

    request_signup_code(client, "13800138007")
    other = Client()
    response = other.post(SIGNUP, {"phone": "13800138007", "code": last_code("13800138007")})
    assert response.status_code == 200
    assert not User.objects.filter(mobile="13800138007").exists()


@pytest.mark.req("ACC-1")
def test_a_code_for_one_purpose_does_not_work_for_another(client, resident, travel):
    # A password-reset code for the resident's number is no login code...
    client.post("/accounts/password/reset/sms/", {"action": "send_code", "phone": resident.mobile})
    reset_code = last_code(resident.mobile)
    travel(61)
    client.post(LOGIN_CODE, {"phone": resident.mobile})
    login_code = last_code(resident.mobile)
    if reset_code != login_code:
        response = client.post(CONFIRM_LOGIN_CODE, {"code": reset_code})
        assert response.status_code == 200
        assert client.get(reverse("accounts:home")).status_code == 302
    # ...and a login code is no sign-up or password-reset code.
    response = client.post(SIGNUP, {"phone": "13800138008", "code": login_code})
    assert response.status_code == 200
    response = client.post(
        "/accounts/password/reset/sms/",
        {
            "phone": resident.mobile,
            "code": login_code if login_code != reset_code else "000000",
            "password1": "Another-garden-42",
            "password2": "Another-garden-42",
        },
    )
    assert response.status_code == 200
    resident.refresh_from_db()
    assert not resident.check_password("Another-garden-42")


@pytest.mark.req("ACC-1")
def test_login_by_code_for_an_unknown_number_looks_the_same(client, resident):
    known = client.post(LOGIN_CODE, {"phone": resident.mobile})
    known_page = client.get(known["Location"]).content.decode()
    client.post(reverse("account_logout"))
    unknown = client.post(LOGIN_CODE, {"phone": "13800138009"})
    unknown_page = client.get(unknown["Location"]).content.decode()

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert without_tokens(known_page.replace(resident.mobile, "N")) == without_tokens(
        unknown_page.replace("13800138009", "N")
    )
    assert [(m.phone, m.template) for m in outbox] == [
        (resident.mobile, "verification_code"),
        ("13800138009", "unknown_account"),
    ]


@pytest.mark.req("ACC-1")
def test_login_code_wrong_tries_expiry_and_reuse(client, resident, travel):
    client.post(LOGIN_CODE, {"phone": resident.mobile})
    code = last_code(resident.mobile)
    wrong = "000000" if code != "000000" else "111111"
    for attempt in range(4):
        response = client.post(CONFIRM_LOGIN_CODE, {"code": wrong})
        assert response.status_code == 200, attempt
    response = client.post(CONFIRM_LOGIN_CODE, {"code": wrong})
    assert response.status_code == 302, "the fifth wrong code ends the attempt"
    assert client.post(CONFIRM_LOGIN_CODE, {"code": code}).status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 302, "not logged in"

    travel(61)
    client.post(LOGIN_CODE, {"phone": resident.mobile})
    code = last_code(resident.mobile)
    travel(5 * 60 + 1)
    client.post(CONFIRM_LOGIN_CODE, {"code": code})
    assert client.get(reverse("accounts:home")).status_code == 302, "expired code"

    travel(61)
    client.post(LOGIN_CODE, {"phone": resident.mobile})
    code = last_code(resident.mobile)
    assert client.post(CONFIRM_LOGIN_CODE, {"code": code}).status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 200
    client.post(reverse("account_logout"))
    client.post(CONFIRM_LOGIN_CODE, {"code": code})
    assert client.get(reverse("accounts:home")).status_code == 302, "used code"


@pytest.mark.req("ACC-1")
def test_resend_code_on_the_confirm_page(client, resident, travel):
    client.post(LOGIN_CODE, {"phone": resident.mobile})
    page = client.get(CONFIRM_LOGIN_CODE).content.decode()
    assert 'value="resend"' in page
    response = client.post(CONFIRM_LOGIN_CODE, {"action": "resend"})
    assert response.status_code == 302
    assert len(outbox) == 1, "not within the minute"
    page = client.get(CONFIRM_LOGIN_CODE).content.decode()
    assert "秒" in page or "second" in page
    travel(61)
    client.post(CONFIRM_LOGIN_CODE, {"action": "resend"})
    assert len(outbox) == 2
    assert client.post(CONFIRM_LOGIN_CODE, {"code": last_code(resident.mobile)}).status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 200


@pytest.mark.req("ACC-1")
def test_password_login_of_an_unverified_number_asks_for_a_code_first(client, resident, password):
    resident.mobile_verified = False
    resident.save()
    response = client.post(LOGIN, {"login": resident.mobile, "password": password})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/phone/verify/")
    assert client.get(reverse("accounts:home")).status_code == 302
    response = client.post("/accounts/phone/verify/", {"code": last_code(resident.mobile)})
    assert response.status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 200
    resident.refresh_from_db()
    assert resident.mobile_verified


@pytest.mark.req("ACC-1")
def test_entrance_pages_render(client):
    for url in (
        LOGIN,
        LOGIN_CODE,
        SIGNUP,
        "/accounts/password/reset/",
        "/accounts/password/reset/sms/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    login = client.get(LOGIN).content.decode()
    assert SIGNUP in login and "/accounts/password/reset/sms/" in login and LOGIN_CODE in login


@pytest.mark.req("ACC-1")
def test_a_login_code_belongs_to_the_browser_session_that_asked(client, resident):
    """allauth keeps the pending login and its code in the session: the code is useless in
    another browser."""
    from django.test import Client

    client.post(LOGIN_CODE, {"phone": resident.mobile})
    stranger = Client()
    response = stranger.post(CONFIRM_LOGIN_CODE, {"code": last_code(resident.mobile)})
    assert response.status_code == 302
    assert stranger.get(reverse("accounts:home")).status_code == 302
    assert client.post(CONFIRM_LOGIN_CODE, {"code": last_code(resident.mobile)}).status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 200


@pytest.mark.req("ACC-1")
def test_the_first_page_after_signing_up_says_so(client):
    request_signup_code(client, "13800138009")
    response = client.post(SIGNUP, {"phone": "13800138009", "code": last_code("13800138009")})
    assert response.status_code == 302
    page = client.get(response["Location"], follow=True).content.decode()
    assert "注册成功" in page
    assert "已登录" not in page, "one message, not the login's as well"


@pytest.mark.req("X-2")
def test_the_login_message_has_no_latin_spaces_around_the_name(client):
    from tests.factories import PASSWORD, UserFactory

    user = UserFactory(mobile="13800138010", display_name="张伟")
    response = client.post(LOGIN, {"login": user.mobile, "password": PASSWORD}, follow=True)
    page = response.content.decode()
    assert "已登录：张伟" in page
    assert "以 张伟" not in page and "张伟 成功" not in page


@pytest.mark.req("X-2")
def test_a_wrong_password_is_said_without_translationese(client):
    from tests.factories import UserFactory

    UserFactory(mobile="13800138011")
    page = client.post(LOGIN, {"login": "13800138011", "password": "wrong-Pass-1"}).content.decode()
    assert "手机号或密码不正确" in page
    assert "和/或" not in page

"""Account security pages a logged-in person reaches from 我的 → 账号与安全: change of mobile
number (re-authentication, a code to the new number, no number taken twice), password change and
set, e-mail address (ACC-1, ACC-3)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.sms import outbox
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGE_PHONE = "/accounts/phone/change/"
VERIFY_PHONE = "/accounts/phone/verify/"
REAUTH = "/accounts/reauthenticate/"
REAUTH_CODE = "/accounts/reauthenticate/code/"


def last_code(phone):
    return [m for m in outbox if m.phone == phone and m.template == "verification_code"][-1].params[
        "code"
    ]


def test_url_names_the_profile_pages_link_to():
    assert reverse("account_change_phone") == CHANGE_PHONE
    assert reverse("account_change_password") == "/accounts/password/change/"
    assert reverse("account_set_password") == "/accounts/password/set/"
    assert reverse("account_email") == "/accounts/email/"
    assert reverse("account_reset_password") == "/accounts/password/reset/"
    assert reverse("accounts_auth:password_reset_by_sms") == "/accounts/password/reset/sms/"


@pytest.mark.req("ACC-1")
def test_change_of_number_needs_reauthentication_then_a_code_to_the_new_number(
    client_for, resident, password
):
    client = client_for(resident)
    response = client.get(CHANGE_PHONE)
    assert response.status_code == 302
    assert response["Location"].startswith(REAUTH)

    response = client.post(response["Location"], {"password": "wrong"})
    assert response.status_code == 200
    response = client.post(REAUTH + "?next=" + CHANGE_PHONE, {"password": password})
    assert response["Location"] == CHANGE_PHONE

    page = client.get(CHANGE_PHONE)
    assert page.status_code == 200
    assert "139****0001" in page.content.decode()
    response = client.post(CHANGE_PHONE, {"phone": "137 0000 0042"})
    assert response["Location"] == VERIFY_PHONE
    assert [(m.phone, m.template) for m in outbox] == [("13700000042", "verification_code")]
    assert client.get(VERIFY_PHONE).status_code == 200

    response = client.post(VERIFY_PHONE, {"code": last_code("13700000042")})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.mobile == "13700000042" and resident.mobile_verified
    # The new number is the login now.
    client.post(reverse("account_logout"))
    other = Client()
    response = other.post("/accounts/login/", {"login": "13700000042", "password": password})
    assert response.status_code == 302


@pytest.mark.req("ACC-1")
def test_a_taken_number_gets_no_code_and_the_page_says_nothing(
    client_for, resident, family_member, password
):
    client = client_for(resident)
    client.post(REAUTH, {"password": password})
    taken = client.post(CHANGE_PHONE, {"phone": family_member.mobile})
    assert taken["Location"] == VERIFY_PHONE
    assert [(m.phone, m.template) for m in outbox] == [(family_member.mobile, "account_exists")]
    page = client.get(VERIFY_PHONE)
    assert page.status_code == 200
    # No code was sent, so none works; whatever is tried, the answer is "wrong code".
    for guess in ("000000", "123456"):
        response = client.post(VERIFY_PHONE, {"code": guess})
        assert response.status_code == 200
        assert "is-invalid" in response.content.decode()
    resident.refresh_from_db()
    assert resident.mobile == "13900000001"
    assert User.objects.filter(mobile=family_member.mobile).count() == 1


@pytest.mark.req("ACC-1")
def test_the_same_number_and_bad_numbers_are_refused(client_for, resident, password):
    client = client_for(resident)
    client.post(REAUTH, {"password": password})
    for number in (resident.mobile, "010-12345678", "+44 20 7946 0000"):
        response = client.post(CHANGE_PHONE, {"phone": number})
        assert response.status_code == 200, number
        assert "is-invalid" in response.content.decode()
    assert not outbox


@pytest.mark.req("ACC-1")
def test_each_way_to_confirm_is_offered_once(client_for, resident, password):
    """身份验证: the password page offers the SMS code once, the code page the password once."""
    client = client_for(resident)
    for page_url, other_url in ((REAUTH, REAUTH_CODE), (REAUTH_CODE, REAUTH)):
        body = client.get(page_url).content.decode()
        links = re.findall(r'<a class="btn[^"]*" href="([^"?]*)', body)
        assert links == [other_url], page_url


@pytest.mark.req("ACC-1")
def test_reauthentication_expires(client_for, resident, password, travel):
    client = client_for(resident)
    client.post(REAUTH, {"password": password})
    assert client.get(CHANGE_PHONE).status_code == 200
    travel(5 * 60 + 1)
    assert client.get(CHANGE_PHONE)["Location"].startswith(REAUTH)


@pytest.mark.req("ACC-1")
def test_an_account_without_password_confirms_with_a_code_to_its_number(client):
    user = UserFactory(mobile="13700000050", password=None)
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    url = client.get(CHANGE_PHONE)["Location"]
    assert url.startswith(REAUTH_CODE)
    # allauth's password page sends such an account to the code page as well.
    assert client.get(REAUTH)["Location"].startswith(REAUTH_CODE)
    response = client.get(url)
    assert "137****0050" in response.content.decode()

    client.post(url, {"action": "send"})
    assert [(m.phone, m.template) for m in outbox] == [("13700000050", "verification_code")]
    if last_code("13700000050") != "999999":
        assert client.post(url, {"action": "verify", "code": "999999"}).status_code == 200
    response = client.post(url, {"action": "verify", "code": last_code("13700000050")})
    assert response["Location"] == CHANGE_PHONE
    assert client.get(CHANGE_PHONE).status_code == 200


@pytest.mark.req("ACC-1")
def test_change_phone_code_wrong_tries(client_for, resident, password):
    client = client_for(resident)
    client.post(REAUTH, {"password": password})
    client.post(CHANGE_PHONE, {"phone": "13700000043"})
    code = last_code("13700000043")
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        response = client.post(VERIFY_PHONE, {"code": wrong})
        assert f"验证码错误，还可以再试{left}次。" in response.content.decode()
    last = client.post(VERIFY_PHONE, {"code": wrong}, follow=True)
    assert last.redirect_chain[0][0] == CHANGE_PHONE
    assert "验证码输错次数过多，已失效，请重新获取。" in last.content.decode()
    client.post(VERIFY_PHONE, {"code": code})
    resident.refresh_from_db()
    assert resident.mobile == "13900000001"


@pytest.mark.req("ACC-1")
def test_asking_again_for_a_new_number_is_limited(client_for, resident, password, travel):
    client = client_for(resident)
    client.post(REAUTH, {"password": password})
    client.post(CHANGE_PHONE, {"phone": "13700000044"})
    response = client.post(CHANGE_PHONE, {"phone": "13700000044"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="13700000044"' in body and "is-invalid" in body
    assert len(outbox) == 1
    travel(61)
    client.post(CHANGE_PHONE, {"phone": "13700000044"})
    assert len(outbox) == 2


@pytest.mark.req("ACC-3")
def test_password_change_ends_the_other_sessions(resident, password):
    phone, laptop = Client(), Client()
    for device in (phone, laptop):
        assert (
            device.post("/accounts/login/", {"login": resident.mobile, "password": password})[
                "Location"
            ]
            == "/"
        )
    response = phone.post(
        reverse("account_change_password"),
        {"oldpassword": password, "password1": "New-garden-2026", "password2": "New-garden-2026"},
    )
    assert response.status_code == 302
    assert phone.get("/").status_code == 200, "the device that changed it stays in"
    assert laptop.get("/").status_code == 302, "every other session has ended"


@pytest.mark.req("ACC-1")
def test_an_account_without_password_can_set_one_after_confirming(client):
    user = UserFactory(mobile="13700000051")
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    response = client.get(reverse("account_set_password"))
    assert response["Location"].startswith(REAUTH)
    client.post(REAUTH_CODE, {"action": "send"})
    client.post(REAUTH_CODE, {"action": "verify", "code": last_code("13700000051")})
    response = client.post(
        reverse("account_set_password"),
        {"password1": "First-garden-2026", "password2": "First-garden-2026"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("First-garden-2026")


@pytest.mark.req("ACC-3")
def test_manage_pages_render(client_for, resident, password):
    client = client_for(resident)
    client.post(REAUTH, {"password": password})
    for name in ("account_change_phone", "account_change_password", "account_email"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert "app-bar" in response.content.decode()

"""A second factor (allauth.mfa: TOTP and recovery codes) for platform operators and property
managers (issue 14, finding 4): who needs one, set-up before the staff portal or the admin, the
code at every login, recovery codes that work once."""

import time

import pytest
from django.test import Client

# allauth.mfa is imported inside the helpers, so that the same tests run (and fail) where the
# app is not installed yet.

pytestmark = [pytest.mark.django_db, pytest.mark.real_second_factor]

LOGIN = "/accounts/login/"
AUTHENTICATE = "/accounts/2fa/authenticate/"
ACTIVATE = "/accounts/2fa/totp/activate/"
REAUTHENTICATE = "/accounts/2fa/reauthenticate/"


def current_code(secret: str) -> str:
    from accounts.allauth_bridge import totp_code

    return totp_code(secret, time.time())


def log_in(client, user, password):
    return client.post(LOGIN, {"login": user.mobile, "password": password})


def with_totp(user) -> str:
    from accounts.allauth_bridge import activate_totp, new_totp_secret

    secret = new_totp_secret()
    activate_totp(user, secret)
    return secret


def test_who_requires_a_second_factor(
    operator, manager, staff_user, technician, cashier, resident, outsider_staff
):
    from accounts.mfa import requires_second_factor

    assert requires_second_factor(operator)
    assert requires_second_factor(manager)
    assert requires_second_factor(outsider_staff)  # a manager elsewhere is a manager
    assert not requires_second_factor(staff_user)
    assert not requires_second_factor(technician)
    assert not requires_second_factor(cashier)
    assert not requires_second_factor(resident)


def test_an_operator_without_mfa_is_sent_to_set_up_and_cannot_use_the_admin_or_staff(
    operator, password
):
    client = Client()
    response = log_in(client, operator, password)
    assert response.status_code == 302
    for page in ("/admin/", "/admin/accounts/user/", "/staff/"):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(ACTIVATE), page


def test_a_manager_without_mfa_is_sent_to_set_up_then_gets_in(manager, password):
    client = Client()
    log_in(client, manager, password)
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith(ACTIVATE)

    page = client.get(ACTIVATE)
    assert page.status_code == 200
    body = page.content.decode()
    assert "data:image/svg+xml;base64," in body, "the QR code"
    assert "两步验证" in body and "身份验证器" in body, "in Chinese"
    assert "login-page" in body, "on the entrance card of the login page"

    secret = page.context["form"].secret
    wrong = client.post(ACTIVATE, {"code": "000000" if current_code(secret) != "000000" else "1"})
    assert wrong.status_code == 200
    assert "不正确" in wrong.content.decode() or "错误" in wrong.content.decode()
    assert 'value="' in wrong.content.decode()

    response = client.post(ACTIVATE, {"code": current_code(secret)})
    assert response.status_code == 302
    codes_page = client.get(response["Location"])
    assert "恢复码" in codes_page.content.decode()
    assert 'href="/staff/"' in codes_page.content.decode(), "continues where it was going"
    from allauth.mfa.models import Authenticator

    assert Authenticator.objects.filter(user=manager, type=Authenticator.Type.TOTP).exists()
    assert client.get("/staff/").status_code == 200, "set up in this session: no second ask"


def test_a_manager_with_totp_must_enter_a_valid_code(manager, password):
    secret = with_totp(manager)
    client = Client()
    response = log_in(client, manager, password)
    assert response.status_code == 302
    assert response["Location"] == AUTHENTICATE
    assert "_auth_user_id" not in client.session, "not logged in before the code"
    assert client.get("/staff/").status_code == 302

    wrong = client.post(AUTHENTICATE, {"code": "12345"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session

    response = client.post(AUTHENTICATE, {"code": current_code(secret)})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_the_code_page_is_in_chinese_in_the_site_layout(manager, password):
    with_totp(manager)
    client = Client()
    log_in(client, manager, password)
    body = client.get(AUTHENTICATE).content.decode()
    assert "login-page" in body, "the entrance card of the login page"
    assert "两步验证" in body or "身份验证器" in body


def test_the_admin_with_totp_asks_for_the_code_too(operator, password):
    secret = with_totp(operator)
    client = Client()
    response = client.get("/admin/login/", {"next": "/admin/"})
    response = client.post(
        response["Location"].split("?")[0] + "?next=/admin/",
        {"login": operator.mobile, "password": password},
    )
    assert response["Location"] == AUTHENTICATE
    assert client.get("/admin/").status_code == 302
    response = client.post(AUTHENTICATE, {"code": current_code(secret)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_recovery_codes_work_once(manager, password):
    from accounts.allauth_bridge import activate_recovery_codes

    with_totp(manager)
    code = activate_recovery_codes(manager)[0]

    first = Client()
    log_in(first, manager, password)
    assert first.post(AUTHENTICATE, {"code": code}).status_code == 302
    assert first.get("/staff/").status_code == 200

    second = Client()
    log_in(second, manager, password)
    response = second.post(AUTHENTICATE, {"code": code})
    assert response.status_code == 200
    assert "_auth_user_id" not in second.session


@pytest.mark.parametrize("who, portal", [("manager", "/staff/"), ("operator", "/admin/")])
def test_a_session_without_the_second_factor_is_asked_for_the_code(request, who, portal):
    """A session that was opened without the code (before the person set up the app, or by any
    way that skips allauth's login) must confirm the code before the staff portal or the
    admin."""
    user = request.getfixturevalue(who)
    secret = with_totp(user)
    client = Client()
    client.force_login(user)
    response = client.get(portal)
    assert response.status_code == 302
    assert response["Location"].startswith(REAUTHENTICATE)
    page = client.get(response["Location"])
    assert "两步验证" in page.content.decode()
    response = client.post(response["Location"], {"code": current_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == portal
    assert client.get(portal).status_code == 200


def test_the_security_page_links_to_two_step_verification(client_for, resident):
    body = client_for(resident).get("/me/security/").content.decode()
    assert 'href="/accounts/2fa/"' in body and "两步验证" in body


def test_staff_without_the_managers_duties_are_not_asked(staff_user, password):
    client = Client()
    log_in(client, staff_user, password)
    assert client.get("/staff/").status_code == 200


def test_operators_and_managers_cannot_turn_the_second_factor_off(manager, password):
    secret = with_totp(manager)
    client = Client()
    log_in(client, manager, password)
    client.post(AUTHENTICATE, {"code": current_code(secret)})
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 200
    assert "无法" in response.content.decode() or "不能" in response.content.decode()
    from allauth.mfa.models import Authenticator

    assert Authenticator.objects.filter(user=manager).exists()


def test_a_system_check_insists_on_the_middleware(settings):
    from accounts.checks import second_factor_enforced

    assert second_factor_enforced(None) == []
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "accounts.mfa.SecondFactorMiddleware"
    ]
    assert [error.id for error in second_factor_enforced(None)] == ["accounts.E002"]


def test_a_proof_photo_needs_the_second_factor_too(manager, password, community):
    """The proof of a binding is a resident-portal URL that staff open from the verification
    queue: a manager who has not passed the second factor is sent to it there as well."""
    from tests.factories import ResidencyFactory, RoomFactory

    room = RoomFactory(building__community=community)
    residency = ResidencyFactory(room=room, status="pending")
    client = Client()
    log_in(client, manager, password)
    response = client.get(f"/me/rooms/{residency.pk}/proof/")
    assert response.status_code == 302
    assert response["Location"].startswith(ACTIVATE)

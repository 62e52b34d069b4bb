import pytest
from django.urls import reverse


@pytest.mark.req("X-2")
def test_login_page_is_in_chinese(client, db):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    body = response.content.decode()
    assert "登录" in body and "手机号" in body


@pytest.mark.req("ACC-1")
def test_login_page_offers_password_and_sms_code_sign_up_and_recovery(client, db):
    body = client.get(reverse("account_login")).content.decode()
    assert reverse("account_request_login_code") in body, "the SMS code tab"
    assert reverse("account_signup") in body
    assert reverse("accounts_auth:password_reset_by_sms") in body
    code_tab = client.get(reverse("account_request_login_code")).content.decode()
    assert reverse("account_login") in code_tab and 'name="phone"' in code_tab


def test_resident_logs_in_with_mobile_and_password(client, resident, password):
    response = client.post(
        reverse("account_login"), {"login": "139 0000 0001", "password": password}
    )
    assert response.status_code == 302
    home = client.get(reverse("accounts:home"))
    assert home.status_code == 200
    assert "张伟" in home.content.decode()


def test_wrong_password_keeps_the_number_and_says_why(client, resident):
    response = client.post(
        reverse("account_login"), {"login": "13900000001", "password": "wrong-password"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="13900000001"' in body
    assert "不正确" in body or "错误" in body


def test_pages_need_login(client, db):
    for name in ("accounts:home", "accounts:me", "staff:home", "staff_residents:residents"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_logout_is_post_only(client_for, resident):
    client = client_for(resident)
    client.post(reverse("account_logout"))
    assert client.get(reverse("accounts:home")).status_code == 302


def test_each_person_lands_in_their_own_portal(client, resident, manager, operator, password):
    for user, expected in ((resident, "/"), (manager, "/staff/"), (operator, "/admin/")):
        if not user.has_usable_password():
            user.set_password(password)
            user.save()
        response = client.post(
            reverse("account_login"), {"login": user.mobile, "password": password}
        )
        assert response["Location"] == expected, user
        client.post(reverse("account_logout"))


def test_next_wins_over_the_portal(client, manager, password):
    response = client.post(
        reverse("account_login") + "?next=/me/", {"login": manager.mobile, "password": password}
    )
    assert response["Location"] == "/me/"

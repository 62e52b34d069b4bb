"""A social sign-up ends with a verified mobile number: the account exists only after the code."""

import re

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from accounts.models import User
from accounts.phone import mask_mobile
from accounts.sms import outbox
from kit.models import AuditEntry
from tests.factories import UserFactory

from .social_standin import (
    WECHAT_OPEN,
    bind_phone,
    log_in_with,
    logged_in_user_id,
    serve_standin,
)

INCORRECT_CODE = "验证码错误或已过期，请重新获取。"
TRIES_LEFT = "验证码错误，还可以再试%d次。"


def page_text(response, phone: str) -> str:
    """The page without what differs per request (CSRF token, the seconds until the next
    code) and per number typed."""
    body = response.content.decode().replace(phone, "#").replace(mask_mobile(phone), "#")
    body = re.sub(r'data-countdown="\d+"', "", body)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def form_errors(response) -> str:
    return " ".join(" ".join(errors) for errors in response.context["form"].errors.values())


pytestmark = [pytest.mark.django_db, pytest.mark.req("ACC-2")]


@pytest.fixture
def standin(settings):
    yield from serve_standin(settings)


SIGNUP = "/accounts/3rdparty/signup/"


@pytest.fixture
def pending(client, standin):
    """Someone back from WeChat, not yet known here: on the bind-phone page."""
    response = log_in_with(client, "weixin")
    assert response["Location"] == reverse("socialaccount_signup") == SIGNUP
    return client


def test_bind_page_asks_for_number_and_code(pending):
    body = pending.get(SIGNUP).content.decode()
    assert 'name="phone"' in body and 'name="code"' in body
    assert 'value="send_code"' in body


def test_wrong_code_creates_nobody_and_keeps_the_number(pending):
    response = bind_phone(pending, "13900009001", code="000000")

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert 'value="13900009001"' in response.content.decode()
    assert not User.objects.filter(mobile="13900009001").exists()
    assert not SocialAccount.objects.exists()
    assert logged_in_user_id(pending) is None


def test_code_for_another_number_does_not_bind(pending):
    pending.post(SIGNUP, {"action": "send_code", "phone": "13900009002"})
    code = outbox[-1].params["code"]

    response = pending.post(SIGNUP, {"phone": "13900009003", "code": code})

    assert response.status_code == 200
    assert not User.objects.exists()


def test_number_with_an_account_is_not_revealed(pending, resident):
    free = pending.post(SIGNUP, {"action": "send_code", "phone": "13900009005"})
    taken = pending.post(SIGNUP, {"action": "send_code", "phone": resident.mobile})

    # The same reply on screen, the same form; both numbers get a code, the one with an
    # account worded for linking WeChat to it.
    assert free.status_code == taken.status_code == 200
    assert taken.context["code_sent"] and free.context["code_sent"]
    assert page_text(free, "13900009005") == page_text(taken, resident.mobile)
    assert [m.template for m in outbox if m.phone == "13900009005"] == ["verification_code"]
    [text] = [m for m in outbox if m.phone == resident.mobile]
    assert text.template == "social_link"
    assert text.params["provider"] == "微信" and len(text.params["code"]) == 6
    assert "绑定" in text.text and text.params["code"] in text.text
    # Wrong codes get the same answer for both: the tries left.
    for phone in ("13900009005", resident.mobile):
        for guess, left in (("000000", 4), ("123456", 3)):
            response = pending.post(SIGNUP, {"phone": phone, "code": guess})
            assert response.status_code == 200
            assert response.context["form"].errors == {"code": [TRIES_LEFT % left]}
    assert not SocialAccount.objects.filter(user=resident).exists()
    assert logged_in_user_id(pending) is None


@pytest.mark.req("ACC-2")
def test_imported_resident_proves_the_number_and_is_linked_and_logged_in(pending, standin):
    """Everyone the office imported: no password, number not yet verified."""
    imported = UserFactory(mobile="13900009010", display_name="赵敏", mobile_verified=False)
    imported.set_unusable_password()
    imported.save()

    response = bind_phone(pending, "139 0000 9010")

    assert response.status_code == 302
    assert response["Location"] != SIGNUP
    assert logged_in_user_id(pending) == imported.pk
    account = SocialAccount.objects.get(user=imported)
    assert account.provider == "weixin"
    assert account.uid == standin.person.wechat_openid(WECHAT_OPEN[0])
    imported.refresh_from_db()
    assert imported.mobile_verified and imported.display_name == "赵敏"
    assert User.objects.filter(mobile="13900009010").count() == 1
    assert AuditEntry.objects.filter(action="social.connected", target_id=str(imported.pk)).exists()
    assert not AuditEntry.objects.filter(action="social.signed_up").exists()
    # The pending sign-up is spent; next time WeChat alone logs in.
    assert pending.get(SIGNUP)["Location"] == reverse("account_login")
    pending.logout()
    assert log_in_with(pending, "weixin")["Location"] != SIGNUP
    assert logged_in_user_id(pending) == imported.pk


def test_a_code_for_a_new_account_works_on_no_other_page(pending, client):
    pending.post(SIGNUP, {"action": "send_code", "phone": "13900009011"})
    code = outbox[-1].params["code"]

    response = pending.post(
        reverse("account_signup"), {"phone": "13900009011", "code": code, "password1": ""}
    )

    assert response.status_code == 200
    assert not User.objects.filter(mobile="13900009011").exists()


def test_a_linking_code_is_bound_to_its_browser(pending, resident, standin):
    pending.post(SIGNUP, {"action": "send_code", "phone": resident.mobile})
    code = outbox[-1].params["code"]
    other = pending.__class__()
    log_in_with(other, "weixin")

    response = other.post(SIGNUP, {"phone": resident.mobile, "code": code})

    assert response.status_code == 200
    # Counted as a wrong try, the same answer as any wrong code.
    assert response.context["form"].errors == {"code": [TRIES_LEFT % 4]}
    assert not SocialAccount.objects.exists()


def test_deactivated_account_is_not_linked_and_told_only_after_the_code(pending):
    closed = UserFactory(mobile="13900009012", is_active=False)

    response = bind_phone(pending, closed.mobile)

    assert response.status_code == 200
    assert "已停用" in form_errors(response)
    assert not SocialAccount.objects.exists()
    assert logged_in_user_id(pending) is None


@pytest.mark.parametrize("who", ["staff_user", "technician", "operator"])
def test_staff_and_operators_connect_only_from_inside_their_account(pending, request, who):
    user = request.getfixturevalue(who)

    response = bind_phone(pending, user.mobile)

    assert response.status_code == 200
    assert "账号与安全" in form_errors(response)
    assert not SocialAccount.objects.exists()
    assert logged_in_user_id(pending) is None


def test_former_staff_member_is_linked_like_any_resident(pending, staff_user):
    staff_user.staff_member.is_active = False
    staff_user.staff_member.save()

    response = bind_phone(pending, staff_user.mobile)

    assert response.status_code == 302
    assert logged_in_user_id(pending) == staff_user.pk


def test_account_with_another_wechat_is_not_moved_and_told_after_the_code(pending, resident):
    SocialAccount.objects.create(
        user=resident, provider="weixin", uid="o-someone-else", extra_data={"unionid": "oU-x"}
    )

    wrong = pending.post(SIGNUP, {"phone": resident.mobile, "code": "000000"})
    assert wrong.context["form"].errors == {"code": [INCORRECT_CODE]}
    response = bind_phone(pending, resident.mobile)

    assert response.status_code == 200
    assert "已绑定其他微信" in form_errors(response)
    assert list(SocialAccount.objects.values_list("uid", flat=True)) == ["o-someone-else"]
    assert logged_in_user_id(pending) is None


def test_account_with_qq_gets_wechat_too(pending, resident):
    SocialAccount.objects.create(user=resident, provider="qq", uid="QQ-of-the-resident")

    response = bind_phone(pending, resident.mobile)

    assert response.status_code == 302
    assert logged_in_user_id(pending) == resident.pk
    assert sorted(
        SocialAccount.objects.filter(user=resident).values_list("provider", flat=True)
    ) == [
        "qq",
        "weixin",
    ]


def test_invalid_number_is_refused_and_kept(pending):
    response = pending.post(SIGNUP, {"action": "send_code", "phone": "12345"})

    assert response.status_code == 200
    assert response.context["send_form"].errors["phone"]
    assert 'value="12345"' in response.content.decode()
    assert outbox == []


def test_second_code_within_a_minute_is_refused(pending):
    pending.post(SIGNUP, {"action": "send_code", "phone": "13900009006"})
    again = pending.post(SIGNUP, {"action": "send_code", "phone": "13900009006"})

    assert again.context["send_form"].errors["phone"]
    assert len(outbox) == 1


def test_number_registered_meanwhile_is_linked_to_that_account(pending):
    pending.post(SIGNUP, {"action": "send_code", "phone": "13900009007"})
    code = outbox[-1].params["code"]
    registered = UserFactory(mobile="13900009007")

    response = pending.post(SIGNUP, {"phone": "13900009007", "code": code})

    # The code proved the number, whichever text carried it.
    assert response.status_code == 302
    assert SocialAccount.objects.get().user == registered
    assert User.objects.filter(mobile="13900009007").count() == 1
    assert logged_in_user_id(pending) == registered.pk


def test_bind_page_without_a_social_login_goes_to_login(client, db):
    response = client.get(SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert client.post(SIGNUP, {"action": "send_code", "phone": "13900009008"}).status_code == 302
    assert outbox == []

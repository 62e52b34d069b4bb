"""A social sign-up ends with a verified mobile number: the account exists only after the code."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from accounts.models import User
from accounts.sms import outbox
from tests.factories import UserFactory

from .social_standin import (
    bind_phone,
    log_in_with,
    logged_in_user_id,
    serve_standin,
)

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

    # The same reply on screen; the owner of the number is told by SMS instead.
    assert free.status_code == taken.status_code == 200
    assert taken.context["code_sent"] and free.context["code_sent"]
    assert [m.template for m in outbox if m.phone == resident.mobile] == ["account_exists"]
    for guess in ("000000", "123456"):
        response = pending.post(SIGNUP, {"phone": resident.mobile, "code": guess})
        assert response.status_code == 200
        assert response.context["form"].errors["code"]
    assert not SocialAccount.objects.filter(user=resident).exists()
    assert logged_in_user_id(pending) is None


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


def test_number_registered_meanwhile_is_not_bound(pending):
    pending.post(SIGNUP, {"action": "send_code", "phone": "13900009007"})
    code = outbox[-1].params["code"]
    UserFactory(mobile="13900009007")

    response = pending.post(SIGNUP, {"phone": "13900009007", "code": code})

    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    assert not SocialAccount.objects.exists()


def test_bind_page_without_a_social_login_goes_to_login(client, db):
    response = client.get(SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert client.post(SIGNUP, {"action": "send_code", "phone": "13900009008"}).status_code == 302
    assert outbox == []

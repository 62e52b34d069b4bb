"""Existing users connect and disconnect WeChat and QQ (我的 → 账号与安全 → allauth's
connections page); the last way to log in cannot be disconnected."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib import messages
from django.urls import reverse

from accounts.sms import outbox
from kit.models import AuditEntry
from tests.factories import PASSWORD, UserFactory

from .social_standin import (
    IN_WECHAT,
    WECHAT_MP,
    WECHAT_OPEN,
    log_in_with,
    logged_in_user_id,
    reauthenticate,
    serve_standin,
)

pytestmark = [pytest.mark.django_db, pytest.mark.req("ACC-2")]


@pytest.fixture
def standin(settings):
    yield from serve_standin(settings)


CONNECTIONS = "/accounts/3rdparty/"


def test_connections_page_needs_login(client, db):
    response = client.get(CONNECTIONS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_connections_page_offers_wechat_and_qq(client_for, resident, standin):
    body = client_for(resident).get(CONNECTIONS).content.decode()
    assert f"{reverse('weixin_login')}?process=connect" in body
    assert f"{reverse('qq_login')}?process=connect" in body
    assert reverse("weixin_mp_login") not in body


def test_inside_wechat_connect_uses_the_official_account(client_for, resident, standin):
    body = client_for(resident).get(CONNECTIONS, HTTP_USER_AGENT=IN_WECHAT).content.decode()
    assert f"{reverse('weixin_mp_login')}?process=connect" in body
    assert f"{reverse('weixin_login')}?" not in body


def test_resident_connects_wechat(client_for, resident, standin):
    client = reauthenticate(client_for(resident))

    response = log_in_with(client, "weixin", process="connect")

    assert response.status_code == 302
    assert response["Location"] == CONNECTIONS
    account = SocialAccount.objects.get(user=resident)
    assert (account.provider, account.uid) == (
        "weixin",
        standin.person.wechat_openid(WECHAT_OPEN[0]),
    )
    assert logged_in_user_id(client) == resident.pk
    assert AuditEntry.objects.filter(action="social.connected", target_id=str(resident.pk)).exists()
    page = client.get(CONNECTIONS).content.decode()
    assert "张三" in page and 'name="account"' in page

    # From now on WeChat logs the resident in.
    client.logout()
    log_in_with(client, "weixin")
    assert logged_in_user_id(client) == resident.pk


def test_resident_connects_the_official_account_inside_wechat(client_for, resident, standin):
    client = reauthenticate(client_for(resident))

    log_in_with(client, "weixin_mp", process="connect", user_agent=IN_WECHAT)

    account = SocialAccount.objects.get(user=resident)
    assert account.uid == standin.person.wechat_openid(WECHAT_MP[0])


def test_wechat_of_another_account_is_not_moved(client_for, resident, standin):
    other = UserFactory(mobile="13900006001")
    SocialAccount.objects.create(
        user=other, provider="weixin", uid=standin.person.wechat_openid(WECHAT_OPEN[0])
    )
    client = reauthenticate(client_for(resident))

    response = log_in_with(client, "weixin", process="connect")

    assert response["Location"] == CONNECTIONS
    assert SocialAccount.objects.get().user == other
    assert logged_in_user_id(client) == resident.pk
    shown = list(client.get(CONNECTIONS).context["messages"])
    assert [m.level for m in shown] == [messages.ERROR]


def test_resident_with_a_password_disconnects_wechat(client_for, resident, standin):
    account = SocialAccount.objects.create(user=resident, provider="weixin", uid="o-zhangwei")

    response = reauthenticate(client_for(resident)).post(CONNECTIONS, {"account": account.pk})

    assert response.status_code == 302
    assert not SocialAccount.objects.filter(pk=account.pk).exists()
    assert AuditEntry.objects.filter(
        action="social.disconnected", target_id=str(resident.pk)
    ).exists()


def test_the_last_way_to_log_in_cannot_be_disconnected(client, standin):
    user = UserFactory(mobile="13900006002")
    user.set_unusable_password()
    user.save()
    account = SocialAccount.objects.create(user=user, provider="qq", uid=standin.person.qq_openid())
    log_in_with(client, "qq")

    response = client.post(CONNECTIONS, {"account": account.pk})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert SocialAccount.objects.filter(pk=account.pk).exists()
    assert reverse("account_set_password") in response.content.decode()


def test_one_of_two_may_go_even_without_a_password(client, standin):
    user = UserFactory(mobile="13900006003")
    user.set_unusable_password()
    user.save()
    wechat = SocialAccount.objects.create(user=user, provider="weixin", uid="o-two")
    SocialAccount.objects.create(user=user, provider="qq", uid=standin.person.qq_openid())
    log_in_with(client, "qq")
    # A fresh login is not a re-authentication; with no password, an SMS code confirms it.
    assert client.post(CONNECTIONS, {"account": wechat.pk})["Location"].startswith(
        "/accounts/reauthenticate/code/"
    )
    client.post("/accounts/reauthenticate/code/", {"action": "send"})
    code = [m for m in outbox if m.phone == user.mobile][-1].params["code"]
    assert client.post("/accounts/reauthenticate/code/", {"code": code}).status_code == 302

    client.post(CONNECTIONS, {"account": wechat.pk})

    assert list(SocialAccount.objects.filter(user=user).values_list("provider", flat=True)) == [
        "qq"
    ]


def test_connecting_after_an_old_login_asks_for_the_password_first(client_for, resident, standin):
    client = client_for(resident)  # a session without a recent authentication

    response = log_in_with(client, "weixin", process="connect")

    assert response["Location"] == reverse("account_reauthenticate")
    assert not SocialAccount.objects.exists()
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302
    assert SocialAccount.objects.get().user == resident


def test_nobody_disconnects_another_users_account(client_for, resident, outsider, standin):
    theirs = SocialAccount.objects.create(user=outsider, provider="weixin", uid="o-wangfang")

    response = reauthenticate(client_for(resident)).post(CONNECTIONS, {"account": theirs.pk})

    assert response.status_code == 200
    assert SocialAccount.objects.filter(pk=theirs.pk).exists()

"""WeChat login, whole flows: our redirect, the provider's page, our callback, and our
server-side token and user-info calls over HTTP to a local stand-in of WeChat's servers."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from accounts.models import User
from accounts.sms import outbox
from kit import wechat
from kit.models import AuditEntry
from tests.factories import UserFactory

from .social_standin import (
    DESKTOP,
    IN_WECHAT,
    WECHAT_MP,
    WECHAT_OPEN,
    agree,
    bind_phone,
    follow_to_callback,
    log_in_with,
    logged_in_user_id,
    query_of,
    serve_standin,
    start,
)

pytestmark = [pytest.mark.django_db, pytest.mark.req("ACC-2")]


@pytest.fixture
def standin(settings):
    yield from serve_standin(settings)


def test_desktop_login_page_offers_wechat_qr_login(client, standin):
    body = client.get(reverse("account_login"), HTTP_USER_AGENT=DESKTOP).content.decode()
    assert reverse("weixin_login") in body
    assert reverse("weixin_mp_login") not in body
    assert reverse("qq_login") in body
    assert "bi-wechat" in body and "bi-tencent-qq" in body


def test_inside_wechat_the_button_is_the_official_account_login(client, standin):
    body = client.get(reverse("account_login"), HTTP_USER_AGENT=IN_WECHAT).content.decode()
    assert reverse("weixin_mp_login") in body
    assert reverse("weixin_login") not in body
    assert body.count("bi-wechat") == 1


@pytest.mark.parametrize("page", ["account_login", "account_request_login_code"])
def test_inside_wechat_wechat_login_leads_the_page(client, standin, page):
    body = client.get(reverse(page), HTTP_USER_AGENT=IN_WECHAT).content.decode()

    wechat = body.index(reverse("weixin_mp_login"))
    number = body.index('name="phone"' if "code" in page else 'name="login"')
    qq = body.index(reverse("qq_login"))
    assert wechat < number < qq
    assert "或使用手机号登录" in body
    # One filled button: WeChat's; the number's is outlined below it.
    assert 'class="btn btn-primary' not in body and "btn-outline-primary w-100" in body


def test_outside_wechat_the_number_leads_the_page(client, standin):
    body = client.get(reverse("account_login"), HTTP_USER_AGENT=DESKTOP).content.decode()

    assert body.index('name="login"') < body.index(reverse("weixin_login"))
    assert "或使用手机号登录" not in body
    assert 'class="btn btn-primary w-100' in body


def test_no_buttons_without_configured_apps(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    body = client.get(reverse("account_login")).content.decode()
    assert reverse("weixin_login") not in body and reverse("qq_login") not in body


def test_qr_login_new_user_binds_a_verified_number_before_being_logged_in(client, standin):
    authorize_url = start(client, "weixin")
    assert authorize_url.startswith(f"{standin.url}/connect/qrconnect?")
    assert authorize_url.endswith("#wechat_redirect")
    params = query_of(authorize_url.split("#")[0])
    assert list(params) == ["appid", "redirect_uri", "response_type", "scope", "state"]
    assert params["appid"] == WECHAT_OPEN[0]
    assert params["scope"] == "snsapi_login"
    assert params["redirect_uri"] == "http://testserver/accounts/weixin/login/callback/"

    response = follow_to_callback(client, agree(authorize_url))

    assert response.status_code == 302
    assert response["Location"] == reverse("socialaccount_signup")
    token_call = standin.params("/sns/oauth2/access_token")
    assert token_call["appid"] == WECHAT_OPEN[0] and token_call["secret"] == WECHAT_OPEN[1]
    assert token_call["grant_type"] == "authorization_code" and token_call["code"]
    assert standin.params("/sns/userinfo")["openid"] == standin.person.wechat_openid(WECHAT_OPEN[0])
    # Not logged in and no account yet: the number must be proven first.
    assert logged_in_user_id(client) is None
    assert not SocialAccount.objects.exists()
    page = client.get(reverse("socialaccount_signup")).content.decode()
    assert "张三" in page  # WeChat's UTF-8 nickname, read right despite the charset-less header

    response = bind_phone(client, "139 0000 7777")

    assert response.status_code == 302
    user = User.objects.get(mobile="13900007777")
    assert user.mobile_verified and user.display_name == "张三"
    assert not user.has_usable_password()
    account = SocialAccount.objects.get(user=user)
    assert account.provider == "weixin"
    assert account.uid == standin.person.wechat_openid(WECHAT_OPEN[0])
    assert account.extra_data["unionid"] == standin.person.unionid
    assert logged_in_user_id(client) == user.pk
    assert [m.template for m in outbox] == ["verification_code"]
    assert AuditEntry.objects.filter(action="social.signed_up", target_id=str(user.pk)).exists()


def test_qr_login_of_a_known_wechat_user_logs_straight_in(client, standin):
    user = UserFactory(mobile="13900007001")
    SocialAccount.objects.create(
        user=user, provider="weixin", uid=standin.person.wechat_openid(WECHAT_OPEN[0])
    )

    response = log_in_with(client, "weixin")

    assert response.status_code == 302
    assert response["Location"] != reverse("socialaccount_signup")
    assert logged_in_user_id(client) == user.pk
    assert SocialAccount.objects.get(user=user).extra_data["nickname"] == "张三"
    assert outbox == []


def test_inside_wechat_the_official_account_flow_keeps_its_openid(client, standin):
    authorize_url = start(client, "weixin_mp", user_agent=IN_WECHAT)

    assert authorize_url.startswith(f"{standin.url}/connect/oauth2/authorize?")
    assert authorize_url.endswith("#wechat_redirect")
    params = query_of(authorize_url.split("#")[0])
    assert params["appid"] == WECHAT_MP[0]
    assert params["scope"] == "snsapi_userinfo"
    assert params["response_type"] == "code"

    response = follow_to_callback(client, agree(authorize_url), user_agent=IN_WECHAT)
    assert response["Location"] == reverse("socialaccount_signup")
    assert standin.params("/sns/oauth2/access_token")["secret"] == WECHAT_MP[1]
    bind_phone(client, "13900007002")

    user = User.objects.get(mobile="13900007002")
    account = SocialAccount.objects.get(user=user)
    mp_openid = standin.person.wechat_openid(WECHAT_MP[0])
    assert account.provider == "weixin_mp"
    assert account.uid == mp_openid
    assert account.extra_data["openid"] == mp_openid
    assert account.extra_data["scope"] == "snsapi_userinfo"
    assert wechat.mp_openid(user.pk) == mp_openid
    assert logged_in_user_id(client) == user.pk


def test_official_account_login_finds_the_qr_user_by_unionid(client, standin):
    user = UserFactory(mobile="13900007003")
    SocialAccount.objects.create(
        user=user,
        provider="weixin",
        uid=standin.person.wechat_openid(WECHAT_OPEN[0]),
        extra_data={"unionid": standin.person.unionid},
    )
    assert wechat.mp_openid(user.pk) is None

    response = log_in_with(client, "weixin_mp", user_agent=IN_WECHAT)

    assert response["Location"] != reverse("socialaccount_signup")
    assert logged_in_user_id(client) == user.pk
    assert wechat.mp_openid(user.pk) == standin.person.wechat_openid(WECHAT_MP[0])
    assert SocialAccount.objects.filter(user=user).count() == 2


def test_unionid_of_another_person_does_not_link(client, standin):
    other = UserFactory(mobile="13900007004")
    SocialAccount.objects.create(
        user=other, provider="weixin", uid="o-other", extra_data={"unionid": "oUnion-other"}
    )

    response = log_in_with(client, "weixin_mp", user_agent=IN_WECHAT)

    assert response["Location"] == reverse("socialaccount_signup")
    assert logged_in_user_id(client) is None


def test_callback_with_a_foreign_state_is_rejected(client, standin):
    location = agree(start(client, "weixin"))
    forged = location.replace(f"state={query_of(location)['state']}", "state=forged123456")

    response = follow_to_callback(client, forged)

    assert response.status_code == 401
    assert "/sns/oauth2/access_token" not in standin.paths()
    assert logged_in_user_id(client) is None


def test_callback_without_a_login_started_here_is_rejected(client, standin):
    # A code and state from someone else's browser (login CSRF): no state in this session.
    other_browser = client.__class__()
    location = agree(start(other_browser, "weixin"))

    response = follow_to_callback(client, location)

    assert response.status_code == 401
    assert "/sns/oauth2/access_token" not in standin.paths()


def test_wechat_error_reply_is_shown_in_chinese(client, standin):
    standin.replies["/sns/oauth2/access_token"] = (
        200,
        "text/plain",
        '{"errcode":40029,"errmsg":"invalid code, rid: 6530b0b1-1a2b3c4d"}',
    )

    response = log_in_with(client, "weixin")

    assert response.status_code == 401
    body = response.content.decode()
    assert "微信登录失败" in body
    assert "授权已过期或已被使用，请重新登录。" in body
    assert "40029" in body
    assert logged_in_user_id(client) is None


def test_wechat_error_reply_in_english(client, standin, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    standin.replies["/sns/oauth2/access_token"] = (
        200,
        "text/plain",
        '{"errcode":40125,"errmsg":"invalid appsecret"}',
    )

    body = log_in_with(client, "weixin").content.decode()

    assert "WeChat login is not set up correctly" in body
    assert "40125" in body


def test_refusing_on_wechat_shows_cancelled(client, standin):
    location = agree(start(client, "weixin"))
    refused = location.split("?")[0] + f"?state={query_of(location)['state']}"

    response = follow_to_callback(client, refused)

    assert response.status_code == 302
    assert response["Location"] == reverse("socialaccount_login_cancelled")


def test_snapshot_page_user_is_not_logged_in(client, standin):
    standin.replies["/sns/oauth2/access_token"] = (
        200,
        "text/plain",
        '{"access_token":"t","expires_in":7200,"openid":"o-virtual","scope":"snsapi_base",'
        '"is_snapshotuser":1}',
    )

    response = log_in_with(client, "weixin_mp", user_agent=IN_WECHAT)

    assert response.status_code == 401
    assert "/sns/userinfo" not in standin.paths()
    assert not User.objects.exists()


@pytest.mark.req("ACC-1")
def test_wechat_sign_up_says_signed_up(client, standin):
    follow_to_callback(client, agree(start(client, "weixin")))
    response = bind_phone(client, "139 0000 7778")
    assert response.status_code == 302
    page = client.get(response["Location"], follow=True).content.decode()
    assert "注册成功" in page
    assert "已登录" not in page

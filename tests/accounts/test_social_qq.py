"""QQ login, whole flow: authorize, token (form-encoded), /oauth2.0/me (JSONP), get_user_info
(JSON), all over HTTP to a local stand-in of graph.qq.com."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

from .social_standin import (
    QQ,
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


def test_qq_login_new_user_binds_a_number(client, standin):
    authorize_url = start(client, "qq")

    assert authorize_url.startswith(f"{standin.url}/oauth2.0/authorize?")
    params = query_of(authorize_url)
    assert params["client_id"] == QQ[0]
    assert params["response_type"] == "code"
    assert params["scope"] == "get_user_info"
    assert params["state"]
    assert params["redirect_uri"] == "http://testserver/accounts/qq/login/callback/"

    response = follow_to_callback(client, agree(authorize_url))

    assert response["Location"] == reverse("socialaccount_signup")
    token_call = standin.params("/oauth2.0/token")
    assert token_call["client_secret"] == QQ[1]
    assert token_call["redirect_uri"] == params["redirect_uri"]
    me_call = standin.params("/oauth2.0/me")
    userinfo_call = standin.params("/user/get_user_info")
    assert me_call["access_token"] == userinfo_call["access_token"]
    assert userinfo_call["oauth_consumer_key"] == QQ[0]
    assert userinfo_call["openid"] == standin.person.qq_openid()
    assert logged_in_user_id(client) is None

    bind_phone(client, "13900008001")

    user = User.objects.get(mobile="13900008001")
    assert user.mobile_verified and user.display_name == "张三"
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == ("qq", standin.person.qq_openid())
    assert account.get_provider_account().get_avatar_url().endswith("s=100")
    assert logged_in_user_id(client) == user.pk


def test_known_qq_user_logs_straight_in(client, standin):
    user = UserFactory(mobile="13900008002")
    SocialAccount.objects.create(user=user, provider="qq", uid=standin.person.qq_openid())

    response = log_in_with(client, "qq")

    assert response["Location"] != reverse("socialaccount_signup")
    assert logged_in_user_id(client) == user.pk


def test_qq_token_error_is_shown_in_chinese(client, standin):
    standin.replies["/oauth2.0/token"] = (
        200,
        "text/html",
        'callback( {"error":100019,"error_description":"code to access token error"} );\n',
    )

    response = log_in_with(client, "qq")

    assert response.status_code == 401
    body = response.content.decode()
    assert "QQ登录失败" in body
    assert "授权已过期或已被使用，请重新登录。" in body
    assert "100019" in body
    assert logged_in_user_id(client) is None


def test_qq_token_error_in_english(client, standin, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    standin.replies["/oauth2.0/token"] = (
        200,
        "text/html",
        'callback( {"error":100009,"error_description":"client secret is illegal"} );\n',
    )

    body = log_in_with(client, "qq").content.decode()

    assert "QQ login is not set up correctly" in body
    assert "100009" in body


def test_a_token_issued_to_another_app_logs_nobody_in(client, standin):
    standin.me_client_id = "100000999"

    response = log_in_with(client, "qq")

    assert response.status_code == 401
    assert "/user/get_user_info" not in standin.paths()
    assert logged_in_user_id(client) is None


def test_get_user_info_error_is_a_failed_login(client, standin):
    standin.replies["/user/get_user_info"] = (
        200,
        "text/html",
        '{"ret":-1,"msg":"client request\'s parameters are invalid, invalid openid"}',
    )

    response = log_in_with(client, "qq")

    assert response.status_code == 401
    assert not SocialAccount.objects.exists()


def test_qq_state_mismatch_is_rejected(client, standin):
    location = agree(start(client, "qq"))
    forged = location.replace(f"state={query_of(location)['state']}", "state=forged123456")

    response = follow_to_callback(client, forged)

    assert response.status_code == 401
    assert "/oauth2.0/token" not in standin.paths()


def test_unreachable_qq_is_a_clear_failure(client, standin, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    settings.SOCIALACCOUNT_PROVIDERS["qq"]["ACCESS_TOKEN_URL"] = "http://127.0.0.1:9/token"

    response = log_in_with(client, "qq")

    assert response.status_code == 401
    assert "QQ did not answer as expected" in response.content.decode()
    assert logged_in_user_id(client) is None

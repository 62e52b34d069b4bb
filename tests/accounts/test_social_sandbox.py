"""The local sandbox of `make run` (LINLI_OAUTH_SANDBOX): whole WeChat and QQ logins against
accounts.sandbox, the server-side calls going over HTTP to a live server."""

import json

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.urls import include, path

from accounts.models import User
from config.urls import urlpatterns as site_urlpatterns
from tests.test_settings import run_django

from .social_standin import bind_phone, logged_in_user_id, query_of, sandbox_provider_settings

urlpatterns = [*site_urlpatterns, path("sandbox/oauth/", include("accounts.sandbox.urls"))]

pytestmark = [pytest.mark.req("ACC-2"), pytest.mark.urls(__name__)]


@pytest.fixture
def sandbox(settings, live_server):
    base = f"{live_server.url}/sandbox/oauth"
    settings.SOCIALACCOUNT_PROVIDERS = sandbox_provider_settings(live_server.url)
    return base


def sandbox_login(client, provider_id, *, nickname, identity):
    authorize = client.post(f"/accounts/{provider_id}/login/")["Location"]
    page = client.get(authorize)
    assert page.status_code == 200
    back = client.post(authorize, {"agree": "1", "nickname": nickname, "identity": identity})
    assert back.status_code == 302
    return client.get(back["Location"].removeprefix("http://testserver"))


@pytest.mark.parametrize("provider_id", ["weixin", "weixin_mp", "qq"])
def test_sandbox_login_then_bind_phone(client, sandbox, provider_id):
    response = sandbox_login(client, provider_id, nickname="王五", identity="wangwu")

    assert response["Location"] == "/accounts/3rdparty/signup/"
    bind_phone(client, "13900005001")
    user = User.objects.get(mobile="13900005001")
    assert user.display_name == "王五" and user.mobile_verified
    assert SocialAccount.objects.get(user=user).provider == provider_id
    assert logged_in_user_id(client) == user.pk

    # The same sandbox identity is the same person next time.
    client.logout()
    again = sandbox_login(client, provider_id, nickname="王五", identity="wangwu")
    assert again["Location"] != "/accounts/3rdparty/signup/"
    assert logged_in_user_id(client) == user.pk


def test_sandbox_authorize_page_is_a_translated_template(client, sandbox):
    authorize = client.post("/accounts/weixin/login/")["Location"]
    body = client.get(authorize).content.decode()
    assert 'name="agree"' in body and "sandbox-weixin" in body


def test_sandbox_refusal_is_a_cancelled_login(client, sandbox):
    authorize = client.post("/accounts/weixin/login/")["Location"]
    back = client.post(authorize, {"refuse": "1"})
    assert "code" not in query_of(back["Location"])
    response = client.get(back["Location"].removeprefix("http://testserver"))
    assert response["Location"] == "/accounts/3rdparty/login/cancelled/"


def test_sandbox_endpoints_answer_in_the_providers_formats(client, sandbox):
    authorize = client.post("/accounts/qq/login/")["Location"]
    back = client.post(authorize, {"agree": "1", "nickname": "赵六", "identity": "zhaoliu"})
    code = query_of(back["Location"])["code"]
    token_url = f"{sandbox}/qq/oauth2.0/token"
    params = {
        "grant_type": "authorization_code",
        "client_id": "sandbox-qq",
        "client_secret": "sandbox-qq-secret",
        "code": code,
        "redirect_uri": "http://testserver/accounts/qq/login/callback/",
    }

    token = requests.get(token_url, params=params, timeout=5).text
    assert token.startswith("access_token=") and "&expires_in=7776000" in token
    reused = requests.get(token_url, params=params, timeout=5).text
    assert reused.startswith("callback( ") and "100019" in reused
    access_token = query_of(f"?{token}")["access_token"]
    me = requests.get(f"{sandbox}/qq/oauth2.0/me", params={"access_token": access_token}, timeout=5)
    assert me.text.startswith('callback( {"client_id": "sandbox-qq", "openid": ')

    wrong_secret = requests.get(
        f"{sandbox}/weixin/sns/oauth2/access_token",
        params={
            "appid": "sandbox-weixin",
            "secret": "x",
            "code": "x",
            "grant_type": "authorization_code",
        },
        timeout=5,
    )
    assert json.loads(wrong_secret.content)["errcode"] == 40125


def test_sandbox_is_not_mounted_by_default(client, db, settings):
    settings.ROOT_URLCONF = "config.urls"
    assert client.get("/sandbox/oauth/qq/oauth2.0/me").status_code == 404


PRINT_PROVIDERS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps(settings.SOCIALACCOUNT_PROVIDERS))
"""


def test_local_runs_use_the_sandbox_unless_real_apps_are_set(tmp_path):
    def providers(**env):
        result = run_django(
            PRINT_PROVIDERS, "config.settings.local", LINLI_VAR_DIR=str(tmp_path), **env
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    local = providers(PORT="8123")
    assert local["qq"]["APP"]["client_id"] == "sandbox-qq"
    assert local["qq"]["ME_URL"] == "http://127.0.0.1:8123/sandbox/oauth/qq/oauth2.0/me"
    assert local["weixin_mp"]["AUTHORIZE_URL"] == "/sandbox/oauth/weixin/connect/oauth2/authorize"

    real = providers(WECHAT_MP_APP_ID="wx1234", WECHAT_MP_APP_SECRET="s3cret")
    assert real["weixin_mp"]["APP"] == {"client_id": "wx1234", "secret": "s3cret"}
    assert "AUTHORIZE_URL" not in real["weixin_mp"]  # the real endpoints
    assert real["qq"]["APP"]["client_id"] == "sandbox-qq"

    production_like = providers(LINLI_OAUTH_SANDBOX="false")
    assert all("APP" not in config for config in production_like.values())


def test_the_sandbox_is_refused_in_a_deployment():
    """As the payment sandbox is (billing.E004): `check --deploy` names it outside DEBUG, and
    the production settings do not start with it (tests/test_settings.py)."""
    from django.core import checks
    from django.test import override_settings

    with override_settings(LINLI_OAUTH_SANDBOX=True, DEBUG=False):
        ids = [error.id for error in checks.run_checks(include_deployment_checks=True)]
    assert "accounts.E001" in ids
    with override_settings(LINLI_OAUTH_SANDBOX=True, DEBUG=True):
        ids = [error.id for error in checks.run_checks(include_deployment_checks=True)]
    assert "accounts.E001" not in ids
    with override_settings(LINLI_OAUTH_SANDBOX=False, DEBUG=False):
        ids = [error.id for error in checks.run_checks(include_deployment_checks=True)]
    assert "accounts.E001" not in ids

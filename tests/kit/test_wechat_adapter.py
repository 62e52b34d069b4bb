"""kit.wechat, the one door to wechatpy: what it relies on in wechatpy still exists with the
signatures it calls (the private `_fetch_access_token` among them), and the real path works
against a local stand-in for the WeChat API. A wechatpy upgrade that breaks the adapter fails
here, not in production."""

import ast
import inspect
from pathlib import Path

import pytest
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from wechatpy import WeChatClient
from wechatpy.client.api import WeChatMessage
from wechatpy.client.base import BaseWeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage

from kit import wechat
from tests.conftest import clear_test_cache
from tests.factories import UserFactory
from tests.wechat_standin import WechatApi

ROOT = Path(settings.BASE_DIR)


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_the_private_token_fetch_we_call_is_still_there():
    # _Client.fetch_access_token calls it with these two keywords.
    assert parameters(BaseWeChatClient._fetch_access_token) == ["self", "url", "params"]
    # ... and wechatpy's access_token property still fetches through fetch_access_token.
    assert "self.fetch_access_token()" in inspect.getsource(BaseWeChatClient.access_token.fget)
    assert isinstance(WeChatClient.API_BASE_URL, str)


def test_the_client_and_its_session_take_what_we_give_them():
    assert parameters(WeChatClient.__init__)[:7] == [
        "self", "appid", "secret", "access_token", "session", "timeout", "auto_retry"
    ]  # fmt: skip
    assert isinstance(inspect.getattr_static(BaseWeChatClient, "access_token_key"), property)
    for name in ("get", "set", "delete"):
        assert parameters(getattr(SessionStorage, name))[:2] == ["self", "key"]
    client = wechat._Client("wx-app", "secret", api_base_url="http://127.0.0.1:9/cgi-bin")
    assert client.expires_at is None
    assert client.API_BASE_URL == "http://127.0.0.1:9/cgi-bin/"
    assert isinstance(client.message, WeChatMessage)


def test_the_template_message_and_the_error_we_read():
    assert parameters(WeChatMessage.send_template)[:5] == [
        "self", "user_id", "template_id", "data", "url"
    ]  # fmt: skip
    error = WeChatClientException(40001, "invalid credential", response=None)
    assert (error.errcode, error.errmsg, error.response) == (40001, "invalid credential", None)


def test_no_other_module_imports_wechatpy():
    importers = []
    # templates: makemessages (tests/test_i18n.py) writes passing .py copies of them there.
    skipped = {"node_modules", "tests", "staticfiles", "var", "templates"}
    tops = [p for p in ROOT.iterdir() if p.is_dir() and p.name not in skipped and p.name[0] != "."]
    for path in [*ROOT.glob("*.py"), *(path for top in tops for path in top.rglob("*.py"))]:
        relative = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            if any(name == "wechatpy" or name.startswith("wechatpy.") for name in names):
                importers.append(str(relative))
    assert sorted(set(importers)) == ["kit/wechat.py"]


@pytest.fixture
def wechat_api(settings):
    api = WechatApi()
    settings.WECHAT_API_BASE_URL = api.base_url
    settings.WECHAT_MP_APP_ID = "wx-test-app"
    settings.WECHAT_MP_APP_SECRET = "wx-test-secret"
    clear_test_cache()
    yield api
    api.close()


def send(account: wechat.OfficialAccount, openid: str = "o-openid") -> None:
    account.send_template(openid, "TPL", {"thing1": {"value": "停水"}}, url="https://x.test/")


def test_token_comes_from_our_base_url_and_is_shared_through_the_cache(wechat_api):
    send(wechat.official_account())
    send(wechat.official_account())  # another process: the token from the cache
    assert wechat_api.token_params == [
        {"grant_type": "client_credential", "appid": "wx-test-app", "secret": "wx-test-secret"}
    ]
    assert [m["touser"] for m in wechat_api.messages] == ["o-openid", "o-openid"]
    assert wechat_api.messages[0]["template_id"] == "TPL"
    assert wechat_api.messages[0]["url"] == "https://x.test/"
    assert wechat_api.messages[0]["data"] == {"thing1": {"value": "停水"}}


def test_forget_token_fetches_a_new_one(wechat_api):
    account = wechat.official_account()
    send(account)
    account.forget_token()
    send(account)
    assert wechat_api.tokens_issued == ["token-1", "token-2"]


def test_errors_come_out_as_the_kits_own(wechat_api, settings):
    account = wechat.official_account()
    wechat_api.errcodes = [43004]
    with pytest.raises(wechat.WeChatApiError) as refused:
        send(account)
    assert (refused.value.errcode, refused.value.errmsg) == (43004, "error 43004")

    wechat_api.http_errors = [502]
    with pytest.raises(wechat.WeChatApiError) as http_error:
        send(account)
    assert http_error.value.errcode is None and http_error.value.http_status == 502

    settings.WECHAT_API_BASE_URL = "http://127.0.0.1:9/cgi-bin/"
    clear_test_cache()
    with pytest.raises(wechat.WeChatUnreachable):
        send(wechat.official_account())


def test_no_app_id_is_a_configuration_error(settings):
    settings.WECHAT_MP_APP_ID = ""
    with pytest.raises(ImproperlyConfigured):
        wechat.official_account()


@pytest.mark.django_db
def test_openid_of_the_official_account_only():
    follower, qr_only, nobody = UserFactory(), UserFactory(), UserFactory()
    SocialAccount.objects.create(user=follower, provider="weixin_mp", uid="o-mp")
    SocialAccount.objects.create(user=follower, provider="weixin", uid="o-qr")
    SocialAccount.objects.create(user=qr_only, provider="weixin", uid="o-qr-2")
    assert wechat.mp_openid(follower.pk) == "o-mp"
    assert wechat.mp_openid(qr_only.pk) is None
    assert wechat.mp_openids([follower.pk, qr_only.pk, nobody.pk]) == {follower.pk: "o-mp"}

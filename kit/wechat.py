"""WeChat, in one place: whether a request comes from WeChat's built-in browser, the openid of our
official account that allauth keeps for a person, and the official account's API through wechatpy
(the customer's choice of SDK).

This is the only module that imports wechatpy. wechatpy hard-codes the URL it fetches the
access token from; `_Client` calls its private `_fetch_access_token` with a URL under
``WECHAT_API_BASE_URL`` instead, so that tests and local runs can point it at a stand-in.
tests/kit/test_wechat_adapter.py fails if a wechatpy upgrade moves what this relies on.

The access token is kept in Django's cache (shared by every web process and worker: WeChat
allows only so many token requests a day, and a new token soon ends the old one).
"""

from collections.abc import Iterable
from urllib.parse import urljoin

import requests
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage

# WeChat's built-in browser says so in its user agent, on every platform ("MicroMessenger/8.0.47…").
WECHAT_AGENT_MARKER = "MicroMessenger"


def in_wechat(request) -> bool:
    """The request comes from WeChat's built-in browser (its webview, on any platform)."""
    return WECHAT_AGENT_MARKER in request.headers.get("User-Agent", "")


def in_android_wechat(request) -> bool:
    """WeChat's webview on Android, which cannot show a PDF (iOS shows one inline)."""
    agent = request.headers.get("User-Agent", "")
    return WECHAT_AGENT_MARKER in agent and "Android" in agent


# The official account's login (accounts.providers.weixin_mp): its openid is the one WeChat Pay
# JSAPI and template messages need. The QR-code login ("weixin") is another app, another openid.
MP_PROVIDER = "weixin_mp"
TOKEN_MARGIN_SECONDS = 300  # forget a token this long before WeChat does


def mp_openid(user_id: int) -> str | None:
    """The person's openid at our official account, known once they have logged in or
    connected inside WeChat."""
    return (
        SocialAccount.objects.filter(user_id=user_id, provider=MP_PROVIDER)
        .values_list("uid", flat=True)
        .first()
    )


def mp_openids(user_ids: Iterable[int]) -> dict[int, str]:
    """`mp_openid` for many people in one query: user id → openid, for those who have one."""
    return dict(
        SocialAccount.objects.filter(user_id__in=list(user_ids), provider=MP_PROVIDER).values_list(
            "user_id", "uid"
        )
    )


class WeChatApiError(Exception):
    """WeChat answered with an error (`errcode`, `errmsg`), or with an HTTP error status
    (`errcode` None, `http_status`)."""

    def __init__(self, errcode: int | None, errmsg: str | None, http_status: int | None = None):
        super().__init__(
            f"WeChat {errcode}: {errmsg}"
            if errcode is not None
            else f"WeChat API HTTP {http_status}"
        )
        self.errcode = errcode
        self.errmsg = errmsg
        self.http_status = http_status


class WeChatUnreachable(Exception):
    """No answer from WeChat (connection refused, timeout); `reason` names the failure."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _CacheStorage(SessionStorage):
    """wechatpy's session storage on Django's cache."""

    prefix = "wechatpy:"

    def get(self, key, default=None):
        return cache.get(self.prefix + key, default)

    def set(self, key, value, ttl=None):
        if ttl is not None:
            ttl = max(int(ttl) - TOKEN_MARGIN_SECONDS, 60)
        cache.set(self.prefix + key, value, ttl)

    def delete(self, key):
        cache.delete(self.prefix + key)


class _Client(WeChatClient):
    """wechatpy's client with the token URL under API_BASE_URL (wechatpy hard-codes it)."""

    def __init__(self, appid, secret, *, api_base_url: str, **kwargs):
        super().__init__(appid, secret, **kwargs)
        self.API_BASE_URL = api_base_url if api_base_url.endswith("/") else api_base_url + "/"

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=urljoin(self.API_BASE_URL, "token"),
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


class OfficialAccount:
    """Our official account's API (公众号), as much of it as we use."""

    def __init__(self, appid: str, secret: str, *, api_base_url: str, timeout: float):
        self._client = _Client(
            appid,
            secret,
            api_base_url=api_base_url,
            session=_CacheStorage(),
            timeout=timeout,
            # Retrying is the caller's (once, with a fresh token): wechatpy's own would loop for
            # ever on a token WeChat keeps refusing.
            auto_retry=False,
        )

    def send_template(self, openid: str, template_id: str, data: dict, *, url: str) -> None:
        """A template message (模板消息); raises WeChatApiError or WeChatUnreachable."""
        try:
            self._client.message.send_template(openid, template_id, data, url=url)
        except WeChatClientException as error:
            status = getattr(error.response, "status_code", None)
            raise WeChatApiError(error.errcode, error.errmsg, status) from error
        except requests.RequestException as error:
            raise WeChatUnreachable(type(error).__name__) from error

    def forget_token(self) -> None:
        """Drop the cached access token (WeChat ended it): the next call fetches a new one."""
        self._client.session.delete(self._client.access_token_key)
        self._client.expires_at = None


def official_account() -> OfficialAccount:
    """Our official account, from WECHAT_MP_APP_ID/SECRET and WECHAT_API_BASE_URL."""
    if not settings.WECHAT_MP_APP_ID or not settings.WECHAT_MP_APP_SECRET:
        raise ImproperlyConfigured("WECHAT_MP_APP_ID and WECHAT_MP_APP_SECRET are not set")
    return OfficialAccount(
        settings.WECHAT_MP_APP_ID,
        settings.WECHAT_MP_APP_SECRET,
        api_base_url=settings.WECHAT_API_BASE_URL,
        timeout=settings.WECHAT_API_TIMEOUT_SECONDS,
    )

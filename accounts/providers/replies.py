"""Reading WeChat's and QQ's replies, and turning their error codes into something to tell people.

Both send UTF-8 without naming a charset, so bodies are decoded from bytes here rather than
through `requests`' guess. QQ answers in three shapes: form-encoded (token), JSONP
(`callback( {...} );` from /oauth2.0/me, and token errors) and JSON (get_user_info).
"""

import json
import re
from typing import Any
from urllib.parse import parse_qsl

import requests
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from django.utils.translation import gettext_lazy as _

JSONP = re.compile(r"^\s*callback\s*\(\s*(?P<body>\{.*\})\s*\)\s*;?\s*$", re.DOTALL)

# Codes meaning "the authorization is stale: start again".
WECHAT_STALE = {40029, 40163, 41008, 42001, 42003, 42002}
QQ_STALE = {100013, 100014, 100015, 100016, 100018, 100019, 100020, 100021}
# Codes meaning "our app is set up wrongly".
WECHAT_MISCONFIGURED = {40001, 40013, 40125, 40164, 41001, 41002, 41004, 10003, 10004, 10005}
QQ_MISCONFIGURED = {100001, 100002, 100008, 100009, 100010, 100011, 100031, 100048}
BUSY = {-1, 45009, 45011}


class ProviderReplyError(OAuth2Error):
    """WeChat or QQ answered with an error. `message` is for the person, the rest for the log."""

    def __init__(self, provider_name: Any, code: Any, detail: str = "") -> None:
        self.provider_name = provider_name
        self.code = code
        self.detail = detail
        super().__init__(f"{provider_name} error {code}: {detail}")

    @property
    def message(self) -> str:
        try:
            code = int(self.code)
        except (TypeError, ValueError):
            code = None
        name = self.provider_name
        if code in WECHAT_STALE or code in QQ_STALE:
            return _("The authorization has expired or was already used. Please log in again.")
        if code in WECHAT_MISCONFIGURED or code in QQ_MISCONFIGURED:
            return _(
                "%(provider)s login is not set up correctly. Please tell the property service desk."
            ) % {"provider": name}
        if code in BUSY:
            return _("%(provider)s is busy right now. Please try again in a moment.") % {
                "provider": name
            }
        return _("%(provider)s did not accept the login. Please try again.") % {"provider": name}


class SnapshotUserError(ProviderReplyError):
    """WeChat's snapshot mode (a page opened from Moments) hands out a stand-in openid."""

    def __init__(self, provider_name: Any) -> None:
        super().__init__(provider_name, "is_snapshotuser", "snapshot page")

    @property
    def message(self) -> str:
        return _("Tap “Use full service” at the bottom of the page, then log in again.")


def body_text(response: requests.Response) -> str:
    return response.content.decode("utf-8", errors="replace")


def read_wechat_json(response: requests.Response, provider_name: Any) -> dict[str, Any]:
    """A WeChat API reply as a dict; `{"errcode": ..., "errmsg": ...}` raises."""
    try:
        data = json.loads(body_text(response))
    except ValueError:
        raise ProviderReplyError(
            provider_name, response.status_code, body_text(response)[:200]
        ) from None
    if not isinstance(data, dict):
        raise ProviderReplyError(provider_name, response.status_code, "not an object")
    if data.get("errcode"):
        raise ProviderReplyError(provider_name, data["errcode"], str(data.get("errmsg", "")))
    return data


def read_qq_reply(response: requests.Response, provider_name: Any) -> dict[str, Any]:
    """A graph.qq.com reply in whichever of its shapes; `error` or a non-zero `ret` raises."""
    text = body_text(response).strip()
    match = JSONP.match(text)
    try:
        if match:
            data = json.loads(match.group("body"))
        elif text.startswith("{"):
            data = json.loads(text)
        else:
            data = dict(parse_qsl(text))
    except ValueError:
        raise ProviderReplyError(provider_name, response.status_code, text[:200]) from None
    if not isinstance(data, dict):
        raise ProviderReplyError(provider_name, response.status_code, "not an object")
    if "error" in data:
        raise ProviderReplyError(provider_name, data["error"], str(data.get("error_description")))
    if data.get("ret") not in (None, 0, "0"):
        raise ProviderReplyError(provider_name, data["ret"], str(data.get("msg", "")))
    return data

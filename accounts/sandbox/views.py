import hashlib
import json
import secrets
from typing import Any
from urllib.parse import urlencode

from allauth.socialaccount.adapter import get_adapter
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

CODE_SALT = "linli.sandbox.code"
TOKEN_SALT = "linli.sandbox.token"  # noqa: S105
CODE_MAX_AGE = 600
WECHAT_JSON = "application/json; encoding=utf-8"

PROVIDER_LABELS = {
    "weixin": _("Simulated WeChat authorization"),
    "weixin_mp": _("Simulated WeChat authorization"),
    "qq": _("Simulated QQ authorization"),
}
DEFAULT_NICKNAMES = {"weixin": "微信用户", "weixin_mp": "微信用户", "qq": "QQ用户"}


def _app(request: HttpRequest, providers: list[str], client_id: str):
    for app in get_adapter().list_apps(request, client_id=client_id):
        if app.provider in providers:
            return app
    return None


def _wechat_openid(appid: str, identity: str) -> str:
    return "o" + hashlib.sha256(f"{appid}:{identity}".encode()).hexdigest()[:27]


def _unionid(identity: str) -> str:
    return "u" + hashlib.sha256(f"union:{identity}".encode()).hexdigest()[:27]


def _qq_openid(appid: str, identity: str) -> str:
    return hashlib.sha256(f"{appid}:{identity}".encode()).hexdigest()[:32].upper()


def authorize(request: HttpRequest, provider: str) -> HttpResponse:
    """The page WeChat or QQ would show: who asks, and "agree"."""
    client_id = request.GET.get("client_id" if provider == "qq" else "appid", "")
    redirect_uri = request.GET.get("redirect_uri", "")
    app = _app(request, [provider], client_id)
    if app is None or not url_has_allowed_host_and_scheme(
        redirect_uri, allowed_hosts={request.get_host()}
    ):
        return HttpResponseBadRequest("unknown app or redirect_uri")
    if request.method == "POST":
        back = {"state": request.GET.get("state", "")}
        if "agree" in request.POST:
            identity = request.POST.get("identity", "").strip() or secrets.token_hex(4)
            request.session["oauth_sandbox_identity"] = identity
            back["code"] = signing.dumps(
                {
                    "provider": provider,
                    "client_id": client_id,
                    "identity": identity,
                    "nickname": request.POST.get("nickname", "").strip()[:30]
                    or DEFAULT_NICKNAMES[provider],
                    "scope": request.GET.get("scope", ""),
                    "nonce": secrets.token_hex(8),
                },
                salt=CODE_SALT,
            )
        # Refusing: WeChat calls back without a code; QQ's page would simply close.
        return HttpResponseRedirect(f"{redirect_uri}?{urlencode(back)}")
    return render(
        request,
        "socialaccount/sandbox_authorize.html",
        {
            "provider": provider,
            "label": PROVIDER_LABELS[provider],
            "client_id": client_id,
            "scope": request.GET.get("scope", ""),
            "identity": request.session.get("oauth_sandbox_identity") or secrets.token_hex(4),
            "nickname": DEFAULT_NICKNAMES[provider],
        },
    )


def _redeem_code(code: str, providers: list[str], client_id: str) -> dict[str, Any] | None:
    try:
        grant = signing.loads(code, salt=CODE_SALT, max_age=CODE_MAX_AGE)
    except signing.BadSignature:
        return None
    if grant["provider"] not in providers or grant["client_id"] != client_id:
        return None
    # Each code works once, as on the real servers.
    if not cache.add(f"oauth-sandbox-code:{grant['nonce']}", 1, CODE_MAX_AGE):
        return None
    return grant


def _token_for(grant: dict[str, Any]) -> str:
    return signing.dumps(grant, salt=TOKEN_SALT)


def _grant_of(token: str) -> dict[str, Any] | None:
    try:
        return signing.loads(token, salt=TOKEN_SALT, max_age=7200)
    except signing.BadSignature:
        return None


def _wechat_reply(data: dict[str, Any]) -> HttpResponse:
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type=WECHAT_JSON)


def wechat_token(request: HttpRequest) -> HttpResponse:
    appid, secret = request.GET.get("appid", ""), request.GET.get("secret", "")
    app = _app(request, ["weixin", "weixin_mp"], appid)
    if app is None or request.GET.get("grant_type") != "authorization_code":
        return _wechat_reply({"errcode": 40013, "errmsg": "invalid appid"})
    if not secrets.compare_digest(secret, app.secret):
        return _wechat_reply({"errcode": 40125, "errmsg": "invalid appsecret"})
    grant = _redeem_code(request.GET.get("code", ""), [app.provider], appid)
    if grant is None:
        return _wechat_reply({"errcode": 40029, "errmsg": "invalid code"})
    return _wechat_reply(
        {
            "access_token": _token_for(grant),
            "expires_in": 7200,
            "refresh_token": secrets.token_urlsafe(24),
            "openid": _wechat_openid(appid, grant["identity"]),
            "scope": grant["scope"],
            "unionid": _unionid(grant["identity"]),
        }
    )


def wechat_userinfo(request: HttpRequest) -> HttpResponse:
    grant = _grant_of(request.GET.get("access_token", ""))
    if grant is None or grant["provider"] not in ("weixin", "weixin_mp"):
        return _wechat_reply({"errcode": 40001, "errmsg": "invalid credential"})
    openid = _wechat_openid(grant["client_id"], grant["identity"])
    if request.GET.get("openid") != openid:
        return _wechat_reply({"errcode": 40003, "errmsg": "invalid openid"})
    return _wechat_reply(
        {
            "openid": openid,
            "nickname": grant["nickname"],
            "sex": 0,
            "province": "",
            "city": "",
            "country": "",
            "headimgurl": "",
            "privilege": [],
            "unionid": _unionid(grant["identity"]),
        }
    )


def _qq_jsonp(data: dict[str, Any]) -> HttpResponse:
    body = f"callback( {json.dumps(data, ensure_ascii=False)} );\n"
    return HttpResponse(body, content_type="text/html; charset=utf-8")


def qq_token(request: HttpRequest) -> HttpResponse:
    client_id = request.GET.get("client_id", "")
    app = _app(request, ["qq"], client_id)
    if app is None:
        return _qq_jsonp({"error": 100008, "error_description": "client id is illegal"})
    if not secrets.compare_digest(request.GET.get("client_secret", ""), app.secret):
        return _qq_jsonp({"error": 100009, "error_description": "client secret is illegal"})
    grant = _redeem_code(request.GET.get("code", ""), ["qq"], client_id)
    if grant is None:
        return _qq_jsonp({"error": 100019, "error_description": "code to access token error"})
    body = urlencode(
        {
            "access_token": _token_for(grant),
            "expires_in": 7776000,
            "refresh_token": secrets.token_urlsafe(24),
        }
    )
    return HttpResponse(body, content_type="text/html; charset=utf-8")


def qq_me(request: HttpRequest) -> HttpResponse:
    grant = _grant_of(request.GET.get("access_token", ""))
    if grant is None or grant["provider"] != "qq":
        return _qq_jsonp({"error": 100016, "error_description": "access token check failed"})
    me = {
        "client_id": grant["client_id"],
        "openid": _qq_openid(grant["client_id"], grant["identity"]),
    }
    if request.GET.get("unionid") == "1":
        me["unionid"] = _unionid(grant["identity"])
    return _qq_jsonp(me)


def qq_userinfo(request: HttpRequest) -> HttpResponse:
    grant = _grant_of(request.GET.get("access_token", ""))
    if (
        grant is None
        or grant["provider"] != "qq"
        or request.GET.get("oauth_consumer_key") != grant["client_id"]
        or request.GET.get("openid") != _qq_openid(grant["client_id"], grant["identity"])
    ):
        data = {"ret": -1, "msg": "client request's parameters are invalid"}
    else:
        data = {
            "ret": 0,
            "msg": "",
            "is_lost": 0,
            "nickname": grant["nickname"],
            "gender": "男",
            "figureurl_qq_1": "",
            "figureurl_qq_2": "",
        }
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="text/html; charset=utf-8"
    )

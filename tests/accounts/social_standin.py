"""A local stand-in for WeChat's and QQ's OAuth servers, for the social login tests.

A real HTTP server on 127.0.0.1:<free port>. It answers in each provider's own formats, written
out here by hand from their documentation (not shared with accounts.sandbox):

- WeChat: /connect/qrconnect and /connect/oauth2/authorize redirect back with code and state;
  /sns/oauth2/access_token and /sns/userinfo answer JSON, UTF-8 without a charset in the
  header, errors as {"errcode": ..., "errmsg": ...}.
- QQ: /oauth2.0/authorize; /oauth2.0/token answers form-encoded
  (access_token=...&expires_in=...&refresh_token=...), errors as JSONP; /oauth2.0/me answers
  JSONP `callback( {"client_id": ..., "openid": ...} );`; /user/get_user_info answers JSON with
  ret/msg and needs access_token, oauth_consumer_key and openid.

It checks app ids, secrets and codes (each code works once) and records every request.
"""

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests

WECHAT_OPEN = ("wx0pen0000000001", "open-secret-1")
WECHAT_MP = ("wxmp000000000001", "mp-secret-1")
QQ = ("101234567", "qq-app-key-1")


class Person:
    """Who clicks "agree" on the provider's page."""

    def __init__(self, key: str, nickname: str):
        self.key = key
        self.nickname = nickname
        self.unionid = f"oUnion-{key}"

    def wechat_openid(self, appid: str) -> str:
        # Each WeChat app sees the same person under its own openid.
        return f"o{appid[-4:]}-{self.key}"

    def qq_openid(self) -> str:
        return f"QQ{self.key.upper():0>30}"


class StandIn:
    def __init__(self):
        self.person = Person("zhangsan", "张三")
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.replies: dict[str, tuple[int, str, str]] = {}  # path → forced (status, type, body)
        self.me_client_id: str | None = None  # QQ /me answers for another app when set
        self._codes: dict[str, dict] = {}
        self._tokens: dict[str, dict] = {}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def provider_settings(self) -> dict:
        """SOCIALACCOUNT_PROVIDERS pointing at this stand-in."""
        return {
            "weixin": {
                "provider_class": "accounts.providers.weixin.provider.WechatQRProvider",
                "SCOPE": ["snsapi_login"],
                "APP": {"client_id": WECHAT_OPEN[0], "secret": WECHAT_OPEN[1]},
                "AUTHORIZE_URL": f"{self.url}/connect/qrconnect",
                "ACCESS_TOKEN_URL": f"{self.url}/sns/oauth2/access_token",
                "PROFILE_URL": f"{self.url}/sns/userinfo",
            },
            "weixin_mp": {
                "SCOPE": ["snsapi_userinfo"],
                "APP": {"client_id": WECHAT_MP[0], "secret": WECHAT_MP[1]},
                "AUTHORIZE_URL": f"{self.url}/connect/oauth2/authorize",
                "ACCESS_TOKEN_URL": f"{self.url}/sns/oauth2/access_token",
                "PROFILE_URL": f"{self.url}/sns/userinfo",
            },
            "qq": {
                "SCOPE": ["get_user_info"],
                "APP": {"client_id": QQ[0], "secret": QQ[1]},
                "AUTHORIZE_URL": f"{self.url}/oauth2.0/authorize",
                "ACCESS_TOKEN_URL": f"{self.url}/oauth2.0/token",
                "ME_URL": f"{self.url}/oauth2.0/me",
                "PROFILE_URL": f"{self.url}/user/get_user_info",
            },
        }

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    def params(self, path: str) -> dict[str, str]:
        return next(params for seen, params in self.requests if seen == path)

    # --- the endpoints --------------------------------------------------------------------

    def _authorize(self, params, *, appid_key, apps, scope):
        appid = params.get(appid_key)
        if appid not in apps or params.get("response_type") != "code":
            return 400, "text/plain", "bad authorize request", None
        if params.get("scope") != scope or not params.get("state"):
            return 400, "text/plain", "bad scope or state", None
        code = secrets.token_hex(8)
        with self._lock:
            self._codes[code] = {
                "appid": appid,
                "person": self.person,
                "redirect_uri": params["redirect_uri"],
            }
        back = f"{params['redirect_uri']}?{urlencode({'code': code, 'state': params['state']})}"
        return 302, "text/plain", "", back

    def _redeem(self, code, appid):
        with self._lock:
            grant = self._codes.pop(code, None)
        if grant is None or grant["appid"] != appid:
            return None
        token = secrets.token_hex(16)
        with self._lock:
            self._tokens[token] = grant
        return token, grant

    def _wechat_token(self, params):
        appid, secret = params.get("appid"), params.get("secret")
        apps = dict([WECHAT_OPEN, WECHAT_MP])
        if appid not in apps or params.get("grant_type") != "authorization_code":
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if secret != apps[appid]:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        redeemed = self._redeem(params.get("code"), appid)
        if redeemed is None:
            return {"errcode": 40029, "errmsg": "invalid code, rid: 6530b0b1-1a2b3c4d"}
        token, grant = redeemed
        scope = "snsapi_userinfo" if appid == WECHAT_MP[0] else "snsapi_login"
        return {
            "access_token": token,
            "expires_in": 7200,
            "refresh_token": secrets.token_hex(16),
            "openid": grant["person"].wechat_openid(appid),
            "scope": scope,
            "unionid": grant["person"].unionid,
        }

    def _wechat_userinfo(self, params):
        grant = self._tokens.get(params.get("access_token", ""))
        if grant is None:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
        person = grant["person"]
        if params.get("openid") != person.wechat_openid(grant["appid"]):
            return {"errcode": 40003, "errmsg": "invalid openid"}
        return {
            "openid": person.wechat_openid(grant["appid"]),
            "nickname": person.nickname,
            "sex": 0,
            "province": "",
            "city": "",
            "country": "",
            "headimgurl": "https://thirdwx.qlogo.cn/mmopen/vi_32/avatar/132",
            "privilege": [],
            "unionid": person.unionid,
        }

    def _qq_token(self, params):
        if params.get("client_id") != QQ[0] or params.get("client_secret") != QQ[1]:
            return 'callback( {"error":100009,"error_description":"client secret is illegal"} );\n'
        if params.get("grant_type") != "authorization_code":
            return 'callback( {"error":100004,"error_description":"param grant_type is wrong"} );\n'
        with self._lock:
            grant = self._codes.get(params.get("code", ""))
        if grant is None or grant["redirect_uri"] != params.get("redirect_uri"):
            return (
                'callback( {"error":100019,"error_description":"code to access token error"} );\n'
            )
        token, _ = self._redeem(params["code"], QQ[0])
        return urlencode(
            {"access_token": token, "expires_in": 7776000, "refresh_token": secrets.token_hex(16)}
        )

    def _qq_me(self, params):
        grant = self._tokens.get(params.get("access_token", ""))
        if grant is None:
            data = {"error": 100016, "error_description": "access token check failed"}
        else:
            data = {"client_id": self.me_client_id or QQ[0], "openid": grant["person"].qq_openid()}
        return f"callback( {json.dumps(data)} );\n"

    def _qq_userinfo(self, params):
        grant = self._tokens.get(params.get("access_token", ""))
        if (
            grant is None
            or params.get("oauth_consumer_key") != QQ[0]
            or params.get("openid") != grant["person"].qq_openid()
        ):
            return {"ret": -1, "msg": "client request's parameters are invalid, invalid openid"}
        return {
            "ret": 0,
            "msg": "",
            "is_lost": 0,
            "nickname": grant["person"].nickname,
            "gender": "男",
            "figureurl": "http://qzapp.qlogo.cn/qzapp/101234567/ABC/30",
            "figureurl_qq_1": "http://thirdqq.qlogo.cn/g?b=oidb&k=abc&s=40",
            "figureurl_qq_2": "http://thirdqq.qlogo.cn/g?b=oidb&k=abc&s=100",
        }

    def _answer(self, path, params):
        """(status, content type, body, Location) for one request."""
        if path in self.replies:
            status, content_type, body = self.replies[path]
            return status, content_type, body, None
        wechat_json = "text/plain"  # WeChat names no charset; the body is UTF-8
        if path == "/connect/qrconnect":
            return self._authorize(
                params, appid_key="appid", apps=[WECHAT_OPEN[0]], scope="snsapi_login"
            )
        if path == "/connect/oauth2/authorize":
            return self._authorize(
                params, appid_key="appid", apps=[WECHAT_MP[0]], scope="snsapi_userinfo"
            )
        if path == "/sns/oauth2/access_token":
            return 200, wechat_json, json.dumps(self._wechat_token(params)), None
        if path == "/sns/userinfo":
            body = json.dumps(self._wechat_userinfo(params), ensure_ascii=False)
            return 200, wechat_json, body, None
        if path == "/oauth2.0/authorize":
            return self._authorize(
                params, appid_key="client_id", apps=[QQ[0]], scope="get_user_info"
            )
        if path == "/oauth2.0/token":
            return 200, "text/html", self._qq_token(params), None
        if path == "/oauth2.0/me":
            return 200, "application/javascript", self._qq_me(params), None
        if path == "/user/get_user_info":
            body = json.dumps(self._qq_userinfo(params), ensure_ascii=False)
            return 200, "text/html", body, None
        return 404, "text/plain", "not found", None

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                params = dict(parse_qsl(parts.query))
                standin.requests.append((parts.path, params))
                status, content_type, body, location = standin._answer(parts.path, params)
                payload = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                if location:
                    self.send_header("Location", location)
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self):
                # WeChat's and QQ's token endpoints are GET endpoints in their documentation.
                standin.requests.append((f"POST {urlsplit(self.path).path}", {}))
                self.send_response(405)
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def serve_standin(settings):
    """For a module's fixture: `yield from serve_standin(settings)` runs the stand-in and
    points SOCIALACCOUNT_PROVIDERS at it."""
    with StandIn() as server:
        settings.SOCIALACCOUNT_PROVIDERS = server.provider_settings()
        yield server


def sandbox_provider_settings(server_url: str) -> dict:
    """SOCIALACCOUNT_PROVIDERS pointing at accounts.sandbox (the stand-in of `make run`) on a
    live server: the browser goes to its pages, our server calls its API at `server_url`.
    The sandbox's URLs must be mounted (see tests/accounts/test_social_sandbox.py)."""
    base = f"{server_url}/sandbox/oauth"
    wechat_urls = {
        "ACCESS_TOKEN_URL": f"{base}/weixin/sns/oauth2/access_token",
        "PROFILE_URL": f"{base}/weixin/sns/userinfo",
    }
    return {
        "weixin": {
            "provider_class": "accounts.providers.weixin.provider.WechatQRProvider",
            "APP": {"client_id": "sandbox-weixin", "secret": "sandbox-weixin-secret"},
            "AUTHORIZE_URL": "/sandbox/oauth/weixin/connect/qrconnect",
            **wechat_urls,
        },
        "weixin_mp": {
            "SCOPE": ["snsapi_userinfo"],
            "APP": {"client_id": "sandbox-weixin_mp", "secret": "sandbox-weixin_mp-secret"},
            "AUTHORIZE_URL": "/sandbox/oauth/weixin/connect/oauth2/authorize",
            **wechat_urls,
        },
        "qq": {
            "APP": {"client_id": "sandbox-qq", "secret": "sandbox-qq-secret"},
            "AUTHORIZE_URL": "/sandbox/oauth/qq/oauth2.0/authorize",
            "ACCESS_TOKEN_URL": f"{base}/qq/oauth2.0/token",
            "ME_URL": f"{base}/qq/oauth2.0/me",
            "PROFILE_URL": f"{base}/qq/user/get_user_info",
        },
    }


DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
IN_WECHAT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI"
)


def start(client, provider_id: str, *, process: str = "login", user_agent: str = DESKTOP) -> str:
    """Tap the provider's button: our redirect to the provider's authorize URL."""
    url = f"/accounts/{provider_id}/login/"
    if process != "login":
        url += f"?process={process}"
    response = client.post(url, HTTP_USER_AGENT=user_agent)
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def agree(authorize_url: str) -> str:
    """The person agrees on the provider's page (over HTTP): where the provider sends them."""
    response = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def follow_to_callback(client, location: str, *, user_agent: str = DESKTOP):
    """The browser arrives at our callback with the provider's code and state."""
    parts = urlsplit(location)
    assert parts.netloc == "testserver", location
    return client.get(f"{parts.path}?{parts.query}", HTTP_USER_AGENT=user_agent)


def log_in_with(client, provider_id: str, *, process: str = "login", user_agent: str = DESKTOP):
    authorize_url = start(client, provider_id, process=process, user_agent=user_agent)
    return follow_to_callback(client, agree(authorize_url), user_agent=user_agent)


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def bind_phone(client, phone: str, *, code: str | None = None):
    """The bind-phone page: "Get code", then the code from the text message."""
    from accounts.phone import normalize_mobile
    from accounts.sms import outbox

    signup_url = "/accounts/3rdparty/signup/"
    sent = client.post(signup_url, {"action": "send_code", "phone": phone})
    assert sent.status_code == 200
    if code is None:
        code = next(
            m.params["code"] for m in reversed(outbox) if m.phone == normalize_mobile(phone)
        )
    return client.post(signup_url, {"phone": phone, "code": code})


def logged_in_user_id(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def log_in_with_password(client, user):
    """A real password login, so that allauth records a fresh authentication (connecting and
    disconnecting ask for one: ACCOUNT_REAUTHENTICATION_REQUIRED)."""
    from tests.factories import PASSWORD

    response = client.post("/accounts/login/", {"login": user.mobile, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    assert logged_in_user_id(client) == user.pk
    return client


def reauthenticate(client):
    """Confirm the password again: connecting and disconnecting ask for a fresh confirmation
    (ACCOUNT_REAUTHENTICATION_REQUIRED), not just a login."""
    from tests.factories import PASSWORD

    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client

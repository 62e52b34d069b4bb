"""Web Push on the resident's devices: subscribing (static/resident/push.js), the service worker
at /sw.js (its scope must be the whole site) and the PWA manifest."""

import json

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import services
from ..models import PushSubscription

THEME_COLOR = "#0b785c"  # templates/resident/base.html, --linli-brand in linli.css


def _error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"ok": False, "error": message}, status=status)


# A subscription is a few hundred bytes: nothing bigger is read.
MAX_BODY_BYTES = 4096


def _json_body(request) -> dict | None:
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
            return None
    except ValueError:
        return None
    try:
        data = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError, RawPostDataException):
        # RawPostDataException: a form body, already parsed (for its files) before the view.
        return None
    return data if isinstance(data, dict) else None


def _login_required_json(view):
    """login_required for fetch(): a 401 with a JSON error rather than a redirect."""

    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _error("请先登录。", status=401)
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@require_http_methods(["GET", "POST"])
@_login_required_json
def subscribe(request):
    """GET: the VAPID public key. POST {endpoint, keys: {p256dh, auth}}: this device's
    subscription, for the signed-in person (a device passed on to someone else moves to them)."""
    if request.method == "GET":
        return JsonResponse({"publicKey": settings.WEBPUSH_VAPID_PUBLIC_KEY})
    data = _json_body(request)
    if data is None:
        return _error("请求格式不正确。")
    endpoint = data.get("endpoint")
    keys = data.get("keys")
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > 500:
        return _error("缺少推送地址。")
    if not isinstance(keys, dict):
        return _error("缺少推送密钥。")
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not isinstance(p256dh, str) or not p256dh or len(p256dh) > 200:
        return _error("缺少推送密钥。")
    if not isinstance(auth, str) or not auth or len(auth) > 100:
        return _error("缺少推送密钥。")
    try:
        _subscription, created = services.push_subscription_save(
            user=request.user,
            endpoint=endpoint,
            p256dh=p256dh,
            auth=auth,
            user_agent=request.headers.get("User-Agent", ""),
        )
    except services.PushEndpointRefused as refusal:
        return _error(refusal.messages[0])
    return JsonResponse({"ok": True, "created": created}, status=201 if created else 200)


@require_POST
@_login_required_json
def unsubscribe(request):
    """POST {endpoint}: forget this device's subscription (only one's own)."""
    data = _json_body(request)
    if data is None or not isinstance(data.get("endpoint"), str) or not data["endpoint"]:
        return _error("缺少推送地址。")
    deleted, _ = PushSubscription.objects.filter(
        user=request.user, endpoint=data["endpoint"]
    ).delete()
    return JsonResponse({"ok": True, "deleted": bool(deleted)})


@require_GET
@cache_control(max_age=0, no_cache=True)
def service_worker(request):
    response = HttpResponse(
        render_to_string("resident/notices/sw.js", request=request),
        content_type="application/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
@cache_control(max_age=3600)
def manifest(request):
    data = {
        "name": settings.LINLI_SITE_NAME,
        "short_name": settings.LINLI_SITE_NAME,
        "lang": "zh-CN",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": [
            {"src": static("resident/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("resident/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("resident/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return JsonResponse(
        data,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )

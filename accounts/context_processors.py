from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from kit.wechat import in_android_wechat, in_wechat

from .middleware import large_text_from_cookie
from .portal import resident_tabs


def resident_portal(request: HttpRequest) -> dict:
    """Computed once per request (a template rendered per table cell runs the context
    processors again for each), the tab bar only when a page shows it."""
    context = getattr(request, "_resident_portal", None)
    if context is None:
        context = request._resident_portal = _resident_portal(request)
    return context


def _resident_portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        large_text = user.large_text
    else:
        large_text = large_text_from_cookie(request)
    context = {
        "site_name": settings.LINLI_SITE_NAME,
        # Inside WeChat's webview: WeChat shows the page's <title> and a back button above it,
        # so the resident pages leave out their own title bar (resident/base.html).
        "in_wechat": in_wechat(request),
        # …where, on Android, a PDF cannot be shown: receipts come as an image too.
        "in_android_wechat": in_android_wechat(request),
        # 长辈模式 (issue 20): the resident pages' <html> gets the class "large-text".
        "large_text": large_text,
    }
    if not request.path.startswith(("/staff/", "/admin/")):
        # Its badges ask the cache (or the database): only for a page that shows the tab bar.
        context["resident_tabs"] = SimpleLazyObject(lambda: resident_tabs(request))
    return context

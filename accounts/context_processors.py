from django.conf import settings
from django.http import HttpRequest

from kit.wechat import in_android_wechat, in_wechat

from .middleware import large_text_from_cookie
from .portal import resident_tabs


def resident_portal(request: HttpRequest) -> dict:
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
        context["resident_tabs"] = resident_tabs(request)
    return context

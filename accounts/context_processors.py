from django.conf import settings
from django.http import HttpRequest

from kit.wechat import in_android_wechat, in_wechat

from .portal import resident_tabs


def resident_portal(request: HttpRequest) -> dict:
    context = {
        "site_name": settings.LINLI_SITE_NAME,
        # Inside WeChat's webview: WeChat shows the page's <title> and a back button above it,
        # so the resident pages leave out their own title bar (resident/base.html).
        "in_wechat": in_wechat(request),
        # …where, on Android, a PDF cannot be shown: receipts come as an image too.
        "in_android_wechat": in_android_wechat(request),
    }
    if not request.path.startswith(("/staff/", "/admin/")):
        context["resident_tabs"] = resident_tabs(request)
    return context

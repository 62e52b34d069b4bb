from django.conf import settings
from django.http import HttpRequest

from .middleware import large_text_from_cookie
from .portal import resident_tabs


def resident_portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        large_text = user.large_text
    else:
        large_text = large_text_from_cookie(request)
    # 长辈模式 (issue 20): the resident pages' <html> gets the class "large-text".
    context = {"site_name": settings.LINLI_SITE_NAME, "large_text": large_text}
    if not request.path.startswith(("/staff/", "/admin/")):
        context["resident_tabs"] = resident_tabs(request)
    return context

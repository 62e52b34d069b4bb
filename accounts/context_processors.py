from django.conf import settings
from django.http import HttpRequest

from .portal import resident_tabs


def resident_portal(request: HttpRequest) -> dict:
    context = {"site_name": settings.LINLI_SITE_NAME}
    if not request.path.startswith(("/staff/", "/admin/")):
        context["resident_tabs"] = resident_tabs(request)
    return context

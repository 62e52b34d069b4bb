from collections.abc import Callable

from django.conf import settings
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django_guid.context import guid

from platform_admin.views import healthz

from .observability import current_user_id


class TextGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware for text only: pages, htmx fragments, JSON, SVG charts. Photos,
    videos and PDFs are compressed already (and a video's byte ranges must stay as they are).

    Against BREACH, Django (4.2 and later) puts a random number of bytes (0 to 99) in the gzip
    header of each response ("Heal The Breach"), and CSRF tokens are masked per response."""

    TEXT = (
        "text/",
        "application/json",
        "application/javascript",
        "application/xml",
        "image/svg+xml",
    )

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not response.get("Content-Type", "").startswith(self.TEXT):
            return response
        return super().process_response(request, response)


class ChineseFirstLocaleMiddleware:
    """Chinese unless the person chose another language (the set_language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; many phones and
    desktop browsers in China are set to English while their users expect a Chinese product.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


@receiver(request_finished, dispatch_uid="config.middleware.forget_request_context")
def forget_request_context(**kwargs) -> None:
    """Once a response is sent (and logged: Django logs 4xx/5xx after the middleware), log
    lines are no longer put down to its request and user. django-guid leaves its id set."""
    guid.set(None)
    current_user_id.set(None)


class HealthCheckMiddleware:
    """Answers GET /healthz before anything reads the Host header.

    docker's health check and load balancers call the container by its address, which is
    not among DJANGO_ALLOWED_HOSTS, so Django's host validation would answer 400. The health
    endpoint builds no link from the host, which is what that validation protects."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/healthz" and request.method in ("GET", "HEAD"):
            return healthz(request)
        return self.get_response(request)


class RequestUserMiddleware:
    """After AuthenticationMiddleware: the user's id on the log lines of the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            current_user_id.set(str(user.pk))
        return self.get_response(request)

"""Per request: the logged-in user (from the cache), the upload budget of kit.images, the
per-account upload limit, and the large-text (长辈模式) cookie."""

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthentication
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from kit import images
from kit.net import client_ip
from kit.pagecache import cached_on_tables

from . import limits
from .models import User


class AuthenticationMiddleware(DjangoAuthentication):
    """Django's, with the session's user row from the cache (kit.pagecache.cached_on_tables,
    until a row of accounts_user is written) instead of a query on every request: about a
    quarter of what a page kept in the page cache cost. Only a session whose hash matches that
    row is answered so; anything else (no session, another backend, a changed password, a
    fallback secret) goes through django.contrib.auth.get_user as before."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _session_user(request))


def _session_user(request: HttpRequest) -> User | AnonymousUser:
    if not hasattr(request, "_cached_user"):
        request._cached_user = _cached_session_user(request) or auth.get_user(request)
    return request._cached_user


def _cached_session_user(request: HttpRequest) -> User | None:
    session = request.session
    user_id = session.get(auth.SESSION_KEY)
    backend_path = session.get(auth.BACKEND_SESSION_KEY)
    session_hash = session.get(auth.HASH_SESSION_KEY)
    if not (user_id and session_hash) or backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    user_pk = User._meta.pk.to_python(user_id)
    user = cached_on_tables(
        f"auth:user:{backend_path}:{user_pk}",
        [User],
        lambda: auth.load_backend(backend_path).get_user(user_pk),
    )
    if user is None or not constant_time_compare(session_hash, user.get_session_auth_hash()):
        return None
    return user


class UploadBudgetMiddleware:
    """Gives every request its UploadBudget (pixels all its images may decode together), and
    counts a POST that carries files against LINLI_ACTION_LIMITS["upload"] for its account and
    address. The count is taken here, outside any transaction of the view, so that a refused
    or failed upload counts too. Over the limit, the request still reaches its view: each file
    is then refused by the form with the reason, next to what the person typed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = ""
        # Only multipart bodies carry files; reading any other body here would take it from a
        # view that reads it raw (payment notifications).
        multipart = request.content_type == "multipart/form-data"
        if request.method == "POST" and multipart and request.FILES:
            user = request.user if request.user.is_authenticated else None
            try:
                limits.throttle("upload", user=user, ip=client_ip(request))
            except limits.LimitExceeded as exceeded:
                refusal = exceeded.message
        token = images.start_budget(refusal)
        try:
            return self.get_response(request)
        finally:
            images.end_budget(token)


LARGE_TEXT_COOKIE = "linli_large_text"
LARGE_TEXT_COOKIE_AGE = 400 * 24 * 3600  # as long as browsers keep a cookie


def large_text_from_cookie(request: HttpRequest) -> bool:
    return request.COOKIES.get(LARGE_TEXT_COOKIE) == "1"


def remember_large_text(response: HttpResponse, on: bool) -> None:
    """The cookie that lets the login page and the pages before login stay large for a person
    who chose 长辈模式 on this phone; logging out keeps it."""
    if on:
        response.set_cookie(
            LARGE_TEXT_COOKIE,
            "1",
            max_age=LARGE_TEXT_COOKIE_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    else:
        response.delete_cookie(LARGE_TEXT_COOKIE, samesite="Lax")


class LargeTextCookieMiddleware:
    """Keeps the large-text cookie equal to the logged-in account's choice: set at login from
    the account (the response that logs in carries it), and after a change on another phone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            on = bool(getattr(user, "large_text", False))
            if on != large_text_from_cookie(request):
                remember_large_text(response, on)
        return response

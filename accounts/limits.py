"""Abuse limits in one place: texts per number and per client IP, and password lockouts.

The numbers are settings (LINLI_SMS_LIMITS, AXES_*, ACCOUNT_RATE_LIMITS). Every SMS we send
passes `count_sms` (the adapter and services.family_invite call it), so no path escapes the
limits. Forms call `reserve_sms` first, so that a refusal is a form error next to what the
person typed; the send that follows in the same request then uses that reservation instead of
counting twice.

Counts live in the shared cache and are changed atomically (cache.add / cache.incr): the
interval between two texts to one number is a key that exists for that long (cache.add), the
hourly and daily counts are django-ratelimit's fixed windows (cache.add + cache.incr).
"""

import hashlib
import math
import time
from datetime import timedelta

from allauth.core.internal.httpkit import get_client_ip
from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage

from .phone import normalize_mobile

_RESERVED_ATTR = "_linli_sms_reserved"


class SmsLimitExceeded(Exception):
    """Too many texts for this number or this client; `message` says when to try again."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def client_ip(request: HttpRequest) -> str:
    """The client's address as our one trusted proxy saw it (settings TRUSTED_PROXY_COUNT /
    TRUSTED_CLIENT_IP_HEADER); used by allauth, django-axes and the SMS limits alike."""
    return get_client_ip(request) or request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104


def _digest(value: str) -> str:
    # Cache keys name no phone number in the clear.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _wait_message(seconds: float) -> str:
    if seconds < 120:
        seconds = max(1, math.ceil(seconds))
        return ngettext(
            "Please wait %(count)d second before requesting another code.",
            "Please wait %(count)d seconds before requesting another code.",
            seconds,
        ) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Too many codes were requested. Please try again in %(count)d minute.",
        "Too many codes were requested. Please try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}


def _interval_key(phone: str) -> str:
    return f"linli:sms:interval:{_digest(phone)}"


def _check_interval(phone: str) -> None:
    interval = settings.LINLI_SMS_LIMITS["number_interval"]
    key = _interval_key(phone)
    now = time.time()
    if cache.add(key, now + interval, interval):
        return
    # The key holds its deadline: our clock decides, not only the cache's expiry (which a
    # server such as Redis keeps by its own clock, a moment later). A passed deadline is taken
    # over by one caller only: the first to add the token named after that deadline.
    until = cache.get(key)
    if until is None:  # expired between the two calls
        if cache.add(key, now + interval, interval):
            return
        until = cache.get(key) or now + interval
    if until <= now:
        if cache.add(f"{key}:{until}", 1, interval):
            cache.set(key, now + interval, interval)
            return
        until = now + interval  # another request took the slot just now
    raise SmsLimitExceeded(_wait_message(until - now))


def _check_rates(
    request: HttpRequest, *, group: str, value: str, rates: list[str], increment: bool = True
) -> None:
    """Raise SmsLimitExceeded if one more text would go over a rate. With increment=False
    only look (nothing is counted); with increment=True count it (atomically)."""
    for rate in rates:
        usage = get_usage(
            request,
            group=group,
            key=lambda _group, _request: value,
            rate=rate,
            increment=increment,
        )
        if not usage:
            continue
        over = usage["should_limit"] if increment else usage["count"] >= usage["limit"]
        if over:
            if group.endswith(".ip"):
                raise SmsLimitExceeded(
                    _(
                        "Too many codes were requested from your network. "
                        "Please try again later or use another network."
                    )
                )
            raise SmsLimitExceeded(_wait_message(max(usage["time_left"], 60)))


def reserve_sms(request: HttpRequest, phone: str, *, interval: bool = True) -> None:
    """Count one text to `phone` now, or raise SmsLimitExceeded. The per-number interval is
    checked first, so a second tap within a minute uses up nothing else (interval=False leaves
    it out: a text that is no code, such as a family invitation, must not make its reader wait
    a minute for the sign-up code they ask for next). Then the number's
    hourly and daily counts are looked at (not counted), so that a number that has had its
    texts uses up none of the network's; then the network's are counted, and only then the
    number's, so that a busy network uses up none of a number's texts either."""
    phone = normalize_mobile(phone)
    limits = settings.LINLI_SMS_LIMITS
    number = {"group": "linli.sms.number", "value": _digest(phone), "rates": limits["number"]}
    if interval:
        _check_interval(phone)
    try:
        _check_rates(request, **number, increment=False)
        _check_rates(request, group="linli.sms.ip", value=client_ip(request), rates=limits["ip"])
        _check_rates(request, **number)
    except SmsLimitExceeded:
        if interval:
            # Nothing is sent, so the number's next minute is not taken.
            cache.delete(_interval_key(phone))
        raise
    reserved = getattr(request, _RESERVED_ATTR, None)
    if reserved is None:
        reserved = set()
        setattr(request, _RESERVED_ATTR, reserved)
    reserved.add(phone)


def reserve_sms_or_error(request: HttpRequest, phone: str) -> None:
    """`reserve_sms` for forms: the refusal as a ValidationError."""
    try:
        reserve_sms(request, phone)
    except SmsLimitExceeded as refusal:
        raise ValidationError(refusal.message, code="sms_rate_limited") from None


def count_sms(request: HttpRequest | None, phone: str, *, interval: bool = True) -> None:
    """Called for every text just before it is queued: uses this request's reservation for
    `phone` if a form made one, or counts it now (raising SmsLimitExceeded)."""
    phone = normalize_mobile(phone)
    if request is None:
        return
    reserved = getattr(request, _RESERVED_ATTR, set())
    if phone in reserved:
        reserved.discard(phone)
        return
    reserve_sms(request, phone, interval=interval)
    getattr(request, _RESERVED_ATTR).discard(phone)


def count_action(
    request: HttpRequest | None, *, group: str, key: str, rates: list[str]
) -> float | None:
    """Count one more action of `group` by `key` (say, a manager's invitations) in each of
    `rates`' fixed windows, like the SMS counts above. Returns None while within them, or the
    seconds until the exceeded window ends; the caller refuses in its own words."""
    for rate in rates:
        usage = get_usage(
            request, group=group, key=lambda _group, _request: key, rate=rate, increment=True
        )
        if usage and usage["should_limit"]:
            return max(usage["time_left"], 1)
    return None


# --- Password logins (django-axes) ---------------------------------------------------------


class AxesBackend(AxesStandaloneBackend):
    """django-axes for web logins. A check without a request (a shell, a management command,
    Django's test client `login()`) has no client to lock out, so it is left to the next
    backends instead of raising."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def axes_username(request: HttpRequest, credentials: dict | None) -> str:
    """The number a login attempt was for, in 11-digit form, whichever form it was typed in."""
    credentials = credentials or {}
    raw = (
        credentials.get("phone")
        or credentials.get("mobile")
        or credentials.get("username")
        or (request.POST.get("login") if request is not None and request.method == "POST" else "")
        or ""
    )
    try:
        return normalize_mobile(raw)
    except ValidationError:
        return str(raw)[:50]


def lockout_message(request: HttpRequest | None = None) -> str:
    cool_off = get_cool_off(request) or timedelta(minutes=15)
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60))
    return ngettext(
        "Too many wrong passwords for this number from your device. Try again in %(count)d "
        "minute, or log in with an SMS code.",
        "Too many wrong passwords for this number from your device. Try again in %(count)d "
        "minutes, or log in with an SMS code.",
        minutes,
    ) % {"count": minutes}


def axes_lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """A locked-out login shows the page it was on (the form already says why), as 429."""
    if original_response is not None and original_response.status_code == 200:
        original_response.status_code = 429
        return original_response
    return HttpResponse(lockout_message(request), status=429, content_type="text/plain")


def clear_login_failures(request: HttpRequest, phone: str) -> None:
    """After a password reset: forget the failed logins that may have locked this number."""
    from allauth.core import ratelimit
    from axes.utils import reset

    reset(username=normalize_mobile(phone))
    ratelimit.clear(request, action="login_failed", key=login_failed_key(phone))


def login_failed_key(phone: str) -> str:
    """allauth's key for its per-number "login_failed" limit (see AccountAdapter)."""
    try:
        phone = normalize_mobile(phone)
    except ValidationError:
        phone = str(phone)[:50]
    return f"phone:{phone}"

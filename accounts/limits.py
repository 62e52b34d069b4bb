"""Abuse limits in one place: texts per number, per client IP and for the whole site, password
lockouts, and per-account throttles on what costs us (room bindings, repair reports, payment
starts, uploads).

The numbers are settings (LINLI_SMS_LIMITS, LINLI_SMS_SITE_BUDGET, LINLI_ACTION_LIMITS,
AXES_*, ACCOUNT_RATE_LIMITS). Every SMS we send for a request passes `count_sms` (the adapter
and services.family_invite call it), so no path escapes the limits. Forms call `reserve_sms`
first, so that a refusal is a form error next to what the person typed; the send that follows
in the same request then uses that reservation instead of counting twice.

Counts live in the database (RateCounter), not in the cache, so that they hold while Redis is
down; each is changed by one atomic upsert. The interval between two texts to one number is a
row that blocks until its deadline (`claim`); the hourly and daily counts are fixed windows
(`hit`). allauth's own limits (login failures, code requests) use the "limits" cache, which is
a database table too (AccountsConfig.ready)."""

import datetime as dt
import hashlib
import ipaddress
import logging
import math
import time
from dataclasses import dataclass
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import mail_admins
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kit.net import client_ip

from .models import RateCounter
from .phone import normalize_mobile

logger = logging.getLogger(__name__)

_RESERVED_ATTR = "_linli_sms_reserved"


class LimitExceeded(Exception):
    """Too much of something for now; `message` says so in words for the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class SmsLimitExceeded(LimitExceeded):
    """Too many texts for this number, this client or the site; `message` says when to try
    again."""


# --- Counters in the database ----------------------------------------------------------------

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int


@dataclass(frozen=True)
class Usage:
    count: int
    limit: int
    time_left: float

    @property
    def exhausted(self) -> bool:
        """No hit is left in this window (one more would be over)."""
        return self.count >= self.limit


def parse_rate(rate: str) -> Rate:
    """An amount per period: "5/h", "10/d", "20/15m" (django-ratelimit's notation)."""
    amount, period = rate.split("/")
    multiplier = int(period[:-1] or 1)
    return Rate(int(amount), multiplier * _UNITS[period[-1]])


def _now() -> float:
    return time.time()


def _aware(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)


def _window(bucket: str, rate: Rate, now: float) -> tuple[str, float]:
    start = int(now // rate.seconds) * rate.seconds
    return f"{bucket}:{rate.seconds}:{start}", start + rate.seconds


def _table() -> tuple[str, str, str, str]:
    quote = connection.ops.quote_name
    return (
        quote(RateCounter._meta.db_table),
        quote("key"),
        quote("count"),
        quote("expires_at"),
    )


def hit(bucket: str, rate: str | Rate, *, increment: bool = True) -> Usage:
    """Count one hit in the current window of `rate` for `bucket` and return the usage after
    it (increment=False only looks). The count is one atomic INSERT ... ON CONFLICT DO UPDATE
    (PostgreSQL and SQLite alike): of two requests at once, each sees its own number."""
    rate = parse_rate(rate) if isinstance(rate, str) else rate
    now = _now()
    key, ends = _window(bucket, rate, now)
    if not increment:
        count = (
            RateCounter.objects.filter(key=key, expires_at__gt=_aware(now))
            .values_list("count", flat=True)
            .first()
        ) or 0
        return Usage(count, rate.amount, ends - now)
    return Usage(_increment({key: ends})[key], rate.amount, ends - now)


def count_up(key: str, seconds: float) -> int:
    """Add one to `key`, a count that starts now and ends `seconds` later (not a window
    shared by everybody); the count after it. Atomic."""
    return _increment({key: _now() + seconds})[key]


# Ended windows are deleted now and then (at most once a minute per process), not on every
# new row: a busy sign-up page starts a new row with nearly every request.
PURGE_EVERY = 60
_last_purge = 0.0


def _increment(expiries: dict[str, float]) -> dict[str, int]:
    """Add one to each key (created with its expiry when new) in one statement; the counts
    after it, by key."""
    global _last_purge
    table, key_col, count_col, expires_col = _table()
    adapt = connection.ops.adapt_datetimefield_value
    rows = ", ".join(["(%s, 1, %s)"] * len(expiries))
    params = [value for key, ends in expiries.items() for value in (key, adapt(_aware(ends)))]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_col}, {count_col}, {expires_col}) VALUES {rows} "  # noqa: S608
            f"ON CONFLICT ({key_col}) DO UPDATE SET {count_col} = {table}.{count_col} + 1 "
            f"RETURNING {key_col}, {count_col}",
            params,
        )
        counts = dict(cursor.fetchall())
    now = _now()
    if abs(now - _last_purge) > PURGE_EVERY:  # abs: a clock set back purges too
        _last_purge = now
        purge_expired()
    return counts


def _windows(
    buckets: list[tuple[str, str]], now: dt.datetime
) -> list[tuple[str, dt.datetime, int]]:
    """(counter key, window end, allowed amount) of each (bucket, rate) pair at `now`."""
    windows = []
    for bucket, rate in buckets:
        parsed = parse_rate(rate)
        key, ends = _window(bucket, parsed, now)
        windows.append((key, ends, parsed.amount))
    return windows


def _hit_many(buckets: list[tuple[str, str]]) -> list[Usage]:
    """`hit` for several (bucket, rate) pairs at once: one statement."""
    now = _now()
    windows = _windows(buckets, now)
    counts = _increment({key: ends for key, ends, _amount in windows})
    return [Usage(counts[key], amount, ends - now) for key, ends, amount in windows]


def _peek_many(buckets: list[tuple[str, str]]) -> list[Usage]:
    """The usage of several (bucket, rate) pairs without counting: one query."""
    now = _now()
    windows = _windows(buckets, now)
    counts = dict(
        RateCounter.objects.filter(
            key__in=[key for key, _ends, _amount in windows], expires_at__gt=_aware(now)
        ).values_list("key", "count")
    )
    return [Usage(counts.get(key, 0), amount, ends - now) for key, ends, amount in windows]


def claim(key: str, seconds: float) -> float:
    """Take `key` for `seconds` if nobody holds it (like cache.add, in the database): 0 when
    taken now, else the seconds until the holder's deadline passes. Atomic."""
    now = _now()
    table, key_col, count_col, expires_col = _table()
    adapt = connection.ops.adapt_datetimefield_value
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_col}, {count_col}, {expires_col}) VALUES (%s, 1, %s) "  # noqa: S608
            f"ON CONFLICT ({key_col}) DO UPDATE SET {expires_col} = excluded.{expires_col} "
            f"WHERE {table}.{expires_col} <= %s RETURNING {count_col}",
            [key, adapt(_aware(now + seconds)), adapt(_aware(now))],
        )
        if cursor.fetchone() is not None:
            return 0
    until = RateCounter.objects.filter(key=key).values_list("expires_at", flat=True).first()
    if until is None:  # released between the two statements: try once more
        return claim(key, seconds) if seconds else 0
    return max(until.timestamp() - now, 0.001)


def release(key: str) -> None:
    RateCounter.objects.filter(key=key).delete()


def purge_expired() -> int:
    """Forget the windows and intervals that have ended."""
    deleted, _by_model = RateCounter.objects.filter(expires_at__lte=_aware(_now())).delete()
    return deleted


# --- SMS --------------------------------------------------------------------------------------


def client_network(ip: str) -> str:
    """What a per-address limit counts: the address, or for IPv6 its /RATELIMIT_IPV6_MASK
    network (one subscriber gets a whole /64 and could take a new address for every text)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        network = ipaddress.ip_network(f"{address}/{settings.RATELIMIT_IPV6_MASK}", strict=False)
        return str(network.network_address)
    return ip


def _digest(value: str) -> str:
    # Counter keys name no phone number in the clear.
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


def clear_interval(phone: str) -> None:
    """Let the next text to `phone` go at once (nothing was sent, or a test skips a minute)."""
    release(_interval_key(normalize_mobile(phone)))


def _check_interval(phone: str) -> None:
    wait = claim(_interval_key(phone), settings.LINLI_SMS_LIMITS["number_interval"])
    if wait:
        raise SmsLimitExceeded(_wait_message(wait))


_LAST_NUMBER_KEY = "linli_sms_last_number"


def resend_after(request: HttpRequest) -> int:
    """Whole seconds until the number this browser last had a text sent to may have another
    (0: now): what a "Get code" button counts down, after a reload too."""
    session = getattr(request, "session", None)
    phone = session.get(_LAST_NUMBER_KEY) if session is not None else None
    if not phone:
        return 0
    until = (
        RateCounter.objects.filter(key=_interval_key(phone), expires_at__gt=_aware(_now()))
        .values_list("expires_at", flat=True)
        .first()
    )
    return math.ceil(until.timestamp() - _now()) if until else 0


def _check_rates(
    request: HttpRequest, *, group: str, value: str, rates: list[str], increment: bool = True
) -> None:
    """Raise SmsLimitExceeded if one more text would go over a rate. With increment=False
    only look (nothing is counted); with increment=True count it (atomically)."""
    for rate in rates:
        usage = hit(f"{group}:{value}", rate, increment=increment)
        over = usage.count > usage.limit if increment else usage.exhausted
        if over:
            if group.endswith(".ip"):
                raise SmsLimitExceeded(
                    _(
                        "Too many codes were requested from your network. "
                        "Please try again later or use another network."
                    )
                )
            raise SmsLimitExceeded(_wait_message(max(usage.time_left, 60)))


SITE_GROUP = "linli.sms.site"


def _site_budget_refusal(usage: Usage, rate: str) -> SmsLimitExceeded:
    """The whole site has sent its texts for this hour or day: tell operators once per window,
    and the person that codes are paused for everyone, not for them alone."""
    window = int(_now() // parse_rate(rate).seconds)
    if not claim(f"{SITE_GROUP}:alerted:{rate}:{window}", usage.time_left + 1):
        logger.error("SMS site budget %s reached: further codes are refused", rate)
        mail_admins(
            f"SMS budget reached ({rate})",
            f"Linli has sent {usage.limit} SMS in this window ({rate}, settings "
            "LINLI_SMS_SITE_BUDGET). Further codes are refused until the window ends "
            f"in {math.ceil(usage.time_left / 60)} minutes. If this is real demand, raise the "
            "budget; otherwise look for a sign-up or login flood in the logs.",
        )
    return SmsLimitExceeded(
        _(
            "Our text messages are paused for a while because of unusually many requests. "
            "Please try again later."
        )
    )


def _check_site_budget(*, increment: bool) -> None:
    for rate in settings.LINLI_SMS_SITE_BUDGET:
        usage = hit(SITE_GROUP, rate, increment=increment)
        if (usage.count > usage.limit) if increment else usage.exhausted:
            raise _site_budget_refusal(usage, rate)


def reserve_sms(request: HttpRequest, phone: str, *, interval: bool = True) -> None:
    """Count one text to `phone` now, or raise SmsLimitExceeded. The per-number interval is
    checked first, so a second tap within a minute uses up nothing else (interval=False leaves
    it out: a text that is no code, such as a family invitation, must not make its reader wait
    a minute for the sign-up code they ask for next). Then the number's
    hourly and daily counts are looked at (not counted), so that a number that has had its
    texts uses up none of the network's; then the network's are counted, and only then the
    number's, so that a busy network uses up none of a number's texts either. The site's
    budget (LINLI_SMS_SITE_BUDGET) is looked at first and counted last, for the same reason."""
    phone = normalize_mobile(phone)
    limits = settings.LINLI_SMS_LIMITS
    number = {"group": "linli.sms.number", "value": _digest(phone), "rates": limits["number"]}
    if interval:
        _check_interval(phone)
    try:
        _check_site_budget(increment=False)
        _check_rates(request, **number, increment=False)
        network = client_network(client_ip(request))
        _check_rates(request, group="linli.sms.ip", value=network, rates=limits["ip"])
        _check_rates(request, **number)
        _check_site_budget(increment=True)
    except SmsLimitExceeded:
        if interval:
            # Nothing is sent, so the number's next minute is not taken.
            release(_interval_key(phone))
        raise
    if interval and getattr(request, "session", None) is not None:
        request.session[_LAST_NUMBER_KEY] = phone  # for resend_after
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
    `rates`' fixed windows, in the database like the SMS counts above. Returns None while
    within them, or the seconds until the exceeded window ends; the caller refuses in its own
    words. (Kept with the signature main's staff invitations call.)"""
    for usage in _hit_many([(f"{group}:{_digest(key)}", rate) for rate in rates]):
        if usage.count > usage.limit:
            return max(usage.time_left, 1)
    return None


# --- Per-account throttles ------------------------------------------------------------------


def _throttle_message(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "You have done this too often for now. Please try again in %(count)d minute; what you "
        "entered is still here.",
        "You have done this too often for now. Please try again in %(count)d minutes; what you "
        "entered is still here.",
        minutes,
    ) % {"count": minutes}


def throttle(action: str, *, user=None, ip: str = "") -> None:
    """Count one `action` (a key of LINLI_ACTION_LIMITS) for `user` and the client address
    `ip`, or raise LimitExceeded when either has had its share for now. All of the action's
    rates are looked at first, so a refusal uses up nothing; then each is counted."""
    rates = settings.LINLI_ACTION_LIMITS[action]
    buckets = []
    if user is not None and getattr(user, "pk", None) is not None:
        buckets += [(f"linli.act.{action}.user:{user.pk}", rate) for rate in rates.get("user", [])]
    if ip:
        network = _digest(client_network(ip))
        buckets += [(f"linli.act.{action}.ip:{network}", rate) for rate in rates.get("ip", [])]
    if not buckets:
        return
    for usage in _peek_many(buckets):
        if usage.exhausted:
            raise LimitExceeded(_throttle_message(usage.time_left))
    for usage in _hit_many(buckets):
        if usage.count > usage.limit:  # another request took the last one just now
            raise LimitExceeded(_throttle_message(usage.time_left))


def throttle_request(action: str, request: HttpRequest | None, *, user=None) -> None:
    """`throttle` for a service: the user (or the request's) and the request's client address,
    the refusal as a ValidationError above the form ("__all__"), so that the page shows it
    with everything that was typed."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    try:
        throttle(action, user=user, ip=client_ip(request) if request is not None else "")
    except LimitExceeded as refusal:
        raise ValidationError({"__all__": refusal.message}, code="throttled") from None


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

"""One-time SMS codes for the flows allauth does not cover: sign-up (code first), the number of
a WeChat or QQ login, password reset by SMS, re-authentication by SMS and accepting a staff
invitation. allauth's own flows (login by code, phone
verification) keep their codes in the session's login stage instead.

A code is six digits, stored only as an HMAC in the shared cache under its purpose and number,
bound to the browser session that asked for it, valid for LINLI_SMS_CODE_TTL seconds and for
LINLI_SMS_CODE_MAX_ATTEMPTS tries (counted atomically before comparing), and used once.
"""

import secrets
import time
from enum import StrEnum

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import User
from .phone import normalize_mobile

_SESSION_NONCE_KEY = "linli_otp_nonce"
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


class Purpose(StrEnum):
    SIGNUP = "signup"
    # The bind-phone page of a WeChat or QQ login: a new account, or a link to the existing one.
    SOCIAL_BIND = "social_bind"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a purpose, not a password)
    REAUTHENTICATE = "reauthenticate"
    # Accepting an invitation to a property company's staff (staff.services).
    STAFF_INVITATION = "staff_invitation"


def generate_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def clean_code(value: str) -> str:
    """What people type: spaces, dashes, full-width digits."""
    return "".join(ch for ch in str(value or "").translate(FULL_WIDTH_DIGITS) if ch.isdigit())


def _session_nonce(request: HttpRequest, *, create: bool) -> str:
    nonce = request.session.get(_SESSION_NONCE_KEY, "")
    if not nonce and create:
        nonce = secrets.token_urlsafe(16)
        request.session[_SESSION_NONCE_KEY] = nonce
    return nonce


def _keys(purpose: Purpose, phone: str) -> tuple[str, str]:
    name = salted_hmac("accounts.otp.key", f"{purpose}:{phone}").hexdigest()[:32]
    return f"linli:otp:{name}", f"linli:otp:{name}:tries"


def _digest(purpose: Purpose, phone: str, nonce: str, code: str) -> str:
    return salted_hmac(
        "accounts.otp.code", f"{purpose}:{phone}:{nonce}:{code}", algorithm="sha256"
    ).hexdigest()


def issue(request: HttpRequest, *, purpose: Purpose, phone: str) -> str:
    """A new code for this purpose, number and session; any earlier one stops working."""
    phone = normalize_mobile(phone)
    code = generate_code()
    nonce = _session_nonce(request, create=True)
    ttl = settings.LINLI_SMS_CODE_TTL
    record_key, tries_key = _keys(purpose, phone)
    cache.delete(tries_key)
    cache.set(
        record_key, {"digest": _digest(purpose, phone, nonce, code), "at": time.time()}, ttl + 5
    )
    return code


def verify(request: HttpRequest, *, purpose: Purpose, phone: str, code: str) -> bool:
    """True once for the right code. A wrong, expired, used, foreign or over-tried code is
    False, alike, so the answer tells nothing about the number."""
    phone = normalize_mobile(phone)
    record_key, tries_key = _keys(purpose, phone)
    record = cache.get(record_key)
    if not record:
        return False
    if time.time() - record["at"] > settings.LINLI_SMS_CODE_TTL:
        cache.delete_many([record_key, tries_key])
        return False
    cache.add(tries_key, 0, settings.LINLI_SMS_CODE_TTL + 5)
    try:
        tries = cache.incr(tries_key)
    except ValueError:  # expired between add and incr
        return False
    if tries > settings.LINLI_SMS_CODE_MAX_ATTEMPTS:
        cache.delete_many([record_key, tries_key])
        return False
    nonce = _session_nonce(request, create=False)
    expected = record["digest"]
    if not nonce or not constant_time_compare(
        expected, _digest(purpose, phone, nonce, clean_code(code))
    ):
        if tries >= settings.LINLI_SMS_CODE_MAX_ATTEMPTS:
            cache.delete_many([record_key, tries_key])
        return False
    # Single use: of two requests with the right code, only the one that deletes it wins.
    return bool(cache.delete(record_key))


def send_code(
    request: HttpRequest, *, purpose: Purpose, phone: str, provider_name: str = ""
) -> None:
    """Text a code for `purpose` to `phone`; the limits were reserved by the caller's form.

    The reply on screen is the same whatever the number: a number that cannot use this purpose
    gets an explanation by SMS instead of a code (taken, for sign-up; unknown, otherwise). A
    WeChat or QQ login (SOCIAL_BIND, `provider_name` says which) gets a code either way: for a
    new account, or, to a number that has one, worded for linking `provider_name` to it.
    """
    phone = normalize_mobile(phone)
    adapter = get_adapter(request)
    user: User | None = adapter.get_user_by_phone(phone)
    if purpose == Purpose.SOCIAL_BIND and user is not None:
        code = issue(request, purpose=purpose, phone=phone)
        adapter.send_social_link_code_sms(phone, code=code, provider_name=provider_name)
        return
    if purpose == Purpose.SIGNUP and user is not None:
        adapter.send_account_already_exists_sms(phone)
        return
    if purpose not in (Purpose.SIGNUP, Purpose.SOCIAL_BIND) and (
        user is None or not user.is_active
    ):
        adapter.send_unknown_account_sms(phone)
        return
    code = issue(request, purpose=purpose, phone=phone)
    adapter.send_verification_code_sms(user=user, phone=phone, code=code)

"""One-time SMS codes for the flows allauth does not cover: sign-up (code first), the number of
a WeChat or QQ login, password reset by SMS, re-authentication by SMS and accepting a staff
invitation. allauth's own flows (login by code, phone
verification) keep their codes in the session's login stage instead.

A code is six digits, stored only as an HMAC in the "limits" cache (a database table, so that
codes work while Redis is down) under its purpose and number,
bound to the browser session that asked for it, valid for LINLI_SMS_CODE_TTL seconds and for
LINLI_SMS_CODE_MAX_ATTEMPTS tries (counted atomically before comparing), and used once.
"""

import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare, salted_hmac

from . import limits
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


def _store():
    return caches["limits"]


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
    record_key, _tries_key = _keys(purpose, phone)
    _store().set(
        record_key,
        {
            "digest": _digest(purpose, phone, nonce, code),
            "at": time.time(),
            # The tries are counted per code: a new code starts from none.
            "id": secrets.token_hex(8),
        },
        ttl + 5,
    )
    return code


@dataclass(frozen=True)
class CodeCheck:
    """The answer to one code typed in: `ok` once for the right code; otherwise `tries_left`
    (how many more may be typed for this code) and `exhausted` (this try was its last, so a
    new code is needed). No code at all (never sent, expired, used) has no tries left and is
    not exhausted."""

    ok: bool
    tries_left: int = 0
    exhausted: bool = False

    def __bool__(self) -> bool:
        return self.ok


def check(request: HttpRequest, *, purpose: Purpose, phone: str, code: str) -> CodeCheck:
    """Compare `code` with the one sent for this purpose, number and session, counting the try.
    A code from another session counts as wrong, and a number that was sent no code for this
    purpose (sign-up for a number that has an account, say) has a code nobody knows
    (`send_code`), so the answer tells nothing about the number."""
    phone = normalize_mobile(phone)
    record_key, tries_key = _keys(purpose, phone)
    store = _store()
    record = store.get(record_key)
    if not record:
        return CodeCheck(ok=False)
    if time.time() - record["at"] > settings.LINLI_SMS_CODE_TTL:
        store.delete(record_key)
        return CodeCheck(ok=False)
    # Counted atomically before comparing: parallel guesses cannot share one try.
    allowed = settings.LINLI_SMS_CODE_MAX_ATTEMPTS
    tries = limits.count_up(f"{tries_key}:{record['id']}", settings.LINLI_SMS_CODE_TTL + 5)
    if tries > allowed:
        store.delete(record_key)
        return CodeCheck(ok=False, exhausted=True)
    nonce = _session_nonce(request, create=False)
    expected = record["digest"]
    if not nonce or not constant_time_compare(
        expected, _digest(purpose, phone, nonce, clean_code(code))
    ):
        if tries >= allowed:
            store.delete(record_key)
        return CodeCheck(ok=False, tries_left=allowed - tries, exhausted=tries >= allowed)
    # Single use: of two requests with the right code, only the one that deletes it wins.
    return CodeCheck(ok=bool(store.delete(record_key)))


def verify(request: HttpRequest, *, purpose: Purpose, phone: str, code: str) -> bool:
    """True once for the right code (`check` without the details)."""
    return check(request, purpose=purpose, phone=phone, code=code).ok


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
        issue(request, purpose=purpose, phone=phone)  # unknown to all: wrong tries look alike
        adapter.send_account_already_exists_sms(phone)
        return
    if purpose not in (Purpose.SIGNUP, Purpose.SOCIAL_BIND) and (
        user is None or not user.is_active
    ):
        issue(request, purpose=purpose, phone=phone)  # as above
        adapter.send_unknown_account_sms(phone)
        return
    code = issue(request, purpose=purpose, phone=phone)
    adapter.send_verification_code_sms(user=user, phone=phone, code=code)

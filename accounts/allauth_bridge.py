"""The one place that reaches into django-allauth's internal API.

allauth's public API (adapters, forms, views, signals, models, `allauth.core.ratelimit`,
`allauth.account.authentication`) is used where it is needed. What allauth keeps in its
`internal` packages or behind `_` names may change in any release; every such touch of ours is
here, behind a function or hook of our own, and tests/accounts/test_allauth_bridge.py fails if
an allauth upgrade moves or changes one of them.
"""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows import login as _login
from allauth.account.internal.flows import password_reset as _password_reset
from allauth.account.internal.flows import reauthentication as _reauthentication
from allauth.account.views import _login as _allauth_login_views
from allauth.account.views import _phone as _allauth_phone_views
from allauth.core.internal import ratelimit as _ratelimit
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes as _RecoveryCodes
from allauth.mfa.totp.internal import auth as _totp
from allauth.socialaccount.internal.flows import signup as _social_signup
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse

# --- The account adapter ------------------------------------------------------------------------


class AccountAdapterBase(DefaultAccountAdapter):
    """allauth's account adapter, with the private method it keys its per-login "login_failed"
    limit by turned into a public hook (`login_failed_key`)."""

    def login_failed_key(self, request: HttpRequest, **credentials: Any) -> str | None:
        """The key of the per-login "login_failed" limit for these credentials; None: allauth's
        own (by e-mail or username)."""
        return None

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        key = self.login_failed_key(request, **credentials)
        if key is not None:
            return key
        return super()._get_login_attempts_cache_key(request, **credentials)


# --- Authentication records of the session ----------------------------------------------------


def record_authentication(
    request: HttpRequest, user: AbstractBaseUser, method: str, **data: Any
) -> None:
    """Add to this session's record of how the person authenticated ("password", "code",
    "socialaccount", "mfa" ...), which allauth's re-authentication and our second-factor check
    read back (allauth.account.authentication.get_authentication_records)."""
    _login.record_authentication(request, user, method, **data)


# --- Re-authentication -------------------------------------------------------------------------


def suspend_for_reauthentication(request: HttpRequest, url: str) -> HttpResponse:
    """Send the person to the re-authentication page `url`; a POST is kept to be replayed."""
    return _reauthentication.suspend_request(request, url)


def resume_after_reauthentication(request: HttpRequest) -> HttpResponse | None:
    """The suspended request (or its page) once the person has confirmed, or None."""
    return _reauthentication.resume_request(request)


# --- Password reset and social sign-up ---------------------------------------------------------


def reset_password(request: HttpRequest, user: AbstractBaseUser, password: str) -> None:
    """Set the new password and finish as allauth's own reset does (its signal, the message,
    the other sessions logged out where configured)."""
    _password_reset.reset_password(user, password)
    _password_reset.finalize_password_reset(request, user)


def clear_pending_social_signup(request: HttpRequest) -> None:
    """Forget the WeChat or QQ login waiting in the session for its sign-up form."""
    _social_signup.clear_pending_signup(request)


# --- Rate limits -------------------------------------------------------------------------------


def count_rate_limits_in(cache) -> None:
    """allauth counts its rate limits in the cache that its ratelimit module reads from its own
    globals (no setting); this makes it count in `cache` instead."""
    _ratelimit.cache = cache


# --- Second factor (the demo and tests) ---------------------------------------------------------


def new_totp_secret() -> str:
    return _totp.generate_totp_secret()


def activate_totp(user: AbstractBaseUser, secret: str) -> None:
    """An authenticator app with `secret` for `user`, as if they had set it up."""
    _totp.TOTP.activate(user, secret)


def totp_code(secret: str, at: float) -> str:
    """The code an authenticator app with `secret` shows at the Unix time `at`."""
    from allauth.mfa import app_settings

    counter = int(at) // app_settings.TOTP_PERIOD
    return _totp.format_hotp_value(_totp.hotp_value(secret, counter))


def activate_recovery_codes(user: AbstractBaseUser) -> list[str]:
    """Recovery codes for `user`, as if they had generated them."""
    return _RecoveryCodes.activate(user).generate_codes()


# --- allauth's code and phone views, subclassed by accounts.views.auth (tries left) ---------
# Private modules of allauth (account/views/_login.py, _phone.py): named here only.
ConfirmLoginCodeViewBase = _allauth_login_views.ConfirmLoginCodeView
VerifyPhoneSignupViewBase = _allauth_phone_views._VerifyPhoneSignupView
VerifyPhoneChangeViewBase = _allauth_phone_views._VerifyPhoneChangeView

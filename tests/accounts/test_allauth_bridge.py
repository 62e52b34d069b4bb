"""accounts.allauth_bridge, the one place that reaches into allauth's internal API: what it
calls still exists with the signatures it calls, still does what we rely on, and nothing else
of ours reaches into allauth's internals. An allauth upgrade that breaks the bridge fails here."""

import ast
import inspect
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows import login, password_reset, reauthentication
from allauth.core import context
from allauth.core.internal import ratelimit
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal import auth as totp
from allauth.socialaccount.internal.flows import signup
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from accounts import allauth_bridge
from tests.factories import UserFactory

ROOT = Path(settings.BASE_DIR)


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_the_internal_functions_we_call_take_what_we_give_them():
    assert parameters(login.record_authentication) == ["request", "user", "method", "extra_data"]
    assert parameters(reauthentication.suspend_request) == ["request", "redirect_to"]
    assert parameters(reauthentication.resume_request) == ["request"]
    assert parameters(password_reset.reset_password) == ["user", "password"]
    assert parameters(password_reset.finalize_password_reset)[:2] == ["request", "user"]
    assert parameters(signup.clear_pending_signup) == ["request"]
    assert parameters(totp.generate_totp_secret) == ["length"]
    assert parameters(totp.TOTP.activate) == ["user", "secret"]
    assert parameters(totp.hotp_value) == ["secret", "counter"]
    assert parameters(totp.format_hotp_value) == ["value"]
    assert parameters(RecoveryCodes.activate) == ["user"]
    assert parameters(RecoveryCodes.generate_codes) == ["self"]


def test_the_private_login_attempts_key_is_still_what_the_login_limit_uses():
    private = DefaultAccountAdapter._get_login_attempts_cache_key
    assert parameters(private) == ["self", "request", "credentials"]
    source = inspect.getsource(DefaultAccountAdapter.pre_authenticate)
    assert "self._get_login_attempts_cache_key(request, **credentials)" in source


def test_our_adapter_keys_phone_logins_by_the_number(rf):
    from accounts.adapters import AccountAdapter
    from accounts.limits import login_failed_key

    adapter = AccountAdapter()
    request = rf.get("/")
    assert adapter._get_login_attempts_cache_key(request, phone="13900000001") == (
        login_failed_key("13900000001")
    )


def test_allauth_still_counts_its_rate_limits_in_the_module_global_we_replace():
    # It reads `cache` from the module's globals; the bridge replaced it at start-up.
    assert "cache.get(" in inspect.getsource(ratelimit)
    assert ratelimit.cache._alias == "limits"


def request_with_session(user=None):
    request = RequestFactory().get("/staff/")
    request.session = SessionStore()
    request.user = user
    return request


@pytest.mark.django_db
def test_recorded_authentication_is_read_back_by_allauths_public_reader():
    user = UserFactory()
    request = request_with_session(user)
    allauth_bridge.record_authentication(request, user, "mfa", type="totp")
    [record] = get_authentication_records(request, user)
    assert record["method"] == "mfa" and record["type"] == "totp"
    assert time.time() - record["at"] < 60
    # The session of another user does not count for this one.
    assert get_authentication_records(request, UserFactory()) == []
    # The tests' shortcut (tests/conftest.py: pass_second_factor) does the same on a session.
    other = SimpleNamespace(session=SessionStore())
    allauth_bridge.record_authentication(other, user, "mfa", type="totp")
    assert get_authentication_records(other, user)[0]["method"] == "mfa"


def test_suspend_sends_to_the_page_with_next_and_resume_comes_back():
    request = request_with_session()
    response = allauth_bridge.suspend_for_reauthentication(request, "/accounts/reauthenticate/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/reauthenticate/?next=%2Fstaff%2F"
    back = RequestFactory().get("/accounts/reauthenticate/", {"next": "/staff/"})
    back.session = request.session
    with context.request_context(back):
        assert allauth_bridge.resume_after_reauthentication(back)["Location"] == "/staff/"


@pytest.mark.django_db
def test_reset_password_sets_it():
    user = UserFactory()
    request = request_with_session(user)
    request._messages = SimpleNamespace(add=lambda *args, **kwargs: None)
    allauth_bridge.reset_password(request, user, "a-new-Passw0rd!")
    user.refresh_from_db()
    assert user.check_password("a-new-Passw0rd!")


def test_clear_pending_social_signup_forgets_it():
    request = request_with_session()
    request.session["socialaccount_sociallogin"] = {"pending": True}
    allauth_bridge.clear_pending_social_signup(request)
    assert signup.get_pending_signup(request) is None


@pytest.mark.django_db
def test_totp_and_recovery_codes_are_accepted_by_allauth():
    user = UserFactory()
    secret = allauth_bridge.new_totp_secret()
    allauth_bridge.activate_totp(user, secret)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert totp.validate_totp_code(secret, allauth_bridge.totp_code(secret, time.time()))
    codes = allauth_bridge.activate_recovery_codes(user)
    recovery = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    assert codes and RecoveryCodes(recovery).validate_code(codes[0])


def internal_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "allauth" and (
                "internal" in parts or any(part.startswith("_") for part in parts)
            ):
                found.append(name)
    return found


def test_nothing_else_reaches_into_allauths_internals():
    skipped = {"node_modules", "staticfiles", "var"}
    tops = [p for p in ROOT.iterdir() if p.is_dir() and p.name not in skipped and p.name[0] != "."]
    this = Path(__file__).resolve()
    touching = {
        str(path.relative_to(ROOT))
        for top in tops
        for path in top.rglob("*.py")
        if path.resolve() != this and internal_imports(path)
    }
    assert touching == {"accounts/allauth_bridge.py"}

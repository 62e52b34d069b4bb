"""The second factor (django-allauth's `allauth.mfa`: TOTP and recovery codes) for the people
who can change the most: platform operators and property managers.

`requires_second_factor(user)` says who; `SecondFactorMiddleware` keeps them out of the staff
portal and the admin until this session has passed a second factor. allauth's login flow asks
for the code of a person who has an authenticator app (its AuthenticateStage, for password,
SMS-code and social logins alike); the middleware sends a person who has none to set one up,
and a session opened without the code (before the app was set up, or by any way that skips
allauth's login) to confirm one. The admin's own login page is allauth's
`secure_admin_login`: it sends everyone to the site's login (config/urls.py).
"""

from collections.abc import Callable

from allauth.account.authentication import get_authentication_records
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.views import ActivateTOTPView
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _

from .allauth_bridge import record_authentication
from .models import User

# Where the person was going when sent to set up an authenticator app: the pages after the
# set-up offer to continue there.
NEXT_SESSION_KEY = "linli_second_factor_next"

# Who else needs a second factor, asked of each account in turn: rules the apps above accounts
# register from their AppConfig.ready (staff: whoever holds the manager's duties).
_SECOND_FACTOR_RULES: list[Callable[[User], bool]] = []


def register_second_factor_rule(rule: Callable[[User], bool]) -> None:
    if rule not in _SECOND_FACTOR_RULES:
        _SECOND_FACTOR_RULES.append(rule)


def requires_second_factor(user: User) -> bool:
    """A platform operator, or anyone a registered rule names (a staff member who holds the
    manager's duties in any community they serve)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return any(rule(user) for rule in _SECOND_FACTOR_RULES)


def has_authenticator_app(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def passed_second_factor(request: HttpRequest) -> bool:
    """This session's login (or a later confirmation) used a second factor of this user."""
    return any(
        record.get("method") == "mfa"
        for record in get_authentication_records(request, getattr(request, "user", None))
    )


# Resident-portal URLs that staff open too (a binding's proof from the verification queue).
STAFF_ALSO_OPEN = frozenset({"accounts:residency_proof", "accounts:avatar"})


def _guarded_prefixes() -> tuple[str, ...]:
    try:
        return ("/staff/", reverse("admin:index"))
    except NoReverseMatch:  # a URL conf without the admin (some tests use one)
        return ("/staff/",)


class SecondFactorMiddleware:
    """The staff portal and the admin, for people who need a second factor, only once this
    session has passed one. Costs no query for a session that has (the record is in the
    session) and none outside those two portals."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.path_info.startswith(_guarded_prefixes())
            and request.user.is_authenticated
            and not passed_second_factor(request)
            and requires_second_factor(request.user)
        ):
            return self._second_factor_first(request)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        """Files the staff also open outside /staff/ (a resident's proof photo, an avatar): the
        same second factor first for those who need one."""
        match = request.resolver_match
        if (
            match is not None
            and match.view_name in STAFF_ALSO_OPEN
            and request.user.is_authenticated
            and not passed_second_factor(request)
            and requires_second_factor(request.user)
        ):
            return self._second_factor_first(request)
        return None

    def _second_factor_first(self, request: HttpRequest) -> HttpResponse:
        next_url = request.get_full_path() if request.method == "GET" else request.path
        if has_authenticator_app(request.user):
            query = urlencode({"next": next_url})
            return HttpResponseRedirect(f"{reverse('mfa_reauthenticate')}?{query}")
        request.session[NEXT_SESSION_KEY] = next_url
        return HttpResponseRedirect(reverse("mfa_activate_totp"))


def continue_url(request: HttpRequest) -> str:
    """Where the set-up pages send the person on: where they were going, else their portal."""
    url = request.session.get(NEXT_SESSION_KEY)
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    from allauth.account.adapter import get_adapter

    return get_adapter(request).get_login_redirect_url(request)


class ActivateAuthenticatorAppView(ActivateTOTPView):
    """allauth's set-up page (QR code, secret, the first code). The first code proves the app
    works, so it counts as this session's second factor: no second ask right after."""

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        authenticator = Authenticator.objects.get(
            user=self.request.user, type=Authenticator.Type.TOTP
        )
        # allauth's own record of a second factor used in this session (its login flow writes
        # the same), read back by passed_second_factor.
        record_authentication(
            self.request, self.request.user, "mfa", id=authenticator.pk, type=authenticator.type
        )
        return response


activate_authenticator_app = ActivateAuthenticatorAppView.as_view()


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": _(
            "The code is incorrect. Check that the time on your phone is right and enter the "
            "current code."
        ),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # Operators and managers keep their second factor (they may set up a new phone by
        # regenerating recovery codes or through another operator, not by turning it off).
        return not requires_second_factor(authenticator.user)

    def get_totp_issuer(self) -> str:
        return settings.LINLI_SITE_NAME

    def get_totp_label(self, user: User) -> str:
        return user.mobile or str(user.pk)

"""Sign-up, recovery and account-security pages: allauth's views where it has them, with our
SMS codes (accounts.otp) and limits (accounts.limits) where it has not."""

import time
from functools import wraps

from allauth.account import app_settings as allauth_settings
from allauth.account import views as allauth_views
from allauth.account.adapter import get_adapter
from allauth.account.authentication import get_authentication_records
from allauth.account.utils import get_next_redirect_url
from allauth.core.exceptions import RateLimited
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from .. import limits, otp
from ..allauth_bridge import (
    ConfirmLoginCodeViewBase,
    VerifyPhoneChangeViewBase,
    VerifyPhoneSignupViewBase,
    record_authentication,
    reset_password,
    resume_after_reauthentication,
    suspend_for_reauthentication,
)
from ..auth_forms import (
    PasswordResetBySmsForm,
    ReauthenticateByCodeForm,
    SendCodeForm,
    code_exhausted_message,
    tries_left_message,
)
from ..phone import mask_mobile

# --- Re-authentication -----------------------------------------------------------------------


def recently_reauthenticated(request: HttpRequest) -> bool:
    """Like allauth's check, but without its pass for accounts that have no password: those
    confirm with an SMS code to their current number instead."""
    records = get_authentication_records(request, request.user)
    stamps = [record["at"] for record in records if record.get("reauthenticated")]
    return bool(stamps) and time.time() - stamps[-1] < allauth_settings.REAUTHENTICATION_TIMEOUT


def reauthentication_required(view):
    """The page (GET too) needs a password or SMS-code confirmation from the last minutes."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not recently_reauthenticated(request):
            methods = get_adapter(request).get_reauthentication_methods(request.user)
            if not methods:
                return redirect("account_login")
            return suspend_for_reauthentication(request, methods[0]["url"])
        return view(request, *args, **kwargs)

    return wrapper


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def reauthenticate_by_code(request: HttpRequest) -> HttpResponse:
    """Confirm it is still you with a code to your current number (also for accounts with no
    password, which allauth's password page cannot serve)."""
    user = request.user
    form = ReauthenticateByCodeForm(request=request)
    if request.method == "POST" and request.POST.get("action") == "send":
        try:
            limits.reserve_sms(request, user.mobile)
        except limits.SmsLimitExceeded as refusal:
            messages.error(request, refusal.message)
        else:
            otp.send_code(request, purpose=otp.Purpose.REAUTHENTICATE, phone=user.mobile)
            messages.success(
                request,
                _("A code has been sent to %(phone)s.") % {"phone": mask_mobile(user.mobile)},
            )
        return redirect(request.get_full_path())
    if request.method == "POST":
        form = ReauthenticateByCodeForm(request.POST, request=request)
        if form.is_valid():
            record_authentication(
                request, user, method="code", phone=user.mobile, reauthenticated=True
            )
            response = resume_after_reauthentication(request)
            return response or redirect(get_adapter(request).get_login_redirect_url(request))
    alternatives = [
        method
        for method in get_adapter(request).get_reauthentication_methods(user)
        if method["url"] != request.path
    ]
    next_url = get_next_redirect_url(request)
    return render(
        request,
        "account/reauthenticate_by_code.html",
        {
            "form": form,
            "phone": mask_mobile(user.mobile),
            "alternatives": alternatives,
            "next_url": next_url,
        },
    )


class ChangePhoneView(allauth_views.ChangePhoneView):
    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except RateLimited:
            form.add_error("phone", get_adapter(self.request).error_messages["rate_limited"])
            return self.form_invalid(form)


change_phone = reauthentication_required(ChangePhoneView.as_view())
email = reauthentication_required(allauth_views.email)
password_set = reauthentication_required(allauth_views.password_set)


# --- allauth's code pages (login by code, phone verification) ------------------------------


class TriesLeftMixin:
    """A wrong code says how many tries are left; after the last one allauth ends the process
    and we say that a new code is needed (accounts.otp's pages say the same)."""

    def form_invalid(self, form):
        process = getattr(self, "_process", None) or getattr(self, "process", None)
        if process is None or self._action in ("resend", "change"):
            return super().form_invalid(form)
        left = process.max_attempts - process.state["failed_attempts"] - 1
        if left > 0:
            if form.has_error("code", "incorrect_code"):
                form.errors["code"] = form.error_class([tries_left_message(left)])
        else:
            self.request.linli_code_exhausted = True  # see AccountAdapter.add_message
        return super().form_invalid(form)


class ConfirmLoginCodeView(TriesLeftMixin, ConfirmLoginCodeViewBase):
    pass


class VerifyPhoneSignupView(TriesLeftMixin, VerifyPhoneSignupViewBase):
    pass


class VerifyPhoneChangeView(TriesLeftMixin, VerifyPhoneChangeViewBase):
    def respond_process_failed(self, form):
        messages.error(self.request, code_exhausted_message())
        return super().respond_process_failed(form)


confirm_login_code = ConfirmLoginCodeView.as_view()


def verify_phone(request: HttpRequest) -> HttpResponse:
    """allauth's: the phone change of a logged-in person, else the sign-up stage."""
    if request.user.is_authenticated:
        return VerifyPhoneChangeView.as_view()(request)
    return VerifyPhoneSignupView.as_view()(request)


# --- Sign-up ---------------------------------------------------------------------------------


def send_code(request: HttpRequest, purpose: otp.Purpose, *, provider_name: str = "") -> dict:
    """The "Get code" button (action=send_code) of the sign-up, social sign-up and SMS password
    reset pages: check the number and the SMS limits, text the code and say so. Returns what
    the page shows next to its form: send_form (with any error) and code_sent (the button's
    countdown is the template's: linli_sms.sms_resend_after)."""
    send_form = SendCodeForm(request.POST, request=request)
    code_sent = send_form.is_valid()
    if code_sent:
        phone = send_form.cleaned_data["phone"]
        otp.send_code(request, purpose=purpose, phone=phone, provider_name=provider_name)
        messages.success(
            request, _("A code has been sent to %(phone)s.") % {"phone": mask_mobile(phone)}
        )
    return {"send_form": send_form, "code_sent": code_sent}


class SendSignupCodeMixin:
    """For allauth's sign-up views: a POST with action=send_code texts a sign-up code and shows
    the form again, unbound, with the number as typed."""

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") != "send_code":
            return super().post(request, *args, **kwargs)
        sent = self.send_code(request)
        form = self.get_unbound_form(initial={"phone": request.POST.get("phone", "")})
        return self.render_to_response(self.get_context_data(form=form, **sent))

    def send_code(self, request: HttpRequest) -> dict:
        return send_code(request, otp.Purpose.SIGNUP)

    def get_unbound_form(self, initial: dict):
        return self.get_form_class()(initial=initial)


class SignupView(SendSignupCodeMixin, allauth_views.SignupView):
    """allauth's sign-up, plus the "Get code" button of the same form."""


signup = SignupView.as_view()


# --- Password reset by SMS -------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def password_reset_by_sms(request: HttpRequest) -> HttpResponse:
    """Number → code → new password, on one page. An unknown number gets the same replies on
    screen and an "unknown account" text."""
    sent = {"send_form": None, "code_sent": False}
    if request.method == "POST" and request.POST.get("action") == "send_code":
        sent = send_code(request, otp.Purpose.PASSWORD_RESET)
        form = PasswordResetBySmsForm(
            initial={"phone": request.POST.get("phone", "")}, request=request
        )
    elif request.method == "POST":
        form = PasswordResetBySmsForm(request.POST, request=request)
        if form.is_valid():
            user = form.user
            reset_password(request, user, form.cleaned_data["password1"])
            if request.user.is_authenticated:
                # The new password ended every session; this one too, cleanly.
                get_adapter(request).logout(request)
            return redirect("account_reset_password_from_key_done")
    else:
        form = PasswordResetBySmsForm(request=request)
    return render(
        request,
        "account/password_reset_sms.html",
        {"form": form, **sent},
    )

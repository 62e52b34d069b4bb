"""django-allauth on our user model: the mobile number is the login, stored in 11-digit form.

Every text allauth sends goes through the three `send_*_sms` methods below, and so through the
SMS limits of accounts.limits and the Celery task of accounts.sms.
"""

import time
from typing import Any

from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from kit.net import client_ip

from . import limits, portal, security_audit
from .allauth_bridge import AccountAdapterBase
from .forms import MobileNumberField
from .models import User
from .phone import normalize_mobile
from .sms import send_sms


class AccountAdapter(AccountAdapterBase):
    error_messages = {
        **AccountAdapterBase.error_messages,
        # One wording for every refused code, whatever the reason (wrong, expired, used).
        "incorrect_code": _("The code is incorrect or has expired. Request a new code."),
        "rate_limited": _("Too many requests. Please wait a minute and try again."),
    }

    def is_open_for_signup(self, request) -> bool:
        return True

    def post_login(self, request, user, **kwargs: Any):
        request.linli_signed_up = bool(kwargs.get("signup"))
        return super().post_login(request, user, **kwargs)

    def add_message(
        self,
        request,
        level: int,
        message_template: str | None = None,
        message_context: dict[str, Any] | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        """The first page after a sign-up (by number, WeChat or QQ) says so, instead of the
        "logged in" message every login shows; the last wrong try of a texted code says that a
        new code helps, not waiting."""
        if message_template == "account/messages/logged_in.txt" and getattr(
            request, "linli_signed_up", False
        ):
            message_template, message = None, str(_("Signed up successfully. Welcome to Linli!"))
        if getattr(request, "linli_code_exhausted", False) and message == force_str(
            self.error_messages["too_many_login_attempts"]
        ):
            # views.auth.TriesLeftMixin marks the request.
            from .auth_forms import code_exhausted_message

            message = code_exhausted_message()
        super().add_message(
            request,
            level,
            message_template=message_template,
            message_context=message_context,
            extra_tags=extra_tags,
            message=message,
        )

    def get_login_redirect_url(self, request) -> str:
        """Without a `next`, each person lands in their own portal."""
        user = request.user
        landing = portal.landing_url(user)
        if landing:
            return landing
        if user.is_staff and not user.residencies.exists():
            return reverse("admin:index")
        return super().get_login_redirect_url(request)

    # --- Phone numbers on accounts.User -------------------------------------------------

    def phone_form_field(self, **kwargs: Any) -> forms.Field:
        kwargs.pop("label", None)  # ours says 手机号, allauth's says 电话
        return MobileNumberField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        try:
            return normalize_mobile(phone)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None

    def get_phone(self, user: User) -> tuple[str, bool] | None:
        return (user.mobile, user.mobile_verified) if user.mobile else None

    def set_phone(self, user: User, phone: str, verified: bool) -> None:
        old = user.mobile
        user.mobile = phone
        user.mobile_verified = verified
        user.save(update_fields=["mobile", "mobile_verified"])
        if old and old != phone:
            security_audit.mobile_changed(user, old, phone)

    def set_phone_verified(self, user: User, phone: str) -> None:
        self.set_phone(user, phone, True)

    def get_user_by_phone(self, phone: str) -> User | None:
        try:
            phone = normalize_mobile(phone)
        except ValidationError:
            return None
        return User.objects.filter(mobile=phone).first()

    def save_user(self, request, user, form, commit=True):
        """Sign-up: the number was proven by the code in the form, so it is verified."""
        user = super().save_user(request, user, form, commit=commit)
        verified_phone = getattr(form, "verified_phone", None)
        if commit and verified_phone and user.mobile == verified_phone:
            self.set_phone_verified(user, verified_phone)
        return user

    # --- Texts ------------------------------------------------------------------------------

    def _send(self, phone: str, template: str, params: dict[str, str]) -> None:
        request = context.request
        try:
            limits.count_sms(request, phone)
        except limits.SmsLimitExceeded as refusal:
            # Paths without a form of ours (resend buttons, a login that must verify the number
            # first) land back where they were, with the reason.
            messages.error(request, refusal.message)
            raise ImmediateHttpResponse(HttpResponseRedirect(request.get_full_path())) from None
        send_sms(phone, template, params)

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs: Any) -> None:
        owner = self.get_user_by_phone(phone)
        if owner is not None and (user is None or owner.pk != user.pk):
            # Moving to a number someone else has: that number learns it is taken, the person
            # asking learns nothing (and gets no code that could finish the change).
            self.send_account_already_exists_sms(phone)
            return
        minutes = max(1, settings.LINLI_SMS_CODE_TTL // 60)
        self._send(phone, "verification_code", {"code": code, "minutes": str(minutes)})

    def send_social_link_code_sms(self, phone: str, *, code: str, provider_name: str) -> None:
        minutes = max(1, settings.LINLI_SMS_CODE_TTL // 60)
        self._send(
            phone,
            "social_link",
            {"provider": provider_name, "code": code, "minutes": str(minutes)},
        )

    def send_unknown_account_sms(self, phone: str, **kwargs: Any) -> None:
        self._send(phone, "unknown_account", {})

    def send_account_already_exists_sms(self, phone: str) -> None:
        self._send(phone, "account_exists", {})

    # --- Passwords and re-authentication ----------------------------------------------------

    def login_failed_key(self, request, **credentials: Any) -> str | None:
        # allauth keys its per-login "login_failed" limit by e-mail or username; with phone
        # logins that key would be empty and shared by everybody.
        phone = credentials.get("phone")
        return limits.login_failed_key(phone) if phone else None

    def set_password(self, user, password: str) -> None:
        super().set_password(user, password)
        # Failed guesses at the old password no longer lock the number out.
        if context.request is not None and user.mobile:
            limits.clear_login_failures(context.request, user.mobile)

    def get_client_ip(self, request) -> str:
        return client_ip(request)

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """The authenticator app's pages ask for the password again, unless the login itself was
        within the re-authentication timeout: an operator or manager sent to set up the app
        right after logging in is not asked twice in a minute."""
        required = super().is_reauthentication_required(app=app, **kwargs)
        if required and app == "allauth.mfa" and context.request is not None:
            from allauth.account.authentication import get_authentication_records

            request = context.request
            last = max(
                (r.get("at", 0) for r in get_authentication_records(request, request.user)),
                default=0,
            )
            return time.time() - last >= settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
        return required

    def get_reauthentication_methods(self, user) -> list[dict]:
        # allauth offers its own code method for a verified number ("Send me a sign-in code"),
        # whose URL is the path our page took over: it would be a second button to our page.
        methods = [
            method
            for method in super().get_reauthentication_methods(user)
            if method["id"] != "reauthenticate_by_code"
        ]
        if user.is_authenticated and user.mobile and user.mobile_verified:
            methods.append(
                {
                    "id": "reauthenticate_by_code",
                    "description": _("Use an SMS code"),
                    "url": reverse("accounts_auth:reauthenticate_by_code"),
                }
            )
        return methods

    # --- E-mail -----------------------------------------------------------------------------

    def format_email_subject(self, subject: str) -> str:
        return f"[{settings.LINLI_SITE_NAME}] {force_str(subject)}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {"site_name": settings.LINLI_SITE_NAME, **context}
        super().send_mail(template_prefix, email, context)

"""Forms of the sign-up, login and recovery pages: allauth's, with our SMS limits and codes.

Validation only: codes are checked through accounts.otp, limits reserved through
accounts.limits; what happens next is the views' (and allauth's flows') business.
"""

from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter
from allauth.account.fields import PasswordField, SetPasswordField
from allauth.account.models import EmailAddress
from allauth.core import context
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import limits, otp
from .forms import MobileNumberField


def incorrect_code_error() -> forms.ValidationError:
    """The refusal of a wrong, expired or used code, in the adapter's one wording."""
    return forms.ValidationError(
        get_adapter().error_messages["incorrect_code"], code="incorrect_code"
    )


def tries_left_message(count: int) -> str:
    return ngettext(
        "The code is incorrect. You can try %(count)d more time.",
        "The code is incorrect. You can try %(count)d more times.",
        count,
    ) % {"count": count}


def code_exhausted_message() -> str:
    return str(_("The code was wrong too many times and no longer works. Request a new code."))


def code_error(check: otp.CodeCheck) -> forms.ValidationError:
    """The refusal of a code: how many tries are left, or that a new code is needed (none
    left, expired, used)."""
    if check.tries_left > 0:
        return forms.ValidationError(tries_left_message(check.tries_left), code="incorrect_code")
    if check.exhausted:
        return forms.ValidationError(code_exhausted_message(), code="code_exhausted")
    return incorrect_code_error()


class CodeField(forms.CharField):
    """Six digits as typed on a phone: spaces and full-width digits are fine."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Verification code"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "placeholder": _("6-digit code"),
                "maxlength": "6",
            }
        )

    def to_python(self, value):
        return otp.clean_code(super().to_python(value))


class _CleanCodeMixin:
    """allauth's confirm forms compare the code as typed; accept full-width digits too."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"] = CodeField()


class ConfirmLoginCodeForm(_CleanCodeMixin, allauth_forms.ConfirmLoginCodeForm):
    pass


class VerifyPhoneForm(_CleanCodeMixin, allauth_forms.VerifyPhoneForm):
    pass


class LoginForm(allauth_forms.LoginForm):
    """Password login. When django-axes has locked this number for this device, say so."""

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, "axes_locked_out", False):
                raise forms.ValidationError(
                    limits.lockout_message(self.request), code="locked_out"
                ) from None
            raise


class RequestLoginCodeForm(allauth_forms.RequestLoginCodeForm):
    def clean(self):
        cleaned_data = super().clean()
        phone = cleaned_data.get("phone")
        if phone and not self.errors:
            try:
                limits.reserve_sms_or_error(context.request, phone)
            except forms.ValidationError as error:
                self.add_error("phone", error)
        return cleaned_data


class ChangePhoneForm(allauth_forms.ChangePhoneForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].label = _("New mobile number")

    def clean(self):
        cleaned_data = super().clean()
        phone = cleaned_data.get("phone")
        if phone and not self.errors:
            try:
                limits.reserve_sms_or_error(context.request, phone)
            except forms.ValidationError as error:
                self.add_error("phone", error)
        return cleaned_data


class SendCodeForm(forms.Form):
    """The "Get code" button of the sign-up and SMS password reset pages."""

    phone = MobileNumberField()

    def __init__(self, *args, request, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        limits.reserve_sms_or_error(self.request, phone)
        return phone


class SignupForm(allauth_forms.SignupForm):
    """Code first: number, the SMS code sent to it, and an optional password (the account can
    always log in by SMS code). The number is verified by the code, so allauth's phone
    verification stage has nothing left to do."""

    code = CodeField()
    field_order = ["phone", "code", "password1"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.verified_phone = None
        if "password1" in self.fields:
            self.fields["password1"].label = _("Password (optional)")
            self.fields["password1"].help_text = _(
                "Set one to log in with your password; you can always log in with an SMS code."
            )
            self.fields["password1"].widget.attrs["placeholder"] = _("At least 8 characters")

    def clean(self):
        cleaned_data = super().clean()
        phone, code = cleaned_data.get("phone"), cleaned_data.get("code")
        # The code is checked last, so that fixing another field does not use it up.
        if phone and code and not self.errors:
            check = otp.check(context.request, purpose=otp.Purpose.SIGNUP, phone=phone, code=code)
            if check.ok:
                self.verified_phone = phone
            else:
                self.add_error("code", code_error(check))
        return cleaned_data


class PasswordResetBySmsForm(forms.Form):
    phone = MobileNumberField()
    code = CodeField()
    # allauth's own labels (and so its translations), as on its reset-by-link page.
    password1 = SetPasswordField(label=_("New Password"))
    password2 = PasswordField(label=_("New Password (again)"), autocomplete="new-password")

    def __init__(self, *args, request, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned_data = super().clean()
        password1, password2 = cleaned_data.get("password1"), cleaned_data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("You must type the same password each time."))
        phone, code = cleaned_data.get("phone"), cleaned_data.get("code")
        if phone and code and not self.errors:
            adapter = allauth_forms.get_adapter(self.request)
            user = adapter.get_user_by_phone(phone)
            check = otp.check(
                self.request, purpose=otp.Purpose.PASSWORD_RESET, phone=phone, code=code
            )
            if check.ok and user is not None and user.is_active:
                self.user = user
            elif check.ok:
                self.add_error("code", incorrect_code_error())
            else:
                self.add_error("code", code_error(check))
        return cleaned_data


class ReauthenticateByCodeForm(forms.Form):
    code = CodeField()

    def __init__(self, *args, request, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        user = self.request.user
        check = otp.check(
            self.request, purpose=otp.Purpose.REAUTHENTICATE, phone=user.mobile, code=code
        )
        if not check.ok:
            raise code_error(check)
        return code


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    """Reset links go only to addresses their owner has verified; any other address gets
    allauth's "no account" mail, so the page tells nothing either way."""

    def clean_email(self) -> str:
        email = super().clean_email()
        verified_user_ids = set(
            EmailAddress.objects.filter(email__iexact=email, verified=True).values_list(
                "user_id", flat=True
            )
        )
        self.users = [user for user in self.users if user.pk in verified_user_ids]
        return email

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core import context
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialLogin
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import otp
from accounts.auth_forms import CodeField, code_error
from accounts.models import User
from accounts.selectors import SocialLinkRefusal, social_link_refusal

LINK_REFUSALS = {
    SocialLinkRefusal.INACTIVE: _(
        "The account of this number has been deactivated. Please contact your property "
        "service desk."
    ),
    SocialLinkRefusal.STAFF: _(
        "This number belongs to a property staff or platform operator account. For its "
        "safety, WeChat or QQ is connected to it only from inside the account: log in with "
        "your number, then connect under Me → Account and security."
    ),
    SocialLinkRefusal.CONNECTED_OTHER: _(
        "The account of this number is already connected to another %(provider)s account. "
        "Log in with your number and disconnect it under Me → Account and security, or log "
        "in with that %(provider)s account."
    ),
}


class BindPhoneForm(forms.Form):
    """The last step of a WeChat or QQ login not yet known here (allauth's socialaccount_signup
    page): the mobile number and the code texted to it ("Get code", see
    views.BindPhoneSignupView).

    Nothing is created or linked before the code matches, so nobody can park a number they do
    not own on their WeChat or QQ. Then a new number becomes a new account (`save`); a number
    that has an account is linked to this WeChat or QQ and logged in (`existing_user`, see the
    view), unless accounts.selectors.social_link_refusal says no, which is said only now that
    the code has proven the number. Every number gets a code, the page reads the same, and a
    wrong code gets the same answer: it never tells whether a number has an account.
    """

    code = CodeField()

    def __init__(self, *args, sociallogin: SocialLogin, **kwargs) -> None:
        self.sociallogin = sociallogin
        self.existing_user: User | None = None
        super().__init__(*args, **kwargs)
        self.fields = {
            "phone": get_account_adapter().phone_form_field(required=True),
            "code": self.fields["code"],
        }

    def clean(self) -> dict:
        cleaned_data = super().clean()
        phone, code = cleaned_data.get("phone"), cleaned_data.get("code")
        if not (phone and code) or self.errors:
            return cleaned_data
        request = context.request
        check = otp.check(request, purpose=otp.Purpose.SOCIAL_BIND, phone=phone, code=code)
        if not check.ok:
            self.add_error("code", code_error(check))
            return cleaned_data
        user = User.objects.filter(mobile=phone).first()
        if user is None:
            return cleaned_data
        refusal = social_link_refusal(user, self.sociallogin)
        if refusal is not None:
            provider = self.sociallogin.account.get_provider().name
            self.add_error(None, LINK_REFUSALS[refusal] % {"provider": provider})
        else:
            self.existing_user = user
        return cleaned_data

    # allauth's SignupView calls these two for a new account.
    def try_save(self, request) -> tuple[User, None]:
        return self.save(request), None

    def save(self, request) -> User:
        return get_adapter(request).save_user(request, self.sociallogin, form=self)

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core import context
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialLogin
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import otp
from accounts.auth_forms import CodeField, incorrect_code_error
from accounts.models import User


class BindPhoneForm(forms.Form):
    """The last step of a social sign-up (allauth's socialaccount_signup page): the mobile
    number and the sign-up code texted to it ("Get code", see views.BindPhoneSignupView).

    The user is created only once the code matches, so nobody can park a number they do not
    own on their WeChat or QQ. A number that already has an account got a text saying so
    instead of a code; the page reads the same, so it never tells whether a number is taken.
    """

    code = CodeField()

    def __init__(self, *args, sociallogin: SocialLogin, **kwargs) -> None:
        self.sociallogin = sociallogin
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
        if not otp.verify(context.request, purpose=otp.Purpose.SIGNUP, phone=phone, code=code):
            self.add_error("code", incorrect_code_error())
        elif User.objects.filter(mobile=phone).exists():
            # Registered since the code was sent: the code proved the number, so saying so is fine.
            self.add_error(
                "phone",
                _(
                    "This number already has an account. Log in with it, then connect WeChat "
                    "or QQ under Me → Account and security."
                ),
            )
        return cleaned_data

    # allauth's SignupView calls these two.
    def try_save(self, request) -> tuple[User, None]:
        return self.save(request), None

    def save(self, request) -> User:
        return get_adapter(request).save_user(request, self.sociallogin, form=self)

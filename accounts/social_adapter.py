"""django-allauth's social side on our user model: sign-up ends with a verified mobile number."""

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialAccount, SocialLogin
from allauth.socialaccount.providers.base import AuthProcess
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kit.audit import log_action

from .models import CHANNEL_OF_PROVIDER, User

# One person, two WeChat apps: the same unionid when both belong to our open-platform account.
WECHAT_PROVIDERS = ("weixin", "weixin_mp")


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    error_messages = {
        **DefaultSocialAccountAdapter.error_messages,
        "no_password": _(
            "This is your only way to log in. Set a password first, then disconnect it."
        ),
        "disconnect_last": _("This is your only way to log in, so it cannot be disconnected."),
        "connected_other": _("This WeChat or QQ account is already connected to another account."),
    }

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        # Always open: the bind-phone form is the sign-up, and it needs a verified number.
        return True

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data: dict) -> User:
        user = super().populate_user(request, sociallogin, data)
        user.display_name = (data.get("name") or "").strip()[:50]
        return user

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """A person known through one WeChat app who now logs in through the other is the same
        user: WeChat's unionid says so. Their second openid is kept (WeChat Pay needs the
        official account's)."""
        if sociallogin.is_existing or sociallogin.state.get("process") != AuthProcess.LOGIN:
            return
        provider = sociallogin.account.provider
        unionid = sociallogin.account.extra_data.get("unionid")
        if provider not in WECHAT_PROVIDERS or not unionid:
            return
        sibling = (
            SocialAccount.objects.filter(
                provider__in=[p for p in WECHAT_PROVIDERS if p != provider],
                extra_data__unionid=unionid,
            )
            .select_related("user")
            .first()
        )
        if sibling is not None:
            sociallogin.connect(request, sibling.user)

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form=None) -> User:
        """Only ever called by BindPhoneForm once the SMS code matched."""
        user = sociallogin.user
        user.mobile = form.cleaned_data["phone"]
        user.mobile_verified = True
        user.signup_channel = CHANNEL_OF_PROVIDER.get(
            sociallogin.account.provider, user.signup_channel
        )
        user.set_unusable_password()
        sociallogin.save(request)
        log_action(
            actor=user,
            action="social.signed_up",
            target=user,
            data={"provider": sociallogin.account.provider},
            request=request,
        )
        return user

from allauth.account.utils import perform_login
from allauth.socialaccount import app_settings as social_settings
from allauth.socialaccount import views as allauth_views
from django.contrib import messages
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import otp, services
from accounts.allauth_bridge import clear_pending_social_signup, record_authentication
from accounts.views.auth import SendSignupCodeMixin, send_code


class BindPhoneSignupView(SendSignupCodeMixin, allauth_views.SignupView):
    """allauth's social sign-up page at its own path and name, plus the "Get code" button of the
    same form, as on the phone sign-up page. A number that already has an account is linked to
    this WeChat or QQ and logged in, once its code matched (BindPhoneForm)."""

    def get_unbound_form(self, initial: dict):
        return self.get_form_class()(sociallogin=self.sociallogin, initial=initial)

    def send_code(self, request: HttpRequest) -> dict:
        # Texts are Chinese whatever the page's language.
        with translation.override("zh-hans"):
            provider_name = str(self.sociallogin.account.get_provider().name)
        return send_code(request, otp.Purpose.SOCIAL_BIND, provider_name=provider_name)

    def form_valid(self, form):
        user = form.existing_user
        if user is None:
            return super().form_valid(form)
        request, sociallogin = self.request, self.sociallogin
        clear_pending_social_signup(request)
        services.social_account_link(sociallogin=sociallogin, user=user, request=request)
        messages.success(
            request,
            _("%(provider)s is now connected to your account: next time it logs you in.")
            % {"provider": sociallogin.account.get_provider().name},
        )
        # What allauth does for a known WeChat or QQ user at its callback.
        record_authentication(
            request,
            sociallogin.user,
            "socialaccount",
            provider=sociallogin.account.provider,
            uid=sociallogin.account.uid,
        )
        return perform_login(
            request,
            sociallogin.user,
            email_verification=social_settings.EMAIL_VERIFICATION,
            redirect_url=sociallogin.get_redirect_url(request),
            signal_kwargs={"sociallogin": sociallogin},
        )


signup = BindPhoneSignupView.as_view()

from allauth.socialaccount import views as allauth_views

from accounts.views.auth import SendSignupCodeMixin


class BindPhoneSignupView(SendSignupCodeMixin, allauth_views.SignupView):
    """allauth's social sign-up page at its own path and name, plus the "Get code" button of the
    same form, as on the phone sign-up page."""

    def get_unbound_form(self, initial: dict):
        return self.get_form_class()(sociallogin=self.sociallogin, initial=initial)


signup = BindPhoneSignupView.as_view()

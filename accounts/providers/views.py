from allauth.socialaccount import views as allauth_views
from django.conf import settings
from django.contrib import messages
from django.utils.translation import gettext as _

from accounts import otp
from accounts.auth_forms import SendCodeForm
from accounts.phone import mask_mobile


class BindPhoneSignupView(allauth_views.SignupView):
    """allauth's social sign-up page at its own path and name, plus the "Get code" button of the
    same form (action=send_code), as on the phone sign-up page."""

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "send_code":
            return self._send_code(request)
        return super().post(request, *args, **kwargs)

    def _send_code(self, request):
        send_form = SendCodeForm(request.POST, request=request)
        code_sent = send_form.is_valid()
        if code_sent:
            phone = send_form.cleaned_data["phone"]
            otp.send_code(request, purpose=otp.Purpose.SIGNUP, phone=phone)
            messages.success(
                request, _("A code has been sent to %(phone)s.") % {"phone": mask_mobile(phone)}
            )
        form = self.get_form_class()(
            sociallogin=self.sociallogin, initial={"phone": request.POST.get("phone", "")}
        )
        return self.render_to_response(
            self.get_context_data(
                form=form,
                send_form=send_form,
                code_sent=code_sent,
                resend_after=settings.LINLI_SMS_LIMITS["number_interval"] if code_sent else 0,
            )
        )


signup = BindPhoneSignupView.as_view()

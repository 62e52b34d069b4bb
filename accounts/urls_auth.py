"""Account pages in front of allauth's (mounted before `allauth.urls` under accounts/): the
first six and the authenticator app's set-up replace allauth's views at the same paths, so
allauth's URL names lead here."""

from django.urls import path

from . import mfa
from .views import auth

app_name = "accounts_auth"

urlpatterns = [
    path("signup/", auth.signup, name="signup"),
    path("phone/change/", auth.change_phone, name="change_phone"),
    path("phone/verify/", auth.verify_phone, name="verify_phone"),
    path("login/code/confirm/", auth.confirm_login_code, name="confirm_login_code"),
    path("email/", auth.email, name="email"),
    path("password/set/", auth.password_set, name="password_set"),
    path("password/reset/sms/", auth.password_reset_by_sms, name="password_reset_by_sms"),
    path("2fa/totp/activate/", mfa.activate_authenticator_app, name="activate_totp"),
    path("reauthenticate/code/", auth.reauthenticate_by_code, name="reauthenticate_by_code"),
]

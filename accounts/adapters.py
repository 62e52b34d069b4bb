"""django-allauth on our user model: the mobile number is the login, stored in 11-digit form."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from staff.models import StaffMember

from .forms import MobileNumberField
from .models import User
from .phone import normalize_mobile


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Sign-up needs the SMS code flow (accounts issue); until then accounts come from staff.
        return False

    def get_login_redirect_url(self, request) -> str:
        """Without a `next`, each person lands in their own portal."""
        user = request.user
        if StaffMember.objects.filter(user=user, is_active=True).exists():
            return reverse("staff:home")
        if user.is_staff and not user.residencies.exists():
            return reverse("admin:index")
        return super().get_login_redirect_url(request)

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
        user.mobile = phone
        user.mobile_verified = verified
        user.save(update_fields=["mobile", "mobile_verified"])

    def set_phone_verified(self, user: User, phone: str) -> None:
        self.set_phone(user, phone, True)

    def get_user_by_phone(self, phone: str) -> User | None:
        try:
            phone = normalize_mobile(phone)
        except ValidationError:
            return None
        return User.objects.filter(mobile=phone).first()

"""Account-security changes land in the audit log (X-3), with numbers masked."""

import pytest
from django.urls import reverse

from accounts.adapters import AccountAdapter
from accounts.models import User
from accounts.sms import outbox
from kit.models import AuditEntry

NEW_PASSWORD = "Qiu-Shui-2026!"


def actions_of(user):
    return list(
        AuditEntry.objects.filter(actor=user).order_by("pk").values_list("action", flat=True)
    )


def last_code(phone):
    return [m for m in outbox if m.phone == phone][-1].params["code"]


@pytest.mark.req("ACC-1", "X-3")
def test_sign_up_by_code_is_audited(client, db):
    signup = reverse("account_signup")
    client.post(signup, {"action": "send_code", "phone": "13800138000"})
    client.post(signup, {"phone": "13800138000", "code": last_code("13800138000")})
    user = User.objects.get(mobile="13800138000")
    assert "account.signed_up" in actions_of(user)


@pytest.mark.req("ACC-3", "X-3")
def test_password_reset_by_sms_and_change_are_audited(client, resident, password):
    reset = reverse("accounts_auth:password_reset_by_sms")
    client.post(reset, {"action": "send_code", "phone": resident.mobile})
    client.post(
        reset,
        {
            "phone": resident.mobile,
            "code": last_code(resident.mobile),
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert actions_of(resident) == ["account.password_reset"]

    client.post(reverse("account_login"), {"login": resident.mobile, "password": NEW_PASSWORD})
    client.post(
        reverse("account_change_password"),
        {"oldpassword": NEW_PASSWORD, "password1": password + "x", "password2": password + "x"},
    )
    assert actions_of(resident)[-1] == "account.password_changed"


@pytest.mark.req("ACC-4", "X-3")
def test_a_new_mobile_number_is_audited_masked(rf, resident):
    AccountAdapter(rf.get("/")).set_phone(resident, "13700000042", True)
    entry = AuditEntry.objects.get(action="account.mobile_changed")
    assert entry.actor == resident
    assert entry.data == {"from": "139****0001", "to": "137****0042"}

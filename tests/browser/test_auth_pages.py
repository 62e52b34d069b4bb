"""The sign-up, login and account-security pages in headless Chromium at 375 × 812, with
screenshots under var/screenshots/auth-*.png (ACC-1, ACC-3)."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from accounts.sms import outbox
from tests.factories import PASSWORD, ResidencyFactory

from . import support
from .support import submit


def shot(page, name):
    support.shot(page, f"auth-{name}")


def assert_heading(page, msgid):
    with translation.override("zh-hans"):
        expected = gettext(msgid)
    assert page.locator("h1").first.inner_text().strip() == expected


def last_code(phone):
    return [m for m in outbox if m.phone == phone and m.template == "verification_code"][-1].params[
        "code"
    ]


@pytest.mark.req("ACC-1")
def test_sign_up_with_the_texted_code(phone_page, live_server, transactional_db):
    page, base = phone_page, live_server.url
    page.goto(f"{base}/accounts/login/")
    shot(page, "login")
    submit(page, "a[href^='/accounts/signup/']")
    shot(page, "signup")

    page.fill("input[name=phone]", "138 0013 8000")
    submit(page, "button[value=send_code]")
    assert page.input_value("input[name=phone]") == "138 0013 8000"
    assert page.locator("button[value=send_code]").is_disabled(), "counts down to a resend"
    shot(page, "signup-code-sent")

    page.fill("input[name=code]", "000000" if last_code("13800138000") != "000000" else "111111")
    submit(page, "form button.btn-primary")
    assert page.locator(".is-invalid").count() >= 1
    shot(page, "signup-wrong-code")

    page.fill("input[name=phone]", "13800138000")
    page.fill("input[name=code]", last_code("13800138000"))
    submit(page, "form button.btn-primary")
    assert page.locator(".tab-bar").is_visible(), "signed up and logged in"
    shot(page, "signed-up-home")


@pytest.mark.req("ACC-1")
def test_login_by_code_and_recovery_pages(phone_page, live_server, transactional_db, room):
    ResidencyFactory(room=room, user__display_name="张伟", user__mobile="13900000001")
    page, base = phone_page, live_server.url
    page.goto(f"{base}/accounts/login/code/")
    shot(page, "login-code")
    page.fill("input[name=phone]", "13900000001")
    submit(page, "form button.btn-primary")
    shot(page, "confirm-login-code")
    page.fill("input[name=code]", last_code("13900000001"))
    submit(page, "form button.btn-primary")
    assert page.locator(".tab-bar").is_visible()

    context = page.context
    context.clear_cookies()
    page.goto(f"{base}/accounts/password/reset/sms/")
    shot(page, "reset-sms")
    page.goto(f"{base}/accounts/password/reset/")
    shot(page, "reset-email")

    page.goto(f"{base}/accounts/login/")
    for n in range(5):
        page.fill("input[name=login]", "13900000001")
        page.fill("input[name=password]", f"guess-{n}")
        submit(page, "form button.btn-primary")
    shot(page, "login-locked")


@pytest.mark.req("ACC-1", "ACC-3")
def test_account_security_pages(phone_page, live_server, transactional_db, room):
    person = ResidencyFactory(room=room, user__display_name="张伟", user__mobile="13900000001").user
    page, base = phone_page, live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "13900000001")
    page.fill("input[name=password]", PASSWORD)
    submit(page, "form button.btn-primary")

    page.goto(f"{base}/accounts/phone/change/")
    assert "/reauthenticate/" in page.url
    assert_heading(page, "Confirm it is you")
    shot(page, "reauthenticate")
    page.fill("input[name=password]", PASSWORD)
    submit(page, "form button.btn-primary")
    assert_heading(page, "Change mobile number")
    shot(page, "change-phone")
    page.fill("input[name=phone]", "13700000042")
    submit(page, "form button.btn-primary")
    assert_heading(page, "Verify your number")
    shot(page, "verify-new-phone")
    page.fill("input[name=code]", last_code("13700000042"))
    submit(page, "form button.btn-primary")
    person.refresh_from_db()
    assert person.mobile == "13700000042" and person.mobile_verified

    page.goto(f"{base}/accounts/password/change/")
    assert_heading(page, "Change password")
    assert page.locator("input[name=oldpassword]").count() == 1
    shot(page, "password-change")
    page.goto(f"{base}/accounts/email/")
    assert_heading(page, "E-mail address")
    assert page.locator("input[name=email]").count() == 1
    shot(page, "email")
    page.goto(f"{base}/accounts/reauthenticate/code/")
    assert_heading(page, "Confirm it is you")
    assert "137****0042" in page.content(), "the code goes to the new number"
    shot(page, "reauthenticate-code")

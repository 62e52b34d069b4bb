"""WeChat login of a resident the property office imported, inside WeChat's browser, through the
local sandbox that stands in for WeChat: the login page leads with WeChat, the sandbox asks to
agree, the bind page texts a code to the number that already has an account, and the code
links WeChat to that account and logs in; next time WeChat alone does. Also a short password
refused in Chinese. Screenshots: var/screenshots/wechat-*.png."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import include, path
from playwright.sync_api import expect

from accounts.models import User
from accounts.sms import outbox
from config.urls import urlpatterns as site_urlpatterns
from tests.accounts.social_standin import sandbox_provider_settings
from tests.factories import ResidencyFactory

from . import support
from .support import submit

urlpatterns = [*site_urlpatterns, path("sandbox/oauth/", include("accounts.sandbox.urls"))]

pytestmark = [pytest.mark.req("ACC-2"), pytest.mark.urls(__name__)]

WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI "
    "Language/zh_CN"
)


def shot(page, name):
    support.shot(page, f"wechat-{name}")


@pytest.fixture
def sandbox(settings, live_server):
    settings.SOCIALACCOUNT_PROVIDERS = sandbox_provider_settings(live_server.url)


def test_imported_resident_logs_in_with_wechat_and_is_linked(
    open_page, live_server, transactional_db, sandbox, room
):
    # Imported by the office: a verified residency, no password, the number not yet verified.
    resident = ResidencyFactory(
        room=room, user__display_name="张伟", user__mobile="13900000001"
    ).user
    resident.set_unusable_password()
    resident.mobile_verified = False
    resident.save()
    base = live_server.url
    page = open_page("phone", user_agent=WECHAT_UA)

    # Inside WeChat, WeChat login comes first; the number and its tabs below.
    page.goto(f"{base}/accounts/login/")
    wechat = page.get_by_role("button", name="微信登录")
    expect(wechat).to_have_count(1)
    assert wechat.bounding_box()["y"] < page.locator("input[name=login]").bounding_box()["y"]
    expect(page.get_by_text("或使用手机号登录")).to_be_visible()
    shot(page, "login")

    # The sandbox plays WeChat's authorization page.
    submit(page, "form[action*='/weixin_mp/login/'] button")
    expect(page.get_by_text("模拟微信授权").first).to_be_visible()
    page.fill("input[name=nickname]", "张伟的微信")
    page.fill("input[name=identity]", "zhangwei")
    shot(page, "sandbox")
    submit(page, "button[name=agree]")

    # Not known here yet: the bind page. The number has an account; the page says only that
    # a code was sent, and the text carries a code worded for linking.
    expect(page.locator("h1")).to_have_text("绑定手机号")
    page.fill("input[name=phone]", "139 0000 0001")
    submit(page, "button[value=send_code]")
    expect(page.get_by_text("验证码已发送至139****0001")).to_be_visible()
    [text] = [m for m in outbox if m.phone == "13900000001"]
    assert text.template == "social_link" and "微信" in text.text
    shot(page, "bind-code-sent")
    page.fill("input[name=code]", text.params["code"])
    shot(page, "bind-code-filled")
    submit(page, "form button.btn-primary")

    # Linked and logged in, to the home of the imported account.
    expect(page.locator(".tab-bar")).to_be_visible()
    expect(page.get_by_text("微信已绑定到您的账号，下次可直接用微信登录。")).to_be_visible()
    shot(page, "logged-in")
    account = SocialAccount.objects.get(user=resident)
    assert account.provider == "weixin_mp"
    resident.refresh_from_db()
    assert resident.mobile_verified
    assert User.objects.count() == 1

    # Next time WeChat alone logs in: no number, no code.
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    submit(page, "form[action*='/weixin_mp/login/'] button")
    page.fill("input[name=identity]", "zhangwei")  # the same WeChat user
    submit(page, "button[name=agree]")
    expect(page.locator(".tab-bar")).to_be_visible()
    assert len(outbox) == 1


def test_a_short_password_is_refused_in_chinese(phone_page, live_server, transactional_db):
    page, base = phone_page, live_server.url
    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=phone]", "13800138000")
    submit(page, "button[value=send_code]")
    code = [m for m in outbox if m.template == "verification_code"][-1].params["code"]
    page.fill("input[name=code]", code)
    page.fill("input[name=password1]", "abc1")
    submit(page, "form button.btn-primary")

    error = page.locator("#id_password1 ~ .invalid-feedback, .invalid-feedback").filter(
        has_text="密码"
    )
    expect(error.first).to_contain_text("密码长度太短。密码必须包含至少8个字符。")
    expect(page.locator("body")).not_to_contain_text("too short")
    shot(page, "short-password")
    assert not User.objects.exists()

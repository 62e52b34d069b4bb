"""Tap targets, contrast and the brand's controls on key resident pages at phone size, in
WeChat's user agent (issue 20): every tap target at least 44 × 44 px (inline links in a
sentence exempt), every visible text at WCAG AA, checked controls in the brand's green, and
撤回 on one line. The measuring script is audit_targets_contrast.js, next to this file."""

import datetime as dt
from pathlib import Path

from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    FamilyInvitationFactory,
    RepairOrderFactory,
    ResidencyFactory,
    business_bill,
)

from . import support

AUDIT = (Path(__file__).parent / "audit_targets_contrast.js").read_text()
WECHAT = (
    "Mozilla/5.0 (Linux; Android 13; M2012K11AC Build/TKQ1.220829.002; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 "
    "MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 "
    "Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)


def test_targets_contrast_and_controls_on_key_pages(
    open_page, live_server, transactional_db, room, positions
):
    owner = ResidencyFactory(room=room, user__display_name="张伟", user__mobile="13900000001")
    ResidencyFactory(room=room, relation="family", head=owner, user__display_name="李娜")
    FamilyInvitationFactory(head=owner, mobile="13900000066")
    month = (timezone.localdate() - dt.timedelta(days=70)).replace(day=1)
    overdue = business_bill(room, month=month, amount="354.90", status="overdue")
    business_bill(room, month=timezone.localdate().replace(day=1), amount="120.00")
    order = RepairOrderFactory(household=owner)
    page = open_page("phone", owner.user, user_agent=WECHAT)

    pages = {
        "bills": reverse("billing:bills"),
        "bill": reverse("billing:bill", args=[overdue.pk]),
        "order": reverse("repairs:detail", args=[order.pk]),
        "family": reverse("accounts:family"),
        "settings": reverse("notices:settings"),
    }
    problems = []
    for name, path in pages.items():
        page.goto(live_server.url + path)
        found = page.evaluate(AUDIT)
        problems += [f"{name}: target {t}" for t in found["targets"]]
        problems += [f"{name}: contrast {c}" for c in found["contrast"]]
        if name == "bills":
            brand = page.evaluate(
                "getComputedStyle(document.documentElement).getPropertyValue('--linli-brand')"
            )
            checked = page.locator(".bill-check input:checked").first
            colour = checked.evaluate("el => getComputedStyle(el).backgroundColor")
            assert colour == _rgb(brand.strip()), "checked bill boxes are the brand's green"
        if name == "bill":
            assert page.locator(".bill-badge").count() == 1, "one overdue badge"
        if name == "family":
            button = page.get_by_role("button", name="撤回")
            lines = button.evaluate(
                "el => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)"
            )
            assert lines < 2, "撤回 stays on one line"
        if name == "settings":
            switch = page.locator(".form-switch input:checked").first
            assert switch.evaluate("el => getComputedStyle(el).backgroundColor") == _rgb(
                brand.strip()
            )
            support.shot(page, "controls-settings")
    assert not problems, "\n".join(problems)


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"

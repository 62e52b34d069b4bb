"""The defects office staff hit first, in headless Chromium at 1440×900: the cashier reads the
meters of a building from the keyboard (Enter moves down, one Tab stop per room, each error said
once), and the operator's admin in Chinese with a company filter beside the community filter.
Screenshots: var/screenshots/office-*.png."""

import datetime as dt
from decimal import Decimal

import pytest
from axes.models import AccessAttempt
from django.utils import timezone
from playwright.sync_api import expect

from billing import services as billing_services
from billing.models import MeterReading
from notices.models import PushRule
from tests.factories import RoomFactory, UserFactory, fee_rule

from . import support
from .support import submit


def shot(page, name):
    support.shot(page, f"office-{name}")


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


@pytest.mark.req("SBIL-1", "X-2")
def test_meter_grid_from_the_keyboard_and_the_admin_in_chinese(
    open_page, live_server, transactional_db, community, room, cashier, manager, positions,
    other_community, outsider_room, outsider_staff,
):  # fmt: skip
    base = live_server.url
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    before = (last_month - dt.timedelta(days=1)).replace(day=1)
    rooms = [room] + [
        RoomFactory(building=room.building, number=f"120{n}", floor=12) for n in (2, 3)
    ]
    for target in rooms:
        billing_services.reading_record(room=target, kind="water", month=before,
                                        current=Decimal("100"), actor=manager)  # fmt: skip

    page = open_page("desk", cashier)
    page.goto(f"{base}/staff/billing/readings/?kind=water&month={last_month:%Y-%m}")
    first, second, third = (f"#id_r{target.pk}-current" for target in rooms)

    # Enter moves down to the next room's reading; nothing is sent.
    page.click(first)
    page.keyboard.type("120.5")
    page.keyboard.press("Enter")
    assert focused_id(page) == second[1:]
    assert MeterReading.objects.filter(month=last_month).count() == 0
    page.keyboard.type("90")  # lower than last month: refused on its row
    page.keyboard.press("ArrowUp")
    assert focused_id(page) == first[1:]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert focused_id(page) == third[1:]

    # Tab stops once per room: from the first reading straight to the next room's.
    page.click(first)
    page.keyboard.press("Tab")
    assert focused_id(page) == second[1:]
    page.keyboard.press("Tab")
    assert focused_id(page) == third[1:]
    page.keyboard.type("130")
    page.keyboard.press("Enter")  # the last room: on to the save button
    assert focused_id(page) == "readings-save"
    shot(page, "readings-typed")

    submit(page, "#readings-save")
    assert set(
        MeterReading.objects.filter(month=last_month).values_list("meter__room", flat=True)
    ) == {rooms[0].pk, rooms[2].pk}
    row = page.locator(f"#room-{rooms[1].pk}")
    expect(row).to_have_class("row-error")
    error = row.locator(".text-danger").inner_text().strip()
    assert error
    assert page.content().count(error) == 1  # said once: in its row, not again above or in a toast
    expect(page.locator(second)).to_have_value("90")
    expect(page.locator(second)).to_have_attribute("aria-describedby", f"status-{rooms[1].pk}")
    shot(page, "readings-error")

    # A meter change: ticking the box (→ from the reading, Space) brings its start reading in.
    page.click(second)
    page.keyboard.press("End")
    page.keyboard.press("ArrowRight")
    assert focused_id(page) == f"id_r{rooms[1].pk}-meter_change"
    page.keyboard.press("Space")
    assert focused_id(page) == f"id_r{rooms[1].pk}-start"
    page.keyboard.type("0")
    submit(page, "#readings-save")
    assert MeterReading.objects.filter(month=last_month).count() == 3

    # The operator's admin: axes' records, the push rules and the bills, in Chinese.
    other_rule = fee_rule(other_community, name="物业服务费", unit_price="2.00")
    other_run = billing_services.run_create(
        community=other_community, fee_rules=[other_rule], month=last_month, actor=outsider_staff
    )
    billing_services.run_publish(run=other_run, actor=outsider_staff)
    AccessAttempt.objects.create(
        user_agent="Mozilla/5.0", ip_address="203.0.113.9", username="13900000009",
        http_accept="text/html", path_info="/accounts/login/", failures_since_start=3,
        get_data="", post_data="",
    )  # fmt: skip
    assert PushRule.objects.filter(event="repair.assigned").exists()  # seeded by migration
    rule = fee_rule(community, name="物业服务费", unit_price="2.80")
    run = billing_services.run_create(
        community=community, fee_rules=[rule], month=last_month, actor=manager
    )
    billing_services.run_publish(run=run, actor=manager)
    operator = UserFactory(display_name="平台运营", is_staff=True, is_superuser=True)
    desk = open_page("desk", operator)
    desk.goto(f"{base}/admin/axes/accessattempt/")
    expect(desk.locator("#result_list thead")).to_contain_text("登录失败")
    shot(desk, "admin-axes")
    desk.goto(f"{base}/admin/notices/pushrule/?event=repair.assigned")
    expect(desk.locator("#result_list")).to_contain_text("有报修单派给您（repair.assigned）")
    expect(desk.locator("#changelist-filter")).to_contain_text("有报修单派给您（repair.assigned）")
    shot(desk, "admin-push-rules")
    desk.goto(f"{base}/admin/billing/bill/?company={community.company.pk}")
    expect(desk.locator("#changelist-filter")).to_contain_text("物业公司")
    expect(desk.locator("#result_list tbody tr")).to_have_count(len(rooms))
    expect(desk.locator("#result_list")).not_to_contain_text(other_community.name)
    shot(desk, "admin-bills-by-company")

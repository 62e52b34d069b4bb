"""A phone-in repair from the front desk to the resident's phone (issue 19): the desk takes the
order for 3栋1201 (1440×900), the resident sees it as theirs (390×844), the first technician
declines it with a reason, the second records materials and labour, the resident agrees on the
phone and the bill is raised, and the desk prints the 派工单.
Screenshots: var/screenshots/repairs-desk-*.png."""

import re

import pytest
from playwright.sync_api import expect

from kit import charges
from repairs.models import RepairCharge, RepairOrder
from tests.factories import StaffMemberFactory

from . import support
from .support import submit

PHONE = {"width": 390, "height": 844}


def shot(page, name):
    support.shot(page, f"repairs-desk-{name}")


@pytest.fixture
def bills():
    """billing's charge handler stands in (billing registers the real one)."""
    saved = list(charges._HANDLER)
    raised = []

    def handler(charge):
        raised.append(charge)
        return charges.BilledCharge(bill_id=len(raised), bill_number="ZD2612070001",
                                    amount=charge.total, published=True)  # fmt: skip

    charges.register_charge_handler(handler)
    yield raised
    charges._HANDLER[:] = saved


def _photo():
    from tests.factories import photo_upload

    return photo_upload("after.jpg")


def phone_page(browser, user, live_server):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", bypass_csp=True)
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return context, page


@pytest.mark.req("SREP-1", "SREP-2", "REP-5")
def test_phone_in_repair_declined_charged_agreed_and_printed(
    browser, open_page, live_server, transactional_db, resident, staff_user, technician,
    manager, community, positions, bills,
):  # fmt: skip
    base = live_server.url
    second = StaffMemberFactory(
        communities=[community], position_name="维修工", user__display_name="郑师傅"
    ).user

    # The front desk takes the phone call: finds 3栋1201 and fills in the order.
    desk = open_page("desk", staff_user)
    desk.on("dialog", lambda dialog: dialog.accept())
    desk.goto(f"{base}/staff/repairs/")
    shot(desk, "queue")
    desk.get_by_role("link", name="代客报修").click()
    desk.fill("input[name=q]", "3栋1201")
    submit(desk, "form[method=get] button[type=submit]")
    expect(desk.get_by_test_id("chosen-room")).to_contain_text("1201")
    desk.select_option("select[name=category]", label="水电故障")
    desk.fill("textarea[name=description]", "厨房水龙头关不紧，一直滴水，住户来电报修。")
    shot(desk, "take")
    submit(desk, "form[enctype='multipart/form-data'] button[type=submit]")
    order = RepairOrder.objects.get()
    assert order.channel == "phone" and order.taken_by == staff_user
    expect(desk.get_by_text("电话报修").first).to_be_visible()
    shot(desk, "taken")

    # The resident sees it on the phone as their own order.
    context, phone = phone_page(browser, resident, live_server)
    phone.goto(f"{base}/repairs/")
    expect(phone.get_by_text("水电故障").first).to_be_visible()
    shot(phone, "resident-list")
    phone.goto(f"{base}/repairs/{order.pk}/")
    expect(phone.get_by_text("服务中心代报").first).to_be_visible()
    shot(phone, "resident-order")

    # Dispatched to the first technician, who declines with a reason.
    desk.goto(f"{base}/staff/repairs/{order.pk}/")
    desk.select_option("select[name=technician]", str(technician.staff_member.pk))
    submit(desk, f"form[action$='/staff/repairs/{order.pk}/assign/'] button")
    tech_context, tech = phone_page(browser, technician, live_server)
    tech.goto(f"{base}/staff/jobs/{order.pk}/")
    tech.get_by_text("无法接这单？").click()
    tech.fill("textarea[name=reason]", "这单要换燃气阀，我没有燃气操作证。")
    shot(tech, "technician-decline")
    submit(tech, "form[action*='/decline/'] button")
    order.refresh_from_db()
    assert order.status == "accepted" and order.technician is None
    tech_context.close()
    desk.goto(f"{base}/staff/repairs/{order.pk}/")
    expect(desk.get_by_text("我没有燃气操作证").first).to_be_visible()
    shot(desk, "declined")

    # Dispatched again; the second technician records materials and labour.
    desk.select_option("select[name=technician]", str(second.staff_member.pk))
    submit(desk, f"form[action$='/staff/repairs/{order.pk}/assign/'] button")
    tech_context, tech = phone_page(browser, second, live_server)
    tech.goto(f"{base}/staff/jobs/{order.pk}/")
    submit(tech, "form[action*='/start/'] button")
    tech.get_by_text("登记材料费和人工费").click()
    tech.fill("input[name=lines-0-item]", "水龙头阀芯")
    tech.fill("input[name=lines-0-quantity]", "1")
    tech.fill("input[name=lines-0-unit]", "个")
    tech.fill("input[name=lines-0-unit_price]", "45")
    tech.select_option("select[name=lines-1-kind]", "labour")
    tech.fill("input[name=lines-1-item]", "上门更换")
    tech.fill("input[name=lines-1-quantity]", "1")
    tech.fill("input[name=lines-1-unit]", "次")
    tech.fill("input[name=lines-1-unit_price]", "30")
    shot(tech, "technician-charge")
    submit(tech, "form[action*='/charge/'] button")
    expect(tech.get_by_text("¥75.00").first).to_be_visible()
    tech_context.close()

    # The resident agrees on the phone: the bill is raised.
    phone.goto(f"{base}/repairs/{order.pk}/")
    expect(phone.get_by_test_id("charge-total")).to_have_text("¥75.00")
    shot(phone, "resident-charge")
    submit(phone, "form[action$='/charge/agree/'] button")
    charge = RepairCharge.objects.get(order=order)
    assert charge.is_agreed and charge.bill_number == "ZD2612070001"
    assert len(bills) == 1 and bills[0].total == charge.total
    expect(phone.get_by_text("ZD2612070001").first).to_be_visible()
    shot(phone, "resident-agreed")
    context.close()

    # The desk prints the 派工单.
    desk.goto(f"{base}/staff/repairs/{order.pk}/")
    expect(desk.get_by_test_id("bill-number")).to_have_text("ZD2612070001")
    shot(desk, "order-billed")
    desk.goto(f"{base}/staff/repairs/{order.pk}/sheet/")
    expect(desk.get_by_text(order.number)).to_be_visible()
    expect(desk.get_by_text("水龙头阀芯")).to_be_visible()
    shot(desk, "sheet")
    desk.emulate_media(media="print")
    expect(desk.locator(".sheet-toolbar")).to_be_hidden()
    shot(desk, "sheet-print")
    assert re.search(r"/sheet/$", desk.url)
    desk.emulate_media(media="screen")

    # The resident rates it; the manager replies from the ratings page.
    from repairs import services

    order.refresh_from_db()
    services.order_finish(order=order, technician=second.staff_member, result_note="已更换阀芯。",
                          photos=[_photo()])  # fmt: skip
    services.order_rate(order=order, user=resident, speed=3, quality=5, attitude=5,
                        comment="修得好，就是来得晚了点。")  # fmt: skip
    office = open_page("desk", manager)
    office.goto(f"{base}/staff/repairs/ratings/")
    office.locator("details.rating-reply summary").first.click()
    office.fill("textarea[name=reply]", "抱歉让您久等，我们会安排师傅按时上门。")
    submit(office, "form[action$='/rating-reply/'] button")
    expect(office.get_by_text("抱歉让您久等").first).to_be_visible()
    shot(office, "ratings-replied")

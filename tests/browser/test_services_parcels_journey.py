"""The parcel desk in headless Chromium, both sides on a phone: the front desk logs a parcel for
张伟's room, 张伟 sees it with its pickup code and QR code, the desk types the code and hands it
over to his family member, and 张伟 sees it collected. Screenshots: var/screenshots/parcels-*.png."""

import re

import pytest
from playwright.sync_api import expect

from services.models import Parcel

from . import support
from .support import submit


def shot(page, name):
    support.shot(page, f"parcels-{name}")


@pytest.mark.req("SVC-1")
def test_log_a_parcel_see_it_and_hand_it_over(
    open_page, live_server, transactional_db, resident, family_member, staff_user
):
    base = live_server.url

    # The front desk, on a phone, finds the room as people write it and logs the parcel.
    desk = open_page("phone", staff_user)
    desk.goto(f"{base}/staff/parcels/new/")
    shot(desk, "desk-find")
    desk.fill("input[name=q]", "3栋-1201")
    submit(desk, "form[method=get] button[type=submit]")
    expect(desk.get_by_test_id("chosen-room")).to_have_text("3栋1201")
    desk.select_option("select[name=carrier]", "jd")
    desk.fill("input[name=tracking_number]", "JDX000123456789")
    desk.fill("input[name=shelf]", "a3")
    shot(desk, "desk-log")
    with desk.expect_navigation(url=re.compile(r"/staff/parcels/\d+/$")):
        desk.click("form[method=post] button[type=submit]:not([name])")
    parcel = Parcel.objects.get()
    assert parcel.shelf == "A3" and parcel.carrier == "jd"
    expect(desk.get_by_test_id("pickup-code")).to_have_text(parcel.pickup_code)
    expect(desk.get_by_text("已通知该户家庭成员")).to_be_visible()
    shot(desk, "desk-logged")
    desk.goto(f"{base}/staff/parcels/")
    expect(desk.get_by_text(parcel.pickup_code)).to_be_visible()
    shot(desk, "desk-shelves")
    desk.emulate_media(media="print")  # the daily list on paper: no bars, no filters
    expect(desk.locator(".tab-bar")).to_be_hidden()
    shot(desk, "desk-shelves-print")
    desk.emulate_media(media="screen")

    # 张伟 sees it on his phone with the code and its QR code.
    phone = open_page("phone", resident)
    phone.goto(f"{base}/")
    phone.get_by_role("link", name=re.compile("快递")).first.click()
    expect(phone).to_have_url(re.compile(r"/parcels/$"))
    expect(phone.get_by_test_id("pickup-code")).to_have_text(parcel.pickup_code)
    expect(phone.locator(".qr-box svg")).to_be_visible()
    shot(phone, "resident-waiting")

    # His family member comes to the desk; the desk types the code and hands it over.
    desk.goto(f"{base}/staff/parcels/pickup/")
    desk.fill("input[name=code]", parcel.pickup_code)
    shot(desk, "desk-pickup")
    with desk.expect_navigation(url=re.compile(rf"/staff/parcels/{parcel.pk}/$")):
        desk.click("form[method=get] button[type=submit]")
    desk.get_by_label("李娜").check()
    shot(desk, "desk-hand-over")
    with desk.expect_navigation(url=re.compile(r"/staff/parcels/pickup/$")):
        desk.click("form[action$='/hand-over/'] button[type=submit]")
    expect(desk.get_by_text("已交付给 李娜")).to_be_visible()
    shot(desk, "desk-handed-over")
    parcel.refresh_from_db()
    assert parcel.status == "picked_up" and parcel.picked_up_by == family_member

    # 张伟 sees it collected.
    phone.reload()
    expect(phone.get_by_text("暂无待取快递")).to_be_visible()
    expect(phone.get_by_text("已取件").first).to_be_visible()
    expect(phone.get_by_text("李娜")).to_be_visible()
    shot(phone, "resident-collected")

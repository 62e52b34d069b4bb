"""The parcel desk in headless Chromium, both sides on a phone: the front desk logs two parcels
for 张伟's room ("save and log another" keeps the carrier and the shelf), 张伟 sees them with
their pickup codes and QR codes, the desk types one code and hands both over to his family
member, and 张伟 sees them collected. Screenshots: var/screenshots/parcels-*.png."""

import re

import pytest
from playwright.sync_api import expect

from services.models import Parcel

from . import support
from .support import submit


def shot(page, name):
    support.shot(page, f"parcels-{name}")


def find_room(desk, typed):
    desk.fill("input[name=q]", typed)
    submit(desk, "form[method=get] button[type=submit]")
    expect(desk.get_by_test_id("chosen-room")).to_have_text("3栋1201")


@pytest.mark.req("SVC-1")
def test_log_parcels_see_them_and_hand_them_over(
    open_page, live_server, transactional_db, resident, family_member, staff_user
):
    base = live_server.url

    # The front desk, on a phone, finds the room as people write it and logs a parcel...
    desk = open_page("phone", staff_user)
    desk.goto(f"{base}/staff/parcels/new/")
    shot(desk, "desk-find")
    find_room(desk, "3栋-1201")
    desk.select_option("select[name=carrier]", "jd")
    desk.fill("input[name=tracking_number]", "JDX000123456789")
    desk.fill("input[name=shelf]", "a3")
    shot(desk, "desk-log")
    submit(desk, "button[name=another]")
    expect(desk).to_have_url(re.compile(r"/staff/parcels/new/$"))
    first = Parcel.objects.get()
    expect(desk.get_by_text(f"取件码{first.pickup_code}")).to_be_visible()
    shot(desk, "desk-log-another")

    # ... and the next one of the stack: the carrier and the shelf are kept.
    find_room(desk, "13900000001")
    expect(desk.locator("select[name=carrier]")).to_have_value("jd")
    expect(desk.locator("input[name=shelf]")).to_have_value("A3")
    desk.fill("input[name=tracking_number]", "JDX000987654321")
    with desk.expect_navigation(url=re.compile(r"/staff/parcels/\d+/$")):
        desk.click("form[method=post] button[type=submit]:not([name])")
    second = Parcel.objects.exclude(pk=first.pk).get()
    assert second.shelf == "A3" and second.carrier == "jd"
    expect(desk.get_by_test_id("pickup-code")).to_have_text(second.pickup_code)
    expect(desk.get_by_text("已通知该户家庭成员")).to_be_visible()
    shot(desk, "desk-logged")
    desk.goto(f"{base}/staff/parcels/")
    expect(desk.get_by_text(first.pickup_code)).to_be_visible()
    shot(desk, "desk-shelves")
    desk.emulate_media(media="print")  # the daily list on paper: no bars, no filters
    expect(desk.locator(".tab-bar")).to_be_hidden()
    shot(desk, "desk-shelves-print")
    desk.emulate_media(media="screen")

    # 张伟 sees them on his phone with the codes and their QR codes.
    phone = open_page("phone", resident)
    phone.goto(f"{base}/")
    phone.get_by_role("link", name=re.compile("快递")).first.click()
    expect(phone).to_have_url(re.compile(r"/parcels/$"))
    expect(phone.get_by_test_id("pickup-code")).to_have_count(2)
    expect(phone.get_by_text(first.pickup_code)).to_be_visible()
    expect(phone.locator(".qr-box svg").first).to_be_visible()
    shot(phone, "resident-waiting")

    # His family member comes to the desk; the desk types one code and hands both over.
    desk.goto(f"{base}/staff/parcels/pickup/")
    desk.fill("input[name=code]", first.pickup_code)
    shot(desk, "desk-pickup")
    with desk.expect_navigation(url=re.compile(rf"/staff/parcels/{first.pk}/$")):
        desk.click("form[method=get] button[type=submit]")
    desk.get_by_label("李娜").check()
    expect(desk.get_by_test_id("also-waiting").locator("input")).to_be_checked()
    shot(desk, "desk-hand-over")
    with desk.expect_navigation(url=re.compile(r"/staff/parcels/pickup/$")):
        desk.click("form[action$='/hand-over/'] button[type=submit]")
    expect(desk.get_by_text(f"{first.pickup_code}、{second.pickup_code}")).to_be_visible()
    shot(desk, "desk-handed-over")
    assert set(Parcel.objects.values_list("status", "picked_up_by")) == {
        ("picked_up", family_member.pk)
    }

    # 张伟 sees them collected.
    phone.reload()
    expect(phone.get_by_text("暂无待取快递")).to_be_visible()
    expect(phone.get_by_text("李娜于")).to_have_count(2)
    shot(phone, "resident-collected")

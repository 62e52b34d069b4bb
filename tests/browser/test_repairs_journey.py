"""The whole repair journey in headless Chromium: a resident on a phone reports a leak with a
photo, the service desk dispatches it, the technician starts with his position shared, the
resident sees him on the map, he finishes with an after-photo, the resident rates the job and
the manager finds it in the performance figures. Screenshots: var/screenshots/repairs-*.png."""

import re

import pytest
from playwright.sync_api import expect

from repairs.models import RepairOrder, TechnicianPosition

from . import support
from .support import submit

# West Lake, Hangzhou (WGS-84, as a phone reports it).
POSITION = {"latitude": 30.2590, "longitude": 120.1388, "accuracy": 15}


def shot(page, name):
    support.shot(page, f"repairs-{name}")


@pytest.mark.req("REP-1", "REP-2", "REP-3", "REP-4", "REP-5", "REP-6", "REP-7", "SREP-1",
                 "SREP-3")  # fmt: skip
def test_report_dispatch_repair_rate_and_review(
    browser, open_page, live_server, transactional_db, settings, resident, staff_user,
    technician, manager, tmp_path,
):  # fmt: skip
    settings.REPAIR_POSITION_INTERVAL_SECONDS = 1
    base = live_server.url
    photo = tmp_path / "leak.jpg"
    from PIL import Image

    Image.new("RGB", (1200, 900), "#3b7dd8").save(photo, "JPEG")

    # The resident reports a leak in the bathroom, with a photo and a time slot.
    phone = open_page("phone", resident)
    phone.goto(f"{base}/repairs/")
    shot(phone, "resident-empty")
    phone.goto(f"{base}/repairs/new/")
    phone.locator("label[for]", has_text="水电故障").first.click()
    phone.fill("textarea[name=description]", "卫生间洗手盆下水管漏水，从昨晚开始，地面有积水。")
    phone.set_input_files("input[name=photos]", str(photo))
    phone.click("label[for=id_day_1]")  # tomorrow
    phone.click("label[for=id_slot_0]")
    shot(phone, "resident-new")
    with phone.expect_navigation(url=re.compile(r"/repairs/\d+/$")):
        phone.click("button[data-submit]")
    order = RepairOrder.objects.get()
    assert order.status == "pending" and order.attachments.count() == 1
    expect(phone.get_by_text("待受理").first).to_be_visible()
    shot(phone, "resident-sent")

    # The service desk dispatches it to the technician.
    desk = open_page("desk", staff_user)
    desk.goto(f"{base}/staff/repairs/")
    expect(desk.get_by_text(order.number)).to_be_visible()
    shot(desk, "staff-queue")
    desk.goto(f"{base}/staff/repairs/{order.pk}/")
    desk.select_option("select[name=technician]", str(technician.staff_member.pk))
    submit(desk, f"form[action$='/staff/repairs/{order.pk}/assign/'] button")
    order.refresh_from_db()
    assert order.status == "assigned" and order.technician.user == technician
    shot(desk, "staff-dispatched")

    # The technician, on his phone, accepts and starts with his position shared.
    context = browser.new_context(
        viewport=support_phone(), locale="zh-CN", geolocation=POSITION,
        permissions=["geolocation"],
    )  # fmt: skip
    login(context, technician, live_server)
    tech = context.new_page()
    tech.goto(f"{base}/staff/")
    expect(tech).to_have_url(re.compile(r"/staff/jobs/$"))
    shot(tech, "technician-jobs")
    tech.goto(f"{base}/staff/jobs/{order.pk}/")
    submit(tech, "form[action$='/accept/'] button")
    tech.check("input[name=share_location]")
    submit(tech, "form[action$='/start/'] button")
    order.refresh_from_db()
    assert order.status == "in_progress" and order.share_location
    expect(tech.get_by_text(re.compile("位置共享中"))).to_be_visible(timeout=10_000)
    for _ in range(50):
        if TechnicianPosition.objects.filter(order=order).exists():
            break
        tech.wait_for_timeout(200)
    position = TechnicianPosition.objects.get(order=order)
    assert float(position.latitude) == pytest.approx(POSITION["latitude"], abs=1e-5)
    shot(tech, "technician-repairing")

    # The resident sees the technician on the map.
    phone.goto(f"{base}/repairs/{order.pk}/")
    expect(phone.get_by_text("维修中").first).to_be_visible()
    expect(phone.locator(".leaflet-marker-icon")).to_have_count(1)
    expect(phone.get_by_text(technician.get_full_name()).first).to_be_visible()
    # Only the tile provider's credit, without Leaflet's prefix (a flag and a link).
    attribution = phone.locator(".leaflet-control-attribution")
    expect(attribution).to_contain_text("高德")
    expect(attribution).not_to_contain_text("Leaflet")
    expect(attribution.locator("svg, a[href*='leafletjs']")).to_have_count(0)
    shot(phone, "resident-map")
    desk.goto(f"{base}/staff/repairs/{order.pk}/")
    expect(desk.locator("#technician-map .leaflet-marker-icon")).to_have_count(1)
    expect(desk.locator("#technician-map .leaflet-control-attribution")).not_to_contain_text(
        "Leaflet"
    )

    # The technician finishes with a note and an after-photo; the position is gone.
    tech.fill("textarea[name=result_note]", "更换了下水管和密封圈，试水半小时无渗漏。")
    tech.set_input_files("#finish-photos", str(photo))
    submit(tech, "form[action*='/finish/'] button")
    order.refresh_from_db()
    assert order.status == "completed"
    assert not TechnicianPosition.objects.filter(order=order).exists()
    shot(tech, "technician-done")
    context.close()

    # The resident rates the repair: the page shows the rating afterwards.
    phone.goto(f"{base}/repairs/{order.pk}/")
    expect(phone.locator(".leaflet-container")).to_have_count(0)
    for field, stars in (("speed", 5), ("quality", 4), ("attitude", 5)):
        radio_id = phone.locator(f"input[name={field}][value='{stars}']").get_attribute("id")
        phone.click(f"label[for={radio_id}]")
    phone.fill("textarea[name=comment]", "师傅很专业，来得也快。")
    shot(phone, "resident-rate")
    submit(phone, f"form[action$='/repairs/{order.pk}/rate/'] button[type=submit]")
    order.refresh_from_db()
    assert (order.rating.speed, order.rating.quality, order.rating.attitude) == (5, 4, 5)
    expect(phone.get_by_text("师傅很专业，来得也快。").first).to_be_visible()
    shot(phone, "resident-rated")

    # The manager finds the job in the technician's performance figures and the ratings.
    office = open_page("desk", manager)
    office.goto(f"{base}/staff/repairs/performance/")
    row = office.locator("tr", has_text=technician.get_full_name())
    expect(row).to_have_count(1)
    expect(row).to_contain_text("5.0")  # the average speed score
    shot(office, "staff-performance")
    office.goto(f"{base}/staff/repairs/ratings/")
    expect(office.get_by_text("师傅很专业，来得也快。")).to_be_visible()
    shot(office, "staff-ratings")


def support_phone() -> dict:
    return {"width": 375, "height": 812}


def login(context, user, live_server) -> None:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )

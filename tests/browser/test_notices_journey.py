"""The notices journey in headless Chromium: the front desk writes an urgent notice in the rich
editor and publishes it to two buildings; exactly the residents of those buildings find it on
their home page and in their inbox, each gets one push, and the staff page's read count rises
as they read. Screenshots: var/screenshots/notices-*.png."""

import pytest
from playwright.sync_api import expect

from accounts.sms import outbox as texts
from notices.models import Notice, NoticeRead, PushSubscription
from tests.factories import BuildingFactory, ResidencyFactory, RoomFactory

from . import support
from .support import submit

TITLE = "3栋、4栋今晚停电检修"


def shot(page, name):
    support.shot(page, f"notices-{name}")


@pytest.mark.req("SNOT-1", "SNOT-2", "NOT-1", "NOT-2")
def test_an_urgent_notice_to_two_buildings(
    open_page, live_server, transactional_db, community, staff_user, push_outbox
):
    base = live_server.url
    buildings = [
        BuildingFactory(community=community, name=f"{n}栋", sort_order=n) for n in (3, 4, 5)
    ]
    readers = [
        ResidencyFactory(room=RoomFactory(building=building, floor=2)).user
        for building in buildings
    ]
    PushSubscription.objects.create(
        user=readers[0], endpoint="https://push.example/a", p256dh="k", auth="a"
    )

    desk = open_page("desk", staff_user)
    desk.goto(f"{base}/staff/notices/new/")
    desk.fill("input[name=title]", TITLE)
    desk.click(".ql-editor")
    desk.keyboard.type("今晚 20:00–23:00 配电房检修，3栋、4栋停电，请提前准备照明。")
    desk.select_option("select[name=importance]", "urgent")
    desk.select_option("select[name=category]", "outage")
    desk.check("input[name=audience][value=buildings]")
    for building in buildings[:2]:
        desk.check(f"input[name=buildings][value='{building.pk}']")
    desk.check("input[name=publish][value=now]")
    shot(desk, "staff-write")
    submit(desk, "form button.btn-primary[type=submit]")
    notice = Notice.objects.get(title=TITLE)
    assert notice.status == "published" and "配电房检修" in notice.body
    shot(desk, "staff-published")

    # Residents of 3栋 and 4栋 see it on the home page and in the inbox; 5栋 does not.
    for reader in readers[:2]:
        page = open_page("phone", reader)
        page.goto(f"{base}/")
        expect(page.get_by_text(TITLE)).to_be_visible()
        expect(page.locator(".tab-bar")).to_contain_text("1")  # the unread badge
        page.goto(f"{base}/messages/")
        expect(page.get_by_text(TITLE)).to_be_visible()
    shot(page, "resident-inbox")
    outsider_page = open_page("phone", readers[2])
    outsider_page.goto(f"{base}/notices/")
    expect(outsider_page.get_by_text(TITLE)).to_have_count(0)

    # One push each: Web Push where subscribed, and the SMS urgent notices always send.
    assert [(m.channel, m.user_id) for m in push_outbox] == [("webpush", readers[0].pk)]
    assert sorted(m.phone for m in texts) == sorted(r.mobile for r in readers[:2])

    page = open_page("phone", readers[0])
    page.goto(f"{base}/")
    shot(page, "resident-home")
    page.get_by_text(TITLE).first.click()
    page.wait_for_url(f"**/notices/{notice.pk}/")
    expect(page.locator("body")).to_contain_text("配电房检修")
    shot(page, "resident-detail")
    assert NoticeRead.objects.filter(notice=notice, user=readers[0]).exists()

    desk.goto(f"{base}/staff/notices/{notice.pk}/")
    read_card = desk.locator(".stat-card", has_text="已读").first
    expect(read_card).to_contain_text("1")
    shot(desk, "staff-detail")

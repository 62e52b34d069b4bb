"""The activity journey in headless Chromium: the manager writes and publishes an activity
with a poster; household A signs up its last places on a phone (the head and a family member);
household B lands on the waiting list; A cancels, B is offered the freed place and claims it;
the manager sees the sign-up list. Screenshots: var/screenshots/activities-*.png."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from services.activities import services
from services.models import Activity, ActivitySignup
from tests.factories import ResidencyFactory, RoomFactory

from . import support
from .support import submit

FORMAT = "%Y-%m-%dT%H:%M"


def shot(page, name):
    support.shot(page, f"activities-{name}")


@pytest.mark.req("SVC-3", "SSVC-2")
def test_publish_fill_wait_cancel_and_claim(
    open_page, live_server, transactional_db, community, resident, family_member, manager,
    tmp_path,
):  # fmt: skip
    base = live_server.url
    from services.activities.demo import _poster

    poster = tmp_path / "poster.jpg"
    poster.write_bytes(_poster("周末亲子手工课", "#f08c2e"))
    neighbour = ResidencyFactory(
        room=RoomFactory(building=resident.residencies.get().room.building, number="801", floor=8),
        user__display_name="赵敏",
    )  # fmt: skip
    household_b = ResidencyFactory(
        room=RoomFactory(building__community=community, building__name="5栋", number="302",
                         floor=3),
        user__display_name="孙丽",
    )  # fmt: skip

    # The manager writes the activity and publishes it.
    desk = open_page("desk", manager)
    desk.on("dialog", lambda dialog: dialog.accept())
    desk.goto(f"{base}/staff/activities/")
    shot(desk, "staff-list-empty")
    desk.goto(f"{base}/staff/activities/new/")
    start = timezone.localtime() + dt.timedelta(days=6)
    start = start.replace(hour=14, minute=0)
    desk.fill("input[name=title]", "周末亲子手工课")
    desk.fill("textarea[name=description]", "带上孩子，一起用彩纸和竹条做灯笼。材料由物业准备。")
    desk.fill("input[name=place]", "社区活动中心二楼")
    desk.fill("input[name=starts_at]", start.strftime(FORMAT))
    desk.fill("input[name=ends_at]", (start + dt.timedelta(hours=2)).strftime(FORMAT))
    desk.fill("input[name=signup_opens_at]", timezone.localtime().strftime(FORMAT))
    desk.fill("input[name=signup_closes_at]", (start - dt.timedelta(days=1)).strftime(FORMAT))
    desk.fill("input[name=capacity]", "4")
    desk.fill("input[name=per_household_limit]", "2")
    desk.fill("input[name=question_0]", "孩子年龄")
    desk.set_input_files("input[name=poster_upload]", str(poster))
    shot(desk, "staff-new")
    submit(desk, "form[enctype] button[type=submit]")
    activity = Activity.objects.get()
    assert activity.status == "draft" and activity.poster
    submit(desk, f"form[action$='/staff/activities/{activity.pk}/publish/'] button")
    activity.refresh_from_db()
    assert activity.status == "published"
    shot(desk, "staff-published")

    # A neighbour takes two places; household A signs up its last two on a phone.
    services.signup_create(
        activity=activity, household=neighbour, user=neighbour.user,
        member_ids=[neighbour.user_id], other_names=["赵小宝"], answers={"0": "5岁"},
    )  # fmt: skip
    phone_a = open_page("phone", resident)
    phone_a.on("dialog", lambda dialog: dialog.accept())
    phone_a.goto(f"{base}/")
    shot(phone_a, "resident-home")
    phone_a.goto(f"{base}/activities/")
    expect(phone_a.get_by_text("周末亲子手工课")).to_be_visible()
    shot(phone_a, "resident-list")
    phone_a.get_by_text("周末亲子手工课").click()
    phone_a.check(f"input[name=members][value='{family_member.pk}']")
    phone_a.fill("input[name=answer_0]", "无孩子")
    shot(phone_a, "resident-a-form")
    submit(phone_a, "form[action$='/signup/'] button[type=submit]")
    signup_a = ActivitySignup.objects.get(household__user=resident)
    assert signup_a.status == "confirmed" and signup_a.people == 2
    activity.refresh_from_db()
    assert activity.places_taken == 4
    expect(phone_a.get_by_text("报名成功")).to_be_visible()
    shot(phone_a, "resident-a-signed-up")

    # Household B finds it full and joins the waiting list.
    phone_b = open_page("phone", household_b.user)
    phone_b.goto(f"{base}/activities/")
    expect(phone_b.get_by_text("已满").first).to_be_visible()
    shot(phone_b, "resident-b-list-full")
    phone_b.goto(f"{base}/activities/{activity.pk}/")
    phone_b.fill("input[name=answer_0]", "7岁")
    submit(phone_b, "form[action$='/signup/'] button[type=submit]")
    signup_b = ActivitySignup.objects.get(household=household_b)
    assert signup_b.status == "waitlisted"
    expect(phone_b.get_by_text(re.compile("候补名单第1位"))).to_be_visible()
    shot(phone_b, "resident-b-waiting")

    # A cancels; B is offered the freed place, sees it and claims it.
    phone_a.goto(f"{base}/activities/{activity.pk}/")
    submit(phone_a, "form[action$='/cancel/'] button")
    signup_a.refresh_from_db()
    signup_b.refresh_from_db()
    assert signup_a.status == "cancelled" and signup_b.status == "offered"
    shot(phone_a, "resident-a-cancelled")
    phone_b.goto(f"{base}/activities/{activity.pk}/")
    expect(phone_b.get_by_role("button", name="确认参加")).to_be_visible()
    shot(phone_b, "resident-b-offered")
    submit(phone_b, "form[action$='/claim/'] button")
    signup_b.refresh_from_db()
    assert signup_b.status == "confirmed"
    expect(phone_b.get_by_text("名额已确认")).to_be_visible()
    shot(phone_b, "resident-b-claimed")
    phone_b.goto(f"{base}/messages/")
    shot(phone_b, "resident-b-messages")

    # The manager sees the figures and the sign-up list.
    desk.goto(f"{base}/staff/activities/{activity.pk}/")
    shot(desk, "staff-detail")
    desk.goto(f"{base}/staff/activities/{activity.pk}/signups/")
    expect(desk.get_by_role("cell", name=re.compile("孙丽 1391"))).to_be_visible()
    shot(desk, "staff-signups")

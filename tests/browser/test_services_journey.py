"""Issue 16 end to end in headless Chromium, through the real navigation (residents and
providers on a phone, staff on the desk, the manager signed in with the second factor):

a. a provider applies, the manager approves it, a resident books from the home page's entry
   grid, the provider confirms, starts and finishes from its tab bar, the resident reviews with
   a photo and the review shows on the provider's page;
b. the front desk logs a parcel and hands it over by its pickup code; the resident sees 已取件;
c. an activity fills, a second household lands on the waiting list and is promoted (claims the
   offer) when the first cancels; the manager checks it in by typing the code of its QR pass.

Screenshots: var/screenshots/journey-*.png."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.demo import DEMO_TOTP_SECRET, demo_totp_code
from services.models import (
    ActivityParticipant,
    ActivitySignup,
    Booking,
    Parcel,
    Provider,
    ServiceCategory,
    ServiceReview,
)
from tests.factories import PASSWORD, ResidencyFactory, RoomFactory, UserFactory
from tests.services.attendance_helpers import make_activity

from . import support
from .support import submit


def shot(page, name):
    support.shot(page, f"journey-{name}")


@pytest.fixture
def desk_manager(manager):
    """The community's manager, with the authenticator app the managers must use."""
    from accounts.allauth_bridge import activate_totp

    activate_totp(manager, DEMO_TOTP_SECRET)
    return manager


def sign_in_with_second_factor(open_page, base, user):
    desk = open_page("desk")
    desk.goto(f"{base}/accounts/login/?next=/staff/")
    desk.fill("input[name=login]", user.mobile)
    desk.fill("input[name=password]", PASSWORD)
    with desk.expect_navigation():
        desk.click("button[type=submit]")
    expect(desk).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    shot(desk, "staff-second-factor")
    desk.fill("input[name=code]", demo_totp_code()[0])
    with desk.expect_navigation(url=re.compile(r"/staff/$")):
        desk.click("form[action$='/authenticate/'] button[type=submit]")
    return desk


def menu(desk, label):
    with desk.expect_navigation():
        # The entry's name may end with its badge (a count of what waits).
        desk.locator("nav.sidebar").get_by_role(
            "link", name=re.compile(rf"^{label}( \d+)?$")
        ).click()


def entry(phone, base, label):
    """From the resident's home page, a square of the entry grid."""
    phone.goto(f"{base}/")
    with phone.expect_navigation():
        phone.locator("a.entry-grid-item", has_text=label).click()


def tab(phone, label):
    with phone.expect_navigation():
        phone.locator("nav.tab-bar").get_by_role("link", name=label).click()


def apply_as_provider(phone, base, licence):
    phone.goto(f"{base}/provider/apply/")
    phone.fill("input[name=p-name]", "安心家政服务有限公司")
    phone.fill("input[name=p-contact_name]", "周丽")
    phone.fill("input[name=p-contact_phone]", "13700000099")
    phone.fill("textarea[name=p-description]", "十年社区家政经验，阿姨持证上岗。")
    phone.get_by_label("家政保洁").first.check()
    phone.set_input_files("input[name=l-licence_image]", str(licence))
    phone.fill("input[name=l-licence_number]", "91330106MA2ABCDE1X")
    expires = (timezone.localdate() + dt.timedelta(days=400)).isoformat()
    phone.fill("input[name=l-licence_expires_on]", expires)
    phone.fill("input[data-filter-list]", "翠湖")
    phone.get_by_label(re.compile("翠湖花园")).check()
    phone.fill("input[name=items-0-name]", "日常保洁")
    phone.select_option("select[name=items-0-category]", label="家政保洁")
    phone.fill("input[name=items-0-price]", "50")
    phone.select_option("select[name=items-0-unit]", value="hour")
    for day in range(7):  # every day, whatever day the test runs
        phone.fill(f"input[name=h-start_{day}]", "08:00")
        phone.fill(f"input[name=h-end_{day}]", "20:00")
    shot(phone, "a01-provider-apply")
    with phone.expect_navigation(url=re.compile(r"/provider/$")):
        phone.click("button[type=submit]")
    expect(phone.get_by_text("待审核").first).to_be_visible()
    shot(phone, "a02-provider-pending")


@pytest.mark.req("SVC-1", "SVC-2", "SSVC-1")
def test_apply_approve_book_serve_and_review(
    open_page, live_server, transactional_db, community, resident, desk_manager, tmp_path
):
    from PIL import Image

    ServiceCategory.objects.get_or_create(name="家政保洁", defaults={"icon": "house-heart"})
    base = live_server.url
    licence = tmp_path / "licence.jpg"
    Image.new("RGB", (1200, 850), "#f4efe2").save(licence, "JPEG")
    photo = tmp_path / "kitchen.jpg"
    Image.new("RGB", (1200, 900), "#7cc4a4").save(photo, "JPEG")

    # The provider applies on a phone.
    owner = UserFactory(display_name="周丽", mobile="13700000099")
    provider_phone = open_page("phone", owner)
    apply_as_provider(provider_phone, base, licence)
    provider = Provider.objects.get()

    # The manager signs in with the second factor and approves it from the menu.
    desk = sign_in_with_second_factor(open_page, base, desk_manager)
    menu(desk, "服务商")
    shot(desk, "a03-staff-providers")
    with desk.expect_navigation():
        desk.get_by_role("link", name="安心家政服务有限公司").click()
    expect(desk.get_by_text("91330106MA2ABCDE1X")).to_be_visible()
    shot(desk, "a04-staff-provider")
    submit(desk, "form[action$='/approve/'] button")
    expect(desk.get_by_text("已通过该服务商")).to_be_visible()
    shot(desk, "a05-staff-approved")

    # The resident: home → 便民服务 → the provider → 预约 → a slot.
    phone = open_page("phone", resident)
    phone.goto(f"{base}/")
    shot(phone, "a06-resident-home")
    entry(phone, base, "便民服务")
    expect(phone.get_by_text("安心家政服务有限公司")).to_be_visible()
    shot(phone, "a07-resident-providers")
    with phone.expect_navigation():
        phone.get_by_text("安心家政服务有限公司").click()
    expect(phone.get_by_text("执照已认证").first).to_be_visible()
    shot(phone, "a08-resident-provider")
    with phone.expect_navigation():
        phone.locator("a.booking-button").first.click()
    expect(phone.locator("#id_address")).to_have_value(re.compile("3栋1201"))
    slot_id = phone.locator("input[name=slot]:not([disabled])").first.get_attribute("id")
    phone.click(f'label[for="{slot_id}"]')
    phone.fill("textarea[name=note]", "家里有猫，请随手关门")
    shot(phone, "a09-resident-book")
    with phone.expect_navigation(url=re.compile(r"/services/bookings/\d+/$")):
        phone.click("button[type=submit]")
    booking = Booking.objects.get()
    assert booking.provider == provider and booking.status == "requested"
    expect(phone.get_by_text("待确认").first).to_be_visible()
    shot(phone, "a10-resident-requested")

    # The provider: its 预约 tab → the booking → confirm, start, finish.
    provider_phone.goto(f"{base}/provider/")
    expect(provider_phone.get_by_text("已通过").first).to_be_visible()
    shot(provider_phone, "a11-provider-approved")
    tab(provider_phone, "预约")
    shot(provider_phone, "a12-provider-bookings")
    with provider_phone.expect_navigation():
        provider_phone.locator("a.list-group-item", has_text="日常保洁").first.click()
    expect(provider_phone.get_by_text("家里有猫，请随手关门")).to_be_visible()
    for action, status in [("confirm", "confirmed"), ("start", "in_service"),
                           ("finish", "done")]:  # fmt: skip
        submit(provider_phone, f"form[action$='/{action}/'] button")
        booking.refresh_from_db()
        assert booking.status == status
        shot(provider_phone, f"a13-provider-{action}")

    # The resident: 我的预约 → the booking, done → five stars, a text and a photo.
    entry(phone, base, "我的预约")
    expect(phone.get_by_text("已完成").first).to_be_visible()
    shot(phone, "a14-resident-bookings")
    with phone.expect_navigation():
        phone.locator(f"a[href$='/services/bookings/{booking.pk}/']").first.click()
    phone.click(f"label[for='id_rating_0-{booking.pk}']")
    phone.fill("textarea[name=text]", "阿姨很细心，厨房擦得很干净。")
    phone.set_input_files("input[name=photos]", str(photo))
    shot(phone, "a15-resident-review")
    submit(phone, "form[action$='/review/'] button[type=submit]")
    review = ServiceReview.objects.get(booking=booking)
    assert review.rating == 5 and review.photos.count() == 1

    # The review, with its photo, is on the provider's page.
    entry(phone, base, "便民服务")
    with phone.expect_navigation():
        phone.get_by_text("安心家政服务有限公司").click()
    expect(phone.get_by_text("阿姨很细心，厨房擦得很干净。")).to_be_visible()
    card = phone.locator("article", has_text="阿姨很细心，厨房擦得很干净。")
    card.locator(".review-thumbs img").scroll_into_view_if_needed()
    phone.wait_for_function(
        "() => [...document.querySelectorAll('.review-thumbs img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    shot(phone, "a16-resident-provider-reviewed")


@pytest.mark.req("SVC-1")
def test_parcel_logged_and_picked_up_by_code(
    open_page, live_server, transactional_db, resident, family_member, desk_manager
):
    base = live_server.url
    desk = sign_in_with_second_factor(open_page, base, desk_manager)
    menu(desk, "快递代收")
    shot(desk, "b01-desk-shelves-empty")
    tab(desk, "登记快递")
    desk.fill("input[name=q]", "3栋1201")
    submit(desk, "form[method=get] button[type=submit]")
    expect(desk.get_by_test_id("chosen-room")).to_have_text("3栋1201")
    desk.select_option("select[name=carrier]", "sf")
    desk.fill("input[name=tracking_number]", "SF1234567890123")
    desk.fill("input[name=shelf]", "B2")
    shot(desk, "b02-desk-log")
    with desk.expect_navigation(url=re.compile(r"/staff/parcels/\d+/$")):
        desk.click("form[method=post] button[type=submit]:not([name])")
    parcel = Parcel.objects.get()
    expect(desk.get_by_test_id("pickup-code")).to_have_text(parcel.pickup_code)
    shot(desk, "b03-desk-logged")

    # The resident sees it waiting, with its code.
    phone = open_page("phone", resident)
    entry(phone, base, "快递")
    expect(phone.get_by_text(parcel.pickup_code)).to_be_visible()
    shot(phone, "b04-resident-waiting")

    # The desk types the code the resident shows and hands it over.
    tab(desk, "取件")
    desk.fill("input[name=code]", parcel.pickup_code)
    with desk.expect_navigation(url=re.compile(rf"/staff/parcels/{parcel.pk}/$")):
        desk.click("form[method=get] button[type=submit]")
    desk.get_by_label("张伟").check()
    shot(desk, "b05-desk-hand-over")
    with desk.expect_navigation(url=re.compile(r"/staff/parcels/pickup/$")):
        desk.click("form[action$='/hand-over/'] button[type=submit]")
    parcel.refresh_from_db()
    assert parcel.status == "picked_up" and parcel.picked_up_by == resident
    shot(desk, "b06-desk-handed-over")

    phone.reload()
    expect(phone.locator(".badge", has_text="已取件")).to_be_visible()
    shot(phone, "b07-resident-collected")


@pytest.mark.req("SVC-3", "SSVC-2")
def test_activity_fills_waitlist_promoted_and_checked_in(
    open_page, live_server, transactional_db, community, resident, family_member, desk_manager
):
    base = live_server.url
    activity = make_activity(community, title="周末亲子手工课", capacity=2)
    household_b = ResidencyFactory(
        room=RoomFactory(building__community=community, building__name="5栋", number="302",
                         floor=3),
        user__display_name="孙丽",
    )  # fmt: skip

    # Household A takes both places: the head and the family member.
    phone_a = open_page("phone", resident)
    phone_a.on("dialog", lambda dialog: dialog.accept())
    entry(phone_a, base, "社区活动")
    shot(phone_a, "c01-resident-a-activities")
    with phone_a.expect_navigation():
        phone_a.get_by_text("周末亲子手工课").click()
    phone_a.check(f"input[name=members][value='{family_member.pk}']")
    phone_a.fill("input[name=answer_0]", "6岁")
    shot(phone_a, "c02-resident-a-form")
    submit(phone_a, "form[action$='/signup/'] button[type=submit]")
    signup_a = ActivitySignup.objects.get(household__user=resident)
    assert signup_a.status == "confirmed" and signup_a.people == 2
    expect(phone_a.get_by_text("报名成功")).to_be_visible()
    shot(phone_a, "c03-resident-a-signed-up")

    # Household B finds it full and joins the waiting list.
    phone_b = open_page("phone", household_b.user)
    entry(phone_b, base, "社区活动")
    expect(phone_b.get_by_text("已满").first).to_be_visible()
    shot(phone_b, "c04-resident-b-full")
    with phone_b.expect_navigation():
        phone_b.get_by_text("周末亲子手工课").click()
    phone_b.fill("input[name=answer_0]", "7岁")
    submit(phone_b, "form[action$='/signup/'] button[type=submit]")
    signup_b = ActivitySignup.objects.get(household=household_b)
    assert signup_b.status == "waitlisted"
    expect(phone_b.get_by_text(re.compile("候补名单第1位"))).to_be_visible()
    shot(phone_b, "c05-resident-b-waiting")

    # A cancels; B is offered the place and claims it.
    submit(phone_a, "form[action$='/cancel/'] button")
    signup_a.refresh_from_db()
    signup_b.refresh_from_db()
    assert signup_a.status == "cancelled" and signup_b.status == "offered"
    shot(phone_a, "c06-resident-a-cancelled")
    phone_b.reload()
    expect(phone_b.get_by_role("button", name="确认参加")).to_be_visible()
    shot(phone_b, "c07-resident-b-offered")
    submit(phone_b, "form[action$='/claim/'] button")
    signup_b.refresh_from_db()
    assert signup_b.status == "confirmed"
    activity.refresh_from_db()
    assert activity.places_taken == 1
    expect(phone_b.get_by_text("名额已确认")).to_be_visible()
    shot(phone_b, "c08-resident-b-claimed")

    # B's QR pass is on the activity's page; its code is what the desk types.
    expect(phone_b.locator(".signup-qr svg")).to_be_visible()
    code = phone_b.locator("[data-signup-code]").inner_text().strip()
    assert code == signup_b.code
    shot(phone_b, "c09-resident-b-pass")

    # The manager: 社区活动 → the activity → 报名名单, then 签到 and the typed code.
    desk = sign_in_with_second_factor(open_page, base, desk_manager)
    menu(desk, "社区活动")
    with desk.expect_navigation():
        desk.get_by_role("link", name="周末亲子手工课").first.click()
    shot(desk, "c10-staff-activity")
    with desk.expect_navigation():
        desk.get_by_role("link", name="报名名单").click()
    expect(desk.get_by_role("cell", name=re.compile("孙丽 1391"))).to_be_visible()
    shot(desk, "c11-staff-signups")
    desk.go_back()
    with desk.expect_navigation():
        desk.get_by_role("link", name="签到").click()
    desk.fill("#id_code", code)
    submit(desk, "form[method=get] button[type=submit]")
    expect(desk.get_by_text("5栋302")).to_be_visible()
    shot(desk, "c12-staff-checkin-found")
    submit(desk, "form[method=post] button[type=submit]")
    expect(desk.get_by_text("已签到：孙丽。")).to_be_visible()
    shot(desk, "c13-staff-checked-in")
    checked = ActivityParticipant.objects.filter(signup=signup_b, checked_in_at__isnull=False)
    assert checked.count() == 1
    assert not ActivityParticipant.objects.filter(
        signup=signup_a, checked_in_at__isnull=False
    ).exists()

    phone_b.reload()
    expect(phone_b.locator(".badge", has_text="已签到")).to_have_count(1)
    shot(phone_b, "c14-resident-b-checked-in")

"""The catalogue in headless Chromium: a resident on a phone browses the local services, opens
a provider's page, reviews a finished booking with a photo; the provider replies on its phone;
the manager hides an abusive review. Screenshots: var/screenshots/catalogue-*.png."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from services.models import ProviderHours, ProviderMember, ServiceReview
from tests.factories import (
    UserFactory,
    catalogue_provider,
    done_booking,
    household_in,
    service_review,
)

from . import support
from .support import submit


def shot(page, name):
    support.shot(page, f"catalogue-{name}")


@pytest.mark.req("SVC-1", "SVC-2", "SSVC-1")
def test_browse_review_reply_and_hide(
    open_page, live_server, transactional_db, resident, room, community, manager, tmp_path
):
    from PIL import Image

    from accounts.models import Residency

    base = live_server.url
    provider = catalogue_provider(
        community, name="好帮手家政", description="专业保洁十年，持证上岗。"
    )
    for weekday in range(6):
        ProviderHours.objects.create(
            provider=provider, weekday=weekday, start=dt.time(8), end=dt.time(18)
        )
    other = catalogue_provider(community, name="快修家电", price=None)
    owner = UserFactory(display_name="赵老板")
    ProviderMember.objects.create(provider=provider, user=owner, role="owner")
    household = Residency.objects.get(user=resident, room=room)
    neighbours = [household_in(community) for _ in range(3)]
    for n, (stars, text) in enumerate([(5, "打扫得很仔细，推荐！"), (4, "准时，态度好。")]):
        service_review(done_booking(neighbours[n], provider, days_ago=n + 3), rating=stars,
                       text=text, photos=1 if n == 0 else 0)  # fmt: skip
    abusive = service_review(
        done_booking(neighbours[2], other, days_ago=4), rating=1, text="垃圾公司，骗子！！！"
    )
    booking = done_booking(household, provider)
    photo = tmp_path / "kitchen.jpg"
    Image.new("RGB", (1200, 900), "#7cc4a4").save(photo, "JPEG")

    # The resident browses the list and opens the provider's page.
    phone = open_page("phone", resident)
    phone.goto(f"{base}/")
    phone.click("a.entry-grid-item[href='/services/']")
    expect(phone.get_by_text("好帮手家政")).to_be_visible()
    expect(phone.get_by_text("快修家电")).to_be_visible()
    shot(phone, "resident-list")
    phone.click("text=好帮手家政")
    expect(phone.get_by_text("执照已认证").first).to_be_visible()
    expect(phone.get_by_text("打扫得很仔细，推荐！")).to_be_visible()
    shot(phone, "resident-provider")

    # It offers to review the household's finished booking: four stars, a text and a photo.
    phone.click(f"label[for='id_rating_1-{booking.pk}']")  # the second radio: 4 stars
    phone.fill("textarea[name=text]", "阿姨很细心，厨房擦得很干净。")
    phone.set_input_files("input[name=photos]", str(photo))
    shot(phone, "resident-review")
    submit(phone, "form[action$='/review/'] button[type=submit]")
    review = ServiceReview.objects.get(booking=booking)
    assert review.rating == 4 and review.photos.count() == 1
    expect(phone.get_by_text("感谢您的评价！")).to_be_visible()
    shot(phone, "resident-reviewed")

    # The provider replies on its phone.
    provider_phone = open_page("phone", owner)
    provider_phone.goto(f"{base}/provider/reviews/")
    card = provider_phone.locator(f"#review-{review.pk}")
    card.locator("textarea[name=reply]").fill("谢谢您的认可，期待再次为您服务！")
    shot(provider_phone, "provider-reviews")
    submit(provider_phone, f"#review-{review.pk} button[type=submit]")
    review.refresh_from_db()
    assert review.reply == "谢谢您的认可，期待再次为您服务！"
    shot(provider_phone, "provider-replied")
    phone.goto(f"{base}/services/providers/{provider.pk}/")
    expect(phone.get_by_text("谢谢您的认可，期待再次为您服务！").first).to_be_visible()

    # The manager hides the abusive review of the other provider.
    desk = open_page("desk", manager)
    desk.goto(f"{base}/staff/services/reviews/")
    expect(desk.get_by_text("垃圾公司，骗子！！！")).to_be_visible()
    shot(desk, "staff-list")
    desk.goto(f"{base}/staff/services/reviews/{abusive.pk}/")
    desk.fill("input[name=reason]", "人身攻击，违反社区公约")
    desk.once("dialog", lambda dialog: dialog.accept())
    submit(desk, "form[action$='/hide/'] button")
    abusive.refresh_from_db()
    assert abusive.is_hidden
    shot(desk, "staff-hidden")
    phone.goto(f"{base}/services/providers/{other.pk}/")
    expect(phone.get_by_text("垃圾公司，骗子！！！")).to_have_count(0)

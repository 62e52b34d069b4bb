"""The provider journey in headless Chromium: a new account applies on a phone (company,
licence photo, a community picked from the searchable list, two items, one added with the
button, hours), the community's manager approves it on the desk, and the provider's home shows
it approved. Screenshots: var/screenshots/providers-*.png."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from services.models import Provider, ProviderListing, ServiceCategory

from ..factories import CommunityFactory, UserFactory
from . import support
from .support import submit


def shot(page, name):
    support.shot(page, f"providers-{name}")


@pytest.mark.req("SVC-2", "SSVC-1")
def test_apply_on_a_phone_then_the_manager_approves(
    open_page, live_server, transactional_db, manager, community, tmp_path
):
    from PIL import Image

    # A transactional test before this one may have flushed the categories the migration made.
    ServiceCategory.objects.get_or_create(name="家政保洁", defaults={"icon": "house-heart"})
    CommunityFactory(name="金桂苑", city="杭州市")
    licence = tmp_path / "licence.jpg"
    Image.new("RGB", (1200, 850), "#f4efe2").save(licence, "JPEG")
    applicant = UserFactory(display_name="周丽", mobile="13700000099")
    base = live_server.url

    phone = open_page("phone", applicant)
    phone.goto(f"{base}/provider/apply/")
    shot(phone, "apply-empty")
    phone.fill("input[name=p-name]", "安心家政服务有限公司")
    phone.fill("input[name=p-contact_name]", "周丽")
    phone.fill("input[name=p-contact_phone]", "13700000099")
    phone.fill("textarea[name=p-description]", "十年社区家政经验，阿姨持证上岗。")
    phone.get_by_label("家政保洁").first.check()
    phone.set_input_files("input[name=l-licence_image]", str(licence))
    phone.fill("input[name=l-licence_number]", "91330106MA2ABCDE1X")
    expires = (timezone.localdate() + dt.timedelta(days=400)).isoformat()
    phone.fill("input[name=l-licence_expires_on]", expires)
    # The communities: typing narrows the list.
    phone.fill("input[data-filter-list]", "翠湖")
    expect(phone.get_by_label(re.compile("金桂苑"))).to_be_hidden()
    phone.get_by_label(re.compile("翠湖花园")).check()
    phone.fill("input[name=items-0-name]", "日常保洁")
    phone.select_option("select[name=items-0-category]", label="家政保洁")
    phone.fill("input[name=items-0-price]", "50")
    phone.select_option("select[name=items-0-unit]", value="hour")
    for _ in range(2):
        phone.click("button[data-add-row]")  # two rows are there; a third and a fourth
    phone.fill("input[name=items-3-name]", "开荒保洁")
    phone.select_option("select[name=items-3-category]", label="家政保洁")
    phone.select_option("select[name=items-3-unit]", value="negotiable")
    phone.fill("input[name=h-start_0]", "09:00")
    phone.fill("input[name=h-end_0]", "18:00")
    phone.fill("input[name=h-start_5]", "10:00")
    phone.fill("input[name=h-end_5]", "16:00")
    shot(phone, "apply-filled")
    with phone.expect_navigation(url=re.compile(r"/provider/$")):
        phone.click("button[type=submit]")
    provider = Provider.objects.get()
    assert list(provider.items.values_list("name", flat=True)) == ["日常保洁", "开荒保洁"]
    listing = ProviderListing.objects.get()
    assert listing.community == community and listing.status == "pending"
    expect(phone.get_by_text("待审核").first).to_be_visible()
    shot(phone, "home-pending")

    # The manager reviews it on the desk.
    desk = open_page("desk", manager)
    desk.goto(f"{base}/staff/services/providers/")
    expect(desk.get_by_role("link", name="安心家政服务有限公司")).to_be_visible()
    shot(desk, "staff-list")
    desk.get_by_role("link", name="安心家政服务有限公司").click()
    expect(desk.get_by_text("91330106MA2ABCDE1X")).to_be_visible()
    # The licence photo loads (it is served by the access-checked view).
    desk.locator("img.licence-photo").scroll_into_view_if_needed()
    desk.wait_for_function(
        "() => { const img = document.querySelector('img.licence-photo');"
        " return img.complete && img.naturalWidth > 0; }"
    )
    shot(desk, "staff-detail")
    submit(desk, "form[action$='/approve/'] button")
    expect(desk.get_by_text("已通过该服务商")).to_be_visible()
    shot(desk, "staff-approved")
    listing.refresh_from_db()
    assert listing.status == "approved"

    # Back on the phone, the provider sees it.
    phone.goto(f"{base}/provider/")
    expect(phone.get_by_text("已通过").first).to_be_visible()
    expect(phone.get_by_text("本小区住户可以找到并预约您")).to_be_visible()
    shot(phone, "home-approved")
    phone.goto(f"{base}/provider/profile/")
    shot(phone, "profile")

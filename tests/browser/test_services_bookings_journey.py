"""The booking journey in headless Chromium on a phone: a resident books a slot of a provider's
item, the provider's worker confirms, starts and finishes it on his phone, and the resident
sees it done; the staff find it in 服务预约. Screenshots: var/screenshots/bookings-*.png."""

import re

import pytest
from playwright.sync_api import expect

from services.models import Booking, ProviderMember
from tests.factories import ResidencyFactory, RoomFactory, UserFactory, bookable_provider

from . import support
from .support import submit


def shot(page, name):
    support.shot(page, f"bookings-{name}")


@pytest.mark.req("SVC-1")
def test_book_confirm_start_finish(
    open_page,
    live_server,
    transactional_db,
    community,
    room,
    resident,
    family_member,
    staff_user,
):
    base = live_server.url
    provider = bookable_provider(community, name="安心家政服务")
    item = provider.items.first()
    worker = UserFactory(display_name="王师傅")
    ProviderMember.objects.create(provider=provider, user=worker)

    # The resident books the first open slot, with a note.
    phone = open_page("phone", resident)
    phone.goto(f"{base}/services/bookings/")
    shot(phone, "resident-empty")
    phone.goto(f"{base}/services/items/{item.pk}/book/")
    expect(phone.get_by_text("日常保洁")).to_be_visible()
    # A second home in the community: choosing it puts its address in the form.
    second = ResidencyFactory(
        room=RoomFactory(building=room.building, number="1502"), user=resident
    )
    phone.reload()
    expect(phone.locator("#id_address")).to_have_value(f"翠湖花园 {room.label}")
    phone.select_option("#id_residency", str(second.pk))
    expect(phone.locator("#id_address")).to_have_value(f"翠湖花园 {second.room.label}")
    phone.select_option("#id_residency", label=f"翠湖花园 {room.label}")
    expect(phone.locator("#id_address")).to_have_value(f"翠湖花园 {room.label}")
    shot(phone, "resident-book")
    slot_id = phone.locator("input[name=slot]:not([disabled])").first.get_attribute("id")
    phone.click(f'label[for="{slot_id}"]')
    phone.fill("textarea[name=note]", "家里有猫，请随手关门")
    with phone.expect_navigation(url=re.compile(r"/services/bookings/\d+/$")):
        phone.click("button[type=submit]")
    booking = Booking.objects.get()
    assert booking.status == "requested" and booking.note == "家里有猫，请随手关门"
    expect(phone.get_by_text("待确认").first).to_be_visible()
    shot(phone, "resident-sent")

    # The provider's worker confirms, starts and finishes it from his phone.
    worker_phone = open_page("phone", worker)
    worker_phone.goto(f"{base}/provider/bookings/")
    expect(worker_phone.get_by_text("日常保洁")).to_be_visible()
    shot(worker_phone, "provider-list")
    worker_phone.goto(f"{base}/provider/bookings/{booking.pk}/")
    expect(worker_phone.get_by_text("家里有猫，请随手关门")).to_be_visible()
    shot(worker_phone, "provider-detail")
    for action, status in [("confirm", "confirmed"), ("start", "in_service"),
                           ("finish", "done")]:  # fmt: skip
        submit(worker_phone, f"form[action$='/{action}/'] button")
        booking.refresh_from_db()
        assert booking.status == status
    shot(worker_phone, "provider-done")

    # The resident (and the family) see it done.
    phone.goto(f"{base}/services/bookings/{booking.pk}/")
    expect(phone.get_by_text("已完成").first).to_be_visible()
    shot(phone, "resident-done")
    family = open_page("phone", family_member)
    family.goto(f"{base}/services/bookings/")
    expect(family.get_by_text("已完成").first).to_be_visible()
    shot(family, "family-list")

    # The service desk finds it among the community's bookings.
    desk = open_page("desk", staff_user)
    desk.goto(f"{base}/staff/services/bookings/")
    expect(desk.get_by_text(booking.number)).to_be_visible()
    shot(desk, "staff-list")
    desk.goto(f"{base}/staff/services/bookings/{booking.pk}/")
    shot(desk, "staff-detail")

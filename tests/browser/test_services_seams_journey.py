"""Where the services parts meet, in headless Chromium on a phone: a resident finds 服务商入驻 in
我的; a provider's worker who lives in the community finds 服务商工作台 there instead, and the
provider's home shows today's bookings, one tap from the booking. Screenshots:
var/screenshots/seams-*.png."""

import pytest
from playwright.sync_api import expect

from services.models import ProviderMember
from tests.factories import (
    ResidencyFactory,
    RoomFactory,
    UserFactory,
    bookable_provider,
    booking_row,
)

from . import support
from .support import submit


def shot(page, name):
    support.shot(page, f"seams-{name}")


@pytest.mark.req("SVC-2")
def test_me_leads_to_the_provider_pages_and_today(
    open_page, live_server, transactional_db, community, room, resident
):
    base = live_server.url
    provider = bookable_provider(community, name="安心家政服务")
    household = resident.residencies.get()
    booking = booking_row(household, provider, days_ahead=0, hour=15, status="confirmed")
    booking_row(household, provider, days_ahead=1, hour=9)

    phone = open_page("phone", resident)
    phone.goto(f"{base}/me/")
    expect(phone.get_by_role("link", name="服务商入驻")).to_be_visible()
    shot(phone, "resident-me")

    worker = UserFactory(display_name="王师傅")
    ResidencyFactory(room=RoomFactory(building=room.building, number="902"), user=worker)
    ProviderMember.objects.create(provider=provider, user=worker)
    phone = open_page("phone", worker)
    phone.goto(f"{base}/me/")
    expect(phone.get_by_role("link", name="服务商入驻")).to_have_count(0)
    shot(phone, "worker-me")
    submit(phone, "a:has-text('服务商工作台')")
    expect(phone.get_by_text("今天的预约")).to_be_visible()
    expect(phone.get_by_text("明天")).to_be_visible()
    shot(phone, "provider-home")
    submit(phone, f"a[href='/provider/bookings/{booking.pk}/']")
    expect(phone.get_by_text(booking.number)).to_be_visible()

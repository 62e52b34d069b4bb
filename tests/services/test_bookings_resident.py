"""The resident's booking pages: booking a slot, 我的预约 and one booking, for the household
only, in a bounded number of queries."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import Residency
from services.models import Booking, BookingSlot, ProviderListing
from tests.factories import (
    CommunityFactory,
    ResidencyFactory,
    RoomFactory,
    bookable_provider,
    booking_row,
)

from .bookings_support import PINNED, head_of, slot_value

pytestmark = pytest.mark.req("SVC-1")


@pytest.fixture
def clock():
    with time_machine.travel(PINNED, tick=False) as traveller:
        yield traveller


@pytest.fixture
def provider(community):
    return bookable_provider(community, slot_capacity=1)


def create_url(provider):
    return reverse("services:booking_create", args=[provider.items.first().pk])


def test_the_book_button_links_to_the_booking_page(provider):
    from django.template.loader import render_to_string

    item = provider.items.first()
    html = render_to_string(
        "resident/services/bookings/_book_button.html", {"item": item, "provider": provider}
    )
    assert f'href="/services/items/{item.pk}/book/"' in html and "预约" in html


def test_the_page_offers_slots_with_places_and_prefills(
    clock, client_for, resident, room, provider
):
    household = head_of(resident, room)
    booking_row(household, provider, days_ahead=1, hour=10)  # that slot is now full
    response = client_for(resident).get(create_url(provider))
    assert response.status_code == 200
    html = response.content.decode()
    assert "日常保洁" in html and "¥60.00" in html
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    full = slot_value(tomorrow, 10)
    assert f'value="{full}" disabled' in html and "已约满" in html
    assert f'value="{slot_value(tomorrow, 12)}">' in html and "剩1个名额" in html
    # Too soon (the 2-hour cutoff at 07:30): 08:00 today is not offered.
    assert f'value="{slot_value(timezone.localdate(), 8)}" disabled' in html
    assert room.label in html and resident.mobile in html


def test_booking_sends_and_shows_the_booking(clock, client_for, resident, room, provider):
    value = slot_value(timezone.localdate() + dt.timedelta(days=2), 14)
    response = client_for(resident).post(create_url(provider), {
        "residency": head_of(resident, room).pk, "slot": value, "address": "3栋1201",
        "contact_phone": "13900000001", "note": "请带鞋套",
    })  # fmt: skip
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("services:booking_detail", args=[booking.pk])
    assert booking.note == "请带鞋套" and BookingSlot.objects.get().booked == 1


def test_bad_input_keeps_what_was_typed(clock, client_for, resident, room, provider):
    response = client_for(resident).post(create_url(provider), {
        "residency": head_of(resident, room).pk, "slot": "", "address": "",
        "contact_phone": "13811112222", "note": "下午最好",
    })  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert "请选择预约时段" in html and "请填写服务地址" in html
    assert "13811112222" in html and "下午最好" in html
    assert not Booking.objects.exists()


def test_a_full_slot_is_said_on_the_form(
    clock, client_for, resident, family_member, room, provider
):
    value = slot_value(timezone.localdate() + dt.timedelta(days=2), 14)
    booking_row(head_of(resident, room), provider, days_ahead=2, hour=14)
    response = client_for(family_member).post(create_url(provider), {
        "residency": Residency.objects.get(user=family_member).pk, "slot": value,
        "address": "3栋1201", "contact_phone": "13900000002", "note": "",
    })  # fmt: skip
    assert response.status_code == 400
    assert "请选择页面上可预约的时段" in response.content.decode()


def test_booking_is_throttled(clock, client_for, resident, room, community, settings):
    settings.LINLI_ACTION_LIMITS = {**settings.LINLI_ACTION_LIMITS,
                                    "service_booking": {"user": ["1/h"]}}  # fmt: skip
    provider = bookable_provider(community, slot_capacity=5)
    client = client_for(resident)
    day = timezone.localdate() + dt.timedelta(days=2)
    data = {"residency": head_of(resident, room).pk, "address": "3栋1201",
            "contact_phone": "13900000001"}  # fmt: skip
    assert (
        client.post(create_url(provider), {**data, "slot": slot_value(day, 10)}).status_code == 302
    )
    response = client.post(create_url(provider), {**data, "slot": slot_value(day, 12)})
    assert response.status_code == 400 and "过于频繁" in response.content.decode()
    assert Booking.objects.count() == 1


def test_not_approved_here_or_not_offered_is_a_404(clock, client_for, resident, outsider, provider):
    client = client_for(outsider)
    assert client.get(create_url(provider)).status_code == 404
    elsewhere = bookable_provider(CommunityFactory())
    assert client_for(resident).get(create_url(elsewhere)).status_code == 404
    ProviderListing.objects.filter(provider=provider).update(status="suspended")
    assert client_for(resident).get(create_url(provider)).status_code == 404
    item = bookable_provider(provider.listings.first().community, name="乙").items.first()
    item.is_active = False
    item.save()
    assert (
        client_for(resident).get(reverse("services:booking_create", args=[item.pk])).status_code
        == 404
    )


def test_choose_among_rooms_where_the_provider_is_approved(
    clock, client_for, resident, room, provider
):
    second_room = RoomFactory(building=room.building, number="1202")
    ResidencyFactory(room=second_room, user=resident)
    ResidencyFactory(room=RoomFactory(), user=resident)  # another community: not offered
    response = client_for(resident).get(create_url(provider))
    choices = [label for _value, label in response.context["form"].fields["residency"].choices]
    assert choices == [room.label, second_room.label]


def test_the_household_sees_its_bookings_newest_first(
    client_for, resident, family_member, room, provider, outsider
):
    household = head_of(resident, room)
    older = booking_row(household, provider, days_ahead=1)
    newer = booking_row(household, provider, days_ahead=2, status="confirmed")
    Booking.objects.filter(pk=older.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    for person in (resident, family_member):
        response = client_for(person).get(reverse("services:booking_list"))
        assert list(response.context["page"].object_list) == [newer, older]
    assert (
        not client_for(outsider).get(reverse("services:booking_list")).context["page"].object_list
    )


def test_the_list_is_bounded(client_for, resident, room, community, django_assert_max_num_queries):
    household = head_of(resident, room)
    client = client_for(resident)
    provider = bookable_provider(community, slot_capacity=50)
    booking_row(household, provider)
    with django_assert_max_num_queries(30) as few:
        assert client.get(reverse("services:booking_list")).status_code == 200
    for n in range(24):
        booking_row(household, bookable_provider(community, name=f"家政{n}"), hour=8 + n % 5 * 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("services:booking_list"))
    assert len(response.context["page"].object_list) == 15


def test_the_detail_shows_timeline_contact_and_cutoff(
    clock, client_for, family_member, resident, room, provider
):
    booking = booking_row(head_of(resident, room), provider, days_ahead=1, status="confirmed",
                          confirmed_at=timezone.now())  # fmt: skip
    response = client_for(family_member).get(reverse("services:booking_detail", args=[booking.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "已确认" in html and "13700000009" in html and "之前可在线取消" in html
    assert reverse("services:booking_cancel", args=[booking.pk]) in html


def test_cancel_from_the_page(clock, client_for, family_member, resident, room, provider):
    booking = booking_row(head_of(resident, room), provider, days_ahead=1)
    client = client_for(family_member)
    url = reverse("services:booking_cancel", args=[booking.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"reason": "临时有事"}, follow=True)
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.cancel_reason == "临时有事"
    assert "预约已取消" in response.content.decode()


def test_another_household_or_a_moved_out_member_gets_a_404(
    client_for, resident, family_member, room, provider, outsider
):
    booking = booking_row(head_of(resident, room), provider)
    tenant = ResidencyFactory(room=room, relation=Residency.Relation.TENANT).user
    for person in (outsider, tenant):
        client = client_for(person)
        assert client.get(reverse("services:booking_detail", args=[booking.pk])).status_code == 404
        assert client.post(reverse("services:booking_cancel", args=[booking.pk])).status_code == 404
    Residency.objects.filter(user=family_member).update(status=Residency.Status.ENDED)
    response = client_for(family_member).get(reverse("services:booking_detail", args=[booking.pk]))
    assert response.status_code == 404


def test_the_entry_grid_square_counts_open_bookings(client_for, resident, room, provider):
    from accounts.portal import resident_entries

    household = head_of(resident, room)
    booking_row(household, provider)
    booking_row(household, provider, days_ahead=4, status="done")
    client = client_for(resident)
    request = client.get(reverse("services:booking_list")).wsgi_request
    entry = next(
        e for e in resident_entries(request) if e["url"] == reverse("services:booking_list")
    )
    assert entry["label"] == "我的预约" and entry["icon"] == "calendar-check"
    assert entry["badge"] == 1

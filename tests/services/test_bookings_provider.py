"""The provider's booking pages: its own bookings only, the actions, and nothing of the
resident beyond what the booking needs."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from services.models import Booking, ProviderMember
from tests.factories import UserFactory, bookable_provider, booking_row

from .bookings_support import PINNED, head_of

pytestmark = pytest.mark.req("SVC-1")


@pytest.fixture
def provider(community):
    return bookable_provider(community)


@pytest.fixture
def worker(provider):
    user = UserFactory(display_name="小王师傅")
    ProviderMember.objects.create(provider=provider, user=user)
    return user


def test_confirm_start_finish_from_the_pages(client_for, worker, resident, room, provider):
    booking = booking_row(head_of(resident, room), provider, days_ahead=0, hour=20)
    client = client_for(worker)
    for action, status in [("confirm", "confirmed"), ("start", "in_service"),
                           ("finish", "done")]:  # fmt: skip
        url = reverse(f"services_provider:booking_{action}", args=[booking.pk])
        assert client.get(url).status_code == 405
        response = client.post(url, follow=True)
        booking.refresh_from_db()
        assert booking.status == status
        assert response.status_code == 200
    assert provider.listings.get().bookings_done == 1


def test_an_invalid_move_is_said_not_done(client_for, worker, resident, room, provider):
    booking = booking_row(head_of(resident, room), provider)
    response = client_for(worker).post(
        reverse("services_provider:booking_finish", args=[booking.pk]), follow=True
    )
    assert "不能变为" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == "requested"


def test_cancel_needs_a_reason_and_keeps_it(client_for, worker, resident, room, provider):
    booking = booking_row(head_of(resident, room), provider)
    client = client_for(worker)
    url = reverse("services_provider:booking_cancel", args=[booking.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and "请填写取消原因" in response.content.decode()
    client.post(url, {"reason": "师傅请假"})
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by, booking.cancel_reason) == (
        "cancelled", "provider", "师傅请假")  # fmt: skip


def test_no_show_after_the_slot_began(client_for, worker, resident, room, provider):
    with time_machine.travel(PINNED, tick=False) as clock:
        booking = booking_row(head_of(resident, room), provider, days_ahead=0, hour=10,
                              status="confirmed")  # fmt: skip
        client = client_for(worker)
        detail = client.get(reverse("services_provider:booking_detail", args=[booking.pk]))
        assert reverse("services_provider:booking_no_show", args=[booking.pk]) not in (
            detail.content.decode())  # fmt: skip
        clock.move_to(dt.datetime(2026, 3, 10, 10, 30, tzinfo=PINNED.tzinfo))
        client.post(reverse("services_provider:booking_no_show", args=[booking.pk]))
    booking.refresh_from_db()
    assert booking.status == "no_show" and booking.slot.bookings.count() == 1


def test_the_provider_sees_only_what_the_booking_needs(
    client_for, worker, resident, room, provider
):
    booking = booking_row(head_of(resident, room), provider, note="家里有猫")
    html = (
        client_for(worker)
        .get(reverse("services_provider:booking_detail", args=[booking.pk]))
        .content.decode()
    )
    assert room.label in html and booking.address in html and "家里有猫" in html
    assert booking.contact_phone in html
    # Not the resident's name nor their other details.
    assert resident.get_full_name() not in html


def test_another_providers_booking_is_a_404(client_for, worker, resident, room, community):
    other = bookable_provider(community, name="别家")
    booking = booking_row(head_of(resident, room), other)
    client = client_for(worker)
    assert (
        client.get(reverse("services_provider:booking_detail", args=[booking.pk])).status_code
        == 404
    )
    for action in ("confirm", "start", "finish", "no_show", "cancel"):
        url = reverse(f"services_provider:booking_{action}", args=[booking.pk])
        assert client.post(url, {"reason": "x"}).status_code == 404
    assert Booking.objects.get().status == "requested"
    listing = client.get(reverse("services_provider:booking_list"))
    assert booking not in listing.context["page"].object_list


def test_not_a_member_is_refused(client_for, resident):
    response = client_for(resident).get(reverse("services_provider:booking_list"))
    assert response.status_code == 403


def test_the_list_views_and_bounds(client_for, worker, resident, room, provider,
                                   django_assert_max_num_queries):  # fmt: skip
    household = head_of(resident, room)
    today = booking_row(household, provider, days_ahead=0, hour=20)
    done = booking_row(household, provider, days_ahead=-1, status="done")
    client = client_for(worker)
    url = reverse("services_provider:booking_list")
    with django_assert_max_num_queries(30) as few:
        upcoming = client.get(url)
    bound = len(few.captured_queries)  # read now: the next request resets the log
    assert list(upcoming.context["page"].object_list) == [today]
    assert "今天" in upcoming.content.decode()
    assert list(client.get(url, {"view": "done"}).context["page"].object_list) == [done]
    for n in range(25):
        booking_row(household, provider, days_ahead=1 + n % 13, hour=8 + n % 5 * 2)
    with django_assert_max_num_queries(bound):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 20
    assert timezone.localdate() <= response.context["page"].object_list[0].slot.date

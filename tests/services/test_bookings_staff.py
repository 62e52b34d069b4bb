"""The staff's 服务预约: the community's bookings with filters, one booking, cancelling it."""

import pytest
from django.urls import reverse

from services.models import Booking
from tests.factories import StaffMemberFactory, bookable_provider, booking_row

from .bookings_support import head_of

pytestmark = pytest.mark.req("SVC-1")


@pytest.fixture
def provider(community):
    return bookable_provider(community)


def test_list_filters_by_status_provider_and_date(client_for, manager, resident, room, provider,
                                                  community):  # fmt: skip
    household = head_of(resident, room)
    first = booking_row(household, provider, days_ahead=1)
    other_provider = bookable_provider(community, name="快修")
    second = booking_row(household, other_provider, days_ahead=2, status="confirmed")
    client = client_for(manager)
    url = reverse("services_staff:booking_list")

    def shown(**query):
        return list(client.get(url, query).context["table"].page.object_list.data)

    assert shown() == [second, first]
    assert shown(status="confirmed") == [second]
    assert shown(provider=provider.pk) == [first]
    assert shown(date=first.slot.date.isoformat()) == [first]


def test_another_communitys_bookings_are_not_listed(client_for, outsider_staff, resident, room,
                                                    provider):  # fmt: skip
    booking = booking_row(head_of(resident, room), provider)
    client = client_for(outsider_staff)
    assert not client.get(reverse("services_staff:booking_list")).context["table"].page.object_list
    assert (
        client.get(reverse("services_staff:booking_detail", args=[booking.pk])).status_code == 404
    )
    response = client.post(
        reverse("services_staff:booking_cancel", args=[booking.pk]), {"reason": "x"}
    )
    assert response.status_code == 404


def test_detail_and_cancel_with_a_reason(client_for, manager, resident, room, provider):
    booking = booking_row(head_of(resident, room), provider)
    client = client_for(manager)
    html = client.get(reverse("services_staff:booking_detail", args=[booking.pk])).content.decode()
    assert booking.number in html and room.label in html and "取消预约" in html
    url = reverse("services_staff:booking_cancel", args=[booking.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and "请填写取消原因" in response.content.decode()
    client.post(url, {"reason": "服务商资质问题"})
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by) == ("cancelled", "staff")


def test_cashier_without_the_permission_is_refused(client_for, resident, room, provider, community):
    cashier = StaffMemberFactory(communities=[community], position_name="收费员").user
    booking = booking_row(head_of(resident, room), provider)
    client = client_for(cashier)
    assert client.get(reverse("services_staff:booking_list")).status_code == 403
    assert client.post(reverse("services_staff:booking_cancel", args=[booking.pk]),
                       {"reason": "x"}).status_code == 403  # fmt: skip
    assert Booking.objects.get().status == "requested"


def test_the_list_is_bounded(client_for, manager, resident, room, community,
                             django_assert_max_num_queries):  # fmt: skip
    household = head_of(resident, room)
    client = client_for(manager)
    booking_row(household, bookable_provider(community))
    with django_assert_max_num_queries(40) as few:
        assert client.get(reverse("services_staff:booking_list")).status_code == 200
    for n in range(30):
        booking_row(household, bookable_provider(community, name=f"家政{n}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("services_staff:booking_list"))
    assert len(response.context["table"].page.object_list) == 25

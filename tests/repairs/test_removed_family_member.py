"""A family member the head removed from the household loses the household's repair orders at
once: the list, the page, the live partial, the photos and the technician's photo, cancelling
and rating, and the notifications about the orders (repairs.selectors counts only verified
family residencies)."""

import pytest
from django.urls import reverse

from accounts import services as accounts_services
from accounts.models import Residency
from kit.images import avatar_from_upload
from repairs import selectors
from repairs.models import RepairOrder, RepairRating
from tests.factories import photo_upload

pytestmark = [pytest.mark.django_db, pytest.mark.req("REP-6", "X-1")]


@pytest.fixture
def orders(make_order, technician):
    """An open order with a photo, dispatched to a technician with a profile photo, and a
    completed order the household could rate."""
    technician.avatar.save("a.jpg", avatar_from_upload(photo_upload()))
    return make_order("assigned", photos=1), make_order("completed")


def _urls(open_order, done_order):
    photo = open_order.attachments.get()
    return {
        "detail": reverse("repairs:detail", args=[open_order.pk]),
        "live": reverse("repairs:live", args=[open_order.pk]),
        "photo": reverse("repairs:file", args=[open_order.pk, photo.pk]),
        "thumbnail": reverse("repairs:file", args=[open_order.pk, photo.pk]) + "?thumb=1",
        "technician_photo": reverse("repairs:technician_photo", args=[open_order.pk]),
        "done": reverse("repairs:detail", args=[done_order.pk]),
    }


def test_a_removed_family_member_no_longer_sees_the_households_orders(
    client_for, resident, residency, family_member, orders
):
    open_order, done_order = orders
    urls = _urls(open_order, done_order)
    client = client_for(family_member)
    # While in the household: everything opens.
    listed = [
        order.pk for order in client.get(reverse("repairs:list") + "?tab=all").context["page"]
    ]
    assert sorted(listed) == sorted([open_order.pk, done_order.pk])
    for name, url in urls.items():
        assert client.get(url).status_code == 200, name

    member = Residency.objects.get(user=family_member, head=residency)
    accounts_services.family_member_remove(member=member, actor=resident)

    page = client.get(reverse("repairs:list") + "?tab=all")
    assert list(page.context["page"]) == []
    assert open_order.number not in page.content.decode()
    for name, url in urls.items():
        assert client.get(url).status_code == 404, f"{name} still opens after the removal"
    cancel = client.post(reverse("repairs:cancel", args=[open_order.pk]), {"reason": "不修了"})
    assert cancel.status_code == 404
    rate = client.post(
        reverse("repairs:rate", args=[done_order.pk]),
        {"speed": 1, "quality": 1, "attitude": 1, "comment": "差"},
    )
    assert rate.status_code == 404
    open_order.refresh_from_db()
    assert open_order.status == RepairOrder.Status.ASSIGNED
    assert not RepairRating.objects.filter(order=done_order).exists()
    # Nor is the removed member told about the orders any more; the head still is.
    assert family_member.pk not in selectors.household_user_ids(open_order)
    assert resident.pk in selectors.household_user_ids(open_order)
    assert not selectors.household_may_see(family_member, open_order)

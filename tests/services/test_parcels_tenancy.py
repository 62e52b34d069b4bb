"""Another community's parcel is a 404 on every staff URL that names a parcel, and its code
finds nothing at this desk (SVC-1, X-1)."""

import pytest
from django.urls import reverse

from accounts.models import Residency
from services.models import Parcel
from services.parcels import services
from tests.factories import ParcelFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("SVC-1")]

PARCEL_URLS = ["parcel_detail", "parcel_hand_over", "parcel_return"]


@pytest.fixture
def theirs(outsider, outsider_staff):
    room = Residency.objects.get(user=outsider).room
    return services.parcel_log(room=room, actor=outsider_staff, carrier="sf", shelf="A1")


@pytest.mark.parametrize("name", PARCEL_URLS)
def test_another_communitys_parcel_is_a_404(client_for, staff_user, manager, theirs, name):
    url = reverse(f"services_staff:{name}", args=[theirs.pk])
    for user in (staff_user, manager):
        client = client_for(user)
        assert client.get(url).status_code in (404, 405)
        assert client.post(url, {"name": "x", "reason": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Parcel.Status.WAITING


def test_a_room_of_another_community_cannot_be_chosen(client_for, staff_user, theirs):
    client = client_for(staff_user)
    response = client.get(reverse("services_staff:parcel_create"), {"room": theirs.room_id})
    assert response.context["room"] is None
    response = client.post(
        reverse("services_staff:parcel_create"),
        {"room": theirs.room_id, "carrier": "sf", "shelf": "A1"},
    )
    assert response.status_code == 200
    assert Parcel.objects.count() == 1
    response = client.get(reverse("services_staff:parcel_create"), {"q": "13900000001"})
    assert response.context["found"] == []


def test_their_parcels_are_not_on_our_shelves(client_for, staff_user, theirs):
    client = client_for(staff_user)
    response = client.get(reverse("services_staff:parcel_list"), {"status": "all"})
    assert response.context["rows"] == []
    response = client.get(reverse("services_staff:parcel_pickup"), {"code": theirs.pickup_code})
    assert response.context["parcels"] == []


def test_the_same_code_waiting_in_two_communities_opens_each_desks_own(
    client_for, staff_user, theirs, resident
):
    ours = ParcelFactory(
        household=Residency.objects.get(user=resident), pickup_code=theirs.pickup_code
    )
    response = client_for(staff_user).get(
        reverse("services_staff:parcel_pickup"), {"code": theirs.pickup_code}
    )
    assert response.url == reverse("services_staff:parcel_detail", args=[ours.pk])

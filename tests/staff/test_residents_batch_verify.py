"""The residents list verifies every pending binding its filters match (issue 19), never another
community's, never the staff member's own household's."""

import pytest
from django.urls import reverse

from accounts.models import Residency
from tests.factories import ResidencyFactory, RoomFactory

pytestmark = pytest.mark.django_db

URL = reverse("staff_residents:residencies_verify")


def pending(room, name):
    return ResidencyFactory(room=room, status=Residency.Status.PENDING, user__display_name=name)


def test_every_pending_binding_the_filters_match_is_verified(client_for, manager, community,
                                                             room, outsider_room):  # fmt: skip
    other_building = RoomFactory(building__community=community, building__name="9栋",
                                 number="101", floor=1)  # fmt: skip
    first, second = pending(room, "甲"), pending(room, "乙")
    elsewhere = pending(other_building, "丙")
    theirs = pending(outsider_room, "丁")
    client = client_for(manager)
    page = client.get(reverse("staff_residents:residents"), {"status": "pending"})
    assert page.context["pending_matching"] == 3
    response = client.post(URL, {"status": "pending", "building": room.building_id})
    assert response.status_code == 302
    statuses = {r.pk: r.status for r in Residency.objects.all()}
    assert statuses[first.pk] == statuses[second.pk] == Residency.Status.VERIFIED
    assert statuses[elsewhere.pk] == statuses[theirs.pk] == Residency.Status.PENDING


def test_only_those_who_verify_may(client_for, cashier, room):
    waiting = pending(room, "甲")
    assert client_for(cashier).post(URL, {}).status_code == 403
    waiting.refresh_from_db()
    assert waiting.status == Residency.Status.PENDING

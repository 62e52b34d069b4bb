"""Finding 13: room-binding requests are counted per account; a refusal keeps what was typed."""

import pytest
from django.urls import reverse

from accounts.models import Residency
from tests.factories import RoomFactory, UserFactory

pytestmark = pytest.mark.django_db

BIND = reverse("accounts:room_bind")


def choice(room, **overrides):
    data = {
        "community": room.building.community.pk,
        "building": room.building.pk,
        "unit": room.unit.pk if room.unit_id else "",
        "room": room.pk,
        "relation": "owner",
        "real_name": "王新来",
    }
    return {**data, **overrides}


@pytest.mark.req("ACC-2")
def test_binding_requests_are_counted_per_account(
    client_for, community, settings, start_of_an_hour
):
    settings.LINLI_ACTION_LIMITS = {
        **getattr(settings, "LINLI_ACTION_LIMITS", {}),
        "residency_request": {"user": ["2/h"], "ip": ["100/h"]},
    }
    newcomer = UserFactory(mobile="13700000042")
    client = client_for(newcomer)
    rooms = [RoomFactory(building__community=community) for _ in range(3)]
    for room in rooms[:2]:
        assert client.post(BIND, choice(room)).status_code == 302
    response = client.post(BIND, choice(rooms[2], real_name="王新来来"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "操作过于频繁" in body
    assert 'value="王新来来"' in body, "what was typed stays"
    assert Residency.objects.filter(user=newcomer).count() == 2

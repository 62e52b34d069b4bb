"""Repair time slots with absurd capacities or overlapping another slot in use are refused
(issue 19), in the staff portal and in the admin, with what was typed kept."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def post(client, data, slot=None):
    url = (
        reverse("repairs_staff:slot_edit", args=[slot.pk])
        if slot
        else reverse("repairs_staff:slot_create")
    )
    return client.post(url, data)


@pytest.mark.req("SREP-2")
@pytest.mark.parametrize("capacity", ["0", "201", "100000"])
def test_an_absurd_capacity_is_refused(client_for, manager, community, capacity):
    response = post(client_for(manager), {"start": "06:00", "end": "08:00", "capacity": capacity})
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["capacity"]
    assert form["capacity"].value() == capacity
    assert community.repair_time_slots.count() == 3


@pytest.mark.req("SREP-2")
def test_a_slot_overlapping_one_in_use_is_refused(client_for, manager, community):
    # The defaults: 09:00–12:00, 14:00–18:00, 18:00–20:00.
    response = post(
        client_for(manager), {"start": "11:00", "end": "13:00", "capacity": "5", "is_active": "on"}
    )
    assert response.status_code == 400
    [error] = response.context["form"].errors["start"]
    assert "09:00–12:00" in error and "重叠" in error
    assert response.context["form"]["end"].value() == "13:00"
    assert community.repair_time_slots.count() == 3


@pytest.mark.req("SREP-2")
def test_touching_slots_and_a_slots_own_times_are_fine(client_for, manager, community):
    client = client_for(manager)
    assert post(client, {"start": "12:00", "end": "14:00", "is_active": "on"}).status_code == 302
    slot = community.repair_time_slots.get(start="09:00")
    edited = post(client, {"start": "08:30", "end": "12:00", "is_active": "on"}, slot=slot)
    assert edited.status_code == 302


@pytest.mark.req("SREP-2")
def test_a_switched_off_slot_may_overlap(client_for, manager, community):
    response = post(client_for(manager), {"start": "10:00", "end": "11:00"})  # not in use
    assert response.status_code == 302


@pytest.mark.req("PSET-1")
def test_the_admin_checks_slots_the_same_way(client_for, operator, community):
    client = client_for(operator)
    url = reverse("admin:repairs_timeslot_add")
    data = {"community": community.pk, "start": "11:00", "end": "13:00", "is_active": "on"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "start" in response.context["adminform"].form.errors
    response = client.post(url, data | {"start": "06:00", "end": "08:00"})
    assert response.status_code == 302

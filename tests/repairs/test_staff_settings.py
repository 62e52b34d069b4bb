"""The community's fault categories and time slots, kept by the manager (SREP-1, SREP-2: the
service levels that decide when an order is overdue)."""

import datetime as dt

import pytest
from django.urls import reverse

from kit.audit import entries_for
from repairs.models import CATEGORY_ICONS, RepairCategory, TimeSlot

pytestmark = pytest.mark.django_db


def category_data(**overrides):
    data = {
        "name": "空调维修",
        "icon": "lightning-charge",
        "hint": "不制冷、漏水",
        "accept_within_minutes": "45",
        "finish_within_hours": "12",
        "sort_order": "70",
        "is_active": "on",
    }
    data.update(overrides)
    return data


# --- Categories ------------------------------------------------------------------------------------


def test_the_category_list_shows_the_communitys_categories(client_for, manager, other_community):
    response = client_for(manager).get(reverse("repairs_staff:categories"))
    assert response.status_code == 200
    names = [category.name for category in response.context["categories"]]
    assert "水电故障" in names and len(names) == 7
    page = response.content.decode()
    assert reverse("repairs_staff:category_create") in page
    foreign = other_community.repair_categories.first()
    assert reverse("repairs_staff:category_edit", args=[foreign.pk]) not in page


def test_the_icon_chooser_offers_every_icon(client_for, manager):
    page = client_for(manager).get(reverse("repairs_staff:category_create")).content.decode()
    for icon, _label in CATEGORY_ICONS:
        assert f'value="{icon}"' in page and f"bi-{icon}" in page


@pytest.mark.req("SREP-2")
def test_a_manager_adds_a_category_with_its_service_levels(client_for, manager, community):
    response = client_for(manager).post(reverse("repairs_staff:category_create"), category_data())
    assert response.status_code == 302
    category = RepairCategory.objects.get(community=community, name="空调维修")
    assert (category.icon, category.accept_within_minutes, category.finish_within_hours) == (
        "lightning-charge",
        45,
        12,
    )
    entry = entries_for(category).get()
    assert entry.action == "repair.category_saved" and entry.actor == manager


def test_a_duplicate_name_is_a_field_error_and_keeps_the_input(client_for, manager, community):
    response = client_for(manager).post(
        reverse("repairs_staff:category_create"), category_data(name="水电故障", hint="保留我")
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "name" in form.errors
    assert form["hint"].value() == "保留我"
    assert community.repair_categories.filter(name="水电故障").count() == 1


def test_service_levels_are_checked(client_for, manager):
    response = client_for(manager).post(
        reverse("repairs_staff:category_create"),
        category_data(accept_within_minutes="0", finish_within_hours="", icon="rocket"),
    )
    assert response.status_code == 400
    assert {"accept_within_minutes", "finish_within_hours", "icon"} <= set(
        response.context["form"].errors
    )
    assert not RepairCategory.objects.filter(name="空调维修").exists()


def test_switching_a_category_off_keeps_its_orders(client_for, manager, make_order, community):
    order = make_order("pending")
    category = order.category
    response = client_for(manager).post(
        reverse("repairs_staff:category_edit", args=[category.pk]),
        category_data(name=category.name, icon=category.icon, is_active=""),
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert not category.is_active
    order.refresh_from_db()
    assert order.category == category
    assert category not in community.repair_categories.filter(is_active=True)


def test_the_edit_page_is_filled_in(client_for, manager, community):
    category = community.repair_categories.get(name="电梯问题")
    response = client_for(manager).get(reverse("repairs_staff:category_edit", args=[category.pk]))
    assert response.status_code == 200
    assert response.context["form"]["accept_within_minutes"].value() == 15


def test_the_service_desk_cannot_change_categories(client_for, staff_user, community):
    category = community.repair_categories.first()
    client = client_for(staff_user)
    assert client.get(reverse("repairs_staff:categories")).status_code == 403
    assert client.get(reverse("repairs_staff:category_create")).status_code == 403
    response = client.post(
        reverse("repairs_staff:category_edit", args=[category.pk]),
        category_data(name="改名"),
    )
    assert response.status_code == 403
    category.refresh_from_db()
    assert category.name != "改名"
    assert client.get(reverse("repairs_staff:slots")).status_code == 403


def test_another_communitys_category_and_slot_are_404(client_for, manager, other_community):
    category = other_community.repair_categories.first()
    slot = other_community.repair_time_slots.first()
    client = client_for(manager)
    url = reverse("repairs_staff:category_edit", args=[category.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, category_data()).status_code == 404
    url = reverse("repairs_staff:slot_edit", args=[slot.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"start": "07:00", "end": "08:00"}).status_code == 404
    category.refresh_from_db()
    assert category.name != "空调维修"


# --- Time slots ------------------------------------------------------------------------------------


def test_the_slot_list(client_for, manager):
    response = client_for(manager).get(reverse("repairs_staff:slots"))
    assert response.status_code == 200
    assert [str(slot) for slot in response.context["slots"]] == [
        "09:00–12:00",
        "14:00–18:00",
        "18:00–20:00",
    ]


def test_a_manager_adds_a_slot(client_for, manager, community):
    response = client_for(manager).post(
        reverse("repairs_staff:slot_create"),
        {"start": "07:30", "end": "09:00", "capacity": "4", "is_active": "on"},
    )
    assert response.status_code == 302
    slot = TimeSlot.objects.get(community=community, start=dt.time(7, 30))
    assert slot.end == dt.time(9) and slot.capacity == 4 and slot.is_active
    assert entries_for(slot).get().action == "repair.slot_saved"


def test_a_slot_must_end_after_it_starts(client_for, manager, community):
    response = client_for(manager).post(
        reverse("repairs_staff:slot_create"), {"start": "12:00", "end": "09:00", "capacity": "3"}
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["end"]
    assert form["capacity"].value() == "3"
    assert community.repair_time_slots.count() == 3


def test_a_duplicate_slot_is_refused(client_for, manager, community):
    response = client_for(manager).post(
        reverse("repairs_staff:slot_create"), {"start": "09:00", "end": "12:00"}
    )
    assert response.status_code == 400
    assert "start" in response.context["form"].errors
    assert community.repair_time_slots.count() == 3


def test_a_bad_time_and_capacity_are_field_errors(client_for, manager):
    response = client_for(manager).post(
        reverse("repairs_staff:slot_create"), {"start": "25:00", "end": "", "capacity": "0"}
    )
    assert response.status_code == 400
    assert {"start", "end", "capacity"} == set(response.context["form"].errors)


def test_switching_a_slot_off(client_for, manager, community):
    slot = community.repair_time_slots.order_by("start").first()
    response = client_for(manager).post(
        reverse("repairs_staff:slot_edit", args=[slot.pk]),
        {"start": "09:00", "end": "11:30", "capacity": ""},
    )
    assert response.status_code == 302
    slot.refresh_from_db()
    assert not slot.is_active and slot.end == dt.time(11, 30) and slot.capacity is None

"""Repair orders in every state, made through repairs.services as the product makes them.

`make_order(state)` gives an order of `resident`'s household in `community` that has reached
`state` ("pending", "accepted", "assigned", "confirmed", "in_progress", "completed",
"cancelled"), dispatched to `technician` where a technician is involved."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Residency
from repairs import services
from repairs.models import RepairOrder
from tests.factories import StaffMemberFactory, photo_upload

from ..notices.conftest import _no_quiet_hours  # noqa: F401  (pushes are not held back)


@pytest.fixture
def dispatcher(staff_user):
    """The service desk (客服): accepts and dispatches."""
    return staff_user


@pytest.fixture
def technician_member(technician):
    return technician.staff_member


@pytest.fixture
def other_technician(community, positions):
    return StaffMemberFactory(
        communities=[community], position_name="维修工", user__display_name="郑师傅"
    ).user


@pytest.fixture
def outsider_technician(other_community, positions):
    return StaffMemberFactory(
        communities=[other_community], position_name="维修工", user__display_name="外区师傅"
    ).user


@pytest.fixture
def residency(resident, room):
    return Residency.objects.get(user=resident, room=room)


@pytest.fixture
def make_order(residency, resident, dispatcher, technician_member):
    def make(state: str = "pending", *, photos: int = 0, **fields) -> RepairOrder:
        community = residency.room.building.community
        category = community.repair_categories.order_by("sort_order").first()
        slot = community.repair_time_slots.order_by("start").first()
        order = services.order_create(
            reporter=resident,
            residency=residency,
            category=category,
            description=fields.pop("description", "卫生间水管漏水，地面有积水。"),
            contact_name=resident.get_full_name(),
            contact_phone=resident.mobile,
            day=timezone.localdate() + dt.timedelta(days=1),
            slot=slot,
            photos=[photo_upload(f"p{n}.jpg") for n in range(photos)],
        )
        if state == "pending":
            return order
        if state == "cancelled":
            return services.order_cancel_by_resident(
                order=order, user=resident, reason="已自行修好"
            )
        if state == "accepted":
            return services.order_accept(order=order, actor=dispatcher)
        order = services.order_assign(order=order, technician=technician_member, actor=dispatcher)
        if state == "assigned":
            return order
        order = services.order_technician_accept(order=order, technician=technician_member)
        if state == "confirmed":
            return order
        order = services.order_start(order=order, technician=technician_member, share_location=True)
        if state == "in_progress":
            return order
        order = services.order_finish(
            order=order,
            technician=technician_member,
            result_note="更换了水管接头，已试水无渗漏。",
            photos=[photo_upload("after.jpg")],
        )
        if state == "completed":
            return order
        raise ValueError(state)

    return make

"""Complaints and suggestions on the staff room page (staff/rooms.py panels): the room's own
complaints, the ones about it as a neighbour (被投诉), its households' suggestions; only for staff
who see complaints; a bounded number of queries."""

import pytest
from django.urls import reverse

from complaints.models import Complaint
from tests.factories import ComplaintFactory, ResidencyFactory, RoomFactory, SuggestionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(community, room, resident):
    household = resident.residencies.get()
    neighbour = ResidencyFactory(room=RoomFactory(building=room.building, number="1101"))
    elsewhere = ResidencyFactory(room=RoomFactory(building=room.building, number="0901"))
    own = ComplaintFactory(household=household, details="楼道垃圾")
    noise = community.complaint_categories.get(name="噪音")
    about = ComplaintFactory(household=neighbour, category=noise, about_neighbour=True,
                             neighbour_room=room, room=neighbour.room)  # fmt: skip
    unrelated = ComplaintFactory(household=elsewhere)
    suggestion = SuggestionFactory(household=household, title="增设快递柜")
    return {"own": own, "about": about, "unrelated": unrelated, "suggestion": suggestion}


def page(client, room):
    return client.get(reverse("staff_residents:room_detail", args=[room.pk]))


def complaints_panel(response) -> dict:
    """The complaints panel's data among the room page's panels (bills, repairs… too)."""
    return next(p["data"] for p in response.context["room_panels"] if p["name"] == "complaints")


@pytest.mark.req("SCMP-1")
def test_front_desk_sees_the_rooms_complaints_and_suggestions(client_for, staff_user, room, rows):
    response = page(client_for(staff_user), room)
    html = response.content.decode()
    assert response.status_code == 200
    panel = complaints_panel(response)
    assert panel["complaints"] == [rows["own"]]
    assert panel["complained_about"] == [rows["about"]]
    assert panel["suggestions"] == [rows["suggestion"]]
    assert reverse("complaints_staff:detail", args=[rows["own"].pk]) in html
    assert reverse("complaints_staff:detail", args=[rows["about"].pk]) in html
    assert rows["unrelated"].number not in html
    assert "被投诉" in html and "增设快递柜" in html and "待评估" in html


def test_the_neighbours_page_lists_the_complaint_as_theirs(client_for, manager, rows):
    neighbour_room = rows["about"].household.room
    panel = complaints_panel(page(client_for(manager), neighbour_room))
    assert panel["complaints"] == [rows["about"]] and panel["complained_about"] == []


@pytest.mark.parametrize("who", ["cashier", "technician"])
def test_staff_who_do_not_see_complaints_do_not_get_the_panel(client_for, request, room, rows,
                                                               who):  # fmt: skip
    response = page(client_for(request.getfixturevalue(who)), room)
    assert response.status_code == 200
    assert "complaints" not in [p["name"] for p in response.context["room_panels"]]
    assert rows["own"].number not in response.content.decode()


def test_bounded_queries(client_for, staff_user, room, resident, rows,
                         django_assert_max_num_queries):  # fmt: skip
    client = client_for(staff_user)
    with django_assert_max_num_queries(40) as few:
        assert page(client, room).status_code == 200
    household = resident.residencies.get()
    for _n in range(30):
        ComplaintFactory(household=household, status=Complaint.Status.ACCEPTED)
        SuggestionFactory(household=household)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = page(client, room)
    assert len(complaints_panel(response)["complaints"]) == 20

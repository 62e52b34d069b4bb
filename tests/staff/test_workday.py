"""The work home page (工作台): each position its day, figures linking to exactly their rows,
a regional manager's communities at a glance, and switching community keeping the page."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db.models import F, Sum
from django.urls import reverse

from accounts.models import Residency
from billing.models import Bill
from staff import workday

from ..factories import CommunityFactory, RepairOrderFactory, RoomFactory, StaffMemberFactory
from .busy import MORNING, busy_morning

pytestmark = pytest.mark.req("SUSR-1", "SUSR-2", "SREP-2", "SBIL-2")


@pytest.fixture
def morning():
    with time_machine.travel(MORNING, tick=True):
        yield


def _figures(response) -> dict[str, object]:
    return {
        figure["name"]: figure
        for group in response.context["groups"]
        for figure in group["figures"]
    }


def _arrears(community) -> tuple[Decimal, int]:
    overdue = Bill.objects.filter(
        community=community, status__in=Bill.UNPAID_STATUSES, due_date__lt=MORNING.date()
    )
    owed = overdue.aggregate(s=Sum(F("amount") - F("paid_amount")))["s"]
    return owed, overdue.values("room").distinct().count()


def test_the_manager_sees_the_days_work_and_not_of_another_community(
    morning, client_for, manager, community, room, other_community, outsider_room
):
    data = busy_morning(community, room)
    # The other community's busy morning counts nowhere here.
    busy_morning(other_community, outsider_room)
    response = client_for(manager).get(reverse("staff:home"))
    assert response.status_code == 200
    figures = _figures(response)
    values = {name: figure["value"] for name, figure in figures.items()}
    owed, households = _arrears(community)
    assert values == {
        "residents.waiting": 1,
        "repairs.new": 2,
        "repairs.unassigned": 1,
        "repairs.overdue": 1,
        "complaints.new": 1,
        "complaints.unassigned": 1,
        "complaints.overdue": 1,
        "billing.collected": data["payment"].amount,
        "billing.refunded": Decimal("10.00"),
        "billing.arrears": owed,
        "parcels.waiting": 2,
        "activities.this_week": 1,
        "bookings.waiting": 1,
    }
    assert figures["billing.arrears"]["detail"] == households
    assert figures["billing.collected"]["detail"] == 1
    assert figures["repairs.overdue"]["tone"] == "danger"
    body = response.content.decode()
    assert "今日工作" in body and "逾期报修" in body
    assert "金桂苑" not in body


def test_each_figure_links_to_exactly_its_rows(
    morning, client_for, manager, community, room, other_community, outsider_room
):
    """Following a figure's link lists as many rows as the figure says (for the counts)."""
    busy_morning(community, room)
    busy_morning(other_community, outsider_room)
    client = client_for(manager)
    figures = _figures(client.get(reverse("staff:home")))
    for name in ("repairs.new", "repairs.unassigned", "repairs.overdue", "complaints.new",
                 "complaints.unassigned", "complaints.overdue", "residents.waiting",
                 "parcels.waiting", "activities.this_week", "bookings.waiting"):  # fmt: skip
        figure = figures[name]
        page = client.get(figure["url"])
        assert page.status_code == 200, name
        table = page.context.get("table")
        if table is not None:
            assert table.paginator.count == figure["value"], name
    payments = client.get(figures["billing.collected"]["url"]).context["table"]
    assert payments.paginator.count == figures["billing.collected"]["detail"]
    refunded = client.get(figures["billing.refunded"]["url"]).context["table"]
    assert refunded.paginator.count == 1
    bills = client.get(figures["billing.arrears"]["url"]).context["table"]
    assert (
        bills.paginator.count
        == Bill.objects.filter(
            community=community, status__in=Bill.UNPAID_STATUSES, due_date__lt=MORNING.date()
        ).count()
    )


def test_the_home_page_takes_a_fixed_number_of_queries(
    morning, client_for, manager, community, room, django_assert_max_num_queries
):
    client = client_for(manager)
    client.get(reverse("staff:home"))
    with django_assert_max_num_queries(60) as quiet:
        client.get(reverse("staff:home"))
    busy_morning(community, room, extra_rooms=6)
    with django_assert_max_num_queries(len(quiet.captured_queries)):
        assert client.get(reverse("staff:home")).status_code == 200


def test_a_position_sees_only_the_figures_of_its_lists(
    morning, client_for, cashier, staff_user, community, room
):
    busy_morning(community, room)
    cashier_figures = _figures(client_for(cashier).get(reverse("staff:home")))
    assert "billing.collected" in cashier_figures
    assert "repairs.new" not in cashier_figures
    assert "complaints.new" not in cashier_figures
    desk = _figures(client_for(staff_user).get(reverse("staff:home")))
    assert "residents.waiting" in desk
    for name in desk:
        group = name.split(".")[0]
        source = next(s for s in workday.sources() if s.name == group)
        figure = next(f for f in source.figures if f"{group}.{f.name}" == name)
        from staff.access import has_perm_in_community

        assert has_perm_in_community(staff_user, figure.perm, community)


def test_the_technician_keeps_going_to_the_jobs_list(client_for, technician):
    response = client_for(technician).get(reverse("staff:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("repairs_tech:list")


@pytest.fixture
def regional(community, positions):
    """A regional manager of 翠湖花园 and two more communities of the same company."""
    others = [
        CommunityFactory(company=community.company, name=name) for name in ("碧水湾", "春风里")
    ]
    user = StaffMemberFactory(
        communities=[community, *others], position_name="经理", user__display_name="区域经理"
    ).user
    return user, others


def test_a_regional_manager_sees_every_community_at_a_glance(
    morning, client_for, regional, community, room, other_community, outsider_room,
    django_assert_max_num_queries,
):  # fmt: skip
    user, others = regional
    busy_morning(community, room)
    busy_morning(other_community, outsider_room)  # another company's: not listed
    second = RoomFactory(building__community=others[0], building__name="1栋", number="101")
    RepairOrderFactory(household__room=second, accept_due_at=MORNING - dt.timedelta(hours=1))
    client = client_for(user)
    client.post(reverse("staff:switch_community"), {"community_id": community.pk})
    client.get(reverse("staff:home"))
    with django_assert_max_num_queries(70) as few:
        response = client.get(reverse("staff:home"))
    overview = response.context["overview"]
    names = [row["community"].name for row in overview["rows"]]
    assert sorted(names) == sorted(["翠湖花园", "碧水湾", "春风里"])
    columns = [f"{c.name}" for c in overview["columns"]]
    overdue_column = [c.label for c in overview["columns"]].index("逾期报修")
    by_name = {row["community"].name: row["cells"] for row in overview["rows"]}
    assert by_name["碧水湾"][overdue_column]["value"] == 1
    assert by_name["春风里"][overdue_column]["value"] == 0
    assert by_name["翠湖花园"][overdue_column]["value"] == 1
    # Each column its own module's figure (names such as "new" repeat across modules).
    labels = [c.label for c in overview["columns"]]
    home = {f["name"]: f["value"] for g in response.context["groups"] for f in g["figures"]}
    current = by_name[response.wsgi_request.community.name]
    for label, name in (
        ("新报修", "repairs.new"),
        ("待审核绑定", "residents.waiting"),
        ("待取快递", "parcels.waiting"),
        ("逾期投诉", "complaints.overdue"),
    ):
        assert current[labels.index(label)]["value"] == home[name], label
    assert "金桂苑" not in response.content.decode()
    assert columns
    # More communities and more data: not one query more.
    third = CommunityFactory(company=community.company, name="秋水苑")
    from django.contrib.auth.models import Group

    from staff.positions import MANAGER
    from staff.services import staff_member_update

    member = user.staff_member
    staff_member_update(
        member=member,
        positions={**{c: Group.objects.get(name=MANAGER) for c in [community, *others, third]}},
        is_active=True,
    )
    busy_morning(others[1], RoomFactory(building__community=others[1], number="202"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("staff:home"))
    assert len(response.context["overview"]["rows"]) == 4


def test_an_overview_cell_switches_community_and_opens_the_filtered_list(
    morning, client_for, regional, community
):
    user, others = regional
    client = client_for(user)
    target = reverse("repairs_staff:queue") + "?overdue=on"
    response = client.post(
        reverse("staff:switch_community"), {"community_id": others[0].pk, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == target
    assert client.get(target).wsgi_request.community == others[0]


def test_switching_keeps_a_list_page_and_leaves_an_object_page_for_its_list(
    client_for, regional, community, room
):
    user, others = regional
    client = client_for(user)
    switch = reverse("staff:switch_community")
    rooms = reverse("staff_residents:rooms") + "?use=residential"
    assert client.post(switch, {"community_id": others[0].pk, "next": rooms})["Location"] == rooms
    detail = reverse("staff_residents:room_detail", args=[room.pk])
    after = client.post(switch, {"community_id": others[1].pk, "next": detail})["Location"]
    assert after == reverse("staff_residents:rooms")
    assert client.get(after).status_code == 200
    order = RepairOrderFactory(household__room=room)
    after = client.post(
        switch,
        {"community_id": community.pk, "next": reverse("repairs_staff:detail", args=[order.pk])},
    )["Location"]
    assert after == reverse("repairs_staff:queue")
    # Another site, or nothing: the home page.
    for bad in ("https://evil.example/staff/", "//evil.example/", ""):
        assert client.post(switch, {"community_id": community.pk, "next": bad})[
            "Location"
        ] == reverse("staff:home")


def test_a_pending_binding_of_another_community_is_not_counted(
    client_for, manager, community, room, outsider_room
):
    from ..factories import ResidencyFactory

    ResidencyFactory(room=outsider_room, status=Residency.Status.PENDING, verified_at=None)
    figures = _figures(client_for(manager).get(reverse("staff:home")))
    assert figures["residents.waiting"]["value"] == 0
    assert figures["residents.waiting"]["tone"] == "muted"

"""The service desk's queue: the community's orders, what needs attention on top, filters, and a
fixed number of queries whatever the number of orders (SREP-1)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from repairs.models import RepairOrder
from staff.models import StaffMember
from tests.factories import (
    BuildingFactory,
    RepairOrderFactory,
    ResidencyFactory,
    RoomFactory,
    StaffMemberFactory,
)

pytestmark = pytest.mark.django_db

Status = RepairOrder.Status
QUEUE = reverse("repairs_staff:queue")


def listed(response) -> list[RepairOrder]:
    return [row.record for row in response.context["table"].paginated_rows]


def many_orders(community, count: int) -> None:
    """`count` orders in every open and closed state, each in its own room and building and
    with its own technician, so that a query per row would show."""
    statuses = [Status.PENDING, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS,
                Status.COMPLETED, Status.CANCELLED]  # fmt: skip
    categories = list(community.repair_categories.all())
    for n in range(count):
        room = RoomFactory(building=BuildingFactory(community=community))
        household = ResidencyFactory(room=room)
        status = statuses[n % len(statuses)]
        technician = None
        if status in (Status.ASSIGNED, Status.IN_PROGRESS, Status.COMPLETED):
            technician = StaffMemberFactory(communities=[community], position_name="维修工")
        RepairOrderFactory(
            household=household,
            category=categories[n % len(categories)],
            status=status,
            technician=technician,
            accept_due_at=timezone.now() + dt.timedelta(minutes=30 - n),
        )


@pytest.mark.req("SREP-1")
def test_the_queue_lists_the_communitys_orders_with_what_needs_attention_on_top(
    client_for, dispatcher, make_order, outsider
):
    done = make_order("completed")
    waiting = make_order("pending")
    accepted = make_order("accepted")
    late = make_order("assigned")
    RepairOrder.objects.filter(pk=late.pk).update(
        finish_due_at=timezone.now() - dt.timedelta(minutes=1)
    )
    theirs = RepairOrderFactory(household=outsider.residencies.get())
    response = client_for(dispatcher).get(QUEUE)
    assert response.status_code == 200
    # By default the work to do: open orders, overdue first, then those awaiting acceptance.
    assert [order.pk for order in listed(response)] == [late.pk, waiting.pk, accepted.pk]
    everything = client_for(dispatcher).get(QUEUE, {"status": "all"})
    # "All": newest first, closed ones included.
    assert [order.pk for order in listed(everything)] == [late.pk, accepted.pk, waiting.pk, done.pk]
    # A search looks through every order, closed ones too.
    assert [o.pk for o in listed(client_for(dispatcher).get(QUEUE, {"q": done.number}))] == [
        done.pk
    ]
    page = response.content.decode()
    assert theirs.number not in page
    # Only the pending order has an accept button.
    assert page.count("/accept/") == 1
    assert reverse("repairs_staff:accept", args=[waiting.pk]) in page
    assert response.context["counts"]["pending"] == 1
    assert response.context["counts"]["overdue"] == 1


def test_filters(client_for, dispatcher, make_order, community, residency, other_technician):
    first = make_order("pending")
    second = make_order("assigned")
    elsewhere = ResidencyFactory(
        room=RoomFactory(building=BuildingFactory(community=community, name="9栋"), number="303")
    )
    third = RepairOrderFactory(
        household=elsewhere,
        category=community.repair_categories.order_by("sort_order")[1],
        contact_phone="13712345678",
        technician=other_technician.staff_member,
        status=Status.ASSIGNED,
        created_at=timezone.now() - dt.timedelta(days=10),
    )
    RepairOrder.objects.filter(pk=first.pk).update(
        accept_due_at=timezone.now() - dt.timedelta(minutes=5)
    )
    client = client_for(dispatcher)

    def pks(**query):
        response = client.get(QUEUE, query)
        assert response.status_code == 200
        return {order.pk for order in listed(response)}

    assert pks(status="pending") == {first.pk}
    assert pks(status="assigned") == {second.pk, third.pk}
    assert pks(category=third.category_id) == {third.pk}
    assert pks(building=elsewhere.room.building_id) == {third.pk}
    assert pks(technician=other_technician.staff_member.pk) == {third.pk}
    assert pks(overdue="on") == {first.pk}
    assert pks(q=first.number[-6:].lower()) == {first.pk}
    assert pks(q="9栋303") == {third.pk}
    assert pks(q="1371234") == {third.pk}
    today = timezone.localdate()
    assert pks(reported_from=(today - dt.timedelta(days=1)).isoformat()) == {first.pk, second.pk}
    assert pks(reported_until=(today - dt.timedelta(days=5)).isoformat()) == {third.pk}


def test_filter_choices_are_the_communitys_own(
    client_for, dispatcher, community, other_community, outsider_technician
):
    response = client_for(dispatcher).get(QUEUE)
    form = response.context["filter"].form
    assert set(form.fields["category"].queryset) == set(community.repair_categories.all())
    assert outsider_technician.staff_member not in form.fields["technician"].queryset
    # Another community's category as a filter is an invalid choice, not a leak.
    foreign = other_community.repair_categories.first()
    response = client_for(dispatcher).get(QUEUE, {"category": foreign.pk})
    assert response.status_code == 200
    assert "category" in response.context["filter"].form.errors


@pytest.mark.req("SREP-1")
def test_the_queue_runs_a_fixed_number_of_queries(client_for, dispatcher, community):
    client = client_for(dispatcher)
    client.get(QUEUE)  # warm the session and permission caches alike for both runs

    def queries_with(count: int) -> int:
        RepairOrder.objects.all().delete()
        many_orders(community, count)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(QUEUE, {"status": "all"})
        assert response.status_code == 200
        assert len(listed(response)) == min(count, 25)
        return len(captured)

    few, many = queries_with(5), queries_with(60)
    assert many <= few, (few, many)
    assert few <= 21  # the page's ids are chosen first (staff.tables.paginate)

    # The default view (open orders, overdue first) is as bounded.
    with CaptureQueriesContext(connection) as captured:
        response = client.get(QUEUE)
    assert len(listed(response)) == 25 and len(captured) <= few


def test_a_technician_cannot_see_the_queue(client_for, technician):
    assert client_for(technician).get(QUEUE).status_code == 403


def test_a_manager_sees_the_settings_links(client_for, manager, staff_user):
    page = client_for(manager).get(QUEUE).content.decode()
    assert reverse("repairs_staff:categories") in page
    assert reverse("repairs_staff:slots") in page
    page = client_for(staff_user).get(QUEUE).content.decode()
    assert reverse("repairs_staff:categories") not in page


@pytest.mark.req("SREP-1")
@pytest.mark.django_db(transaction=True)
def test_a_technician_who_left_stays_a_choice_once_given_an_order(
    client_for, dispatcher, community, other_community, residency, technician
):
    """The past technicians of the community are kept (repairs.selectors.
    technicians_who_worked_in) until an order is written: real commits, as in production."""
    former = StaffMemberFactory(
        communities=[community], position_name="维修工", user__display_name="离职师傅"
    )
    StaffMember.objects.filter(pk=former.pk).update(is_active=False)
    elsewhere = StaffMemberFactory(communities=[other_community], position_name="维修工")

    def choices():
        form = client_for(dispatcher).get(QUEUE).context["filter"].form
        return set(form.fields["technician"].queryset)

    assert choices() == {technician.staff_member}
    RepairOrderFactory(household=residency, technician=former, status=Status.COMPLETED)
    other_room = RoomFactory(building__community=other_community)
    RepairOrderFactory(household=ResidencyFactory(room=other_room), technician=elsewhere)
    assert choices() == {technician.staff_member, former}

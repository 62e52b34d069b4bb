"""The monitoring board: counts per status, a column per open status with overdue orders on top,
the technicians' workload from aggregate queries, refreshed by htmx (SREP-2)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from repairs.models import RepairOrder
from tests.factories import RepairOrderFactory

from .test_staff_queue import many_orders

pytestmark = pytest.mark.django_db

Status = RepairOrder.Status
BOARD = reverse("repairs_staff:board")


def overdue(order, field="finish_due_at"):
    RepairOrder.objects.filter(pk=order.pk).update(
        **{field: timezone.now() - dt.timedelta(minutes=10)}
    )


@pytest.mark.req("SREP-2")
def test_the_board_shows_open_orders_by_status_with_overdue_ones_on_top(
    client_for, dispatcher, make_order, outsider
):
    older = make_order("pending")
    newer = make_order("pending")
    late = make_order("pending")
    overdue(late, "accept_due_at")
    accepted = make_order("accepted")
    working = make_order("in_progress")
    overdue(working)
    make_order("completed")
    RepairOrderFactory(household=outsider.residencies.get())  # another community's
    response = client_for(dispatcher).get(BOARD)
    assert response.status_code == 200
    columns = {column["status"]: column for column in response.context["columns"]}
    assert list(columns) == [Status.PENDING, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS]
    assert [o.pk for o in columns[Status.PENDING]["orders"]] == [late.pk, older.pk, newer.pk]
    assert [o.pk for o in columns[Status.ACCEPTED]["orders"]] == [accepted.pk]
    assert columns[Status.ASSIGNED]["orders"] == []
    assert [o.pk for o in columns[Status.IN_PROGRESS]["orders"]] == [working.pk]
    assert columns[Status.IN_PROGRESS]["orders"][0].is_overdue == 1
    counts = response.context["counts"]
    assert (counts["pending"], counts["accepted"], counts["in_progress"]) == (3, 1, 1)
    assert counts["overdue"] == 2 and counts["completed_today"] == 1
    page = response.content.decode()
    assert 'hx-trigger="every 30s"' in page
    assert late.number in page


@pytest.mark.req("SREP-2")
def test_the_workload_by_technician(
    client_for, manager, make_order, technician_member, other_technician, outsider_technician
):
    make_order("assigned")
    late = make_order("in_progress")
    overdue(late)
    make_order("completed")
    response = client_for(manager).get(BOARD)
    rows = {
        member.user.get_full_name(): (
            member.open_jobs, member.in_progress_jobs, member.overdue_jobs, member.completed_today
        )
        for member in response.context["technicians"]
    }  # fmt: skip
    assert rows == {"吴师傅": (2, 1, 1, 1), "郑师傅": (0, 0, 0, 0)}


def test_htmx_refresh_gets_the_body_only(client_for, dispatcher, make_order):
    make_order("pending")
    response = client_for(dispatcher).get(BOARD, headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page and 'hx-trigger="every 30s"' not in page
    assert "list-group-item" in page


@pytest.mark.req("SREP-2")
def test_the_board_runs_a_fixed_number_of_queries(client_for, dispatcher, community):
    client = client_for(dispatcher)
    client.get(BOARD)

    def queries_with(count: int) -> int:
        RepairOrder.objects.all().delete()
        many_orders(community, count)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(BOARD)
        assert response.status_code == 200
        return len(captured)

    few, many = queries_with(6), queries_with(90)
    assert many <= few, (few, many)
    assert few <= 20


def test_a_technician_cannot_see_the_board(client_for, technician):
    assert client_for(technician).get(BOARD).status_code == 403

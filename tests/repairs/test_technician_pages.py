"""The technician's job lists (我的工单 / 抢单 / 已完成) and where a technician lands."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from repairs.models import RepairOrder
from tests.factories import RepairAttachmentFactory, RepairOrderFactory, StaffMemberFactory

Status = RepairOrder.Status
LIST = reverse("repairs_tech:list")


def test_my_jobs_are_grouped_by_appointment_day(client_for, technician, technician_member,
                                                residency):  # fmt: skip
    now = timezone.now()
    today = timezone.localtime(now).replace(hour=14, minute=0, second=0, microsecond=0)

    def job(start, **fields):
        fields.setdefault("status", Status.ASSIGNED)
        return RepairOrderFactory(
            household=residency, technician=technician_member, appointment_start=start,
            appointment_end=start + dt.timedelta(hours=3), assigned_at=now, **fields,
        )  # fmt: skip

    later = job(today + dt.timedelta(days=3), description="三天后的活")
    tomorrow = job(today + dt.timedelta(days=1), description="明天的活")
    today_job = job(today, description="今天的活")
    overdue = job(
        today - dt.timedelta(days=2),
        description="拖了的活",
        finish_due_at=now - dt.timedelta(hours=1),
    )
    working = job(today + dt.timedelta(days=2), description="正在修", status=Status.IN_PROGRESS)
    RepairOrderFactory(household=residency, status=Status.COMPLETED, technician=technician_member,
                       description="修好的活")  # fmt: skip
    RepairAttachmentFactory(order=today_job)
    RepairAttachmentFactory(order=today_job)

    response = client_for(technician).get(LIST)
    assert response.status_code == 200
    groups = response.context["groups"]
    assert [[o.pk for o in orders] for _, orders in groups] == [
        [working.pk],
        [overdue.pk],
        [today_job.pk],
        [tomorrow.pk],
        [later.pk],
    ]
    body = response.content.decode()
    assert "修好的活" not in body
    card = body.split(f'href="{reverse("repairs_tech:detail", args=[today_job.pk])}"')[1]
    assert "bi-images" in card.split("</a>")[0] and "2" in card.split("</a>")[0]
    assert next(o for _, os in groups for o in os if o.pk == overdue.pk).is_overdue == 1


def test_pool_tab_lists_accepted_orders_with_a_grab_button(client_for, technician, make_order):
    accepted = make_order("accepted", description="楼道灯不亮")
    mine = make_order("assigned", description="我的活")
    response = client_for(technician).get(LIST, {"tab": "pool"})
    body = response.content.decode()
    assert "楼道灯不亮" in body and "我的活" not in body
    assert reverse("repairs_tech:grab", args=[accepted.pk]) in body
    assert reverse("repairs_tech:grab", args=[mine.pk]) not in body


def test_done_tab_shows_my_completed_jobs_newest_first(client_for, technician, technician_member,
                                                       other_technician, residency):  # fmt: skip
    now = timezone.now()
    for n in range(25):
        RepairOrderFactory(
            household=residency, status=Status.COMPLETED, technician=technician_member,
            completed_at=now - dt.timedelta(hours=n), description=f"完成{n:02d}",
        )  # fmt: skip
    RepairOrderFactory(household=residency, status=Status.COMPLETED, completed_at=now,
                       technician=other_technician.staff_member, description="别人完成的")  # fmt: skip
    client = client_for(technician)
    first = client.get(LIST, {"tab": "done"})
    page = first.context["page"]
    assert page.paginator.count == 25 and len(page.object_list) == 20
    assert page.object_list[0].description == "完成00"
    assert "别人完成的" not in first.content.decode()
    second = client.get(LIST, {"tab": "done", "page": 2})
    assert [o.description for o in second.context["page"].object_list][-1] == "完成24"


def test_lists_show_nothing_of_another_community(client_for, technician, outsider_technician,
                                                 make_order):  # fmt: skip
    make_order("accepted", description="翠湖的活")
    body = client_for(outsider_technician).get(LIST, {"tab": "pool"}).content.decode()
    assert "翠湖的活" not in body
    body = client_for(technician).get(LIST, {"tab": "pool"}).content.decode()
    assert "翠湖的活" in body


def _make_jobs(residency, member, count: int) -> None:
    now = timezone.now()
    for n in range(count):
        for status, technician in (
            (Status.ASSIGNED, member),
            (Status.IN_PROGRESS, member),
            (Status.ACCEPTED, None),
            (Status.COMPLETED, member),
        ):
            order = RepairOrderFactory(
                household=residency, status=status, technician=technician,
                completed_at=now if status == Status.COMPLETED else None,
                appointment_start=now + dt.timedelta(days=n % 4),
                appointment_end=now + dt.timedelta(days=n % 4, hours=3),
            )  # fmt: skip
            RepairAttachmentFactory(order=order)


@pytest.mark.parametrize("tab", ["mine", "pool", "done"])
def test_lists_run_a_bounded_number_of_queries(client_for, technician, technician_member,
                                               residency, tab):  # fmt: skip
    client = client_for(technician)
    _make_jobs(residency, technician_member, 2)
    client.get(LIST, {"tab": tab})  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST, {"tab": tab}).status_code == 200
    _make_jobs(residency, technician_member, 6)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST, {"tab": tab})
    assert response.status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(many) <= 16


def test_technician_lands_on_the_job_list(client_for, technician):
    response = client_for(technician).get(reverse("staff:home"))
    assert response.status_code == 302 and response["Location"] == LIST


def test_dispatching_staff_keep_the_desktop_overview(client_for, manager, dispatcher):
    assert client_for(manager).get(reverse("staff:home")).status_code == 200
    assert client_for(dispatcher).get(reverse("staff:home")).status_code == 200


def test_header_shows_the_community_and_switches_between_several(client_for, community,
                                                                 positions, make_order):  # fmt: skip
    from tests.factories import CommunityFactory

    second = CommunityFactory(company=community.company, name="金桂苑二期")
    user = StaffMemberFactory(communities=[community, second], position_name="维修工").user
    make_order("accepted", description="翠湖的活")
    client = client_for(user)
    body = client.get(LIST, {"tab": "pool"}).content.decode()
    assert reverse("staff:switch_community") in body and "金桂苑二期" in body
    assert "翠湖的活" in body
    response = client.post(
        reverse("staff:switch_community"), {"community_id": second.pk}, follow=True
    )
    assert response.redirect_chain[-1][0] == LIST
    assert "翠湖的活" not in client.get(LIST, {"tab": "pool"}).content.decode()


def test_single_community_header_shows_its_name(client_for, technician, community):
    body = client_for(technician).get(LIST).content.decode()
    assert community.name in body
    assert reverse("staff:switch_community") not in body

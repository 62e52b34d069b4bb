"""The complaint desk's pages (SCMP-1): the queue with its filters, overdue flags and export,
one complaint with everything staff need and the accept / pass on / reply forms; who may use
them and whose complaints they show."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from complaints.handling import services
from complaints.models import Complaint, ComplaintEvent
from staff.models import StaffMember
from tests.factories import (
    ComplaintAttachmentFactory,
    ComplaintFactory,
    ComplaintMessageFactory,
    ResidencyFactory,
    RoomFactory,
    StaffMemberFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.req("SCMP-1")]

Status = Complaint.Status
QUEUE = reverse("complaints_staff:queue")


@pytest.fixture
def household(resident):
    return resident.residencies.get()


@pytest.fixture
def complaint(household, community):
    return ComplaintFactory(
        household=household, category=community.complaint_categories.get(name="环境卫生")
    )


def category(community, name):
    return community.complaint_categories.get(name=name)


def department(community, name):
    return community.complaint_departments.get(name=name)


def numbers(response) -> set[str]:
    return {row.record.number for row in response.context["table"].page.object_list}


# --- Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "staff_user"])
def test_the_manager_and_the_front_desk_see_the_queue(client_for, complaint, role, request):
    response = client_for(request.getfixturevalue(role)).get(QUEUE)
    assert response.status_code == 200
    assert complaint.number in response.content.decode()


@pytest.mark.parametrize("role", ["cashier", "technician"])
@pytest.mark.parametrize(
    "name", ["complaints_staff:queue", "complaints_staff:export", "complaints_staff:detail"]
)
def test_the_cashier_and_the_technician_may_not(client_for, complaint, role, name, request):
    args = [complaint.pk] if name.endswith("detail") else []
    response = client_for(request.getfixturevalue(role)).get(reverse(name, args=args))
    assert response.status_code == 403


@pytest.mark.parametrize("action", ["accept", "route", "reply"])
def test_the_actions_are_post_only_and_refused_to_the_technician(
    client_for, complaint, technician, staff_user, action
):
    url = reverse(f"complaints_staff:{action}", args=[complaint.pk])
    assert client_for(staff_user).get(url).status_code == 405
    assert client_for(technician).post(url).status_code == 403


def test_another_communitys_complaint_is_a_404(client_for, outsider_staff, complaint, outsider):
    outsiders = ComplaintFactory(household=outsider.residencies.get())
    client = client_for(outsider_staff)
    for name in ("detail", "accept", "route", "reply"):
        url = reverse(f"complaints_staff:{name}", args=[complaint.pk])
        response = client.get(url) if name == "detail" else client.post(url)
        assert response.status_code == 404, name
    # Their own queue lists only their own.
    listed = numbers(client.get(QUEUE))
    assert listed == {outsiders.number}


def test_the_menu_shows_the_desk_with_the_new_complaints(client_for, staff_user, complaint):
    ComplaintFactory(household=complaint.household, status=Status.ACCEPTED)
    response = client_for(staff_user).get(QUEUE)
    entry = next(i for i in response.context["staff_menu"] if i["url"] == QUEUE)
    assert (str(entry["label"]), entry["badge"], entry["active"]) == ("投诉处理", 1, True)


# --- Queue -------------------------------------------------------------------------------------


def test_the_queue_shows_open_complaints_by_default_and_flags_the_overdue(
    client_for, staff_user, household
):
    now = timezone.now()
    late = ComplaintFactory(household=household, accept_due_at=now - dt.timedelta(minutes=1))
    fine = ComplaintFactory(household=household, status=Status.ACCEPTED)
    slow = ComplaintFactory(
        household=household, status=Status.IN_PROGRESS, reply_due_at=now - dt.timedelta(hours=1)
    )
    closed = ComplaintFactory(household=household, status=Status.CLOSED)
    response = client_for(staff_user).get(QUEUE)
    assert numbers(response) == {late.number, fine.number, slow.number}
    flagged = {
        row.record.number for row in response.context["table"].page.object_list
        if row.record.is_overdue
    }  # fmt: skip
    assert flagged == {late.number, slow.number}
    assert "超时" in response.content.decode()
    assert response.context["counts"]["overdue"] == 2
    assert numbers(client_for(staff_user).get(QUEUE, {"overdue": "on"})) == {
        late.number,
        slow.number,
    }
    everything = client_for(staff_user).get(QUEUE, {"status": "all"})
    rows = [row.record.number for row in everything.context["table"].page.object_list]
    assert rows[-1] == closed.number  # open ones first


def test_the_filters(client_for, staff_user, household, community, positions):
    cleaning = department(community, "保洁")
    handler = StaffMemberFactory(communities=[community], position_name="客服")
    by_phone = ComplaintFactory(
        household=household, channel=Complaint.Channel.PHONE, category=category(community, "噪音")
    )
    routed = ComplaintFactory(
        household=household, status=Status.IN_PROGRESS, department=cleaning, handler=handler
    )
    replied = ComplaintFactory(household=household, status=Status.REPLIED)
    client = client_for(staff_user)

    def found(**query):
        return numbers(client.get(QUEUE, query))

    assert found(channel="phone") == {by_phone.number}
    assert found(category=category(community, "噪音").pk) == {by_phone.number}
    assert found(department=cleaning.pk) == {routed.number}
    assert found(handler=handler.pk) == {routed.number}
    assert found(status="replied") == {replied.number}
    assert found(status="in_progress") == {routed.number}


def test_the_search(client_for, staff_user, household, community):
    other_room = RoomFactory(building__community=community, building__name="7栋", number="302")
    other = ComplaintFactory(
        household=ResidencyFactory(room=other_room),
        details="地下车库有人长期占用消防通道",
        contact_name="钱多多",
        contact_phone="13712345678",
    )
    mine = ComplaintFactory(household=household)
    client = client_for(staff_user)
    for query in ("消防通道", "钱多", "1234567", "7栋302", other.number[-6:]):
        assert numbers(client.get(QUEUE, {"q": query})) == {other.number}, query
    assert numbers(client.get(QUEUE, {"q": "3栋1201"})) == {mine.number}


def test_the_queue_runs_a_bounded_number_of_queries(
    client_for, staff_user, household, community, django_assert_max_num_queries
):
    client = client_for(staff_user)
    cleaning = department(community, "保洁")
    handler = StaffMember.objects.get(user=staff_user)
    ComplaintFactory(household=household, department=cleaning, handler=handler)
    client.get(QUEUE)  # warm the caches (positions, menu)
    with django_assert_max_num_queries(40) as few:
        client.get(QUEUE, {"status": "all"})
    for index in range(30):
        room = RoomFactory(building__community=community, number=f"{index + 1:02d}01")
        ComplaintFactory(
            household=ResidencyFactory(room=room),
            department=cleaning,
            handler=handler,
            status=Status.IN_PROGRESS,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(QUEUE, {"status": "all"})
    assert len(response.context["table"].page.object_list) > 20


def test_the_export_has_the_filtered_queue_and_no_internal_note(
    client_for, manager, household, complaint
):
    ComplaintMessageFactory(
        complaint=complaint, author=manager, from_staff=True, internal=True, body="内部：住户难缠"
    )
    ComplaintFactory(household=household, status=Status.CLOSED, details="已经关闭的那条")
    response = client_for(manager).get(reverse("complaints_staff:export"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "投诉单号"
    assert [row[0] for row in rows[1:]] == [complaint.number]
    texts = " ".join(str(cell) for row in rows for cell in row if cell)
    assert "内部：住户难缠" not in texts
    assert "已经关闭的那条" not in texts
    everything = client_for(manager).get(reverse("complaints_staff:export"), {"status": "all"})
    assert len(list(load_workbook(io.BytesIO(everything.content)).active.iter_rows())) == 3


# --- One complaint -----------------------------------------------------------------------------


def test_the_page_shows_who_filed_the_neighbours_room_and_the_internal_lines(
    client_for, staff_user, manager, household, community, resident
):
    neighbour_room = RoomFactory(building=household.room.building, number="1101", floor=11)
    complaint = ComplaintFactory(
        household=household,
        category=category(community, "邻里"),
        about_neighbour=True,
        neighbour_room=neighbour_room,
        channel=Complaint.Channel.PHONE,
        logged_by=staff_user,
        wanted_outcome="请楼上修好漏水",
        accept_due_at=timezone.now() - dt.timedelta(minutes=1),
    )
    photo = ComplaintAttachmentFactory(complaint=complaint)
    services.escalate_overdue()
    page = client_for(manager).get(reverse("complaints_staff:detail", args=[complaint.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    for text in ("张伟", "13900000001", "3栋1201", "3栋1101", "仅物业可见", "电话", "林客服",
                 "请楼上修好漏水", "超时未受理", "text-bg-danger"):  # fmt: skip
        assert text in html, text
    assert '<i class="bi bi-eye-slash" aria-hidden="true"></i> 仅物业可见</span>' in html
    assert reverse("complaints_staff:file", args=[photo.pk]) + "?thumb=1" in html
    assert [event.internal for event in page.context["timeline"]] == [True]
    assert page.context["overdue"] == {"accept": True, "reply": False}
    # The staff page for a file of this complaint answers.
    assert (
        client_for(manager)
        .get(reverse("complaints_staff:file", args=[photo.pk]), {"thumb": "1"})
        .status_code
        == 200
    )


def test_the_route_form_is_prefilled_from_the_categorys_rule(client_for, staff_user, complaint):
    page = client_for(staff_user).get(reverse("complaints_staff:detail", args=[complaint.pk]))
    form = page.context["route_form"]
    assert form.initial["department"] == complaint.category.department
    assert complaint.category.department.name == "保洁"
    assert page.context["can_accept"] is True
    assert page.context["reply_form"] is None


@pytest.mark.req("CMP-3")
def test_accept_route_and_reply_through_the_pages(
    client_for, staff_user, complaint, community, resident
):
    client = client_for(staff_user)
    detail = reverse("complaints_staff:detail", args=[complaint.pk])
    response = client.post(reverse("complaints_staff:accept", args=[complaint.pk]))
    assert response.status_code == 302 and response["Location"] == detail
    complaint.refresh_from_db()
    assert complaint.status == Status.ACCEPTED

    cleaning = department(community, "保洁")
    response = client.post(
        reverse("complaints_staff:route", args=[complaint.pk]),
        {"department": cleaning.pk, "handler": "", "note": "尽快"},
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.department) == (Status.IN_PROGRESS, cleaning)

    response = client.post(
        reverse("complaints_staff:reply", args=[complaint.pk]), {"reply": "已清运完毕。"}
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.reply) == (Status.REPLIED, "已清运完毕。")
    kinds = list(complaint.events.values_list("kind", flat=True))
    assert kinds == [ComplaintEvent.Kind.ACCEPTED, ComplaintEvent.Kind.ROUTED,
                     ComplaintEvent.Kind.REPLIED]  # fmt: skip
    page = client.get(detail)
    assert page.context["route_form"] is None and page.context["reply_form"] is None
    assert "已清运完毕。" in page.content.decode()


def test_refusals_are_shown_in_chinese_on_the_page(
    client_for, staff_user, complaint, community, positions
):
    client = client_for(staff_user)
    cleaning = department(community, "保洁")
    cleaning.members.add(StaffMemberFactory(communities=[community], position_name="客服"))
    response = client.post(
        reverse("complaints_staff:route", args=[complaint.pk]),
        {"department": cleaning.pk, "handler": StaffMember.objects.get(user=staff_user).pk},
    )
    assert response.status_code == 400
    assert "林客服不是保洁部门的成员。" in response.content.decode()
    response = client.post(reverse("complaints_staff:reply", args=[complaint.pk]), {"reply": "好"})
    assert response.status_code == 400
    assert "请先受理投诉，再答复处理结果。" in response.content.decode()
    client.post(reverse("complaints_staff:accept", args=[complaint.pk]))
    response = client.post(reverse("complaints_staff:accept", args=[complaint.pk]), follow=True)
    assert "只有新提交的投诉才能受理" in response.content.decode()

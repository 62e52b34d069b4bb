"""The complaint desk's moves (SCMP-1), and what the household sees of them (CMP-3): accept,
pass to a department and/or a person (again), reply; each refusal in Chinese."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from complaints.handling import selectors, services
from complaints.models import Complaint, ComplaintEvent
from kit.audit import entries_for
from notices.models import Message
from staff.models import StaffMember
from tests.factories import ComplaintFactory, StaffMemberFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("SCMP-1")]

Status = Complaint.Status
Kind = ComplaintEvent.Kind


@pytest.fixture
def complaint(resident, community):
    household = resident.residencies.get()
    return ComplaintFactory(
        household=household,
        category=community.complaint_categories.get(name="环境卫生"),
        created_at=timezone.now() - dt.timedelta(minutes=30),
    )


@pytest.fixture
def cleaning(community):
    return community.complaint_departments.get(name="保洁")


@pytest.fixture
def cleaner(community, positions, cleaning):
    """A front-desk member of the cleaning department (holds handle_complaint)."""
    member = StaffMemberFactory(
        communities=[community], position_name="客服", user__display_name="赵保洁"
    )
    cleaning.members.add(member)
    return member


def member_of(user) -> StaffMember:
    return StaffMember.objects.get(user=user)


def refusal(error: ValidationError) -> str:
    return " ".join(error.messages)


def messages_of(user, event: str):
    return Message.objects.filter(recipient=user, event=event)


@pytest.mark.req("CMP-3")
def test_accepting_records_the_time_and_tells_the_household(complaint, staff_user, resident):
    services.complaint_accept(complaint=complaint, actor=staff_user)
    complaint.refresh_from_db()
    assert complaint.status == Status.ACCEPTED
    assert complaint.accepted_at is not None
    assert 29 * 60 <= complaint.accept_seconds <= 31 * 60
    event = complaint.events.get()
    assert (event.kind, event.actor, event.internal) == (Kind.ACCEPTED, staff_user, False)
    assert entries_for(complaint).filter(action="complaint.accepted").exists()
    assert messages_of(resident, "complaint.status_changed").count() == 1


def test_a_complaint_is_accepted_once(complaint, staff_user):
    services.complaint_accept(complaint=complaint, actor=staff_user)
    with pytest.raises(ValidationError) as raised:
        services.complaint_accept(complaint=complaint, actor=staff_user)
    assert refusal(raised.value) == "只有新提交的投诉才能受理，这条投诉当前为“已受理”。"


@pytest.mark.req("CMP-3")
def test_routing_a_new_complaint_accepts_it_and_tells_the_person(
    complaint, staff_user, cleaning, cleaner, resident
):
    services.complaint_route(
        complaint=complaint, actor=staff_user, department=cleaning, handler=cleaner,
        note="今天下午之前清运",
    )  # fmt: skip
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS
    assert (complaint.department, complaint.handler) == (cleaning, cleaner)
    assert complaint.routed_at is not None and complaint.accepted_at is not None
    assert complaint.accept_seconds is not None
    event = complaint.events.get()
    assert event.kind == Kind.ROUTED and "保洁" in event.note and "赵保洁" in event.note
    told = messages_of(cleaner.user, "complaint.routed").get()
    assert told.importance == "important"
    assert complaint.number in told.title and "今天下午之前清运" in told.body
    assert told.url.endswith(f"/staff/complaints/{complaint.pk}/")
    # The household sees where it went; never the note for staff.
    status_message = messages_of(resident, "complaint.status_changed").get()
    assert "今天下午之前清运" not in status_message.title + status_message.body
    assert not messages_of(resident, "complaint.routed").exists()


def test_routing_to_a_department_tells_its_members(complaint, staff_user, cleaning, cleaner):
    other = StaffMemberFactory(communities=[complaint.community], position_name="客服")
    cleaning.members.add(other)
    services.complaint_route(complaint=complaint, actor=staff_user, department=cleaning)
    assert messages_of(cleaner.user, "complaint.routed").count() == 1
    assert messages_of(other.user, "complaint.routed").count() == 1
    assert not messages_of(staff_user, "complaint.routed").exists()


def test_rerouting_is_its_own_line_and_an_unchanged_route_is_refused(
    complaint, staff_user, cleaning, cleaner, community
):
    services.complaint_route(complaint=complaint, actor=staff_user, department=cleaning)
    with pytest.raises(ValidationError) as raised:
        services.complaint_route(complaint=complaint, actor=staff_user, department=cleaning)
    assert refusal(raised.value) == "这条投诉已经交给这个部门和处理人了。"
    security = community.complaint_departments.get(name="安保")
    services.complaint_route(complaint=complaint, actor=staff_user, department=security)
    complaint.refresh_from_db()
    assert complaint.department == security
    assert list(complaint.events.values_list("kind", flat=True)) == [Kind.ROUTED, Kind.REROUTED]
    assert entries_for(complaint).filter(action="complaint.rerouted").exists()


def test_a_person_outside_the_chosen_department_is_refused(
    complaint, staff_user, cleaning, cleaner
):
    with pytest.raises(ValidationError) as raised:
        services.complaint_route(
            complaint=complaint, actor=staff_user, department=cleaning,
            handler=member_of(staff_user),
        )  # fmt: skip
    assert refusal(raised.value) == "林客服不是保洁部门的成员。"
    assert Complaint.objects.get(pk=complaint.pk).status == Status.SUBMITTED


def test_another_communitys_staff_member_is_refused_as_handler(
    complaint, staff_user, outsider_staff
):
    with pytest.raises(ValidationError) as raised:
        services.complaint_route(
            complaint=complaint, actor=staff_user, handler=member_of(outsider_staff)
        )
    assert refusal(raised.value) == "请选择本小区负责处理投诉的员工。"


def test_staff_without_the_duty_are_refused_as_handler(complaint, staff_user, cashier):
    with pytest.raises(ValidationError) as raised:
        services.complaint_route(complaint=complaint, actor=staff_user, handler=member_of(cashier))
    assert refusal(raised.value) == "请选择本小区负责处理投诉的员工。"


def test_another_communitys_department_and_no_target_are_refused(
    complaint, staff_user, other_community
):
    with pytest.raises(ValidationError) as raised:
        services.complaint_route(
            complaint=complaint, actor=staff_user,
            department=other_community.complaint_departments.first(),
        )  # fmt: skip
    assert refusal(raised.value) == "请选择本小区的部门。"
    with pytest.raises(ValidationError) as raised:
        services.complaint_route(complaint=complaint, actor=staff_user)
    assert refusal(raised.value) == "请选择要交办的部门或处理人。"


@pytest.mark.req("CMP-3")
def test_replying_gives_the_household_the_result(complaint, staff_user, cleaning, resident):
    services.complaint_route(complaint=complaint, actor=staff_user, department=cleaning)
    services.complaint_reply(
        complaint=complaint, actor=staff_user, reply="  已清运，每天 8 点清运。 "
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.REPLIED
    assert complaint.reply == "已清运，每天 8 点清运。"
    assert complaint.replied_at is not None
    assert complaint.events.last().kind == Kind.REPLIED
    assert messages_of(resident, "complaint.status_changed").count() == 2


def test_replying_is_refused_before_acceptance_empty_or_after_the_reply(complaint, staff_user):
    with pytest.raises(ValidationError) as raised:
        services.complaint_reply(complaint=complaint, actor=staff_user, reply="已处理")
    assert refusal(raised.value) == "请先受理投诉，再答复处理结果。"
    services.complaint_accept(complaint=complaint, actor=staff_user)
    with pytest.raises(ValidationError) as raised:
        services.complaint_reply(complaint=complaint, actor=staff_user, reply="   ")
    assert refusal(raised.value) == "请填写给住户的处理结果。"
    services.complaint_reply(complaint=complaint, actor=staff_user, reply="已处理")
    with pytest.raises(ValidationError) as raised:
        services.complaint_reply(complaint=complaint, actor=staff_user, reply="再说一次")
    assert refusal(raised.value) == "这条投诉已经答复，请等待住户确认或退回。"
    Complaint.objects.filter(pk=complaint.pk).update(status=Status.CLOSED)
    with pytest.raises(ValidationError) as raised:
        services.complaint_reply(complaint=complaint, actor=staff_user, reply="再说一次")
    assert refusal(raised.value) == "“已办结”的投诉不能变为“已答复”。"


@pytest.mark.parametrize("status", [Status.REPLIED, Status.CLOSED, Status.WITHDRAWN])
def test_a_complaint_that_is_not_open_cannot_be_routed(complaint, staff_user, cleaning, status):
    Complaint.objects.filter(pk=complaint.pk).update(status=status)
    with pytest.raises(ValidationError) as raised:
        services.complaint_route(complaint=complaint, actor=staff_user, department=cleaning)
    assert "不能变为“处理中”" in refusal(raised.value)


def test_the_people_offered_are_the_communitys_complaint_handlers_members_first(
    complaint, staff_user, manager, technician, cashier, outsider_staff, cleaning, cleaner
):
    offered = list(selectors.handlers_for(complaint.community, cleaning))
    assert offered[0] == cleaner
    users = {member.user for member in offered}
    assert {staff_user, manager, cleaner.user} <= users
    assert not users & {technician, cashier, outsider_staff}

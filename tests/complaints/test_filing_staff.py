"""CMP-1 at the desk: staff log a complaint made by phone or at the desk on a resident's behalf
(room search, who complained, channel), and the periodic closing of replies nobody answered
(CMP-3), with a pinned clock."""

import datetime as dt

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Residency
from complaints.filing import services
from complaints.models import Complaint, ComplaintCategory, ComplaintEvent
from kit.audit import AuditEntry
from kit.periodic import registered_periodic_tasks
from notices.models import Message
from tests.factories import ComplaintFactory, photo_upload

pytestmark = pytest.mark.django_db
Status = Complaint.Status
LOG = "complaints_staff:log"


def log_data(resident, cat, **overrides) -> dict:
    data = {
        "reporter": resident.pk,
        "channel": "phone",
        "category": cat.pk,
        "place": "",
        "details": "电话反映：楼下广场舞音响太吵。",
        "wanted_outcome": "晚上 9 点后停止。",
        "contact_name": "张伟",
        "contact_phone": "13900000001",
    }
    data.update(overrides)
    return data


@pytest.mark.req("CMP-1")
def test_the_desk_finds_the_room_by_building_and_number(client_for, staff_user, room, resident):
    client = client_for(staff_user)
    page = client.get(reverse(LOG))
    assert page.status_code == 200 and "是谁的投诉？" in page.content.decode()
    found = client.get(reverse(LOG), {"building": room.building.pk, "q": "1201"})
    html = found.content.decode()
    # One room found: straight to the complaint form, with who lives there.
    assert found.context["room"] == room
    assert "张伟" in html and "3栋1201" in html


@pytest.mark.req("CMP-1")
def test_staff_log_a_phone_complaint_and_the_household_is_told(
    client_for, staff_user, room, resident, family_member, community
):
    cat = ComplaintCategory.objects.get(community=community, name="噪音")
    response = client_for(staff_user).post(
        reverse(LOG) + f"?room={room.pk}",
        {**log_data(resident, cat), "room": room.pk, "photos": [photo_upload()]},
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints_staff:detail", args=[complaint.pk])
    assert complaint.channel == Complaint.Channel.PHONE
    assert complaint.logged_by == staff_user and complaint.reporter == resident
    assert complaint.household == Residency.objects.get(user=resident, room=room)
    assert complaint.room == room and complaint.department.name == "安保"
    assert complaint.attachments.count() == 1
    event = complaint.events.get()
    assert event.kind == ComplaintEvent.Kind.LOGGED and event.actor == staff_user
    assert AuditEntry.objects.filter(
        action="complaint.logged", target_id=str(complaint.pk)
    ).exists()
    told = set(
        Message.objects.filter(event="complaint.status_changed").values_list("recipient", flat=True)
    )
    assert told == {resident.pk, family_member.pk}
    assert "电话" in Message.objects.filter(recipient=resident).get().body
    # The household follows it in the app.
    assert (
        client_for(resident).get(reverse("complaints:detail", args=[complaint.pk])).status_code
        == 200
    )


@pytest.mark.req("CMP-1")
def test_logging_refusals_are_in_chinese(client_for, staff_user, room, resident, community):
    response = client_for(staff_user).post(
        reverse(LOG), {"room": room.pk, "reporter": "", "details": "", "contact_phone": "1"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    for message in ("请从列表中选择投诉人。", "请描述发生了什么。", "请选择投诉类别。"):
        assert message in html
    assert not Complaint.objects.exists()


def test_someone_not_living_in_the_room_cannot_be_the_complainant(
    staff_user, room, community, outsider
):
    from django.core.exceptions import ValidationError

    cat = ComplaintCategory.objects.get(community=community, name="噪音")
    with pytest.raises(ValidationError) as refusal:
        services.complaint_log(
            actor=staff_user, community=community, room=room, reporter=outsider, channel="desk",
            category=cat, details="x", contact_name="王芳", contact_phone="13900000003",
        )  # fmt: skip
    assert refusal.value.message_dict["reporter"] == ["请从列表中选择投诉人。"]


def test_another_communitys_room_is_not_offered(client_for, staff_user, outsider_room):
    response = client_for(staff_user).get(reverse(LOG), {"room": outsider_room.pk})
    assert response.status_code == 200 and response.context["room"] is None


def test_the_queue_has_the_button(client_for, staff_user):
    html = client_for(staff_user).get(reverse("complaints_staff:queue")).content.decode()
    assert reverse(LOG) in html and "登记电话/前台投诉" in html


# --- Replies nobody answered ----------------------------------------------------------------------


@pytest.fixture
def residency(resident, room):
    return Residency.objects.get(user=resident, room=room)


def replied_at(residency, when, **fields):
    return ComplaintFactory(
        household=residency, status=Status.REPLIED, reply="已处理。", replied_at=when,
        created_at=when - dt.timedelta(days=1), **fields,
    )  # fmt: skip


@pytest.mark.req("CMP-3")
@override_settings(LINLI_COMPLAINT_AUTO_CLOSE_DAYS=7)
def test_a_reply_unanswered_for_seven_days_closes_by_itself(residency, resident, family_member):
    start = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        old = replied_at(residency, timezone.now())
        fresh = replied_at(residency, timezone.now() + dt.timedelta(days=2))
        open_one = ComplaintFactory(household=residency)
    with time_machine.travel(start + dt.timedelta(days=7, minutes=1), tick=False):
        assert services.auto_close_unanswered() == 1
        now = timezone.now()
    old.refresh_from_db()
    fresh.refresh_from_db()
    open_one.refresh_from_db()
    assert old.status == Status.CLOSED and old.closed_by == Complaint.ClosedBy.AUTO
    assert old.closed_at == now
    assert old.close_seconds == int((now - old.created_at).total_seconds())
    assert old.events.get(kind=ComplaintEvent.Kind.CLOSED).actor is None
    assert fresh.status == Status.REPLIED and open_one.status == Status.SUBMITTED
    told = set(
        Message.objects.filter(event="complaint.status_changed").values_list("recipient", flat=True)
    )
    assert told == {resident.pk, family_member.pk}
    assert AuditEntry.objects.filter(action="complaint.closed", actor=None).count() == 1
    # Run again: nothing more to do.
    with time_machine.travel(start + dt.timedelta(days=8), tick=False):
        assert services.auto_close_unanswered() == 0


@pytest.mark.req("CMP-3")
@override_settings(LINLI_COMPLAINT_AUTO_CLOSE_DAYS=3)
def test_the_number_of_days_is_a_setting(residency):
    start = dt.datetime(2026, 5, 31, 23, 30, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        complaint = replied_at(residency, timezone.now())
    with time_machine.travel(start + dt.timedelta(days=3, seconds=1), tick=False):
        assert services.auto_close_unanswered() == 1
    complaint.refresh_from_db()
    note = complaint.events.get(kind=ComplaintEvent.Kind.CLOSED).note
    assert "3天内" in note


def test_the_job_is_registered_hourly():
    (task,) = [t for t in registered_periodic_tasks() if t.name == "投诉答复逾期自动办结"]
    assert task.task == "complaints.filing.tasks.auto_close_unanswered_task"
    assert task.schedule.hour == "*"

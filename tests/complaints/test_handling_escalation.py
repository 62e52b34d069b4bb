"""Service levels of complaints (SCMP-1): the beat task raises a complaint not accepted in time,
or not replied to in time while staff still owe an answer, to the community's managers once per
level, with the repairs' engine (kit.service_levels)."""

import datetime as dt

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from complaints.handling import services
from complaints.handling.setup import ESCALATION_TASK
from complaints.handling.tasks import escalate_overdue_task
from complaints.models import Complaint, ComplaintEscalation, ComplaintEvent
from kit.audit import entries_for
from kit.models import AuditEntry
from notices.models import Message
from tests.factories import ComplaintFactory, ResidencyFactory, RoomFactory
from tests.races import at_once, postgres_only

pytestmark = [pytest.mark.req("SCMP-1")]

Level = ComplaintEscalation.Level
Status = Complaint.Status
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def overdue_messages(user):
    return Message.objects.filter(recipient=user, event="complaint.overdue")


@pytest.fixture
def complaint(resident, community, time_machine):
    time_machine.move_to(NOW, tick=False)
    return ComplaintFactory(
        household=resident.residencies.get(),
        created_at=NOW,
        accept_due_at=NOW + dt.timedelta(hours=4),
        reply_due_at=NOW + dt.timedelta(hours=72),
    )


@pytest.mark.django_db
def test_a_complaint_escalates_once_per_level(
    complaint, manager, staff_user, outsider_staff, resident
):
    assert services.escalate_overdue(complaint.accept_due_at - dt.timedelta(minutes=1)) == 0

    late = complaint.accept_due_at + dt.timedelta(minutes=1)
    assert services.escalate_overdue(late) == 1
    assert services.escalate_overdue(late + dt.timedelta(minutes=5)) == 0
    assert list(complaint.escalations.values_list("level", flat=True)) == [Level.ACCEPT]
    message = overdue_messages(manager).get()
    assert message.importance == "important"
    assert complaint.number in message.title
    assert message.url.endswith(f"/staff/complaints/{complaint.pk}/")
    # Not the front desk (no figures duty), not another community, never the household.
    assert not overdue_messages(staff_user).exists()
    assert not overdue_messages(outsider_staff).exists()
    assert not overdue_messages(resident).exists()
    assert not Message.objects.filter(recipient=resident, event="complaint.status_changed")

    much_later = complaint.reply_due_at + dt.timedelta(minutes=1)
    assert services.escalate_overdue(much_later) == 1
    assert services.escalate_overdue(much_later) == 0
    assert set(complaint.escalations.values_list("level", flat=True)) == {Level.ACCEPT, Level.REPLY}
    assert overdue_messages(manager).count() == 2
    logged = entries_for(complaint).filter(action="complaint.escalated")
    assert sorted(entry.data["level"] for entry in logged) == ["accept", "reply"]


@pytest.mark.django_db
def test_the_escalation_is_an_internal_line_of_the_timeline(complaint, manager):
    services.escalate_overdue(complaint.accept_due_at + dt.timedelta(minutes=1))
    event = complaint.events.get()
    assert (event.kind, event.internal) == (ComplaintEvent.Kind.ESCALATED, True)
    assert event.note == "超时未受理"
    complaint.refresh_from_db()
    assert complaint.status == Status.SUBMITTED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.ACCEPTED, [Level.REPLY]),
        (Status.IN_PROGRESS, [Level.REPLY]),
        (Status.RETURNED, [Level.REPLY]),
        (Status.REPLIED, []),
        (Status.CLOSED, []),
        (Status.MERGED, []),
        (Status.WITHDRAWN, []),
    ],
)
def test_only_open_complaints_escalate_and_accepted_ones_only_for_the_reply(
    complaint, manager, status, expected
):
    Complaint.objects.filter(pk=complaint.pk).update(status=status)
    services.escalate_overdue(complaint.reply_due_at + dt.timedelta(minutes=1))
    assert list(complaint.escalations.values_list("level", flat=True)) == expected


@pytest.mark.django_db
def test_the_beat_task_is_registered_and_runs_the_check(complaint, manager, time_machine):
    entry = PeriodicTask.objects.get(name="投诉超时检查与升级")
    assert entry.task == ESCALATION_TASK
    assert (entry.interval.every, entry.interval.period) == (300, "seconds")
    time_machine.move_to(complaint.accept_due_at + dt.timedelta(minutes=1), tick=False)
    assert escalate_overdue_task.apply().get() == 1
    assert escalate_overdue_task.apply().get() == 0


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_concurrent_runs_raise_each_complaint_once(community, manager):
    household = ResidencyFactory(room=RoomFactory(building__community=community))
    now = timezone.now()
    complaints = [
        ComplaintFactory(household=household, accept_due_at=now - dt.timedelta(minutes=5))
        for _ in range(6)
    ]
    raised = at_once([lambda: services.escalate_overdue(now)] * 4)
    assert sum(raised) == len(complaints), raised
    assert ComplaintEscalation.objects.count() == len(complaints)
    assert AuditEntry.objects.filter(action="complaint.escalated").count() == len(complaints)
    assert overdue_messages(manager).count() == len(complaints)
    escalated = ComplaintEvent.objects.filter(kind=ComplaintEvent.Kind.ESCALATED)
    assert escalated.count() == len(complaints)

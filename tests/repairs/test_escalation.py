"""Service levels: the beat task finds orders past their time to accept or to finish and raises
each to the community's managers once per level, through the notification spine (SREP-2)."""

import datetime as dt
import os
import time

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from kit.audit import entries_for
from notices.models import Message
from repairs import selectors, services
from repairs.models import RepairEscalation, RepairEvent, RepairOrder
from repairs.setup import ESCALATION_TASK
from repairs.tasks import escalate_overdue_task
from tests.factories import RepairOrderFactory, StaffMemberFactory

# One test starts a real worker; workers share the broker: one xdist process runs them all.
pytestmark = [pytest.mark.req("SREP-2"), pytest.mark.xdist_group("celery-worker")]

Level = RepairEscalation.Level


def overdue_messages(user):
    return Message.objects.filter(recipient=user, event="repair.overdue")


@pytest.mark.django_db
def test_an_order_escalates_once_per_level(
    make_order, manager, staff_user, outsider_staff, resident
):
    order = make_order("pending")
    not_yet = order.accept_due_at - dt.timedelta(minutes=1)
    assert services.escalate_overdue(not_yet) == 0

    # Not accepted in time: the managers hear once, however often the task runs.
    late = order.accept_due_at + dt.timedelta(minutes=1)
    assert services.escalate_overdue(late) == 1
    assert services.escalate_overdue(late + dt.timedelta(minutes=1)) == 0
    assert list(order.escalations.values_list("level", flat=True)) == [Level.ACCEPT]
    assert overdue_messages(manager).count() == 1
    message = overdue_messages(manager).get()
    assert order.number in message.title + message.body
    assert message.url.endswith(f"/staff/repairs/{order.pk}/")
    # Not the service desk, not another community's manager, not the household.
    assert not overdue_messages(staff_user).exists()
    assert not overdue_messages(outsider_staff).exists()
    assert not overdue_messages(resident).exists()

    # Still open past the time to finish: once more, at the next level.
    much_later = order.finish_due_at + dt.timedelta(minutes=1)
    assert services.escalate_overdue(much_later) == 1
    assert services.escalate_overdue(much_later) == 0
    assert set(order.escalations.values_list("level", flat=True)) == {Level.ACCEPT, Level.FINISH}
    assert overdue_messages(manager).count() == 2
    logged = entries_for(order).filter(action="repair.escalated").values_list("data", flat=True)
    assert sorted(data["level"] for data in logged) == ["accept", "finish"]


@pytest.mark.django_db
def test_the_escalation_is_an_internal_line_of_the_timeline(make_order, manager):
    order = make_order("pending")
    services.escalate_overdue(order.accept_due_at + dt.timedelta(minutes=1))
    escalated = RepairEvent.Kind.ESCALATED
    assert escalated not in [event.kind for event in selectors.timeline(order)]
    staff_lines = [
        e for e in selectors.timeline(order, include_internal=True) if e.kind == escalated
    ]
    assert len(staff_lines) == 1 and staff_lines[0].internal


@pytest.mark.django_db
def test_an_accepted_order_escalates_only_when_not_finished_in_time(make_order, manager):
    order = make_order("assigned")
    assert services.escalate_overdue(order.accept_due_at + dt.timedelta(minutes=1)) == 0
    assert services.escalate_overdue(order.finish_due_at + dt.timedelta(minutes=1)) == 1
    assert list(order.escalations.values_list("level", flat=True)) == [Level.FINISH]
    assert overdue_messages(manager).count() == 1


@pytest.mark.django_db
def test_closed_orders_never_escalate(make_order, manager):
    done = make_order("completed")
    cancelled = make_order("cancelled")
    later = max(done.finish_due_at, cancelled.finish_due_at) + dt.timedelta(days=1)
    assert services.escalate_overdue(later) == 0
    assert not RepairEscalation.objects.exists()
    assert not overdue_messages(manager).exists()


@pytest.mark.django_db
def test_each_community_tells_its_own_managers(
    make_order, manager, outsider, outsider_staff, other_community
):
    ours = make_order("pending")
    theirs = RepairOrderFactory(
        household=outsider.residencies.get(),
        accept_due_at=timezone.now() - dt.timedelta(minutes=5),
    )
    second_manager = StaffMemberFactory(communities=[other_community], position_name="经理").user
    services.escalate_overdue(ours.accept_due_at + dt.timedelta(minutes=1))
    assert {m.object_id for m in overdue_messages(manager)} == {str(ours.pk)}
    assert {m.object_id for m in overdue_messages(outsider_staff)} == {str(theirs.pk)}
    assert {m.object_id for m in overdue_messages(second_manager)} == {str(theirs.pk)}


@pytest.mark.django_db
def test_the_beat_task_is_scheduled_every_minute_and_runs_the_service(make_order, manager):
    task = PeriodicTask.objects.get(task=ESCALATION_TASK)
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (60, IntervalSchedule.SECONDS)

    order = make_order("pending")
    RepairOrder.objects.filter(pk=order.pk).update(
        accept_due_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert escalate_overdue_task.apply().get() == 1
    assert escalate_overdue_task.apply().get() == 0
    assert overdue_messages(manager).count() == 1


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_escalates_an_overdue_order(make_order, manager):
    from tests.test_celery_worker import start, stop

    order = make_order("pending")
    RepairOrder.objects.filter(pk=order.pk).update(
        accept_due_at=timezone.now() - dt.timedelta(minutes=1)
    )
    queue = f"test-{os.urandom(5).hex()}"
    worker = start(
        "worker", "--pool=solo", "--loglevel=INFO", "-Q", queue, f"--hostname={queue}@%h",
        "--without-gossip", "--without-mingle",
        env={"NOTIFY_QUEUE": queue},
    )  # fmt: skip
    try:
        escalate_overdue_task.apply_async(queue=queue)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not overdue_messages(manager).exists():
            time.sleep(0.2)
    finally:
        output = stop(worker)
    assert overdue_messages(manager).count() == 1, output[-3000:]
    assert order.escalations.get().level == Level.ACCEPT

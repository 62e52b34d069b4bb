"""The daily reminder task on a real Celery worker (BIL-5): the beat entry's task, queued to a
worker process that uses the test database, reminds the household once; queued again the
same day, it sends nothing new."""

import datetime as dt
import time
import uuid

import pytest
from django.utils import timezone

from billing import services
from billing.models import BillReminder
from billing.tasks import send_reminders_task
from notices.models import Message
from tests.factories import fee_rule
from tests.test_celery_worker import start, stop

pytestmark = [
    pytest.mark.xdist_group("celery-worker"),  # real workers share the broker
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.req("BIL-5"),
]


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def test_the_reminder_task_runs_on_a_real_worker(community, room, resident, family_member, manager):
    today = timezone.localdate()
    rule = fee_rule(community, name="物业服务费")
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    run = services.run_create(community=community, fee_rules=[rule], month=last_month,
                              actor=manager)  # fmt: skip
    services.run_publish(run=run, actor=manager)
    bill = run.bills.get()
    # Due in exactly 7 days, whatever today is.
    type(bill).objects.filter(pk=bill.pk).update(due_date=today + dt.timedelta(days=7))

    queue = f"test-{uuid.uuid4().hex[:10]}"
    worker = start("worker", "--pool=solo", "--loglevel=INFO", "-Q", queue,
                   f"--hostname={queue}@%h", "--without-gossip", "--without-mingle")  # fmt: skip
    try:
        send_reminders_task.apply_async(queue=queue)
        sent = wait_for(lambda: Message.objects.filter(event="bill.due_soon").count() == 2, 90)
        send_reminders_task.apply_async(queue=queue)
        # The second run is done when the worker has taken it off the queue and logged it.
        time.sleep(3)
    finally:
        output = stop(worker)
    assert sent, output[-3000:]
    assert list(BillReminder.objects.values_list("bill_id", "kind", "offset_days")) == [
        (bill.pk, "due_soon", 7)
    ]
    assert set(
        Message.objects.filter(event="bill.due_soon").values_list("recipient", flat=True)
    ) == {resident.pk, family_member.pk}
    finished = [
        line
        for line in output.splitlines()
        if "send_reminders_task[" in line and "succeeded" in line
    ]
    assert len(finished) == 2, output[-3000:]

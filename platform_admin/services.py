from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import WorkerHeartbeat

HEARTBEAT_TASK = "platform_admin.tasks.record_heartbeat"


def heartbeat_record(*, name: str) -> WorkerHeartbeat:
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"last_seen": timezone.now()}
    )
    return heartbeat


@transaction.atomic
def ensure_periodic_tasks(**kwargs: Any) -> None:
    """Create the periodic jobs this app needs, once; operators may then edit them in the admin."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every_minute, _ = IntervalSchedule.objects.get_or_create(
        every=60, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.get_or_create(
        name="后台进程心跳",
        defaults={"task": HEARTBEAT_TASK, "interval": every_minute},
    )

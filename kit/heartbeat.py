"""Background processes prove they are alive: shown in the admin and on /healthz."""

from django.utils import timezone

from .models import WorkerHeartbeat

HEARTBEAT_TASK = "kit.tasks.record_heartbeat"


def heartbeat_record(*, name: str) -> WorkerHeartbeat:
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"last_seen": timezone.now()}
    )
    return heartbeat

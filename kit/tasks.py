import socket

from celery import shared_task
from celery.signals import worker_ready

from .cache import replay_pending
from .heartbeat import heartbeat_record


@shared_task(name="kit.tasks.record_heartbeat", ignore_result=True)
def record_heartbeat(name: str = "") -> None:
    heartbeat_record(name=name or f"worker@{socket.gethostname()}")


@shared_task(name="kit.tasks.replay_invalidations_task", ignore_result=True)
def replay_invalidations_task() -> int:
    """The cache invalidations kept while Redis could not be reached (kit.cache), made now."""
    return replay_pending()


@shared_task(name="kit.tasks.echo")
def echo(text: str) -> dict[str, str]:
    """Round trip through broker, worker and result backend; used by the health check and tests."""
    heartbeat = heartbeat_record(name=f"worker@{socket.gethostname()}")
    return {"echo": text, "worker": heartbeat.name}


@worker_ready.connect
def record_heartbeat_on_start(**kwargs) -> None:
    """So /healthz and the admin show a fresh worker at once, not a minute later."""
    heartbeat_record(name=f"worker@{socket.gethostname()}")

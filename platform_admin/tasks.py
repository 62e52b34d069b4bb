import socket

from celery import shared_task
from celery.signals import worker_ready

from . import services


@shared_task(name="platform_admin.tasks.record_heartbeat", ignore_result=True)
def record_heartbeat(name: str = "") -> None:
    services.heartbeat_record(name=name or f"worker@{socket.gethostname()}")


@shared_task(name="platform_admin.tasks.echo")
def echo(text: str) -> dict[str, str]:
    """Round trip through broker, worker and result backend; used by the health check and tests."""
    heartbeat = services.heartbeat_record(name=f"worker@{socket.gethostname()}")
    return {"echo": text, "worker": heartbeat.name}


@worker_ready.connect
def record_heartbeat_on_start(**kwargs) -> None:
    """So /healthz and the admin show a fresh worker at once, not a minute later."""
    services.heartbeat_record(name=f"worker@{socket.gethostname()}")

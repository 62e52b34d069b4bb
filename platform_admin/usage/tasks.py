"""Celery tasks of the usage part (imported by platform_admin/tasks.py)."""

from celery import shared_task

from . import services

ROLL_UP_TASK = "platform_admin.usage.tasks.usage_roll_up_task"


@shared_task(name=ROLL_UP_TASK, ignore_result=True)
def usage_roll_up_task() -> int:
    """Nightly: the closed days' usage rows into the per-community daily roll-up."""
    return len(services.usage_roll_up())

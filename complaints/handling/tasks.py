"""Celery tasks of the complaint desk: one service call each."""

from celery import shared_task


@shared_task(name="complaints.handling.tasks.escalate_overdue_task", ignore_result=True)
def escalate_overdue_task() -> int:
    from . import services

    return services.escalate_overdue()

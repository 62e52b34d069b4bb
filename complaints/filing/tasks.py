"""Celery tasks of the filing part: no ids in, one service call."""

from celery import shared_task


@shared_task(name="complaints.filing.tasks.auto_close_unanswered_task", ignore_result=True)
def auto_close_unanswered_task() -> int:
    from . import services

    return services.auto_close_unanswered()

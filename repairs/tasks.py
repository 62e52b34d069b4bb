from celery import shared_task

from . import services


@shared_task(name="repairs.tasks.escalate_overdue_task", ignore_result=True)
def escalate_overdue_task() -> int:
    return services.escalate_overdue()

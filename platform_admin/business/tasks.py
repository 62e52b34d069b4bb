"""Celery tasks of the business part (imported by platform_admin/tasks.py)."""

from celery import shared_task

from . import services

ROLL_UP_TASK = "platform_admin.business.tasks.business_roll_up_task"


@shared_task(name=ROLL_UP_TASK, ignore_result=True)
def business_roll_up_task() -> int:
    """Nightly: the closed months' bills and repairs and the closed days' payments summed for
    the statistics."""
    run = services.business_roll_up()
    return run.bill_rows + run.payment_rows + run.repair_rows

"""Periodic jobs of activities: expiring unclaimed offers of freed places, and the reminder
the day before."""

from celery import shared_task

from . import services


@shared_task(name="services.activities.tasks.offers_expire_task", ignore_result=True)
def offers_expire_task() -> int:
    return services.offers_expire()


@shared_task(name="services.activities.tasks.reminders_send_task", ignore_result=True)
def reminders_send_task() -> int:
    return services.reminders_send()

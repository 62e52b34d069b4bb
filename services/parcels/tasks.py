"""Celery tasks of the parcel desk: ids in (none here), one service call."""

from celery import shared_task


@shared_task(name="services.parcels.tasks.remind_waiting_parcels_task", ignore_result=True)
def remind_waiting_parcels_task() -> int:
    from . import services

    return services.remind_waiting_parcels()

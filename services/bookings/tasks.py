from celery import shared_task


@shared_task(name="services.bookings.tasks.booking_reminders_task", ignore_result=True)
def booking_reminders_task() -> int:
    from . import services

    return services.send_reminders()

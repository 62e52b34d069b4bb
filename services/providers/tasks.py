from celery import shared_task


@shared_task(name="services.providers.tasks.licence_check_task", ignore_result=True)
def licence_check_task() -> dict[str, int]:
    from . import services

    return services.licence_check()

from celery import shared_task


@shared_task(name="platform_admin.partners.tasks.agreement_expiry_task", ignore_result=True)
def agreement_expiry_task() -> dict[str, int]:
    from . import services

    return services.expiry_check()

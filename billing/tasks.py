from celery import shared_task

from . import services


@shared_task(name="billing.tasks.send_reminders_task", ignore_result=True)
def send_reminders_task() -> dict[str, int]:
    return services.send_reminders()


@shared_task(
    name="billing.tasks.notify_run_published_task",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def notify_run_published_task(run_id: int) -> int:
    return services.notify_run_published(run_id)


@shared_task(name="billing.tasks.reconcile_payments_task", ignore_result=True)
def reconcile_payments_task() -> dict[str, int]:
    from .online import services as online

    return online.reconcile()


@shared_task(
    name="billing.tasks.refund_unapplied_task",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def refund_unapplied_task(payment_id: int) -> None:
    from .online import services as online

    online.refund_unapplied(payment_id)


@shared_task(name="billing.tasks.dun_bills_task", ignore_result=True)
def dun_bills_task(bill_ids: list[int], actor_id: int | None, community_id: int) -> int:
    return services.dun_bills(bill_ids, actor_id, community_id)

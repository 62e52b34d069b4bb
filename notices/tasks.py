from celery import shared_task

from . import delivery, fanout, services


@shared_task(
    name="notices.tasks.deliver_task",
    # Acknowledged after the work: a batch a dead worker held is handed to another worker;
    # each delivery's claim in the database keeps it from being sent twice.
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def deliver_task(delivery_ids: list[int]) -> dict[str, int]:
    return delivery.deliver(delivery_ids)


@shared_task(name="notices.tasks.sweep_task", ignore_result=True)
def sweep_task() -> dict:
    return {
        "published": services.notices_publish_due(),
        "fanned_out": services.notices_finish_fan_out(),
        "fan_outs": fanout.sweep(),
        **delivery.sweep(),
    }


@shared_task(
    name="notices.tasks.notice_fan_out_task",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def notice_fan_out_task(notice_id: int) -> int:
    return services.notice_fan_out(notice_id=notice_id)


@shared_task(
    name="notices.tasks.fan_out_task",
    # Acknowledged after the work; a fan-out its worker did not finish is also kicked again by
    # the sweep. Either way only the missing messages are written.
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def fan_out_task(fan_out_id: int) -> int:
    return fanout.run(fan_out_id)

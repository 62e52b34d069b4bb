"""Sending deliveries, exactly once each, whatever the broker and the workers do.

A delivery is claimed by one conditional UPDATE (queued and due → sending) before its backend
is called, so two tasks holding the same id (a redelivered message, a sweep that overlapped
the queue) cannot both send it. A failure is recorded on the row and retried with back-off;
the sweep (Celery beat, every minute) hands over whatever is due and was lost by the broker.

A worker killed in the middle of `backend.send` leaves its delivery "sending". Whether the
provider got it cannot be known, so after the lease the sweep resends only where the provider
itself collapses duplicates (Web Push: the Topic header replaces a message not yet shown);
the others are marked failed ("worker lost") for an operator to look at, never sent twice.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from .channels import DeliveryError, get_backend
from .models import Channel, Delivery

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = [30, 120, 600, 1800]
IDEMPOTENT_CHANNELS = {Channel.WEBPUSH}


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])


def deliver(delivery_ids: list[int]) -> dict[str, int]:
    counts = {"sent": 0, "failed": 0, "retry": 0, "skipped": 0}
    for delivery_id in delivery_ids:
        counts[deliver_one(delivery_id)] += 1
    return counts


def deliver_one(delivery_id: int) -> str:
    now = timezone.now()
    due = Delivery.objects.filter(
        pk=delivery_id, status=Delivery.Status.QUEUED, next_attempt_at__lte=now
    )
    # Read before the claim, so that nothing waits between the claim and the provider's call: a
    # worker killed there leaves a claimed delivery that was never sent, which the sweep can
    # only mark failed (bench/load.py --chaos lost SMS that way while the read came after).
    delivery = due.select_related("message__recipient").first()
    if delivery is None:
        return "skipped"  # sent, being sent, or not due: someone else has it
    claimed = due.update(status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return "skipped"  # another task claimed it since the read
    delivery.status, delivery.claimed_at = Delivery.Status.SENDING, now
    delivery.attempts += 1
    try:
        get_backend(delivery.channel).send(delivery)
    except DeliveryError as error:
        return _failed(delivery, error.reason, permanent=error.permanent)
    except Exception as error:  # a bug or an unexpected reply: recorded, retried
        logger.exception("Delivery %s failed", delivery_id)
        return _failed(delivery, f"{type(error).__name__}: {error}", permanent=False)
    Delivery.objects.filter(pk=delivery_id).update(
        status=Delivery.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return "sent"


def _failed(delivery: Delivery, reason: str, *, permanent: bool) -> str:
    reason = reason[:300]
    if permanent or delivery.attempts >= MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED, last_error=reason
        )
        logger.warning("Delivery %s failed for good: %s", delivery.pk, reason)
        return "failed"
    retry_at = timezone.now() + backoff(delivery.attempts)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.QUEUED, next_attempt_at=retry_at, last_error=reason
    )
    from .tasks import deliver_task

    try:
        deliver_task.apply_async(([delivery.pk],), eta=retry_at)
    except Exception:  # the broker is down: the sweep will find it when it is due
        logger.warning("Broker unavailable: delivery %s waits for the sweep", delivery.pk)
    return "retry"


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Recover what the broker or a dead worker lost. Safe to run at any time, twice at once."""
    from .notify import dispatch

    now = now or timezone.now()
    # Longer than the task's hard time limit: a send still "sending" after it is lost.
    stale = now - dt.timedelta(seconds=settings.NOTIFY_SENDING_LEASE_SECONDS)
    lost = Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=stale)
    resent = lost.filter(channel__in=IDEMPOTENT_CHANNELS).update(
        status=Delivery.Status.QUEUED, next_attempt_at=now, claimed_at=None
    )
    abandoned = lost.exclude(channel__in=IDEMPOTENT_CHANNELS).update(
        status=Delivery.Status.FAILED,
        last_error="worker lost while sending; not resent, to avoid a duplicate",
    )
    due = list(
        Delivery.objects.filter(status=Delivery.Status.QUEUED, next_attempt_at__lte=now)
        .filter(
            Q(dispatched_at__isnull=True)
            | Q(dispatched_at__lt=F("next_attempt_at"))
            | Q(dispatched_at__lt=now - dt.timedelta(seconds=settings.NOTIFY_REDISPATCH_SECONDS))
        )
        .values_list("pk", flat=True)[:10_000]
    )
    return {"dispatched": dispatch(due), "resent": resent, "abandoned": abandoned}

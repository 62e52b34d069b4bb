"""Fan-outs through the outbox: one event for many people, never lost, never sent twice.

    fanout.schedule("bill.published", obj=run, plan="billing.services.run_published_plan")

`schedule` writes a FanOut row in the caller's transaction; after commit its task is handed to
the broker as a best-effort kick that never raises (a broker that is down is logged). The task
asks the plan (a function of the object, by dotted path so that any process can find it) for
the recipients and the message's context, and writes the inbox messages and deliveries in
chunks through `notify`, which is unique per person, event, object and key: running a fan-out
again (a redelivered task, a worker killed half-way, the sweep) writes only what is missing.
The sweep (notices.tasks.sweep_task, Celery beat every minute) kicks again every fan-out that
its broker refused or whose task has not finished within NOTIFY_FAN_OUT_RETRY_SECONDS.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from kit.iterables import batched

from . import events, notify
from .models import FanOut, Message

logger = logging.getLogger(__name__)

SWEEP_LIMIT = 1000  # fan-outs kicked per sweep


@dataclass(frozen=True)
class Plan:
    """Who hears of an object and what they read: returned by a fan-out's plan function."""

    recipients: Iterable  # users, user ids or a queryset of users
    context: dict = field(default_factory=dict)
    url: str = ""
    importance: str | None = None


def _plan_for(fan_out: FanOut, obj: models.Model) -> Plan:
    return import_string(fan_out.plan)(obj)


def schedule(
    event_name: str,
    *,
    obj: models.Model,
    plan: str,
    key: str = "",
    audience_size: int | None = None,
) -> FanOut:
    """Write the fan-out of `event_name` about `obj` in the current transaction and kick its
    task after commit. Once per (event, object, key): scheduling again returns the same row."""
    events.get(event_name)  # an unknown event fails here, in the caller
    import_string(plan)  # and so does a plan that cannot be found
    fan_out, created = FanOut.objects.get_or_create(
        event=event_name,
        object_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        key=key,
        defaults={"plan": plan, "audience_size": audience_size},
    )
    if created:
        transaction.on_commit(lambda: kick(fan_out.pk))
    return fan_out


def kick(fan_out_id: int) -> bool:
    """Hand the fan-out's task to the broker; never raises. False when the broker refused it:
    the row stays unfinished and the sweep kicks it again."""
    from .tasks import fan_out_task

    try:
        # No publish retries: the user is waiting, and the sweep is the retry.
        fan_out_task.apply_async((fan_out_id,), retry=False)
    except Exception:
        logger.warning("Broker unavailable: fan-out %s waits for the sweep", fan_out_id)
        return False
    FanOut.objects.filter(pk=fan_out_id).update(kicked_at=timezone.now())
    return True


def run(fan_out_id: int) -> int:
    """Write what is missing of the fan-out, one transaction per chunk of recipients, and mark it
    finished. Returns how many people got their message now."""
    fan_out = FanOut.objects.select_related("object_type").get(pk=fan_out_id)
    if fan_out.finished_at is not None:
        return 0
    FanOut.objects.filter(pk=fan_out_id).update(attempts=F("attempts") + 1)
    model = fan_out.object_type.model_class()
    obj = model._default_manager.filter(pk=fan_out.object_id).first() if model else None
    if obj is None:  # deleted since: nobody left to tell about it
        FanOut.objects.filter(pk=fan_out_id, finished_at__isnull=True).update(
            finished_at=timezone.now(), last_error="object deleted"
        )
        return 0
    plan = _plan_for(fan_out, obj)
    user_ids = notify.user_ids(plan.recipients)
    FanOut.objects.filter(pk=fan_out_id).update(audience_size=len(user_ids))
    rendered = notify.render(fan_out.event, {"object": obj, **plan.context}, plan.url)
    created = 0
    for chunk in batched(user_ids, notify.CHUNK):
        with transaction.atomic():
            created += notify.notify(
                fan_out.event,
                chunk,
                obj=obj,
                key=fan_out.key,
                importance=plan.importance,
                rendered=rendered,
            )
    FanOut.objects.filter(pk=fan_out_id, finished_at__isnull=True).update(
        finished_at=timezone.now(), audience_size=len(user_ids), last_error=""
    )
    return created


def sweep(now: dt.datetime | None = None) -> int:
    """Kick again every unfinished fan-out that the broker refused, or whose task has not
    finished in NOTIFY_FAN_OUT_RETRY_SECONDS (lost by the broker, or its worker died)."""
    now = now or timezone.now()
    waited = now - dt.timedelta(seconds=settings.NOTIFY_FAN_OUT_RETRY_SECONDS)
    unfinished = list(
        FanOut.objects.filter(finished_at__isnull=True)
        .filter(Q(kicked_at__isnull=True) | Q(kicked_at__lt=waited))
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    kicked = 0
    for fan_out_id in unfinished:
        if not kick(fan_out_id):
            break  # the broker is down again: the next sweep goes on
        kicked += 1
    return kicked


@dataclass(frozen=True)
class Progress:
    """What a page may say about a fan-out: `notified` of `total` people have their message."""

    scheduled: bool
    finished: bool
    notified: int
    total: int


def progress(event_name: str, obj: models.Model, key: str = "") -> Progress:
    object_type = ContentType.objects.get_for_model(obj)
    fan_out = FanOut.objects.filter(
        event=event_name, object_type=object_type, object_id=str(obj.pk), key=key
    ).first()
    notified = Message.objects.filter(
        event=event_name, object_type=object_type, object_id=str(obj.pk), key=key
    ).count()
    if fan_out is None:
        return Progress(scheduled=False, finished=False, notified=notified, total=notified)
    total = fan_out.audience_size
    if total is None:  # not run yet: counted here, not while the publishing holds its locks
        recipients = _plan_for(fan_out, obj).recipients
        total = (
            recipients.count()
            if isinstance(recipients, models.QuerySet)
            else len(notify.user_ids(recipients))
        )
    return Progress(
        scheduled=True,
        finished=fan_out.finished_at is not None,
        notified=notified,
        total=max(total, notified),
    )

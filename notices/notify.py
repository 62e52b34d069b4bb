"""The notification spine: `notify(event, recipients, ...)` for every module.

    notify("repair.status_changed", [resident.pk], obj=order, context={"order": order})

In the caller's transaction it writes one inbox Message per recipient and one Delivery per
outside channel that the push rules, the person's reachability, their muted categories and the
quiet hours allow; after commit the due deliveries are handed to Celery. Everything is
idempotent: a Message is unique per (recipient, event, object, key) and a Delivery per
(message, channel), so calling again (a retried task, a re-run fan-out) adds nothing and sends
nothing twice. What the broker loses, `sweep` (Celery beat, every minute) finds in the
database and queues again.
"""

import datetime as dt
import html
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from kit.cache import invalidate
from kit.iterables import batched
from kit.wechat import mp_openids

from . import events
from .models import (
    Channel,
    Delivery,
    Importance,
    Message,
    MutedCategory,
    PushRule,
    PushSettings,
    PushSubscription,
)
from .selectors import EVERY_INBOX

logger = logging.getLogger(__name__)

CHUNK = 500  # recipients per bulk write (well below SQLite's variable limit)
DISPATCH_BATCH = 100  # deliveries per Celery task
FEW_RECIPIENTS = 20  # up to this many new messages invalidate each recipient's unread badge


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    url: str


def render(event_name: str, context: dict, url: str = "") -> Rendered:
    def text(part: str) -> str:
        # Plain text: entities left by striptags (&nbsp;, &amp;) become characters; the pages
        # escape it again when they show it.
        rendered = render_to_string(f"messages/{event_name}/{part}.txt", context)
        return html.unescape(rendered).replace("\xa0", " ").strip()

    return Rendered(title=text("title")[:120], body=text("body"), url=url)


@dataclass(frozen=True)
class Rule:
    wechat: bool
    webpush: bool
    sms: str


def rule_for(event: events.Event, importance: str) -> Rule:
    stored = PushRule.objects.filter(event=event.name, importance=importance).first()
    if stored is not None:
        return Rule(stored.wechat, stored.webpush, stored.sms)
    return Rule(*events.default_rule(event, importance))


def quiet_until(now: dt.datetime, push_settings: PushSettings) -> dt.datetime | None:
    """The end of the quiet hours `now` falls in (local time), or None outside them."""
    if not push_settings.quiet_hours_enabled:
        return None
    local = timezone.localtime(now)
    start, end = push_settings.quiet_start, push_settings.quiet_end
    clock = local.time()
    if start == end:
        return None
    inside = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not inside:
        return None
    until = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if until <= local:
        until += dt.timedelta(days=1)
    return until


def user_ids(recipients: Iterable) -> list[int]:
    """Distinct user ids, in order, of users, ids or a queryset of users."""
    if isinstance(recipients, models.QuerySet):
        recipients = recipients.values_list("pk", flat=True)
    seen: dict[int, None] = {}
    for each in recipients:
        seen[getattr(each, "pk", each)] = None
    return list(seen)


def notify(
    event_name: str,
    recipients: Iterable,
    *,
    obj: models.Model | None = None,
    key: str = "",
    context: dict | None = None,
    importance: str | None = None,
    url: str = "",
    rendered: Rendered | None = None,
) -> int:
    """Write the inbox messages and deliveries for `recipients` (users, ids or a queryset) and
    queue the deliveries after commit. Returns how many recipients were new for this event."""
    event = events.get(event_name)
    importance = importance or event.importance
    rendered = rendered or render(event_name, {"object": obj, **(context or {})}, url)
    object_type = ContentType.objects.get_for_model(obj) if obj is not None else None
    object_id = str(obj.pk) if obj is not None else ""
    recipient_ids = user_ids(recipients)
    rule = rule_for(event, importance)
    push_settings = PushSettings.load()
    created = 0
    with transaction.atomic():
        for chunk in batched(recipient_ids, CHUNK):
            created += _write_chunk(
                event, importance, object_type, object_id, key, rendered, list(chunk), rule,
                push_settings,
            )  # fmt: skip
    return created


def _write_chunk(
    event: events.Event,
    importance: str,
    object_type: ContentType | None,
    object_id: str,
    key: str,
    rendered: Rendered,
    user_ids: list[int],
    rule: Rule,
    push_settings: PushSettings,
) -> int:
    now = timezone.now()
    same = {"event": event.name, "object_type": object_type, "object_id": object_id, "key": key}
    # Without an object the unique constraint does not hold (NULLs differ), so only messages
    # about an object (every fan-out's) skip the ORM's look-up of those already there.
    if connection.vendor == "postgresql" and object_type is not None:
        messages = _insert_messages(event, importance, rendered, same, user_ids, now)
    else:
        messages = _create_messages(event, importance, rendered, same, user_ids, now)
    # The recipients' unread badges (selectors.unread_message_badge): one scope per person for
    # a few, every inbox at once for a fan-out's chunk.
    if len(messages) > FEW_RECIPIENTS:
        invalidate(EVERY_INBOX)
    else:
        invalidate(*(f"user:{pk}" for pk in messages))
    deliveries = _plan_deliveries(event, importance, messages, rule, push_settings, now)
    if connection.vendor == "postgresql":
        _insert_deliveries(deliveries, now)
    else:
        Delivery.objects.bulk_create(
            [
                Delivery(message_id=m, channel=c, next_attempt_at=at, created_at=now)
                for m, c, at in deliveries
            ],
            ignore_conflicts=True,
        )
    message_ids = list(messages.values())
    transaction.on_commit(lambda: dispatch_for_messages(message_ids))
    return len(messages)


def _create_messages(event, importance, rendered, same, user_ids, now) -> dict[int, int]:
    """The new messages of `user_ids` (recipient id → message id), through the ORM."""
    existing = set(
        Message.objects.filter(recipient_id__in=user_ids, **same).values_list(
            "recipient_id", flat=True
        )
    )
    new_ids = [pk for pk in user_ids if pk not in existing]
    Message.objects.bulk_create(
        [
            Message(
                recipient_id=pk,
                category=event.category,
                importance=importance,
                title=rendered.title,
                body=rendered.body,
                url=rendered.url,
                created_at=now,
                **same,
            )
            for pk in new_ids
        ],
        ignore_conflicts=True,
    )
    return dict(
        Message.objects.filter(recipient_id__in=new_ids, **same).values_list("recipient_id", "pk")
    )


def _insert_messages(event, importance, rendered, same, user_ids, now) -> dict[int, int]:
    """`_create_messages` on PostgreSQL in one statement: every column but the recipient is
    the same for the chunk, so the rows come from an array of ids, and the conflict clause
    with RETURNING says which are new (a message already there, or written meanwhile by a
    run racing this one, is not returned). A fan-out to 20,000 people spent most of its time
    in bulk_create's per-object work."""
    returned = _insert_from_arrays(
        Message,
        {"recipient_id": (user_ids, "bigint")},
        {
            "category": event.category,
            "importance": importance,
            "title": rendered.title,
            "body": rendered.body,
            "url": rendered.url,
            "created_at": now,
            "event": same["event"],
            "object_type_id": same["object_type"].pk,
            "object_id": same["object_id"],
            "key": same["key"],
        },
        returning=("recipient_id", "id"),
    )
    new = dict(returned)
    return {pk: new[pk] for pk in user_ids if pk in new}  # in the recipients' order


def _insert_deliveries(deliveries: list[tuple[int, str, dt.datetime]], now) -> None:
    by_time: dict[dt.datetime, list[tuple[int, str]]] = {}
    for message_id, channel, not_before in deliveries:
        by_time.setdefault(not_before, []).append((message_id, channel))
    for not_before, pairs in by_time.items():
        _insert_from_arrays(
            Delivery,
            {
                "message_id": ([m for m, _c in pairs], "bigint"),
                "channel": ([c for _m, c in pairs], "text"),
            },
            {"next_attempt_at": not_before, "created_at": now},
        )


def _insert_from_arrays(model, arrays: dict, constants: dict, returning=()) -> list[tuple]:
    """INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING (PostgreSQL): a row per
    element of the arrays ({attname: (values, SQL type)}), the other columns from `constants`
    or their field's default."""
    if not next(iter(arrays.values()))[0]:
        return []
    quote = connection.ops.quote_name
    column = {f.attname: quote(f.column) for f in model._meta.concrete_fields}
    names = [column[name] for name in arrays]
    selected = [f"t.{quote(name)}" for name in arrays]
    params = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname in arrays:
            continue
        value = constants[field.attname] if field.attname in constants else field.get_default()
        names.append(column[field.attname])
        selected.append("%s")
        params.append(field.get_db_prep_save(value, connection))
    unnest = ", ".join(f"%s::{sql_type}[]" for _values, sql_type in arrays.values())
    params += [values for values, _sql_type in arrays.values()]
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(names)})"  # noqa: S608 (names from the model)
        f" SELECT {', '.join(selected)} FROM unnest({unnest})"
        f" AS t({', '.join(quote(name) for name in arrays)}) ON CONFLICT DO NOTHING"
    )
    if returning:
        sql += " RETURNING " + ", ".join(column[name] for name in returning)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if returning else []


def _plan_deliveries(
    event: events.Event,
    importance: str,
    messages: dict[int, int],
    rule: Rule,
    push_settings: PushSettings,
    now: dt.datetime,
) -> list[tuple[int, str, dt.datetime]]:
    """The fallback order per person: a WeChat message for WeChat users, else Web Push where
    subscribed; SMS as the rule says (always, or only when neither reaches them); the inbox
    always. Muted categories and quiet hours hold back non-urgent pushes only. Returns
    (message id, channel, not before) of each delivery."""
    if not messages:
        return []
    user_ids = list(messages)
    urgent = importance == Importance.URGENT
    muted = set()
    if not urgent:
        muted = set(
            MutedCategory.objects.filter(user_id__in=user_ids, category=event.category).values_list(
                "user_id", flat=True
            )
        )
    wechat_users = set()
    if rule.wechat:
        wechat_users = set(mp_openids(user_ids))
    push_users = set()
    if rule.webpush:
        push_users = set(
            PushSubscription.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True)
        )
    not_before = now if urgent else (quiet_until(now, push_settings) or now)
    planned = []
    for user_id, message_id in messages.items():
        if user_id in muted:
            continue
        push = None
        if user_id in wechat_users:
            push = Channel.WECHAT
        elif user_id in push_users:
            push = Channel.WEBPUSH
        channels = [push] if push else []
        if rule.sms == PushRule.SmsUse.ALWAYS or (
            rule.sms == PushRule.SmsUse.FALLBACK and push is None
        ):
            channels.append(Channel.SMS)
        planned += [(message_id, channel, not_before) for channel in channels]
    return planned


# --- Handing deliveries to Celery ---------------------------------------------------------------


def dispatch_for_messages(message_ids: list[int]) -> int:
    ids = []
    for chunk in batched(message_ids, CHUNK):
        ids += Delivery.objects.filter(
            message_id__in=chunk,
            status=Delivery.Status.QUEUED,
            next_attempt_at__lte=timezone.now(),
        ).values_list("pk", flat=True)
    return dispatch(ids)


def dispatch(delivery_ids: list[int]) -> int:
    """Queue these deliveries in batches. A broker that is down loses nothing: the rows stay
    queued and `sweep` hands them over again."""
    from .tasks import deliver_task

    queued: list[int] = []
    try:
        for batch in batched(delivery_ids, DISPATCH_BATCH):
            try:
                deliver_task.delay(list(batch))
            except Exception:  # the broker is down; the sweep tries again
                logger.warning("Broker unavailable: %d deliveries wait for the sweep", len(batch))
                break
            queued += batch
    finally:
        # Marked once for all the batches handed over (one UPDATE per batch was half of a
        # large fan-out's statements). A process that dies before this leaves them unmarked:
        # the sweep hands them over again, and a delivery is claimed before it is sent, so
        # none goes out twice.
        now = timezone.now()
        for chunk in batched(queued, CHUNK):
            Delivery.objects.filter(pk__in=chunk).update(dispatched_at=now)
    return len(queued)

"""What the spine needs in the database, created once after migrate; operators edit it later
in the admin: a push rule per event and importance, the push settings, the sweep schedule."""

from typing import Any

from django.db import transaction

SWEEP_TASK = "notices.tasks.sweep_task"


@transaction.atomic
def ensure_defaults(**kwargs: Any) -> None:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from . import events
    from .models import Importance, PushRule, PushSettings

    for event in events.all_events():
        for importance in Importance.values:
            wechat, webpush, sms = events.default_rule(event, importance)
            PushRule.objects.get_or_create(
                event=event.name,
                importance=importance,
                defaults={"wechat": wechat, "webpush": webpush, "sms": sms},
            )
    PushSettings.load()
    every_minute, _ = IntervalSchedule.objects.get_or_create(
        every=60, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.get_or_create(
        name="消息投递巡检与定时公告",
        defaults={"task": SWEEP_TASK, "interval": every_minute},
    )

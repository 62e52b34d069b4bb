"""What the spine needs in the database, created once after migrate; operators edit it later
in the admin: a push rule per event and importance, the push settings. (The sweep's beat
schedule is registered in NoticesConfig.ready.)"""

from typing import Any

from django.db import transaction

SWEEP_TASK = "notices.tasks.sweep_task"


@transaction.atomic
def ensure_defaults(**kwargs: Any) -> None:
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


def unread_badge(request) -> int:
    """Unread inbox messages, on the staff menu and the technician's tab bar: asked once per
    request however many places show it."""
    from . import selectors

    if not hasattr(request, "_unread_messages"):
        request._unread_messages = selectors.unread_message_badge(request.user)
    return request._unread_messages

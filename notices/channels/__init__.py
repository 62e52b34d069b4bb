"""Outside channels of the notification spine, each a pluggable backend named in
``settings.NOTIFY_BACKENDS`` (like ``EMAIL_BACKEND``):

    NOTIFY_BACKENDS = {
        "webpush": "notices.channels.webpush.WebPushBackend",     # pywebpush + VAPID keys
        "wechat": "notices.channels.wechat.WechatTemplateBackend",  # kit.wechat
        "sms": "notices.channels.sms.SmsBackend",                 # settings.SMS_BACKEND
    }

A backend has one method, ``send(delivery)``: it returns when the provider accepted the message
and raises ``DeliveryError`` when it did not (``permanent=True`` when trying again cannot help,
e.g. the subscription is gone). ``console`` backends log what they would send (local runs);
``locmem`` backends collect it in ``outbox`` (tests).
"""

import logging
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    def __init__(self, reason: str, *, permanent: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass(frozen=True)
class SentMessage:
    channel: str
    user_id: int
    title: str
    body: str
    url: str
    delivery_id: int


# Messages "sent" by the locmem backends (tests), in order.
outbox: list[SentMessage] = []


@cache
def _backend_class(path: str):
    return import_string(path)


def get_backend(channel: str):
    return _backend_class(settings.NOTIFY_BACKENDS[channel])()


class ConsoleBackend:
    """Local runs: the message is written to the worker's log and counts as sent."""

    def send(self, delivery) -> None:
        message = delivery.message
        logger.info(
            "[%s] to user %s: %s — %s %s",
            delivery.channel,
            message.recipient_id,
            message.title,
            message.body[:80],
            message.url,
        )


class LocmemBackend:
    """Tests: the message is appended to `outbox`."""

    def send(self, delivery) -> None:
        message = delivery.message
        outbox.append(
            SentMessage(
                channel=delivery.channel,
                user_id=message.recipient_id,
                title=message.title,
                body=message.body,
                url=message.url,
                delivery_id=delivery.pk,
            )
        )

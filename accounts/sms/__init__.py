"""Text messages to mainland mobile numbers, sent by a Celery task through the backend named in
``settings.SMS_BACKEND`` (like Django's ``EMAIL_BACKEND``). Texts and provider template codes are
mapped in ``settings.SMS_TEMPLATES``.

    send_sms("13900000001", "verification_code", {"code": "482913", "minutes": "10"})
"""

import logging
import string
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError

from accounts.phone import mask_mobile, normalize_mobile

logger = logging.getLogger(__name__)

__all__ = [
    "SmsDeliveryError",
    "SmsMessage",
    "get_backend",
    "outbox",
    "render_text",
    "send_sms",
    "template_setting",
]


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    template: str
    params: dict[str, str]
    text: str


# Messages "sent" by the locmem backend (tests), in order.
outbox: list[SmsMessage] = []


class SmsDeliveryError(Exception):
    """The provider refused the message or could not be reached; the task tries again."""


def template_setting(template: str) -> dict:
    try:
        return settings.SMS_TEMPLATES[template]
    except KeyError:
        raise ValueError(f"Unknown SMS template {template!r}") from None


def render_text(template: str, params: dict[str, str]) -> str:
    """The Chinese text of a template; the parameters must be exactly its placeholders."""
    text = template_setting(template)["text"]
    placeholders = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    if set(params) != placeholders:
        raise ValueError(
            f"SMS template {template!r} takes {sorted(placeholders)}, got {sorted(params)}"
        )
    return text.format(**params)


def get_backend():
    return import_string(settings.SMS_BACKEND)()


def send_sms(phone: str, template: str, params: dict[str, str]) -> None:
    """Queue one SMS at once (not on commit): the task needs nothing from the database."""
    from accounts.tasks import send_sms_task  # accounts.tasks imports this module

    phone = normalize_mobile(phone)
    # Providers take template parameters as strings only (Aliyun rejects {"code": 123456}).
    params = {name: str(value) for name, value in params.items()}
    render_text(template, params)  # a wrong key or parameter fails here, in the caller
    try:
        send_sms_task.apply_async(
            (phone, template, params),
            # What the broker, worker events and monitoring show instead of the arguments.
            argsrepr=repr((mask_mobile(phone), template, dict.fromkeys(params, "***"))),
        )
    except OperationalError as error:
        # The broker (Redis) is down. A code that waits for it is a login, sign-up or reset
        # that fails, so this process sends it now (the provider call is bounded by its own
        # timeout); the limits were counted in the database before we got here.
        logger.warning("SMS broker unavailable, sending %s in-process: %s", template, error)
        send_sms_task.apply(args=(phone, template, params))

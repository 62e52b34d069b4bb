"""Web Push (RFC 8030/8291/8292) to every browser the recipient subscribed, through pywebpush.

One delivery goes to each of the person's subscriptions; it counts as sent when at least one
push service accepted it. A 404/410 answer means the browser dropped the subscription: the row
is deleted, and a person left with none fails permanently. The Topic header (``d<delivery id>``)
lets the push service replace a copy it still holds, so a resend after a lost worker does not
show twice (notices.delivery.IDEMPOTENT_CHANNELS).
"""

import json
import logging

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from pywebpush import WebPushException, webpush

from ..links import outside_url
from ..models import Importance, PushSubscription
from . import DeliveryError

logger = logging.getLogger(__name__)

GONE = {404, 410}


def payload(delivery) -> str:
    message = delivery.message
    return json.dumps(
        {
            "title": message.title,
            "body": message.body[:300],
            "url": outside_url(message),
            "tag": f"m{message.pk}",
        },
        ensure_ascii=False,
    )


class WebPushBackend:
    def __init__(self):
        if not settings.WEBPUSH_VAPID_PRIVATE_KEY:
            raise ImproperlyConfigured("WEBPUSH_VAPID_PRIVATE_KEY is not set")

    def send(self, delivery) -> None:
        message = delivery.message
        subscriptions = list(PushSubscription.objects.filter(user_id=message.recipient_id))
        if not subscriptions:
            raise DeliveryError("no Web Push subscription", permanent=True)
        data = payload(delivery)
        headers = {
            "Topic": f"d{delivery.pk}",
            "Urgency": "high" if message.importance == Importance.URGENT else "normal",
        }
        accepted, errors = 0, []
        for subscription in subscriptions:
            try:
                webpush(
                    subscription_info={
                        "endpoint": subscription.endpoint,
                        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                    },
                    data=data,
                    vapid_private_key=settings.WEBPUSH_VAPID_PRIVATE_KEY,
                    vapid_claims={"sub": settings.WEBPUSH_VAPID_SUBJECT},
                    ttl=settings.WEBPUSH_TTL_SECONDS,
                    headers=headers,
                    timeout=settings.WEBPUSH_TIMEOUT_SECONDS,
                )
            except WebPushException as error:
                status = getattr(error.response, "status_code", None)
                if status in GONE:
                    logger.info("Web Push subscription %s is gone (%s)", subscription.pk, status)
                    subscription.delete()
                    errors.append(f"{status} gone")
                else:
                    errors.append(f"{status or 'error'}: {str(error)[:120]}")
                continue
            except (requests.RequestException, ValueError) as error:
                # Unreachable push service, or keys the browser sent that do not decode.
                errors.append(f"{type(error).__name__}: {str(error)[:120]}")
                continue
            accepted += 1
            PushSubscription.objects.filter(pk=subscription.pk).update(
                last_success_at=timezone.now()
            )
        if accepted:
            return
        left = PushSubscription.objects.filter(user_id=message.recipient_id).exists()
        raise DeliveryError("; ".join(errors) or "no push service accepted", permanent=not left)

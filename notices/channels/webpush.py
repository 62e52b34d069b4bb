"""Web Push (RFC 8030/8291/8292) to every browser the recipient subscribed, through pywebpush.

One delivery goes to each of the person's subscriptions; it counts as sent when at least one
push service accepted it. A 404/410 answer means the browser dropped the subscription: the row
is deleted, and a person left with none fails permanently. The Topic header (``d<delivery id>``)
lets the push service replace a copy it still holds, so a resend after a lost worker does not
show twice (notices.delivery.IDEMPOTENT_CHANNELS).

The endpoint is the browser's choice, so the worker trusts none of it: only the known push
services are contacted (WEBPUSH_ALLOWED_SERVICES, checked again here for rows stored before
the check or written around it), a redirect is never followed, each request has short connect
and read timeouts, and one delivery gives up its devices after WEBPUSH_SEND_BUDGET_SECONDS (the
spine tries again later).
"""

import json
import logging
import time

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from pywebpush import WebPushException, webpush

from ..links import outside_url
from ..models import Importance, PushSubscription
from ..vapid import push_service_allowed
from . import DeliveryError

logger = logging.getLogger(__name__)

GONE = {404, 410}


class _NoRedirects(requests.Session):
    """A push service answers a POST itself: a redirect (to an internal address, say) is an
    answer like any other failure, never followed. (max_redirects stays as it is: requests
    looks one redirect ahead even when it does not follow it, and 0 would make that an error.)"""

    def request(self, *args, **kwargs):
        kwargs["allow_redirects"] = False
        return super().request(*args, **kwargs)


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
        subscriptions, refused = [], []
        for subscription in PushSubscription.objects.filter(user_id=message.recipient_id):
            if push_service_allowed(subscription.endpoint, settings.WEBPUSH_ALLOWED_SERVICES):
                subscriptions.append(subscription)
            else:
                refused.append(subscription)
        if refused:
            logger.warning(
                "Web Push subscriptions %s are not at an allowed push service: not sent",
                [subscription.pk for subscription in refused],
            )
        if not subscriptions:
            reason = "not an allowed push service" if refused else "no Web Push subscription"
            raise DeliveryError(reason, permanent=True)
        data = payload(delivery)
        headers = {
            "Topic": f"d{delivery.pk}",
            "Urgency": "high" if message.importance == Importance.URGENT else "normal",
        }
        deadline = time.monotonic() + settings.WEBPUSH_SEND_BUDGET_SECONDS
        accepted, errors = 0, []
        with _NoRedirects() as session:
            for subscription in subscriptions:
                left = deadline - time.monotonic()
                if left <= 0:
                    errors.append("out of time for the other devices")
                    break
                timeout = (
                    min(settings.WEBPUSH_CONNECT_TIMEOUT_SECONDS, left),
                    min(settings.WEBPUSH_TIMEOUT_SECONDS, left),
                )
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
                        timeout=timeout,
                        requests_session=session,
                    )
                except WebPushException as error:
                    status = getattr(error.response, "status_code", None)
                    if status in GONE:
                        logger.info(
                            "Web Push subscription %s is gone (%s)", subscription.pk, status
                        )
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
        left = PushSubscription.objects.filter(
            pk__in=[subscription.pk for subscription in subscriptions]
        ).exists()
        raise DeliveryError("; ".join(errors) or "no push service accepted", permanent=not left)

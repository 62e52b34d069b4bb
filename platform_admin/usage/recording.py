"""Recording who uses the residents' portal, cheaply: at most one row per user and local day
(UsageDay), written by UsageMiddleware when a request succeeds. A cache entry per user and day
remembers what is already recorded, so after the first request of the day (and the first use of
each feature) a request costs one cache read and no database write. Without the cache entry
(a cold or failed cache) the write is repeated harmlessly: INSERT … ON CONFLICT sets only the
feature's own column, which ORs it into the row.

Only the residents' portal counts (the namespaces in RESIDENT_NAMESPACES): the staff portal,
the technicians' and providers' pages and the admin are work, not use, and are not recorded,
even for a member of staff who also lives on the estate (their resident pages are counted)."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch
from django.utils import timezone

from accounts.selectors import verified_rooms_of_user

from .models import UsageDay

logger = logging.getLogger(__name__)

RESIDENT_NAMESPACES = frozenset(
    {"accounts", "repairs", "billing", "notices", "services", "complaints"}
)
# Resident-namespace URLs that are no use of the portal: machine endpoints and public pages.
NOT_USE = frozenset(
    {
        "billing:payment_notify",
        "billing:verify",
        "notices:service_worker",
        "notices:manifest",
        "notices:push_subscribe",
        "notices:push_unsubscribe",
        "accounts:avatar",
    }
)
PAYMENT_VIEWS = frozenset({"pay", "payment", "payment_continue", "sandbox_pay"})
CACHE_SECONDS = 26 * 3600  # past the end of the local day whatever the hour


def feature_of(namespace: str, url_name: str) -> str | None:
    """The feature (platform_admin.figures.FEATURES) a resident page belongs to, if any."""
    if namespace == "repairs":
        return "repairs"
    if namespace == "billing" and url_name in PAYMENT_VIEWS:
        return "payments"
    if namespace == "notices" and url_name == "detail":
        return "notices"
    if namespace == "services":
        if url_name.startswith("booking"):
            return "bookings"
        if url_name.startswith(("activity", "checkin")):
            return "activities"
    if namespace == "complaints":
        return "complaints"
    return None


def counts_as_use(match: ResolverMatch | None) -> bool:
    return (
        match is not None
        and match.namespace in RESIDENT_NAMESPACES
        and f"{match.namespace}:{match.url_name}" not in NOT_USE
    )


def _cache_key(user_id: int, day: dt.date) -> str:
    return f"usage:{user_id}:{day:%Y%m%d}"


def record_use(user, feature: str | None, *, day: dt.date | None = None) -> bool:
    """Record that `user` used the portal today (and `feature`, if any). Returns whether the
    database was written."""
    day = day or timezone.localdate()
    key = _cache_key(user.pk, day)
    known = cache.get(key)  # the features already recorded today ("" : only the day)
    if known is not None and (feature is None or feature in known.split(",")):
        return False
    community_id = (
        verified_rooms_of_user(user).order_by("pk").values_list("building__community_id", flat=True)
    ).first()
    row = UsageDay(user_id=user.pk, day=day, community_id=community_id)
    with transaction.atomic():  # a savepoint: a failure leaves an outer transaction usable
        if feature is None:
            UsageDay.objects.bulk_create([row], ignore_conflicts=True)
        else:
            setattr(row, feature, True)
            UsageDay.objects.bulk_create(
                [row], update_conflicts=True, unique_fields=["user", "day"], update_fields=[feature]
            )
    features = set(filter(None, (known or "").split(","))) | ({feature} if feature else set())
    cache.set(key, ",".join(sorted(features)), CACHE_SECONDS)
    return True


class UsageMiddleware:
    """Records a resident's successful request to the residents' portal (after authentication).
    Never breaks a request: an error is logged and the response goes out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        try:
            user = getattr(request, "user", None)
            match = getattr(request, "resolver_match", None)
            if (
                user is not None
                and user.is_authenticated
                and response.status_code < 400
                and counts_as_use(match)
            ):
                record_use(user, feature_of(match.namespace, match.url_name or ""))
        except Exception:
            logger.exception("usage not recorded")
        return response

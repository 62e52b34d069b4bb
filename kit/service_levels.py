"""The service-level engine shared by the apps that promise a response in time (repair orders,
complaints): find what is past a deadline and not yet escalated at that level, then escalate
each once.

"Once per level" is decided by a unique escalation row per (object, level), created inside the
escalation's own transaction: two workers running the check at the same moment both try to
create it, the database lets one win, and only the winner tells anybody. The app says what
"overdue at a level" means (querysets) and what escalating does (a callback: timeline, audit
log, notification); this module knows nothing of either."""

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.db import models, transaction

# Objects escalated per level and run: a backlog is worked off over the next runs, and one run
# never holds thousands of rows in memory.
BATCH = 1000


def overdue_without_escalation(
    overdue: Mapping[str, models.QuerySet],
    escalations: models.QuerySet,
    owner_field: str,
    *,
    limit: int = BATCH,
) -> dict[str, list[Any]]:
    """For each level, the objects of `overdue[level]` that have no row of `escalations` at that
    level yet (`owner_field` is the escalation's foreign key to the object)."""
    found = {}
    for level, queryset in overdue.items():
        escalated = escalations.filter(level=level).values(f"{owner_field}_id")
        found[level] = list(queryset.exclude(pk__in=escalated)[:limit])
    return found


def escalate(
    overdue: Mapping[str, list[Any]],
    *,
    escalation_model: type[models.Model],
    owner_field: str,
    now: dt.datetime,
    on_escalated: Callable[[Any, str], None],
) -> int:
    """Create the escalation row of each overdue object and level and, only when this call
    created it, run `on_escalated(obj, level)` in the same transaction. Returns how many were
    raised. Safe to run from several workers at once (the unique row decides)."""
    raised = 0
    for level, objects in overdue.items():
        for obj in objects:
            with transaction.atomic():
                _, created = escalation_model.objects.get_or_create(
                    **{owner_field: obj, "level": level}, defaults={"created_at": now}
                )
                if not created:
                    continue
                on_escalated(obj, level)
                raised += 1
    return raised

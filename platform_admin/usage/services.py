"""Writes of the usage part: the nightly roll-up of the raw usage rows into UsageSummary."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, Q

from platform_admin.figures import FEATURES
from platform_admin.scope import today

from .models import UsageDay, UsageSummary
from .selectors import last_rolled_up_day

# How far back a first roll-up (or one after a long pause) reaches.
FIRST_ROLL_UP_DAYS = 400


@transaction.atomic
def usage_roll_up_day(*, day: dt.date) -> int:
    """(Re)write the roll-up of one day: a row per community with activity, and always the row
    of no community (which marks the day as rolled up). Returns the rows written."""
    return usage_roll_up_days(first=day, last=day)


@transaction.atomic
def usage_roll_up_days(*, first: dt.date, last: dt.date) -> int:
    """`usage_roll_up_day` for every day from `first` to `last` in three statements (the demo
    rolls up four months at once). Returns the rows written."""
    UsageSummary.objects.filter(day__range=(first, last)).delete()
    counts = (
        UsageDay.objects.filter(day__range=(first, last))
        .values("day", "community")
        .annotate(
            active_users=Count("pk"), **{f: Count("pk", filter=Q(**{f: True})) for f in FEATURES}
        )
        .order_by()
    )
    rows = {(row["day"], row["community"]): row for row in counts}
    day = first
    while day <= last:
        rows.setdefault(
            (day, None), {"community": None, "active_users": 0, **dict.fromkeys(FEATURES, 0)}
        )
        day += dt.timedelta(days=1)
    UsageSummary.objects.bulk_create(
        [
            UsageSummary(
                day=day,
                community_id=row["community"],
                active_users=row["active_users"],
                **{f: row[f] for f in FEATURES},
            )
            for (day, _community), row in rows.items()
        ],
        batch_size=1000,
    )
    return len(rows)


def usage_roll_up(*, until: dt.date | None = None) -> list[dt.date]:
    """Roll up every closed day after the last rolled-up one, up to `until` (yesterday by
    default); a day at a time, so that a long catch-up never holds one big transaction."""
    until = until or today() - dt.timedelta(days=1)
    last = last_rolled_up_day()
    if last is None:
        first_raw = UsageDay.objects.order_by("day").values_list("day", flat=True).first()
        if first_raw is None:
            return []
        last = max(first_raw, until - dt.timedelta(days=FIRST_ROLL_UP_DAYS)) - dt.timedelta(days=1)
    days = []
    day = last + dt.timedelta(days=1)
    while day <= until:
        usage_roll_up_day(day=day)
        days.append(day)
        day += dt.timedelta(days=1)
    return days

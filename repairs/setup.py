"""What repairs need in the database: each community's starting categories and time slots, and
the daily roll-up of orders that were there before it. (The beat schedule of the overdue check
is registered in RepairsConfig.ready.)"""

from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction
from django.http import HttpRequest

ESCALATION_TASK = "repairs.tasks.escalate_overdue_task"


def community_created(sender, instance, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        from .services import ensure_defaults as ensure_community_defaults

        ensure_community_defaults(instance)


@transaction.atomic
def ensure_defaults(**kwargs: Any) -> None:
    from accounts.models import Community

    from .models import RepairCategory
    from .services import ensure_defaults as ensure_community_defaults

    for community in Community.objects.exclude(
        pk__in=RepairCategory.objects.values("community_id")
    ):
        ensure_community_defaults(community)


def fill_missing_figures(using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """Roll up the orders of communities that have no figures at all: those of a database that
    had orders before the roll-up's table was made. After the last migration, so that the
    roll-up's code reads the orders' table as it now is; a migration reading it with today's
    models would fail once a later migration changed that table."""
    from django.db.models import Exists, OuterRef

    from . import rollup
    from .models import RepairDayFigures, RepairOrder

    if using != DEFAULT_DB_ALIAS:
        return  # the roll-up's code writes to the default database
    missing = set(
        RepairOrder.objects.order_by()
        .filter(~Exists(RepairDayFigures.objects.filter(community_id=OuterRef("community_id"))))
        .values_list("community_id", flat=True)
        .distinct()
    )
    if missing:
        rollup.rebuild(missing)


def pending_badge(request: HttpRequest) -> int:
    """New orders waiting for the service desk, on the staff menu."""
    from .models import RepairOrder

    if request.community is None:
        return 0
    return RepairOrder.objects.filter(
        community=request.community, status=RepairOrder.Status.PENDING
    ).count()

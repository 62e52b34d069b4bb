"""What repairs need in the database: each community's starting categories and time slots.
(The beat schedule of the overdue check is registered in RepairsConfig.ready.)"""

from typing import Any

from django.db import transaction
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


def pending_badge(request: HttpRequest) -> int:
    """New orders waiting for the service desk, on the staff menu."""
    from .models import RepairOrder

    if request.community is None:
        return 0
    return RepairOrder.objects.filter(
        community=request.community, status=RepairOrder.Status.PENDING
    ).count()

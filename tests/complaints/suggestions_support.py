"""Helpers of the suggestion tests: neighbours of the demo cast's community, and a suggestion
moved by the part's services to the stage a test needs."""

import datetime as dt

from django.utils import timezone

from complaints.suggestions import services
from tests.factories import BuildingFactory, ResidencyFactory


def neighbour(community, name: str = "邻居"):
    """A verified owner's household in a building of its own, in `community`."""
    import uuid

    building = BuildingFactory(community=community, name=f"楼{uuid.uuid4().hex[:6]}")
    return ResidencyFactory(room__building=building, user__display_name=name)


def adopted(suggestion, manager, reason: str = "大家都需要，纳入本季度计划。"):
    services.evaluation_start(suggestion=suggestion, actor=manager)
    return services.suggestion_decide(
        suggestion=suggestion, adopt=True, reason=reason, actor=manager
    )


def step(suggestion, manager, title: str = "联系供电公司勘察", days: int = 14):
    return services.step_save(
        suggestion=suggestion, title=title, owner=None, owner_name="工程部",
        target_date=timezone.localdate() + dt.timedelta(days=days), actor=manager,
    )  # fmt: skip

"""Billing fixtures: a community with fee rules, bills made through billing.services."""

import datetime as dt

import pytest
from django.utils import timezone

from billing import services
from tests.factories import fee_rule

from ..notices.conftest import _no_quiet_hours  # noqa: F401  (pushes are not held back)


@pytest.fixture
def property_rule(community):
    """物业服务费: 2.80 元/m²·月, due on the 15th of the next month, 0.05 %/day late, cap 10 %."""
    return fee_rule(community, name="物业服务费", unit_price="2.80")


@pytest.fixture
def last_month():
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@pytest.fixture
def published_bill(community, room, resident, property_rule, manager, last_month):
    """Last month's published property bill of `room` (98.50 m² × 2.80 = 275.80)."""
    run = services.run_create(
        community=community, fee_rules=[property_rule], month=last_month, actor=manager
    )
    services.run_publish(run=run, actor=manager)
    return run.bills.get(room=room)

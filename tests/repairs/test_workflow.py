"""The order's life as repairs.services allows it: each move checked, logged, told."""

import pytest

from repairs.models import RepairOrder

Status = RepairOrder.Status


@pytest.mark.parametrize(
    "state",
    ["pending", "accepted", "assigned", "confirmed", "in_progress", "completed", "cancelled"],
)
def test_orders_reach_every_state(make_order, state):
    order = make_order(state, photos=1)
    assert order.status == {"confirmed": "assigned"}.get(state, state)

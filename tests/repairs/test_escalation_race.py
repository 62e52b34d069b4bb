"""Escalation runs from several workers at once (a slow beat, a retried task) still raise each
overdue order once per level: the unique escalation row decides who tells the managers
(repairs.services.escalate_overdue)."""

import datetime as dt

import pytest
from django.utils import timezone

from kit.models import AuditEntry
from notices.models import Message
from repairs import services
from repairs.models import RepairEscalation, RepairEvent, RepairOrder
from tests.factories import RepairOrderFactory, ResidencyFactory, RoomFactory
from tests.races import at_once, postgres_only

pytestmark = [pytest.mark.req("SREP-2")]

WORKERS = 4
ORDERS = 8


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_concurrent_escalation_runs_raise_each_order_once(community, manager):
    household = ResidencyFactory(room=RoomFactory(building__community=community))
    now = timezone.now()
    orders = [
        RepairOrderFactory(household=household, accept_due_at=now - dt.timedelta(minutes=5))
        for _ in range(ORDERS)
    ]
    raised = at_once([lambda: services.escalate_overdue(now)] * WORKERS)
    assert sum(raised) == ORDERS, raised
    assert RepairEscalation.objects.count() == ORDERS
    escalated = RepairEvent.objects.filter(kind=RepairEvent.Kind.ESCALATED)
    assert sorted(escalated.values_list("order_id", flat=True)) == sorted(o.pk for o in orders)
    assert AuditEntry.objects.filter(action="repair.escalated").count() == ORDERS
    assert Message.objects.filter(recipient=manager, event="repair.overdue").count() == ORDERS
    assert set(RepairOrder.objects.values_list("status", flat=True)) == {"pending"}

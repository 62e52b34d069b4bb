"""Two desks at once (PostgreSQL): the same pickup code drawn by both still gives two codes
(the partial unique constraint is the backstop), one parcel is handed over once, and reminder
runs that overlap remind once."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Residency
from kit.models import AuditEntry
from notices.models import Message
from services.models import Parcel
from services.parcels import services
from tests.factories import ParcelFactory, StaffMemberFactory
from tests.races import at_once, postgres_only

pytestmark = [pytest.mark.req("SVC-1"), pytest.mark.django_db(transaction=True), postgres_only]

DESKS = 4


def test_desks_drawing_the_same_code_at_once_get_different_codes(
    monkeypatch, community, room, resident, staff_user
):
    drawn = threading.local()
    real = services.new_pickup_code

    def same_first(*args):
        # Every desk's first draw is the same code; later draws are random.
        if getattr(drawn, "once", False):
            return real()
        drawn.once = True
        return "777777"

    monkeypatch.setattr(services, "new_pickup_code", same_first)
    desks = [StaffMemberFactory(communities=[community], position_name="客服").user
             for _ in range(DESKS)]  # fmt: skip
    parcels = at_once(
        [
            lambda desk=desk: services.parcel_log(room=room, actor=desk, carrier="sf", shelf="A1")
            for desk in desks
        ]
    )
    codes = [p.pickup_code for p in parcels]
    assert len(set(codes)) == DESKS, codes
    assert codes.count("777777") == 1
    assert Parcel.objects.filter(status="waiting").count() == DESKS


def test_one_parcel_is_handed_over_once(community, resident, staff_user, manager):
    parcel = ParcelFactory(household=Residency.objects.get(user=resident))

    def hand_over(actor, name):
        def call():
            try:
                services.parcel_hand_over(parcel=parcel, actor=actor, collector_name=name)
            except ValidationError:
                return "refused"
            return name

        return call

    results = at_once([hand_over(staff_user, "甲"), hand_over(manager, "乙")])
    assert sorted(results).count("refused") == 1
    parcel.refresh_from_db()
    assert parcel.picked_up_name in results
    assert AuditEntry.objects.filter(action="parcel.picked_up").count() == 1
    assert Message.objects.filter(recipient=resident, event="parcel.picked_up").count() == 1


def test_overlapping_reminder_runs_remind_once(resident, settings):
    settings.LINLI_PARCEL_REMIND_AFTER_DAYS = 3
    parcel = ParcelFactory(household=Residency.objects.get(user=resident))
    Parcel.objects.filter(pk=parcel.pk).update(logged_at=timezone.now() - dt.timedelta(days=4))
    reminded = at_once([services.remind_waiting_parcels] * DESKS)
    assert sum(reminded) == 1, reminded
    parcel.refresh_from_db()
    assert parcel.reminder_count == 1
    assert Message.objects.filter(recipient=resident, event="parcel.reminder").count() == 1

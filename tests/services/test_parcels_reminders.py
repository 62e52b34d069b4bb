"""The daily reminder of parcels waiting too long (SVC-1): after LINLI_PARCEL_REMIND_AFTER_DAYS,
at most once a day per parcel, only to the parcel's household. The clock is pinned."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Residency
from kit.periodic import Crontab, registered_periodic_tasks
from notices.models import Message
from services.models import Parcel
from services.parcels import services, tasks
from tests.factories import ParcelFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("SVC-1")]

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_9AM = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def reminders(user) -> int:
    return Message.objects.filter(recipient=user, event="parcel.reminder").count()


@pytest.fixture
def waiting(resident, family_member):
    """A parcel logged on Thursday at 10:00, waiting since."""
    with time_machine.travel(MONDAY_9AM - dt.timedelta(days=3, hours=23), tick=False):
        return ParcelFactory(household=Residency.objects.get(user=resident))


def test_a_parcel_waiting_over_three_days_is_reminded_once_a_day(
    waiting, resident, family_member, settings
):
    settings.LINLI_PARCEL_REMIND_AFTER_DAYS = 3
    with time_machine.travel(MONDAY_9AM - dt.timedelta(days=1), tick=False):
        assert services.remind_waiting_parcels() == 0  # Sunday: not yet three days
    with time_machine.travel(MONDAY_9AM, tick=False):
        assert services.remind_waiting_parcels() == 1
        assert services.remind_waiting_parcels() == 0  # a second run the same day
    with time_machine.travel(MONDAY_9AM + dt.timedelta(hours=14, minutes=59), tick=False):
        assert services.remind_waiting_parcels() == 0  # 23:59 Shanghai, still Monday
    assert reminders(resident) == 1 and reminders(family_member) == 1
    message = Message.objects.get(recipient=resident, event="parcel.reminder")
    assert waiting.pickup_code in message.title
    assert "3天" in message.body
    with time_machine.travel(MONDAY_9AM + dt.timedelta(days=1), tick=False):
        assert services.remind_waiting_parcels() == 1
    waiting.refresh_from_db()
    assert waiting.reminder_count == 2
    assert waiting.reminded_at == MONDAY_9AM + dt.timedelta(days=1)
    assert reminders(resident) == 2


def test_the_setting_decides_and_collected_parcels_are_left_alone(
    waiting, resident, settings, staff_user
):
    settings.LINLI_PARCEL_REMIND_AFTER_DAYS = 5
    with time_machine.travel(MONDAY_9AM, tick=False):
        assert services.remind_waiting_parcels() == 0
    settings.LINLI_PARCEL_REMIND_AFTER_DAYS = 1
    services.parcel_hand_over(parcel=waiting, actor=staff_user, collector=resident)
    with time_machine.travel(timezone.now() + dt.timedelta(days=5), tick=False):
        assert services.remind_waiting_parcels() == 0
    assert reminders(resident) == 0


def test_a_parcel_without_a_household_is_not_reminded(community, room, settings):
    with time_machine.travel(MONDAY_9AM - dt.timedelta(days=5), tick=False):
        ParcelFactory(household=None, room=room, recipient_mobile="13900000099")
    with time_machine.travel(MONDAY_9AM, tick=False):
        assert services.remind_waiting_parcels() == 0
    assert Parcel.objects.get().reminder_count == 0


def test_the_task_runs_daily_at_nine(waiting, resident):
    entry = next(t for t in registered_periodic_tasks() if t.name == "快递滞留提醒")
    assert entry.schedule == Crontab(minute="0", hour="9")
    assert entry.task == tasks.remind_waiting_parcels_task.name
    with time_machine.travel(MONDAY_9AM, tick=False):
        assert tasks.remind_waiting_parcels_task.apply().get() == 1

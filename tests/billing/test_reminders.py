"""Daily reminders (BIL-5): `bill.due_soon` N days before the due date and `bill.overdue` N days
after it, per community, each once, to every verified member of the household."""

import datetime as dt
from collections import Counter

import pytest
from django_celery_beat.models import PeriodicTask

from billing import services
from billing.models import Bill, BillingSettings, BillReminder
from kit.periodic import ensure_periodic_tasks
from notices.models import Message
from tests.factories import ResidencyFactory, RoomFactory, fee_rule

pytestmark = [pytest.mark.django_db, pytest.mark.req("BIL-5")]

NOTHING = {"due_soon": 0, "overdue": 0}


def messages(event, bill=None):
    found = Message.objects.filter(event=event)
    if bill is not None:
        found = found.filter(object_id=str(bill.pk))
    return found


@pytest.fixture
def due(published_bill):
    return published_bill.due_date


def test_due_soon_goes_exactly_7_and_3_days_before_to_the_whole_household(
    published_bill, due, resident, family_member
):
    assert services.send_reminders(due - dt.timedelta(days=8)) == NOTHING

    assert services.send_reminders(due - dt.timedelta(days=7)) == {"due_soon": 1, "overdue": 0}
    assert set(messages("bill.due_soon").values_list("recipient", "key")) == {
        (resident.pk, "due_soon7"),
        (family_member.pk, "due_soon7"),
    }

    for days in (6, 5, 4):
        assert services.send_reminders(due - dt.timedelta(days=days)) == NOTHING
    assert services.send_reminders(due - dt.timedelta(days=3)) == {"due_soon": 1, "overdue": 0}
    assert services.send_reminders(due) == NOTHING

    assert messages("bill.due_soon").count() == 4
    assert sorted(published_bill.reminders.values_list("kind", "offset_days")) == [
        ("due_soon", 3),
        ("due_soon", 7),
    ]
    title = messages("bill.due_soon").filter(recipient=resident, key="due_soon3").get().title
    assert published_bill.title in title


def test_overdue_goes_1_and_15_days_after_and_marks_the_bill_overdue(
    published_bill, due, resident, family_member
):
    assert services.send_reminders(due) == NOTHING
    published_bill.refresh_from_db()
    assert published_bill.status == Bill.Status.PUBLISHED  # nothing is late on the due date

    assert services.send_reminders(due + dt.timedelta(days=1)) == {"due_soon": 0, "overdue": 1}
    published_bill.refresh_from_db()
    assert published_bill.status == Bill.Status.OVERDUE
    assert services.send_reminders(due + dt.timedelta(days=2)) == NOTHING
    assert services.send_reminders(due + dt.timedelta(days=15)) == {"due_soon": 0, "overdue": 1}

    assert Counter(messages("bill.overdue").values_list("recipient", flat=True)) == {
        resident.pk: 2,
        family_member.pk: 2,
    }
    assert set(messages("bill.overdue").values_list("key", flat=True)) == {
        "overdue-1",
        "overdue-15",
    }


def test_running_twice_the_same_day_sends_nothing_new(published_bill, due, family_member):
    day = due - dt.timedelta(days=7)

    assert services.send_reminders(day) == {"due_soon": 1, "overdue": 0}
    assert services.send_reminders(day) == NOTHING

    assert BillReminder.objects.count() == 1
    assert messages("bill.due_soon").count() == 2


def test_a_bill_paid_in_between_gets_no_more_reminders(
    published_bill, due, cashier, resident, family_member
):
    services.send_reminders(due - dt.timedelta(days=7))
    services.counter_payment(bills=[published_bill], method="cash", cashier=cashier)

    assert services.send_reminders(due - dt.timedelta(days=3)) == NOTHING
    assert services.send_reminders(due + dt.timedelta(days=1)) == NOTHING

    published_bill.refresh_from_db()
    assert published_bill.status == Bill.Status.PAID
    assert list(published_bill.reminders.values_list("offset_days", flat=True)) == [7]
    assert not messages("bill.overdue").exists()


def test_drafts_and_waived_bills_are_not_reminded(
    community, room, resident, property_rule, manager, last_month
):
    run = services.run_create(
        community=community, fee_rules=[property_rule], month=last_month, actor=manager
    )
    draft = run.bills.get()

    assert services.send_reminders(draft.due_date - dt.timedelta(days=7)) == NOTHING
    services.run_publish(run=run, actor=manager)
    services.bill_waive(bill=draft, actor=manager, reason="业主困难，经理批准减免")
    assert services.send_reminders(draft.due_date + dt.timedelta(days=1)) == NOTHING
    assert not BillReminder.objects.exists()


def test_each_community_uses_its_own_days_and_others_are_untouched(
    published_bill, due, resident, other_community, outsider_room, outsider, manager
):
    BillingSettings.objects.create(
        community=other_community, remind_days_before="5", remind_days_after="2"
    )
    foreign_rule = fee_rule(other_community, name="物业服务费")
    foreign_run = services.run_create(
        community=other_community, fee_rules=[foreign_rule], month=published_bill.period_start,
        actor=manager,
    )  # fmt: skip
    services.run_publish(run=foreign_run, actor=manager)
    foreign_bill = foreign_run.bills.get()
    assert foreign_bill.due_date == due

    assert services.send_reminders(due - dt.timedelta(days=7)) == {"due_soon": 1, "overdue": 0}
    assert not foreign_bill.reminders.exists()
    assert not messages("bill.due_soon").filter(recipient=outsider).exists()

    assert services.send_reminders(due - dt.timedelta(days=5)) == {"due_soon": 1, "overdue": 0}
    assert list(foreign_bill.reminders.values_list("offset_days", flat=True)) == [5]
    assert not published_bill.reminders.filter(offset_days=5).exists()
    assert list(messages("bill.due_soon", foreign_bill).values_list("recipient", flat=True)) == [
        outsider.pk
    ]
    # The overdue days: 1 here, 2 there.
    services.send_reminders(due + dt.timedelta(days=1))
    assert list(foreign_bill.reminders.filter(kind="overdue").values_list("offset_days",
                                                                          flat=True)) == []  # fmt: skip
    services.send_reminders(due + dt.timedelta(days=2))
    assert list(
        foreign_bill.reminders.filter(kind="overdue").values_list("offset_days", flat=True)
    ) == [-2]
    assert not messages("bill.overdue").filter(object_id=str(published_bill.pk),
                                               recipient=outsider).exists()  # fmt: skip


def test_settings_with_odd_input_still_work(published_bill, due, community):
    BillingSettings.objects.update_or_create(
        community=community,
        defaults={"remind_days_before": " 10，x, 2 ,,", "remind_days_after": ""},
    )

    assert services.send_reminders(due - dt.timedelta(days=7)) == NOTHING
    assert services.send_reminders(due - dt.timedelta(days=10)) == {"due_soon": 1, "overdue": 0}
    assert services.send_reminders(due - dt.timedelta(days=2)) == {"due_soon": 1, "overdue": 0}
    assert services.send_reminders(due + dt.timedelta(days=1)) == NOTHING


def test_the_beat_entry_runs_from_nine_and_again_through_the_day():
    """From 09:00 every half hour until 20:30: a run the broker refused (Redis down at 09:00)
    or a worker killed mid-run is finished by the next one, which sends only what is missing."""
    task = PeriodicTask.objects.get(task="billing.tasks.send_reminders_task")

    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour) == ("0,30", "9-20")
    assert (task.crontab.day_of_week, task.crontab.day_of_month) == ("*", "*")
    assert str(task.crontab.timezone) == "Asia/Shanghai"


def test_an_entry_still_on_the_old_daily_time_moves_to_the_repeating_one():
    from django_celery_beat.models import CrontabSchedule

    task = PeriodicTask.objects.get(task="billing.tasks.send_reminders_task")
    old, _created = CrontabSchedule.objects.get_or_create(
        minute="0", hour="9", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="Asia/Shanghai",
    )  # fmt: skip
    PeriodicTask.objects.filter(pk=task.pk).update(crontab=old)
    ensure_periodic_tasks()
    task.refresh_from_db()
    assert (task.crontab.minute, task.crontab.hour) == ("0,30", "9-20")
    # An operator's own time is theirs.
    own, _created = CrontabSchedule.objects.get_or_create(
        minute="15", hour="10", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="Asia/Shanghai",
    )  # fmt: skip
    PeriodicTask.objects.filter(pk=task.pk).update(crontab=own)
    ensure_periodic_tasks()
    task.refresh_from_db()
    assert (task.crontab.minute, task.crontab.hour) == ("15", "10")


@pytest.fixture
def many_bills(community, room, resident, family_member, property_rule, manager, last_month):
    """Six households' published bills of last month (the first with two people)."""
    for number in ("1202", "1301", "1302", "1401", "1402"):
        ResidencyFactory(room=RoomFactory(building=room.building, number=number))
    run = services.run_create(
        community=community, fee_rules=[property_rule], month=last_month, actor=manager
    )
    services.run_publish(run=run, actor=manager)
    bills = list(run.bills.order_by("pk"))
    assert len(bills) == 6
    return bills


def test_a_worker_dying_mid_batch_leaves_each_bill_with_one_reminder_and_message(
    many_bills, monkeypatch
):
    real_notify = services.notify
    calls = []

    def notify_then_die_on_the_third(*args, **kwargs):
        # The third bill's messages are written, then the worker dies before its commit.
        calls.append(1)
        created = real_notify(*args, **kwargs)
        if len(calls) == 3:
            raise SystemExit("worker lost")
        return created

    monkeypatch.setattr(services, "notify", notify_then_die_on_the_third)
    day = many_bills[0].due_date - dt.timedelta(days=7)

    with pytest.raises(SystemExit):
        services.send_reminders(day)
    assert BillReminder.objects.count() == 2
    assert messages("bill.due_soon").count() == 3  # two bills, the first one's two people

    monkeypatch.setattr(services, "notify", real_notify)
    assert services.send_reminders(day) == {"due_soon": 4, "overdue": 0}
    assert services.send_reminders(day) == NOTHING

    for bill in many_bills:
        assert list(bill.reminders.values_list("kind", "offset_days")) == [("due_soon", 7)]
    per_person_and_bill = Counter(messages("bill.due_soon").values_list("recipient", "object_id"))
    assert len(per_person_and_bill) == 7
    assert set(per_person_and_bill.values()) == {1}

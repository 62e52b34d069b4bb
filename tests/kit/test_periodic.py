"""The one registry of periodic tasks: each app registers its beat entries from
`AppConfig.ready`; migrate creates the missing ones and keeps what operators changed."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from kit import periodic
from kit.periodic import Crontab, register_periodic_task, registered_periodic_tasks

pytestmark = pytest.mark.django_db

REGISTERED = {
    "后台进程心跳": "kit.tasks.record_heartbeat",
    "缓存失效补发": "kit.tasks.replay_invalidations_task",
    "报修超时检查与升级": "repairs.tasks.escalate_overdue_task",
    "账单到期与逾期提醒": "billing.tasks.send_reminders_task",
    "线上支付对账": "billing.tasks.reconcile_payments_task",
    "消息投递巡检与定时公告": "notices.tasks.sweep_task",
    "服务预约前一天提醒": "services.bookings.tasks.booking_reminders_task",
    "活动候补名额过期": "services.activities.tasks.offers_expire_task",
    "活动前一天提醒": "services.activities.tasks.reminders_send_task",
    "快递滞留提醒": "services.parcels.tasks.remind_waiting_parcels_task",
    "服务商营业执照到期检查": "services.providers.tasks.licence_check_task",
    "投诉答复逾期自动办结": "complaints.filing.tasks.auto_close_unanswered_task",
    "投诉超时检查与升级": "complaints.handling.tasks.escalate_overdue_task",
    "合作协议到期检查": "platform_admin.partners.tasks.agreement_expiry_task",
    "用户活跃度每日汇总": "platform_admin.usage.tasks.usage_roll_up_task",
    "业务统计每日汇总": "platform_admin.business.tasks.business_roll_up_task",
    "平台数据备份": "platform_admin.backups.tasks.scheduled_backup_task",
    "备份恢复校验": "platform_admin.backups.tasks.verify_latest_task",
    "备份漏做检查": "platform_admin.backups.tasks.check_missed_task",
    "月度分析报告": "platform_admin.reports.tasks.monthly_reports_task",
}


def as_registered(entry: PeriodicTask):
    if entry.interval is not None:
        assert entry.interval.period == IntervalSchedule.SECONDS
        schedule = timedelta(seconds=entry.interval.every)
    else:
        crontab = entry.crontab
        schedule = Crontab(crontab.minute, crontab.hour, crontab.day_of_week,
                           crontab.day_of_month, crontab.month_of_year)  # fmt: skip
    return entry.task, schedule, json.loads(entry.kwargs), entry.enabled


def test_each_app_registers_its_entries():
    assert {task.name: task.task for task in registered_periodic_tasks()} == REGISTERED


def test_after_migrate_the_beat_entries_are_what_the_apps_registered():
    entries = {entry.name: entry for entry in PeriodicTask.objects.all()}
    expected = {
        task.name: (task.task, task.schedule, task.kwargs, task.enabled)
        for task in registered_periodic_tasks()
    }
    assert {name: as_registered(entry) for name, entry in entries.items()} == expected
    assert expected["报修超时检查与升级"][1] == timedelta(minutes=1)
    assert expected["账单到期与逾期提醒"][1] == Crontab(minute="0,30", hour="9-20")


def test_an_operators_changes_survive_the_next_migrate():
    heartbeat = PeriodicTask.objects.get(name="后台进程心跳")
    every_five_minutes, _ = IntervalSchedule.objects.get_or_create(
        every=300, period=IntervalSchedule.SECONDS
    )
    heartbeat.interval = every_five_minutes
    heartbeat.kwargs = json.dumps({"name": "worker@ops"})
    heartbeat.save()
    PeriodicTask.objects.filter(name="线上支付对账").update(enabled=False)
    PeriodicTask.objects.filter(name="消息投递巡检与定时公告").delete()

    call_command("migrate", verbosity=0)

    heartbeat.refresh_from_db()
    assert heartbeat.interval.every == 300
    assert json.loads(heartbeat.kwargs) == {"name": "worker@ops"}
    assert not PeriodicTask.objects.get(name="线上支付对账").enabled
    # What is missing is created again: one entry per registered name, never two.
    assert PeriodicTask.objects.filter(name="消息投递巡检与定时公告").count() == 1
    assert PeriodicTask.objects.filter(task="kit.tasks.record_heartbeat").count() == 1


def test_an_entry_on_a_replaced_schedule_moves_to_the_current_one(monkeypatch):
    monkeypatch.setattr(periodic, "_DEFAULTS", {})
    register_periodic_task(
        "测试任务", task="tests.task", schedule=timedelta(minutes=5), kwargs={"size": 10},
        enabled=False, replaces=(timedelta(minutes=1),),
    )  # fmt: skip
    every_minute, _ = IntervalSchedule.objects.get_or_create(
        every=60, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.create(name="测试任务", task="tests.task", interval=every_minute)

    periodic.ensure_periodic_tasks()

    entry = PeriodicTask.objects.get(name="测试任务")
    assert entry.interval.every == 300
    # Only the schedule: the rest was the operator's (the defaults apply to a new entry).
    assert entry.enabled and json.loads(entry.kwargs) == {}


def test_a_new_entry_takes_the_registered_arguments_and_switch(monkeypatch):
    monkeypatch.setattr(periodic, "_DEFAULTS", {})
    register_periodic_task(
        "测试任务", task="tests.task", schedule=Crontab(minute="5", hour="3"),
        kwargs={"size": 10}, enabled=False,
    )  # fmt: skip

    periodic.ensure_periodic_tasks()

    entry = PeriodicTask.objects.get(name="测试任务")
    assert (entry.crontab.minute, entry.crontab.hour) == ("5", "3")
    assert str(entry.crontab.timezone) == "Asia/Shanghai"
    assert not entry.enabled and json.loads(entry.kwargs) == {"size": 10}


def test_one_name_cannot_be_registered_for_two_tasks(monkeypatch):
    monkeypatch.setattr(periodic, "_DEFAULTS", {})
    register_periodic_task("测试任务", task="tests.task", schedule=timedelta(minutes=1))
    # The same registration again (a second ready()) is harmless.
    register_periodic_task("测试任务", task="tests.task", schedule=timedelta(minutes=1))
    with pytest.raises(ValueError, match="测试任务"):
        register_periodic_task("测试任务", task="tests.other", schedule=timedelta(minutes=1))

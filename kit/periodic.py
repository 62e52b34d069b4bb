"""Periodic jobs, one registry: each app registers its django-celery-beat entries from its
`AppConfig.ready` (`register_periodic_task`), and one `post_migrate` handler of the kit creates
the entries that are missing. An entry is created once; operators may then change its schedule,
arguments or switch it off in the admin (定时任务), and a later migrate keeps what they did."""

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone


@dataclass(frozen=True)
class Crontab:
    """A crontab schedule in the site's time zone (TIME_ZONE)."""

    minute: str = "*"
    hour: str = "*"
    day_of_week: str = "*"
    day_of_month: str = "*"
    month_of_year: str = "*"


Schedule = timedelta | Crontab


@dataclass(frozen=True)
class PeriodicTaskDefault:
    name: str  # the entry's unique name, in Chinese: operators see it in the admin
    task: str  # the Celery task's registered name
    schedule: Schedule
    kwargs: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    # Earlier default schedules: an entry still on one of them moves to `schedule`; a schedule
    # an operator chose is kept.
    replaces: tuple[Schedule, ...] = ()


_DEFAULTS: dict[str, PeriodicTaskDefault] = {}


def register_periodic_task(
    name: str,
    *,
    task: str,
    schedule: Schedule,
    kwargs: dict[str, Any] | None = None,
    enabled: bool = True,
    replaces: tuple[Schedule, ...] = (),
) -> None:
    default = PeriodicTaskDefault(
        name=name,
        task=task,
        schedule=schedule,
        kwargs=dict(kwargs or {}),
        enabled=enabled,
        replaces=tuple(replaces),
    )
    if _DEFAULTS.get(name, default) != default:
        raise ValueError(f"Two different periodic tasks are registered as {name!r}.")
    _DEFAULTS[name] = default


def registered_periodic_tasks() -> list[PeriodicTaskDefault]:
    return list(_DEFAULTS.values())


@transaction.atomic
def ensure_periodic_tasks(**kwargs: Any) -> None:
    """Create the registered entries that are missing (the kit connects it to post_migrate)."""
    from django_celery_beat.models import PeriodicTask

    for default in _DEFAULTS.values():
        entry, created = PeriodicTask.objects.get_or_create(
            name=default.name,
            defaults={
                "task": default.task,
                "kwargs": json.dumps(default.kwargs),
                "enabled": default.enabled,
                **_schedule_fields(default.schedule),
            },
        )
        if not created and any(_is_on(entry, old) for old in default.replaces):
            fields = _schedule_fields(default.schedule)
            for name, value in fields.items():
                setattr(entry, name, value)
            entry.save(update_fields=list(fields))


def _schedule_fields(schedule: Schedule) -> dict[str, Any]:
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule

    if isinstance(schedule, timedelta):
        interval, _created = IntervalSchedule.objects.get_or_create(
            every=int(schedule.total_seconds()), period=IntervalSchedule.SECONDS
        )
        return {"interval": interval, "crontab": None}
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute=schedule.minute,
        hour=schedule.hour,
        day_of_week=schedule.day_of_week,
        day_of_month=schedule.day_of_month,
        month_of_year=schedule.month_of_year,
        timezone=timezone.get_current_timezone_name(),
    )
    return {"crontab": crontab, "interval": None}


def _is_on(entry: Any, schedule: Schedule) -> bool:
    from django_celery_beat.models import IntervalSchedule

    if isinstance(schedule, timedelta):
        interval = entry.interval
        return (
            interval is not None
            and interval.period == IntervalSchedule.SECONDS
            and interval.every == int(schedule.total_seconds())
        )
    crontab = entry.crontab
    return crontab is not None and (
        crontab.minute,
        crontab.hour,
        crontab.day_of_week,
        crontab.day_of_month,
        crontab.month_of_year,
    ) == (
        schedule.minute,
        schedule.hour,
        schedule.day_of_week,
        schedule.day_of_month,
        schedule.month_of_year,
    )

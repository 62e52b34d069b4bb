"""Celery tasks of the reports part: ids in, one service call."""

from celery import shared_task


@shared_task(
    name="platform_admin.reports.tasks.generate_report",
    ignore_result=True,
    soft_time_limit=600,
    time_limit=660,
)
def generate_report(report_id: int) -> None:
    from . import services

    services.report_generate(report_id=report_id)


@shared_task(name="platform_admin.reports.tasks.monthly_reports_task", ignore_result=True)
def monthly_reports_task() -> int:
    from . import services

    return len(services.monthly_reports_schedule())

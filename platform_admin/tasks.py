from platform_admin.reports.tasks import generate_report, monthly_reports_task  # noqa: F401

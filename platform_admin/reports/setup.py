"""The reports part of platform_admin (PSTA-3): what it registers (called from
PlatformAdminConfig.ready): the operators' pages, the staff portal's page and its menu entry,
the managers' permission, the event that sends a finished report, the audit label and the
monthly schedule."""

from django.utils.translation import gettext_lazy as _

MONTHLY_TASK = "platform_admin.reports.tasks.monthly_reports_task"


def register() -> None:
    from kit.audit import register_actions
    from kit.periodic import Crontab, register_periodic_task
    from notices import events
    from notices.models import Importance
    from platform_admin.site import OperatorPage, register_page
    from staff import duties, menu, scoping
    from staff.positions import MANAGER, register_position_defaults

    from . import admin, tasks, views  # noqa: F401  (admin registers itself)
    from .models import AnalysisReport
    from .selectors import REPORT_PERMISSION

    for page in (
        OperatorPage("platform_reports", "reports/", views.report_list, _("Analysis reports"), 50),
        OperatorPage("platform_report", "reports/<int:report_id>/", views.report_detail,
                     _("Analysis report"), 51, in_menu=False),
        OperatorPage("platform_report_download", "reports/<int:report_id>/download/",
                     views.report_download, _("Download"), 52, in_menu=False),
        OperatorPage("platform_reports_progress", "reports/progress/", views.report_progress,
                     _("Progress"), 53, in_menu=False),
    ):  # fmt: skip
        register_page(page)
    menu.register(
        menu.MenuEntry(
            _("Analysis reports"), "reports_staff:list", "file-earmark-bar-graph", 88,
            REPORT_PERMISSION, group=menu.REPORTS,
        )
    )  # fmt: skip
    scoping.register("report_id", AnalysisReport, "community")
    register_position_defaults({MANAGER: [REPORT_PERMISSION]})
    duties.register_duties(
        [
            duties.Duty(
                "view_analysis_reports",
                _("View and download analysis reports"),
                _("Analysis reports"),
                (REPORT_PERMISSION,),
            )
        ]
    )
    register_actions({"analysis_report.requested": _("Analysis report requested")})
    events.register(
        events.Event("analysis_report.ready", _("Analysis report ready"), events.Category.COMMUNITY)
    )
    events.register(
        events.Event("analysis_report.failed", _("Analysis report failed"),
                     events.Category.ACCOUNT, Importance.URGENT)
    )  # fmt: skip
    # The first of each month at 03:30 (Asia/Shanghai): last month's figures are complete.
    register_periodic_task(
        "月度分析报告", task=MONTHLY_TASK, schedule=Crontab(minute="30", hour="3", day_of_month="1")
    )

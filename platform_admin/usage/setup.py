"""The usage part of platform_admin: what it registers (called from PlatformAdminConfig.ready):
the operators' page 用户统计, its admin and the nightly roll-up of the usage rows."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from kit.periodic import Crontab, register_periodic_task
    from platform_admin.site import OperatorPage, register_page

    from . import admin, tasks, views  # noqa: F401  (admin registers itself)

    register_page(
        OperatorPage(
            name="platform_usage", route="usage/", view=views.usage_page,
            title=_("User statistics"), order=30,
        )
    )  # fmt: skip
    register_page(
        OperatorPage(
            name="platform_usage_export", route="usage/export/", view=views.usage_export,
            title=_("User statistics"), order=31, in_menu=False,
        )
    )  # fmt: skip
    register_page(
        OperatorPage(
            name="platform_usage_chart", route="usage/chart.svg", view=views.usage_chart,
            title=_("User statistics"), order=32, in_menu=False,
        )
    )  # fmt: skip
    register_periodic_task(
        "用户活跃度每日汇总", task=tasks.ROLL_UP_TASK, schedule=Crontab(minute="15", hour="0")
    )

"""The business part of platform_admin: what it registers (called from PlatformAdminConfig.ready)."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from kit.periodic import Crontab, register_periodic_task

    from ..site import OperatorPage, register_page
    from . import admin, tasks, views  # noqa: F401  (admin registers itself)

    register_page(
        OperatorPage(
            name="platform_business",
            route="business/",
            view=views.business_page,
            title=_("Business statistics"),
            order=40,
        )
    )
    register_periodic_task(
        "业务统计每日汇总", task=tasks.ROLL_UP_TASK, schedule=Crontab(minute="30", hour="1")
    )

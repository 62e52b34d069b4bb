"""The parameters part of platform_admin: what it registers (called from PlatformAdminConfig.ready)."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from platform_admin.site import OperatorPage, register_page

    from . import views

    register_page(
        OperatorPage(
            name="platform_parameters",
            route="parameters/",
            view=views.parameter_index,
            title=_("Platform parameters"),
            order=10,
        )
    )
    register_page(
        OperatorPage(
            name="platform_parameters_edit",
            route="parameters/<str:key>/",
            view=views.parameter_edit,
            title=_("Platform parameter"),
            order=11,
            in_menu=False,
        )
    )

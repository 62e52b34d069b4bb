"""The business part of platform_admin: what it registers (called from PlatformAdminConfig.ready)."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from ..site import OperatorPage, register_page
    from . import views

    register_page(
        OperatorPage(
            name="platform_business",
            route="business/",
            view=views.business_page,
            title=_("Business statistics"),
            order=40,
        )
    )

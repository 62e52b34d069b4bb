"""System checks of the login configuration (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def oauth_sandbox(app_configs, **kwargs):
    if settings.LINLI_OAUTH_SANDBOX and not settings.DEBUG:
        return [
            Error(
                "LINLI_OAUTH_SANDBOX is on: the WeChat and QQ login stand-ins would let anyone "
                "log in as any WeChat or QQ user.",
                hint="Unset LINLI_OAUTH_SANDBOX in production.",
                id="accounts.E001",
            )
        ]
    return []

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


@register(Tags.security)
def second_factor_enforced(app_configs, **kwargs):
    """Operators and managers pass a second factor before the staff portal and the admin
    (accounts.mfa): only while the middleware is installed after the authentication."""
    middleware = list(settings.MIDDLEWARE)
    name = "accounts.mfa.SecondFactorMiddleware"
    auth = "django.contrib.auth.middleware.AuthenticationMiddleware"
    if name not in middleware or (
        auth in middleware and middleware.index(name) < middleware.index(auth)
    ):
        return [
            Error(
                "The staff portal and the admin do not ask operators and managers for their "
                "second factor.",
                hint=f"Add {name} to MIDDLEWARE after {auth}.",
                id="accounts.E002",
            )
        ]
    return []

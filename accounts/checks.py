"""System checks of the login configuration (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


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
    auth = "accounts.middleware.AuthenticationMiddleware"
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


@register(Tags.security, deploy=True)
def client_address(app_configs, **kwargs):
    """LINLI_TRUSTED_PROXY_COUNT and SECURE_PROXY_SSL_HEADER describe the same proxies: trusting a
    proxy's X-Forwarded-Proto but none of its X-Forwarded-For puts every client behind the
    proxy's one address; trusting X-Forwarded-For with no proxy lets clients write their own."""
    hops = settings.LINLI_TRUSTED_PROXY_COUNT
    behind_proxy = bool(settings.SECURE_PROXY_SSL_HEADER)
    if behind_proxy and hops <= 0:
        return [
            Warning(
                "SECURE_PROXY_SSL_HEADER trusts a reverse proxy, but LINLI_TRUSTED_PROXY_COUNT is "
                "0: every client has the proxy's address, so one person's wrong passwords lock "
                "everybody out and the SMS limits become the whole site's.",
                hint="Set LINLI_TRUSTED_PROXY_COUNT to the number of proxies that write "
                "X-Forwarded-For (1 with docker-compose.yml's nginx).",
                id="accounts.W001",
            )
        ]
    if hops > 0 and not behind_proxy:
        return [
            Warning(
                f"LINLI_TRUSTED_PROXY_COUNT is {hops} but SECURE_PROXY_SSL_HEADER names no "
                "proxy: without a proxy in front, any client chooses its own address in "
                "X-Forwarded-For and escapes the login and SMS limits.",
                hint="Set LINLI_TRUSTED_PROXY_COUNT=0 when clients reach the app directly.",
                id="accounts.W002",
            )
        ]
    return []

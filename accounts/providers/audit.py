"""Audit entries for social accounts; allauth's signals call these."""

from kit.audit import log_action


def log_connected(sender, request, sociallogin, **kwargs) -> None:
    log_action(
        actor=sociallogin.user,
        action="social.connected",
        target=sociallogin.user,
        data={"provider": sociallogin.account.provider},
        request=request,
    )


def log_disconnected(sender, request, socialaccount, **kwargs) -> None:
    log_action(
        actor=request.user,
        action="social.disconnected",
        target=socialaccount.user,
        data={"provider": socialaccount.provider},
        request=request,
    )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialLoginConfig(AppConfig):
    name = "accounts.providers"
    label = "social_login"
    verbose_name = _("Social login")

    def ready(self) -> None:
        from allauth.socialaccount import signals

        from kit.audit import register_actions

        from . import audit

        register_actions(
            {
                "social.signed_up": _("Signed up with WeChat or QQ"),
                "social.connected": _("WeChat or QQ connected"),
                "social.disconnected": _("WeChat or QQ disconnected"),
            }
        )
        # allauth announces connects and disconnects only through these signals.
        signals.social_account_added.connect(audit.log_connected, dispatch_uid="social.connected")
        signals.social_account_removed.connect(
            audit.log_disconnected, dispatch_uid="social.disconnected"
        )

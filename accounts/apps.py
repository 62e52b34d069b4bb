from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Residents and estate registry")

    def ready(self) -> None:
        from . import audit_sentences  # how this app's actions read in 操作日志

        audit_sentences.register()
        from kit.audit import register_actions

        from . import checks, security_audit  # noqa: F401  (checks register themselves)
        from .portal import Tab, register_tab

        security_audit.connect()
        _keep_allauth_limits_in_the_database()
        register_tab(Tab(_("Home"), "accounts:home", "house-door", 10))
        register_tab(Tab(_("Me"), "accounts:me", "person", 90, also=("/accounts/",)))

        register_actions(
            {
                "resident.contacts_changed": _("Resident contact details changed"),
                "residency.requested": _("Room binding requested"),
                "residency.verified": _("Residency verified"),
                "residency.rejected": _("Residency rejected"),
                "residency.ended": _("Residency ended"),
                "residency.withdrawn": _("Room binding request withdrawn"),
                "room.added": _("Room added"),
                "room.changed": _("Room changed"),
                "profile.updated": _("Profile updated"),
                "family.invited": _("Family member invited"),
                "family.invitation_withdrawn": _("Family invitation withdrawn"),
                "family.joined": _("Family invitation accepted"),
                "family.declined": _("Family invitation declined"),
            }
        )


def _keep_allauth_limits_in_the_database() -> None:
    """allauth counts its rate limits (login failures, code requests, sign-ups) in the default
    cache, which is Redis and fails soft (config.cache): while Redis is down those limits
    would either crash every login or never hold. They go to the "limits" cache, a database
    table, instead (accounts.allauth_bridge.count_rate_limits_in);
    tests/accounts/test_limits_without_redis.py fails if that ever stops working."""
    from django.core.cache import caches
    from django.utils.connection import ConnectionProxy

    from .allauth_bridge import count_rate_limits_in

    # Like django.core.cache.cache: looked up per thread and after a settings change.
    count_rate_limits_in(ConnectionProxy(caches, "limits"))

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Residents and estate registry")

    def ready(self) -> None:
        from platform_admin.audit import register_actions
        from staff import menu, scoping

        from . import checks, security_audit, selectors  # noqa: F401  (checks register themselves)
        from .models import Building, Residency, Room, User
        from .portal import Tab, register_tab

        security_audit.connect()
        _keep_allauth_limits_in_the_database()
        register_tab(Tab(_("Home"), "accounts:home", "house-door", 10))
        register_tab(Tab(_("Me"), "accounts:me", "person", 90, also=("/accounts/",)))

        menu.register(
            menu.MenuEntry(
                _("Residents"),
                "accounts_staff:residents",
                "people",
                20,
                perm="accounts.view_residency",
                badge=lambda request: selectors.pending_residency_count(request.community),
            )
        )
        menu.register(
            menu.MenuEntry(_("Rooms"), "accounts_staff:rooms", "building", 30, "accounts.view_room")
        )

        scoping.register("building_id", Building, "community")
        scoping.register("room_id", Room, "building__community")
        scoping.register("residency_id", Residency, "room__building__community")
        # A person is in a community's scope for READING while they have any residency there
        # (history too). Changes narrow it to pending/verified residents:
        # selectors.residents_changeable_in_community.
        scoping.register("resident_id", User, "residencies__room__building__community")
        menu.register(
            menu.MenuEntry(
                _("Excel import"),
                "accounts_staff:import",
                "file-earmark-arrow-up",
                35,
                "accounts.add_residency",
            )
        )
        register_actions(
            {
                "resident.contacts_changed": _("Resident contact details changed"),
                "accounts.rooms_imported": _("Rooms imported from Excel"),
                "accounts.residents_imported": _("Residents imported from Excel"),
                "accounts.residents_exported": _("Residents exported to Excel"),
            }
        )

        register_actions(
            {
                "residency.requested": _("Room binding requested"),
                "residency.verified": _("Residency verified"),
                "residency.rejected": _("Residency rejected"),
                "residency.ended": _("Residency ended"),
                "residency.withdrawn": _("Room binding request withdrawn"),
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

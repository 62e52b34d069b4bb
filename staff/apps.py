from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = _("Property staff")

    def ready(self) -> None:
        from . import audit_sentences  # how this app's actions read in 操作日志

        audit_sentences.register()
        from accounts import access as accounts_access
        from accounts import mfa, portal
        from accounts import selectors as accounts_selectors
        from accounts.models import Building, Residency, Room, User
        from kit.audit import register_actions

        from . import access, duties, positions, scoping, selectors
        from .models import StaffInvitation, StaffMember

        register_actions(
            {
                "staff.member_created": _("Staff member added"),
                "staff.community_grants_changed": _("Grants in a community changed in the admin"),
                "staff.member_changed": _("Staff member changed"),
                "staff.position_changed": _("Position permissions changed"),
                "staff.position_template_changed": _("Position template changed"),
                "staff.member_deactivated": _("Staff member deactivated"),
                "staff.member_reactivated": _("Staff member reactivated"),
                "staff.invitation_sent": _("Staff invitation sent"),
                "staff.invitation_resent": _("Staff invitation sent again"),
                "staff.invitation_withdrawn": _("Staff invitation withdrawn"),
                "staff.invitation_accepted": _("Staff invitation accepted"),
            }
        )
        scoping.register("member_id", StaffMember, "communities")
        scoping.register("staff_invitation_id", StaffInvitation, "communities")
        # The accounts.* and staff.* duties: accounts cannot import staff to register its own.
        positions.register_position_defaults(positions.STAFF_PORTAL_DEFAULTS)
        duties.register_duties(duties.DUTIES)
        post_migrate.connect(positions.ensure_positions, sender=self)

        # What accounts asks of the staff portal: who needs a second factor (whoever holds
        # the manager's duties), who else may see a proof photo, where staff land on login.
        mfa.register_second_factor_rule(selectors.holds_manager_duties)
        accounts_access.register_proof_rule(access.may_see_proof)
        portal.register_landing(access.landing_url)

        from . import menu, search, workday

        workday._register_own()
        search._register_own()

        menu.register(
            menu.MenuEntry(
                _("Overview"), "staff:home", "speedometer2", 10, exact=True, group=menu.WORK
            )
        )
        menu.register(
            menu.MenuEntry(
                _("Team"),
                "staff:team",
                "person-badge",
                80,
                "staff.view_staffmember",
                group=menu.SETTINGS,
            )
        )
        menu.register(
            menu.MenuEntry(
                _("Audit log"),
                "staff:audit_log",
                "journal-text",
                90,
                "kit.view_auditentry",
                group=menu.SETTINGS,
            )
        )

        # The pages about residents and rooms (住户管理, 房屋) and their Excel import.
        menu.register(
            menu.MenuEntry(
                _("Residents"),
                "staff_residents:residents",
                "people",
                20,
                perm="accounts.view_residency",
                badge=lambda request: accounts_selectors.pending_residency_count(request.community),
                group=menu.RESIDENTS,
                also=("/staff/residencies/",),
            )
        )
        menu.register(
            menu.MenuEntry(
                _("Rooms"),
                "staff_residents:rooms",
                "building",
                30,
                "accounts.view_room",
                group=menu.RESIDENTS,
            )
        )
        menu.register(
            menu.MenuEntry(
                _("Excel import"),
                "staff_residents:import",
                "file-earmark-arrow-up",
                35,
                "accounts.add_residency",
                group=menu.RESIDENTS,
            )
        )
        scoping.register("building_id", Building, "community")
        scoping.register("room_id", Room, "building__community")
        scoping.register("residency_id", Residency, "room__building__community")
        # A person is in a community's scope for READING while they have any residency there
        # (history too). Changes narrow it to pending/verified residents:
        # accounts.selectors.residents_changeable_in_community.
        scoping.register("resident_id", User, "residencies__room__building__community")
        register_actions(
            {
                "accounts.rooms_imported": _("Rooms imported from Excel"),
                "accounts.residents_imported": _("Residents imported from Excel"),
                "accounts.residents_exported": _("Residents exported to Excel"),
            }
        )

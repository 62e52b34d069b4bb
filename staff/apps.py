from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = _("Property staff")

    def ready(self) -> None:
        from kit.audit import register_actions

        from . import positions, scoping
        from .models import StaffInvitation, StaffMember

        register_actions(
            {
                "staff.member_created": _("Staff member added"),
                "staff.member_changed": _("Staff member changed"),
                "staff.position_changed": _("Position permissions changed"),
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
        post_migrate.connect(positions.ensure_positions, sender=self)

        from . import menu

        menu.register(menu.MenuEntry(_("Overview"), "staff:home", "speedometer2", 10, exact=True))
        menu.register(
            menu.MenuEntry(_("Team"), "staff:team", "person-badge", 80, "staff.view_staffmember")
        )
        menu.register(
            menu.MenuEntry(
                _("Audit log"),
                "staff:audit_log",
                "journal-text",
                90,
                "kit.view_auditentry",
            )
        )

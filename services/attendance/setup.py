"""The attendance part of the services app: what it registers with the layers below
(called from `ServicesConfig.ready`)."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from kit.audit import register_actions
    from staff.positions import FRONT_DESK, MANAGER, register_position_defaults

    # The URL keyword activity_id is registered by the activities part.
    register_position_defaults(
        {
            MANAGER: ["services.view_activity", "services.check_in_activity"],
            FRONT_DESK: ["services.view_activity", "services.check_in_activity"],
        }
    )
    register_actions({"activity.checked_in": _("Checked in at an activity")})

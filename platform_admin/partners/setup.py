"""The partners part of platform_admin: what it registers (called from PlatformAdminConfig.ready)."""

from django.utils.translation import gettext_lazy as _

EXPIRY_TASK = "platform_admin.partners.tasks.agreement_expiry_task"


def register() -> None:
    from kit.audit import register_actions
    from kit.periodic import Crontab, register_periodic_task
    from notices import events
    from notices.models import Importance

    from ..site import OperatorPage, register_page
    from . import admin, tasks, views  # noqa: F401  (the admin registers its models)

    register_page(
        OperatorPage(
            name="platform_partners_expiring",
            route="partners/expiring/",
            view=views.expiring,
            title=_("Expiring partner agreements"),
            order=60,
        )
    )
    register_page(
        OperatorPage(
            name="platform_partners_attachment",
            route="partners/attachments/<int:attachment_id>/",
            view=views.attachment,
            in_menu=False,
        )
    )
    register_actions(
        {
            "partner.created": _("Partner institution added"),
            "partner.changed": _("Partner institution changed"),
            "agreement.created": _("Partner agreement added"),
            "agreement.changed": _("Partner agreement changed"),
            "agreement.new_version": _("New version of a partner agreement"),
            "agreement.attachment_added": _("PDF added to a partner agreement"),
        }
    )
    for event in (
        events.Event("partner.agreement_expiring", _("Partner agreement about to end"),
                     events.Category.COMMUNITY, Importance.IMPORTANT),
        events.Event("partner.agreement_ended", _("Partner agreement ended"),
                     events.Category.COMMUNITY, Importance.IMPORTANT),
    ):  # fmt: skip
        events.register(event)
    register_periodic_task(
        "合作协议到期检查", task=EXPIRY_TASK, schedule=Crontab(minute="20", hour="6")
    )

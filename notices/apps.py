from datetime import timedelta

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("Notices and messages")

    def ready(self) -> None:
        from . import audit_sentences  # how this app's actions read in 操作日志

        audit_sentences.register()
        from accounts.portal import HomePanel, Tab, register_home_panel, register_tab
        from kit.audit import register_actions
        from kit.periodic import register_periodic_task
        from staff import menu, scoping
        from staff.positions import CASHIER, FRONT_DESK, MANAGER, register_position_defaults

        from . import events, selectors, setup
        from .models import Message, Notice, NoticeAttachment
        from .views.resident import home_panel

        events.register(
            events.Event(
                "notice.published", _("Community notice published"), events.Category.NOTICES
            )
        )
        events.register(
            events.Event(
                "notice.approval_requested",
                _("Urgent notice waiting for approval"),
                events.Category.NOTICES,
            )
        )
        events.register(
            events.Event(
                "notice.approval_decided",
                _("Urgent notice approved or rejected"),
                events.Category.NOTICES,
            )
        )
        register_tab(
            Tab(
                _("Messages"),
                "notices:inbox",
                "chat-dots",
                80,
                badge=lambda request: selectors.unread_message_badge(request.user),
                badge_label=_("unread"),
            )
        )
        register_home_panel(HomePanel("notices", home_panel))
        menu.register(
            menu.MenuEntry(
                _("Notices"),
                "notices_staff:list",
                "megaphone",
                40,
                "notices.view_notice",
                group=menu.NOTICES,
            )
        )
        # Every position: alerts (overdue repairs, low ratings, payments to check, jobs
        # dispatched) reach staff in their own inbox.
        menu.register(
            menu.MenuEntry(
                _("Messages"),
                "notices_staff:inbox",
                "bell",
                12,
                badge=setup.unread_badge,
                group=menu.WORK,
            )
        )
        scoping.register("notice_id", Notice, "community")
        # A message belongs to its recipient, not to a community: the staff inbox shows one's
        # own messages from every community served (the path only lets tests find one).
        scoping.register(
            "message_id", Message, "recipient__staff_member__communities", owner_path="recipient"
        )
        scoping.register("attachment_id", NoticeAttachment, "notice__community")
        register_actions(
            {
                "notice.created": _("Notice written"),
                "notice.changed": _("Notice changed"),
                "notice.published": _("Notice published"),
                "notice.withdrawn": _("Notice withdrawn"),
                "notice.pinned": _("Notice pinned"),
                "notice.unpinned": _("Notice unpinned"),
                "notice.deleted": _("Notice deleted"),
                "notice.approval_requested": _("Urgent notice submitted for approval"),
                "notice.approved": _("Urgent notice approved"),
                "notice.rejected": _("Urgent notice rejected"),
                "notice.settings_changed": _("Notice approval setting changed"),
            }
        )
        from staff.duties import NOTICES, Duty, register_duties

        register_duties(
            [
                Duty(
                    "approve_notices",
                    _("Approve urgent notices sent to everybody by SMS"),
                    NOTICES,
                    ("notices.view_notice", "notices.approve_notice"),
                ),
                Duty(
                    "delete_notices",
                    _("Delete draft and withdrawn notices"),
                    NOTICES,
                    ("notices.view_notice", "notices.delete_notice"),
                ),
            ]
        )
        register_position_defaults(
            {
                MANAGER: [
                    "notices.view_notice",
                    "notices.add_notice",
                    "notices.change_notice",
                    "notices.delete_notice",
                    "notices.approve_notice",
                ],
                FRONT_DESK: [
                    "notices.view_notice",
                    "notices.add_notice",
                    "notices.change_notice",
                    "notices.delete_notice",
                ],
                CASHIER: ["notices.view_notice"],
            }
        )
        post_migrate.connect(setup.ensure_defaults, sender=self)
        register_periodic_task(
            "消息投递巡检与定时公告", task=setup.SWEEP_TASK, schedule=timedelta(minutes=1)
        )

from datetime import timedelta

from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class RepairsConfig(AppConfig):
    name = "repairs"
    verbose_name = _("Repairs")

    def ready(self) -> None:
        from . import audit_sentences  # how this app's actions read in 操作日志

        audit_sentences.register()
        from accounts.models import Community
        from accounts.portal import Tab, register_tab
        from kit.audit import register_actions
        from kit.parameters import INT, Parameter, register_parameters
        from kit.periodic import register_periodic_task
        from notices import events
        from notices.models import Importance
        from staff import menu, scoping
        from staff.positions import FRONT_DESK, MANAGER, TECHNICIAN, register_position_defaults

        from . import room_panel, setup
        from .models import RepairAttachment, RepairCategory, RepairOrder, TimeSlot

        for event in (
            events.Event("repair.status_changed", _("Repair order status changed"),
                         events.Category.REPAIRS),
            events.Event("repair.assigned", _("Repair order dispatched to you"),
                         events.Category.REPAIRS, Importance.IMPORTANT),
            events.Event("repair.overdue", _("Repair order overdue"), events.Category.REPAIRS,
                         Importance.IMPORTANT),
            events.Event("repair.low_rating", _("Low rating for a repair"),
                         events.Category.REPAIRS, Importance.IMPORTANT),
            events.Event("repair.declined", _("Technician declined a repair order"),
                         events.Category.REPAIRS, Importance.IMPORTANT),
            events.Event("repair.charge_proposed", _("Repair charges to agree"),
                         events.Category.REPAIRS, Importance.IMPORTANT),
            events.Event("repair.rating_replied", _("Reply to your repair rating"),
                         events.Category.REPAIRS),
        ):  # fmt: skip
            events.register(event)
        from staff import search, workday

        from .search import SEARCHER
        from .workday import SOURCE as WORKDAY

        workday.register(WORKDAY)
        search.register(SEARCHER)
        register_tab(Tab(_("Repairs"), "repairs:list", "wrench-adjustable-circle", 30))
        menu.register(
            menu.MenuEntry(
                _("Repair orders"),
                "repairs_staff:queue",
                "tools",
                30,
                "repairs.view_repairorder",
                badge=setup.pending_badge,
                group=menu.REPAIRS,
            )  # fmt: skip
        )
        menu.register(
            menu.MenuEntry(
                _("Repair board"),
                "repairs_staff:board",
                "kanban",
                31,
                "repairs.view_repairorder",
                group=menu.REPAIRS,
            )
        )
        menu.register(
            menu.MenuEntry(
                _("Ratings and performance"),
                "repairs_staff:performance",
                "star-half",
                32,
                "repairs.view_repair_performance",
                group=menu.REPAIRS,
            )  # fmt: skip
        )
        menu.register(
            menu.MenuEntry(
                _("My repair jobs"),
                "repairs_tech:list",
                "phone",
                33,
                "repairs.work_repairorder",
                unless_perm="repairs.dispatch_repairorder",
                group=menu.REPAIRS,
            )  # fmt: skip
        )
        room_panel.register()
        scoping.register("order_id", RepairOrder, "community")
        scoping.register("repair_file_id", RepairAttachment, "order__community")
        scoping.register("category_id", RepairCategory, "community")
        scoping.register("slot_id", TimeSlot, "community")
        register_parameters(
            [
                Parameter(
                    key="repairs.accept_within_minutes", module=_("Repairs"), kind=INT,
                    default=30, minimum=1, maximum=7 * 24 * 60, company_override=True,
                    label=_("Accept within (new categories)"), unit=_("minutes"), order=110,
                    help=_("The service level a category added by staff starts with."),
                ),
                Parameter(
                    key="repairs.finish_within_hours", module=_("Repairs"), kind=INT,
                    default=24, minimum=1, maximum=30 * 24, company_override=True,
                    label=_("Finish within (new categories)"), unit=_("hours"), order=120,
                    help=_("The service level a category added by staff starts with."),
                ),
            ]
        )  # fmt: skip
        register_actions(
            {
                "repair.reported": _("Repair reported"),
                "repair.accepted": _("Repair order accepted"),
                "repair.assigned": _("Repair order dispatched"),
                "repair.reassigned": _("Repair order dispatched again"),
                "repair.grabbed": _("Repair order taken by a technician"),
                "repair.technician_accepted": _("Technician confirmed the order"),
                "repair.started": _("Repair started"),
                "repair.note_added": _("Repair progress note"),
                "repair.completed": _("Repair completed"),
                "repair.cancelled": _("Repair order cancelled"),
                "repair.rated": _("Repair rated"),
                "repair.escalated": _("Repair order escalated"),
                "repair.category_saved": _("Repair category saved"),
                "repair.slot_saved": _("Repair time slot saved"),
                "repair.taken": _("Repair order taken for a resident"),
                "repair.declined": _("Repair order declined by the technician"),
                "repair.charge_proposed": _("Repair charges proposed"),
                "repair.charge_agreed": _("Repair charges agreed and billed"),
                "repair.callback": _("Repair call-back recorded"),
                "repair.rating_replied": _("Reply to a repair rating"),
            }
        )
        register_position_defaults(
            {
                MANAGER: [
                    "repairs.view_repairorder",
                    "repairs.dispatch_repairorder",
                    "repairs.add_repaircategory",
                    "repairs.change_repaircategory",
                    "repairs.view_repair_performance",
                    # Held so that a manager may take on and manage technicians (a position is
                    # handed out only by someone holding all of it); dispatchers are not
                    # dispatched to themselves.
                    "repairs.work_repairorder",
                ],
                FRONT_DESK: ["repairs.view_repairorder", "repairs.dispatch_repairorder"],
                TECHNICIAN: ["repairs.work_repairorder"],
            }
        )
        post_save.connect(setup.community_created, sender=Community)
        post_migrate.connect(setup.ensure_defaults, sender=self)
        post_migrate.connect(setup.fill_missing_figures, sender=self)
        register_periodic_task(
            "报修超时检查与升级", task=setup.ESCALATION_TASK, schedule=timedelta(minutes=1)
        )

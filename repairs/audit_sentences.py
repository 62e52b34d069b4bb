"""How the repairs module's actions read in 操作日志 (kit.audit sentences)."""

from django.utils.translation import gettext_lazy as _

from kit.audit import Sentence, register_modules, register_sentences

from .models import RepairOrder


def register() -> None:
    status = {"from": RepairOrder.Status, "to": RepairOrder.Status}
    moved = Sentence(
        _("%(actor)s moved repair order %(target)s from “%(from)s” to “%(to)s”"), choices=status
    )
    register_modules({"repair": _("Repairs")})
    register_sentences(
        {
            "repair.reported": _("%(actor)s reported repair order %(target)s (%(category)s, %(place)s)"),
            "repair.rated": _("%(actor)s rated repair order %(target)s: speed %(speed)s, quality %(quality)s, attitude %(attitude)s"),
            "repair.escalated": _("Repair order %(target)s was overdue and escalated to level %(level)s"),
            "repair.technician_accepted": _("%(actor)s confirmed repair order %(target)s"),
            "repair.note_added": _("%(actor)s added a progress note to repair order %(target)s"),
            "repair.accepted": moved,
            "repair.assigned": moved,
            "repair.reassigned": moved,
            "repair.grabbed": moved,
            "repair.started": moved,
            "repair.completed": moved,
            "repair.cancelled": Sentence(
                _("%(actor)s cancelled repair order %(target)s (it was “%(from)s”): %(note)s"),
                choices=status,
            ),
            "repair.category_saved": _("%(actor)s saved the repair category %(target)s"),
            "repair.slot_saved": _("%(actor)s saved the repair time slot %(target)s (at most %(capacity)s orders)"),
        }
    )  # fmt: skip

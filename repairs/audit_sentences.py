"""How the repairs module's actions read in 操作日志 (kit.audit sentences)."""

from django.utils.translation import gettext_lazy as _

from kit.audit import Sentence, register_modules, register_sentences

from .models import RepairCallback, RepairCharge, RepairOrder


def _callback(entry, fields) -> dict:
    reached = (entry.data or {}).get("reached")
    return {
        "reached": _("reached the household") if reached else _("could not reach the household")
    }


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
            "repair.taken": Sentence(
                _("%(actor)s took repair order %(target)s for the household (%(channel)s; %(category)s, %(place)s)"),
                choices={"channel": RepairOrder.Channel},
            ),
            "repair.declined": _("%(actor)s declined repair order %(target)s: %(reason)s"),
            "repair.charge_proposed": _("%(actor)s proposed charges of ¥%(total)s for repair order %(target)s"),
            "repair.charge_agreed": Sentence(
                _("%(agreed_by)s agreed to the charges of ¥%(total)s for repair order %(target)s (%(via)s); bill %(bill)s"),
                choices={"via": RepairCharge.Agreement},
            ),
            "repair.callback": Sentence(
                _("%(actor)s called back about repair order %(target)s: %(reached)s %(satisfaction)s"),
                choices={"satisfaction": RepairCallback.Satisfaction},
                build=_callback,
            ),
            "repair.rating_replied": _("%(actor)s replied to the rating of repair order %(target)s"),
            "repair.slot_saved": _("%(actor)s saved the repair time slot %(target)s (at most %(capacity)s orders)"),
        }
    )  # fmt: skip

"""How complaints and suggestions read in 操作日志 (kit.audit sentences)."""

from django.utils.translation import gettext_lazy as _

from kit.audit import Sentence, register_modules, register_sentences

from .models import Complaint, Suggestion


def register() -> None:
    complaint = {"from": Complaint.Status, "to": Complaint.Status, "channel": Complaint.Channel}
    moved = Sentence(
        _("%(actor)s moved complaint %(target)s from “%(from)s” to “%(to)s”"), choices=complaint
    )
    suggestion = {"from": Suggestion.Status, "to": Suggestion.Status}
    suggestion_moved = Sentence(
        _("%(actor)s moved suggestion %(target)s from “%(from)s” to “%(to)s”"), choices=suggestion
    )
    register_modules({"complaint": _("Complaints"), "suggestion": _("Suggestions")})
    sentences = {
        "complaint.filed": _("%(actor)s filed complaint %(target)s (%(category)s)"),
        "complaint.logged": Sentence(
            _(
                "%(actor)s logged complaint %(target)s for a resident (%(category)s, by %(channel)s)"
            ),
            choices=complaint,
        ),
        "complaint.rated": _("%(actor)s rated complaint %(target)s: %(satisfaction)s"),
        "complaint.message": _("%(actor)s wrote on complaint %(target)s"),
        "complaint.internal_note": _("%(actor)s added an internal note to complaint %(target)s"),
        "complaint.merge": _("%(actor)s merged complaints %(merged)s into %(target)s"),
        "complaint.route_note": _("%(actor)s noted on passing complaint %(target)s on: %(note)s"),
        "complaint.escalated": _(
            "Complaint %(target)s was overdue and escalated to level %(level)s"
        ),
        "complaint.category_saved": _("%(actor)s saved the complaint category %(target)s"),
        "complaint.department_saved": _("%(actor)s saved the department %(target)s"),
        "suggestion.submitted": _("%(actor)s submitted suggestion %(target)s"),
        "suggestion.supported": _("%(actor)s supported suggestion %(target)s"),
        "suggestion.support_withdrawn": _(
            "%(actor)s withdrew their support for suggestion %(target)s"
        ),
        "suggestion.evaluated": _("%(actor)s wrote evaluation notes on suggestion %(target)s"),
        "suggestion.merged_in": _("%(actor)s merged a duplicate into suggestion %(target)s"),
        "suggestion.step_added": _("%(actor)s added a plan step to suggestion %(target)s"),
        "suggestion.step_changed": _("%(actor)s changed a plan step of suggestion %(target)s"),
        "suggestion.step_removed": _("%(actor)s removed a plan step of suggestion %(target)s"),
        "suggestion.step_done": _("%(actor)s finished a plan step of suggestion %(target)s"),
        "suggestion.progress": _("%(actor)s reported progress on suggestion %(target)s: %(note)s"),
    }
    for kind in (
        "accepted",
        "routed",
        "rerouted",
        "replied",
        "returned",
        "closed",
        "withdrawn",
        "merged",
    ):
        sentences[f"complaint.{kind}"] = moved
    for kind in ("evaluating", "adopted", "declined", "completed", "merged"):
        sentences[f"suggestion.{kind}"] = suggestion_moved
    register_sentences(sentences)  # fmt: skip

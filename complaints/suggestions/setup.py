"""The suggestions part of the complaints app: what it registers with the layers below (called from
`ComplaintsConfig.ready`)."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


def submitted_badge(request: HttpRequest) -> int:
    """The staff menu's badge: suggestions nobody has started to evaluate."""
    from ..selectors import waiting_counts

    return waiting_counts(request)["suggestions"]


def register() -> None:
    from kit.audit import register_actions
    from notices import events
    from staff import menu

    from ..setup import VIEW_SUGGESTION

    menu.register(
        menu.MenuEntry(
            _("Suggestions"),
            "complaints_staff:suggestion_queue",
            "lightbulb",
            72,
            VIEW_SUGGESTION,
            badge=submitted_badge,
            group=menu.COMPLAINTS,
        )
    )
    register_actions(
        {
            "suggestion.submitted": _("Suggestion submitted"),
            "suggestion.supported": _("Suggestion supported"),
            "suggestion.support_withdrawn": _("Support for a suggestion withdrawn"),
            "suggestion.evaluating": _("Suggestion evaluation started"),
            "suggestion.evaluated": _("Suggestion evaluation notes written"),
            "suggestion.adopted": _("Suggestion adopted"),
            "suggestion.declined": _("Suggestion not adopted"),
            "suggestion.merged": _("Suggestion merged into another"),
            "suggestion.merged_in": _("Duplicate suggestion merged in"),
            "suggestion.step_added": _("Suggestion plan step added"),
            "suggestion.step_changed": _("Suggestion plan step changed"),
            "suggestion.step_removed": _("Suggestion plan step removed"),
            "suggestion.step_done": _("Suggestion plan step done"),
            "suggestion.progress": _("Suggestion progress reported"),
            "suggestion.completed": _("Suggestion carried out"),
        }
    )
    for event in (
        events.Event("suggestion.submitted", _("New suggestion"), events.Category.COMMUNITY),
        events.Event("suggestion.decided", _("Decision on a suggestion"),
                     events.Category.COMMUNITY),
        events.Event("suggestion.progress", _("Progress of a suggestion"),
                     events.Category.COMMUNITY),
        events.Event("suggestion.completed", _("Suggestion carried out"),
                     events.Category.COMMUNITY),
    ):  # fmt: skip
        events.register(event)

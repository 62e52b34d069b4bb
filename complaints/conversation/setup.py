"""The conversation part of the complaints app: what it registers with the layers below (called from
`ComplaintsConfig.ready`)."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from kit.audit import register_actions
    from notices import events

    register_actions(
        {
            "complaint.message": _("Complaint message sent"),
            "complaint.internal_note": _("Internal note on a complaint"),
            "complaint.merge": _("Duplicate complaints merged into this one"),
            "complaint.merged": _("Complaint merged into another"),
        }
    )
    for event in (
        # To the filing household: a staff member wrote in the conversation.
        events.Event(
            "complaint.message", _("Message about a complaint"), events.Category.COMMUNITY
        ),
        # To the handler (or the department, or the community's complaint staff).
        events.Event(
            "complaint.resident_message",
            _("A resident wrote about a complaint"),
            events.Category.COMMUNITY,
        ),
    ):
        events.register(event)

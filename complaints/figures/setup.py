"""The figures part of the complaints app: what it registers with the layers below (called from
`ComplaintsConfig.ready`): the menu entries of the statistics and the settings, the audit
labels of the settings, and the complaints panel of the staff room page."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import Room


def room_panel_context(request: HttpRequest, room: Room) -> dict | None:
    """The room's complaints (filed by its households or about it), the complaints about it as
    a neighbour (marked 被投诉) and its households' suggestions: four queries, for staff who
    see complaints; nothing for the others."""
    from staff.access import staff_has_perm

    from ..setup import VIEW_COMPLAINT
    from . import selectors

    if not staff_has_perm(request, VIEW_COMPLAINT):
        return None
    households = selectors.household_ids_of_room(room)
    return {
        "complaints": selectors.complaints_of_room(room, households),
        "complained_about": selectors.complaints_about_room(room),
        "suggestions": selectors.suggestions_of_room(households),
    }


def register() -> None:
    from kit.audit import register_actions
    from staff import menu
    from staff.rooms import RoomPanel, register_room_panel

    from ..setup import FIGURES, SETTINGS

    menu.register(
        menu.MenuEntry(
            _("Complaint settings"),
            "complaints_staff:category_list",
            "sliders",
            76,
            SETTINGS,
            group=menu.COMPLAINTS,
        )
    )
    menu.register(
        menu.MenuEntry(
            _("Complaint figures"),
            "complaints_staff:figures",
            "bar-chart",
            77,
            FIGURES,
            group=menu.REPORTS,
        )
    )
    register_actions(
        {
            "complaint.category_saved": _("Complaint category saved"),
            "complaint.department_saved": _("Complaint department saved"),
        }
    )
    register_room_panel(
        RoomPanel(
            "complaints",
            "staff/complaints/figures/_room_panel.html",
            context=room_panel_context,
            order=40,
            wide=True,
        )
    )

"""Parts of the staff room page that other modules fill (complaints: the room's complaints and
suggestions). The staff app may not import them (layers), so they register here, as the resident
home page's panels do in accounts.portal.

`context(request, room)` returns the panel's template variables, or None when the staff member
may not see it (the panel is then left out). Keep it to a bounded number of queries."""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest

from accounts.models import Room


@dataclass(frozen=True)
class RoomPanel:
    name: str
    template: str
    context: Callable[[HttpRequest, Room], dict | None]
    order: int = 50


_ROOM_PANELS: dict[str, RoomPanel] = {}


def register_room_panel(panel: RoomPanel) -> None:
    _ROOM_PANELS[panel.name] = panel


def room_panels(request: HttpRequest, room: Room) -> list[dict]:
    """The panels to show on `room`'s page, in order: {"name", "template", "data"}; the
    panel's template reads its variables as `data.<name>`."""
    shown = []
    for panel in sorted(_ROOM_PANELS.values(), key=lambda panel: (panel.order, panel.name)):
        data = panel.context(request, room)
        if data is not None:
            shown.append({"name": panel.name, "template": panel.template, "data": data})
    return shown

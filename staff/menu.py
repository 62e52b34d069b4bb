"""The staff side menu. Each module registers its own entries (in `AppConfig.ready`), so the
menu links only what exists and shows only what the staff member's position may use."""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise

from .access import staff_has_perm


@dataclass(frozen=True)
class MenuEntry:
    label: Promise | str
    url_name: str
    icon: str
    order: int
    perm: str | None = None
    badge: Callable[[HttpRequest], int] | None = None
    exact: bool = False
    # Hidden from those who hold this permission (the technician's phone pages are not for
    # the dispatchers who also hold the technician's duty).
    unless_perm: str | None = None


_ENTRIES: dict[str, MenuEntry] = {}


def register(entry: MenuEntry) -> None:
    _ENTRIES[entry.url_name] = entry


def staff_menu(request: HttpRequest) -> list[dict]:
    items = []
    for entry in sorted(_ENTRIES.values(), key=lambda e: e.order):
        if entry.perm and not staff_has_perm(request, entry.perm):
            continue
        if entry.unless_perm and staff_has_perm(request, entry.unless_perm):
            continue
        url = reverse(entry.url_name)
        matches = request.path == url if entry.exact else request.path.startswith(url)
        items.append(
            {
                "label": entry.label,
                "url": url,
                "icon": entry.icon,
                "active": False,
                "match": len(url) if matches else 0,
                "badge": entry.badge(request) if entry.badge else 0,
            }
        )
    # The entry with the longest matching address is the current one: /staff/repairs/board/
    # is the board's page, not the queue's (/staff/repairs/).
    best = max(items, key=lambda item: item["match"], default=None)
    if best is not None and best["match"]:
        best["active"] = True
    return items

"""The staff side menu. Each module registers its own entries (in `AppConfig.ready`), so the
menu links only what exists and shows only what the staff member's position may use. Entries
are shown under their module's heading (`group`, one of GROUPS), and the entry of the page one
is on, or of the list a detail page belongs to, is highlighted."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.signals import setting_changed
from django.http import HttpRequest
from django.urls import Resolver404, get_script_prefix, resolve, reverse
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from .access import staff_has_perm

# The modules' headings, in the menu's order.
WORK, RESIDENTS, REPAIRS, FEES, NOTICES, SERVICES, COMPLAINTS, REPORTS, SETTINGS = (
    "work", "residents", "repairs", "fees", "notices", "services", "complaints", "reports",
    "settings",
)  # fmt: skip
GROUPS = {
    WORK: pgettext_lazy("menu group", "Workbench"),
    RESIDENTS: pgettext_lazy("menu group", "Residents"),
    REPAIRS: pgettext_lazy("menu group", "Repairs"),
    FEES: pgettext_lazy("menu group", "Fees"),
    NOTICES: pgettext_lazy("menu group", "Notices"),
    SERVICES: pgettext_lazy("menu group", "Services"),
    COMPLAINTS: pgettext_lazy("menu group", "Complaints and suggestions"),
    REPORTS: pgettext_lazy("menu group", "Reports"),
    SETTINGS: pgettext_lazy("menu group", "Settings"),
}


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
    # The module heading it is listed under (a key of GROUPS).
    group: str = WORK
    # Other address prefixes whose pages belong to this entry (a detail page outside the
    # list's address, e.g. a receipt under the payments).
    also: tuple[str, ...] = ()


_ENTRIES: dict[str, MenuEntry] = {}


def register(entry: MenuEntry) -> None:
    _ENTRIES[entry.url_name] = entry


_URLS: dict[tuple[str, str], str] = {}


def _forget_urls(*, setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _URLS.clear()


setting_changed.connect(_forget_urls)


def _url(entry: MenuEntry) -> str:
    """The entry's address, reversed once per process (and script prefix): the menu asked the
    resolver 30 times on every staff page."""
    key = (entry.url_name, get_script_prefix())
    url = _URLS.get(key)
    if url is None:
        url = _URLS[key] = reverse(entry.url_name)
    return url


def _match(entry: MenuEntry, url: str, path: str) -> int:
    """How well `path` belongs to the entry: the length of the longest matching prefix."""
    if entry.exact:
        return len(url) if path == url else 0
    prefixes = (url, *entry.also)
    return max((len(prefix) for prefix in prefixes if path.startswith(prefix)), default=0)


def entry_for_path(path: str) -> tuple[MenuEntry, str] | None:
    """The menu entry a page belongs to (whoever may see it), with its address."""
    best, best_url, best_match = None, "", 0
    for entry in _ENTRIES.values():
        url = _url(entry)
        match = _match(entry, url, path)
        if match > best_match:
            best, best_url, best_match = entry, url, match
    return (best, best_url) if best is not None else None


def page_after_switch(request: HttpRequest, target: str) -> str:
    """Where to go after switching community from `target` (a local address): the same page
    if it names no object of the previous community, else the list it belongs to, else the
    home page."""
    home = reverse("staff:home")
    path = target.split("?", 1)[0]
    if not path.startswith(home):
        return home
    try:
        match = resolve(path)
    except Resolver404:
        return home
    if not match.kwargs:
        return target
    found = entry_for_path(path)
    if found is None or found[1] == path:
        return home
    entry, url = found
    if resolve(url).kwargs:
        return home
    return url


def staff_menu(request: HttpRequest) -> list[dict]:
    items = []
    for entry in sorted(_ENTRIES.values(), key=lambda e: e.order):
        if entry.perm and not staff_has_perm(request, entry.perm):
            continue
        if entry.unless_perm and staff_has_perm(request, entry.unless_perm):
            continue
        url = _url(entry)
        items.append(
            {
                "label": entry.label,
                "url": url,
                "icon": entry.icon,
                "group": entry.group,
                "active": False,
                "match": _match(entry, url, request.path),
                "badge": entry.badge(request) if entry.badge else 0,
            }
        )
    # The entry with the longest matching address is the current one: /staff/repairs/board/
    # is the board's page, not the queue's (/staff/repairs/).
    best = max(items, key=lambda item: item["match"], default=None)
    if best is not None and best["match"]:
        best["active"] = True
    return items


def staff_menu_groups(items: list[dict]) -> list[dict]:
    """The entries under their module headings, in the headings' order; the group of the page
    one is on is marked `current` (shown open)."""
    order = list(GROUPS)
    groups: dict[str, dict] = {}
    for item in items:
        key = item["group"] if item["group"] in GROUPS else WORK
        group = groups.setdefault(
            key, {"key": key, "label": GROUPS[key], "items": [], "current": False, "badge": 0}
        )
        group["items"].append(item)
        group["badge"] += item["badge"] or 0
        group["current"] = group["current"] or item["active"]
    return sorted(groups.values(), key=lambda g: order.index(g["key"]))

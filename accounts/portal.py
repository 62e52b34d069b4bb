"""The resident portal's shell, filled by the modules above accounts from their
`AppConfig.ready`: the tab bar (each module registers its tab when it has a page behind it),
the panels of the home page, and the portal a person lands in after logging in."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise

if TYPE_CHECKING:
    from .models import User


@dataclass(frozen=True)
class Tab:
    label: Promise | str
    url_name: str
    icon: str
    order: int
    # Other path prefixes whose pages belong under this tab (allauth's account pages,
    # reached from 我的 → 账号与安全, live under /accounts/).
    also: tuple[str, ...] = ()
    # A number shown on the tab (e.g. unread messages), asked of a logged-in request; 0 hides it.
    badge: Callable[[HttpRequest], int] | None = None
    # What the number counts, for screen readers ("unread", "unpaid bills").
    badge_label: Promise | str = ""


_TABS: dict[str, Tab] = {}


def register_tab(tab: Tab) -> None:
    _TABS[tab.url_name] = tab


def resident_tabs(request: HttpRequest) -> list[dict]:
    tabs = sorted(_TABS.values(), key=lambda t: t.order)
    items = [
        {"label": t.label, "url": reverse(t.url_name), "icon": t.icon, "badge_label": t.badge_label}
        for t in tabs
    ]
    # The tab with the longest matching prefix is the active one ("/" would match everything).
    best, active = 0, None
    for tab, item in zip(tabs, items, strict=True):
        for prefix in (item["url"], *tab.also):
            if request.path.startswith(prefix) and len(prefix) > best:
                best, active = len(prefix), item
    user = getattr(request, "user", None)
    for tab, item in zip(tabs, items, strict=True):
        item["active"] = item is active
        item["badge"] = tab.badge(request) if tab.badge and user and user.is_authenticated else 0
    return items


# --- Home page panels ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HomePanel:
    """A part of the resident home page that another module fills (notices: the latest
    notices). `context(request, verified_room_ids)` returns the template variables it adds."""

    name: str
    context: Callable[[HttpRequest, list[int]], dict]


_HOME_PANELS: dict[str, HomePanel] = {}


def register_home_panel(panel: HomePanel) -> None:
    _HOME_PANELS[panel.name] = panel


def home_panels_context(request: HttpRequest, verified_room_ids: list[int]) -> dict:
    context: dict = {}
    for panel in _HOME_PANELS.values():
        context.update(panel.context(request, verified_room_ids))
    return context


# --- Where people land after logging in ---------------------------------------------------------

# Asked in turn, without a `next`: the first that answers with a URL wins (staff: the staff
# portal for an active staff member); nobody answering leaves the default.
_LANDINGS: list[Callable[["User"], str | None]] = []


def register_landing(landing: Callable[["User"], str | None]) -> None:
    if landing not in _LANDINGS:
        _LANDINGS.append(landing)


def landing_url(user: "User") -> str | None:
    for landing in _LANDINGS:
        url = landing(user)
        if url:
            return url
    return None


# --- The entry grid: everything that is not a tab ------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A square of the entry grid on the home page and in 我的 (services, parcels, activities):
    the tab bar stays at five, everything else is reached from here. `badge(request)` works as
    a tab's does: one cheap query, 0 hides it."""

    label: Promise | str
    url_name: str
    icon: str
    order: int
    badge: Callable[[HttpRequest], int] | None = None
    badge_label: Promise | str = ""


_ENTRIES: dict[str, Entry] = {}


def register_entry(entry: Entry) -> None:
    _ENTRIES[entry.url_name] = entry


def resident_entries(request: HttpRequest) -> list[dict]:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return [
        {
            "label": e.label,
            "url": reverse(e.url_name),
            "icon": e.icon,
            "badge": e.badge(request) if e.badge and signed_in else 0,
            "badge_label": e.badge_label,
        }
        for e in sorted(_ENTRIES.values(), key=lambda e: e.order)
    ]


# --- Rows of 我的 that other modules add ---------------------------------------------------------


@dataclass(frozen=True)
class MeLink:
    """A row of 我的 that a module above accounts adds (services: 服务商入驻, or 服务商工作台
    for a provider's member). `link(request)` answers (label, url_name, icon), or None to hide
    the row; it may ask one cheap query."""

    name: str
    order: int
    link: Callable[[HttpRequest], tuple[Promise | str, str, str] | None]


_ME_LINKS: dict[str, MeLink] = {}


def register_me_link(link: MeLink) -> None:
    _ME_LINKS[link.name] = link


def me_links(request: HttpRequest) -> list[dict]:
    rows = []
    for entry in sorted(_ME_LINKS.values(), key=lambda e: e.order):
        answer = entry.link(request)
        if answer:
            label, url_name, icon = answer
            rows.append({"label": label, "url": reverse(url_name), "icon": icon})
    return rows

"""The resident tab bar. Each module registers its tab when it has a page behind it."""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise


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

"""The resident tab bar. Each module registers its tab when it has a page behind it."""

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


_TABS: dict[str, Tab] = {}


def register_tab(tab: Tab) -> None:
    _TABS[tab.url_name] = tab


def resident_tabs(request: HttpRequest) -> list[dict]:
    tabs = sorted(_TABS.values(), key=lambda t: t.order)
    items = [{"label": t.label, "url": reverse(t.url_name), "icon": t.icon} for t in tabs]
    # The longest matching URL is the active tab ("/" would match everything).
    matching = [i for i in items if request.path.startswith(i["url"])]
    active = max(matching, key=lambda i: len(i["url"]), default=None)
    for item in items:
        item["active"] = item is active
    return items

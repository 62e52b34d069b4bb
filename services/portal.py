"""The provider pages' shell (under /provider/): each part registers its tab for the bottom
bar of templates/provider/base.html, as the resident portal's modules do."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class ProviderTab:
    label: Promise | str
    url_name: str
    icon: str
    order: int


_TABS: dict[str, ProviderTab] = {}


def register_provider_tab(tab: ProviderTab) -> None:
    _TABS[tab.url_name] = tab


def provider_tabs(path: str) -> list[dict]:
    items = [
        {"label": t.label, "url": reverse(t.url_name), "icon": t.icon}
        for t in sorted(_TABS.values(), key=lambda t: t.order)
    ]
    best = max(
        (i for i in items if path.startswith(i["url"])), key=lambda i: len(i["url"]), default=None
    )
    for item in items:
        item["active"] = item is best
    return items

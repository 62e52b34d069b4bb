"""The events the notification spine knows, named in code. Each module registers its own in
`AppConfig.ready` (`register(Event(...))`); `notify()` refuses an unknown name.

An event's texts are templates: `templates/messages/<event>/title.txt` and `body.txt`, shown in
the inbox and sent by Web Push and WeChat; the SMS carries the title.
"""

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Importance


class Category:
    """What a resident can mute (non-urgent pushes only; the inbox always has everything)."""

    NOTICES = "notices"
    REPAIRS = "repairs"
    BILLING = "billing"
    PAYMENTS = "payments"
    COMMUNITY = "community"
    ACCOUNT = "account"

    labels: dict[str, Promise] = {
        NOTICES: _("Community notices"),
        REPAIRS: _("Repairs"),
        BILLING: _("Bills and reminders"),
        PAYMENTS: _("Payments and receipts"),
        COMMUNITY: _("Activities, services, complaints"),
        ACCOUNT: _("Account and household"),
    }


@dataclass(frozen=True)
class Event:
    name: str
    label: Promise | str
    category: str
    importance: str = Importance.NORMAL
    # Default rule per importance until operators change it: (wechat, webpush, sms use).
    defaults: dict[str, tuple[bool, bool, str]] = field(default_factory=dict)


DEFAULT_RULES: dict[str, tuple[bool, bool, str]] = {
    Importance.NORMAL: (True, True, "never"),
    # SMS costs money and wakes people: only what must arrive goes by SMS by default.
    Importance.IMPORTANT: (True, True, "never"),
    Importance.URGENT: (True, True, "always"),
}

_EVENTS: dict[str, Event] = {}


def register(event: Event) -> None:
    _EVENTS[event.name] = event


def get(name: str) -> Event:
    try:
        return _EVENTS[name]
    except KeyError:
        raise ValueError(f"Unknown notification event {name!r}: register it first") from None


def all_events() -> list[Event]:
    return sorted(_EVENTS.values(), key=lambda e: e.name)


def display_name(name: str) -> str:
    """The event's name with its code after it, 维修单已派单（repair.assigned）; the bare code
    for an event no longer registered."""
    try:
        return f"{get(name).label}（{name}）"
    except ValueError:
        return name


def choices() -> list[tuple[str, str]]:
    """The events by their names (sorted as people read them), each with its code after it."""
    return sorted(((e.name, display_name(e.name)) for e in all_events()), key=lambda c: c[1])


def default_rule(event: Event, importance: str) -> tuple[bool, bool, str]:
    return event.defaults.get(importance) or DEFAULT_RULES[importance]

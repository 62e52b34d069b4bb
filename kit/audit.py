"""The audit log service used by every module: `log_action(...)` after each change that matters,
and the sentences the log reads as (操作日志): each app registers, per action, a sentence with
named fields (`register_sentences`) so that an entry reads 「李明 将报修单 R… 从“已派单”改为“处理中”」,
never `from=assigned; to=in_progress`, a stored HTML body or a database id."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry
from .net import client_ip

_ACTION_LABELS: dict[str, Promise | str] = {}


def register_actions(labels: Mapping[str, Promise | str]) -> None:
    """Each app names its actions once (in `AppConfig.ready`) so the log reads in Chinese."""
    _ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    return str(_ACTION_LABELS.get(action, action))


def registered_actions() -> dict[str, str]:
    """Every registered action with its label (in the active language)."""
    return {code: str(label) for code, label in _ACTION_LABELS.items()}


# --- Sentences -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    """How one action reads. `text` is a gettext string with %(name)s fields: `actor` (the
    person, or 系统), `target` (the object's label as recorded), `action` (its label) and
    every key of the entry's data, rendered for reading: lists joined with 、, amounts with two
    decimals, codes translated through `choices` (data key -> TextChoices or a mapping).
    `build`, when given, returns extra or replaced fields from the entry (or the whole
    sentence, as a str)."""

    text: Any = ""
    choices: Mapping[str, Any] = field(default_factory=dict)
    build: Callable[[Any, dict], dict | str] | None = None


_SENTENCES: dict[str, Sentence] = {}


def register_sentences(sentences: Mapping[str, Sentence | Promise | str]) -> None:
    """Each app gives its actions a sentence once (from `AppConfig.ready`)."""
    for action, sentence in sentences.items():
        _SENTENCES[action] = sentence if isinstance(sentence, Sentence) else Sentence(text=sentence)


def sentence_for(action: str) -> Sentence | None:
    return _SENTENCES.get(action)


def _labels_of(choices: Any) -> Mapping:
    if hasattr(choices, "choices"):  # a TextChoices class
        return dict(choices.choices)
    return choices


def _money(value: Any) -> str:
    try:
        return f"{Decimal(str(value)):.2f}"
    except (InvalidOperation, ValueError):
        return str(value)


def _readable(value: Any, labels: Mapping | None = None) -> str:
    if value is None or value == "":
        return "—"
    if labels is not None and isinstance(value, str | int) and value in labels:
        return str(labels[value])
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list | tuple | set):
        return "、".join(_readable(item, labels) for item in value) or "—"
    if isinstance(value, dict):
        return "—"
    return str(value)


class _Fields(dict):
    """A field the entry does not have reads as a dash instead of failing the page."""

    def __missing__(self, key: str) -> str:
        return "—"


def sentence_fields(entry: Any, sentence: Sentence | None = None) -> _Fields:
    data = entry.data if isinstance(entry.data, dict) else {}
    choices = sentence.choices if sentence else {}
    fields = _Fields(
        {key: _readable(value, _labels_of(choices[key]) if key in choices else None)
         for key, value in data.items()}
    )  # fmt: skip
    for key in ("amount", "total", "unit_price", "late_fee_daily_rate"):
        if key in data and data[key] not in (None, ""):
            fields[key] = _money(data[key])
    fields["actor"] = entry.actor_label or str(_("System"))
    fields["target"] = entry.target_label or "—"
    fields["action"] = action_label(entry.action)
    return fields


def describe(entry: Any) -> str:
    """The entry as one sentence in the active language (no query: only what was recorded)."""
    sentence = _SENTENCES.get(entry.action)
    fields = sentence_fields(entry, sentence)
    if sentence is None:
        return FALLBACK % fields
    if sentence.build is not None:
        built = sentence.build(entry, fields)
        if isinstance(built, str):
            return built
        fields.update(built)
    try:
        return str(sentence.text) % fields
    except (TypeError, ValueError, KeyError):  # a translation with a broken field
        return FALLBACK % fields


# An action nobody gave a sentence: its label and what it was about.
FALLBACK = _("%(actor)s: %(action)s · %(target)s")


def actions_by_module() -> list[tuple[str, list[tuple[str, str]]]]:
    """[(module, [(action, label), …]), …] for the action filter, by the action's prefix."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, label in sorted(_ACTION_LABELS.items()):
        module = str(_MODULES.get(code.split(".", 1)[0], code.split(".", 1)[0]))
        groups.setdefault(module, []).append((code, str(label)))
    return sorted(groups.items())


_MODULES: dict[str, Promise | str] = {}


def register_modules(modules: Mapping[str, Promise | str] | Iterable) -> None:
    """The module name of each action prefix ("repair" -> 报修), for grouping the filter."""
    _MODULES.update(dict(modules))


def _recorded_ip(request: HttpRequest | None) -> str | None:
    # The client's, as the limits see it: behind the proxy REMOTE_ADDR is the proxy's address.
    if request is None:
        return None
    address = client_ip(request)
    return None if address == "0.0.0.0" else address  # noqa: S104


def log_action(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    community: Any = None,
    data: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Record one change. `actor` is a user or None for the system (tasks, webhooks)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=user,
        actor_label=str(user) if user else "",
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:200] if target is not None else "",
        community=community,
        data=dict(data or {}),
        ip_address=_recorded_ip(request),
    )


def entries_for(target: models.Model) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
    ).select_related("actor")


def entries_for_objects(model: type[models.Model], ids: list) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(model), target_id__in=[str(i) for i in ids]
    ).select_related("actor")

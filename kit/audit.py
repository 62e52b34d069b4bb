"""The audit log service used by every module: `log_action(...)` after each change that matters."""

from collections.abc import Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest
from django.utils.functional import Promise

from .models import AuditEntry
from .net import client_ip

_ACTION_LABELS: dict[str, Promise | str] = {}


def register_actions(labels: Mapping[str, Promise | str]) -> None:
    """Each app names its actions once (in `AppConfig.ready`) so the log reads in Chinese."""
    _ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    return str(_ACTION_LABELS.get(action, action))


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

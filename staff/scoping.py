"""Which URL keyword names which model, and how that model reaches its community.

Every staff URL that takes an object id uses a keyword registered here (`room_id`,
`residency_id`, ...). Views fetch through `get_scoped_or_404`, so an object of another
community is a 404; the tenancy sweep test walks every staff URL through this registry.
"""

from dataclasses import dataclass
from typing import TypeVar

from django.db import models
from django.http import Http404, HttpRequest

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class ScopedLookup:
    model: type[models.Model]
    community_path: str  # e.g. "building__community" for Room


_REGISTRY: dict[str, ScopedLookup] = {}


def register(url_kwarg: str, model: type[models.Model], community_path: str) -> None:
    existing = _REGISTRY.get(url_kwarg)
    if existing and existing.model is not model:
        raise ValueError(f"URL keyword {url_kwarg!r} already names {existing.model.__name__}")
    _REGISTRY[url_kwarg] = ScopedLookup(model=model, community_path=community_path)


def lookup_for(url_kwarg: str) -> ScopedLookup | None:
    return _REGISTRY.get(url_kwarg)


def registered() -> dict[str, ScopedLookup]:
    return dict(_REGISTRY)


def scoped_queryset(request: HttpRequest, queryset: models.QuerySet[M], path: str):
    community = getattr(request, "community", None)
    if community is None:
        return queryset.none()
    return queryset.filter(**{path: community})


def get_scoped_or_404(request: HttpRequest, queryset: models.QuerySet[M], pk: object) -> M:
    """The object with this pk if it belongs to the current community, else 404 (never 403)."""
    model = queryset.model
    lookup = next((s for s in _REGISTRY.values() if s.model is model), None)
    if lookup is None:
        raise LookupError(f"{model.__name__} is not registered in staff.scoping")
    # A subquery, not a join: a path through a to-many relation (a resident's residencies)
    # would otherwise repeat the row once per match.
    in_scope = scoped_queryset(request, model._default_manager.all(), lookup.community_path)
    try:
        return queryset.filter(pk__in=in_scope.values("pk")).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None

"""Which URL keyword names which model, and how that model reaches its community.

Every staff URL that takes an object id uses a keyword registered here (`room_id`,
`residency_id`, ...). Views fetch through `get_scoped_or_404`, so an object of another
community is a 404; the tenancy sweep test walks every staff URL through this registry.

A few objects belong to one person rather than to a community (an inbox message): they are
registered with `owner_path`, and `get_scoped_or_404` returns them to their owner only, in
whichever community the owner is working on. Their `community_path` only tells the tests
where to find one.
"""

from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

from django.db import models
from django.http import Http404, HttpRequest
from django.urls import Resolver404, resolve

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class ScopedLookup:
    model: type[models.Model]
    community_path: str  # e.g. "building__community" for Room
    owner_path: str = ""  # e.g. "recipient" for an inbox message: the person it belongs to


_REGISTRY: dict[str, ScopedLookup] = {}


def register(
    url_kwarg: str, model: type[models.Model], community_path: str, *, owner_path: str = ""
) -> None:
    existing = _REGISTRY.get(url_kwarg)
    if existing and existing.model is not model:
        raise ValueError(f"URL keyword {url_kwarg!r} already names {existing.model.__name__}")
    _REGISTRY[url_kwarg] = ScopedLookup(
        model=model, community_path=community_path, owner_path=owner_path
    )


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
    """The object with this pk if it belongs to the current community (or, for a personal
    object, to the person asking), else 404 (never 403)."""
    model = queryset.model
    lookup = next((s for s in _REGISTRY.values() if s.model is model), None)
    if lookup is None:
        raise LookupError(f"{model.__name__} is not registered in staff.scoping")
    if lookup.owner_path:
        in_scope = model._default_manager.filter(**{lookup.owner_path: request.user})
    else:
        # A subquery, not a join: a path through a to-many relation (a resident's
        # residencies) would otherwise repeat the row once per match.
        in_scope = scoped_queryset(request, model._default_manager.all(), lookup.community_path)
    try:
        return queryset.filter(pk__in=in_scope.values("pk")).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def community_id_of_path(path: str) -> int | None:
    """The community of the object a staff URL names (its first registered object keyword),
    or None for a URL that names no community's object. Used to open a link to another
    community's object after switching to that community rather than with a 404."""
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    for kwarg, value in match.kwargs.items():
        lookup = _REGISTRY.get(kwarg)
        if lookup is None or lookup.owner_path:
            continue
        return (
            lookup.model._default_manager.filter(pk=value)
            .values_list(lookup.community_path, flat=True)
            .first()
        )
    return None

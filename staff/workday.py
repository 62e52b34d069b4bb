"""The work home page's figures (工作台): each module registers, from its `AppConfig.ready`,
what its staff have to do today (new, unassigned and overdue orders, money taken today,
arrears, parcels waiting…), each figure linking to its list filtered to exactly those rows.

A `WorkSource` is one query for all its figures, grouped by community: the home page asks it
for the current community, a regional manager's overview for all the communities they serve
(one query either way, whatever the data). A figure shows only to a position that holds the
permission of the list it links to."""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise

from .access import CommunityDuties, community_duties

# Figures per community: {community id: {figure name: value}}.
Values = dict[int, dict[str, int | Decimal]]


@dataclass(frozen=True)
class WorkFigure:
    name: str
    label: Promise | str
    icon: str
    perm: str
    order: int
    url_name: str
    # The list's filter for exactly these rows: a dict, or a function of the local date.
    query: dict | Callable[[dt.date], dict] = field(default_factory=dict)
    # "danger" / "warning" / "primary": how a figure above zero is shown.
    tone: str = "primary"
    money: bool = False
    # The name of another value of the same source shown under this one (a count beside an
    # amount: "12 payments").
    detail: str | None = None
    detail_label: Promise | str = ""
    # One of the few shown per community in a regional manager's overview.
    key: bool = False

    def url(self, today: dt.date) -> str:
        query = self.query(today) if callable(self.query) else self.query
        base = reverse(self.url_name)
        return f"{base}?{urlencode(query)}" if query else base


@dataclass(frozen=True)
class WorkSource:
    """One module's figures and the query computing them: `compute(community_ids, now)`
    returns {community id: {figure name: value}} (missing names count as zero)."""

    name: str
    group: Promise | str
    order: int
    figures: tuple[WorkFigure, ...]
    compute: Callable[[list[int], dt.datetime], Values]


_SOURCES: dict[str, WorkSource] = {}


def register(source: WorkSource) -> None:
    _SOURCES[source.name] = source


def sources() -> list[WorkSource]:
    return sorted(_SOURCES.values(), key=lambda s: s.order)


def _shown(figure: WorkFigure, value, today: dt.date) -> dict:
    return {
        "name": figure.name,
        "label": figure.label,
        "icon": figure.icon,
        "money": figure.money,
        "value": value,
        "url": figure.url(today),
        "tone": figure.tone if value else "muted",
        "key": figure.key,
    }


def workday(
    request: HttpRequest, now: dt.datetime | None = None, known: dict | None = None
) -> list[dict]:
    """The current community's figures the position may see, by module: one query per module
    with at least one figure to show (none for a module in `known`, the overview's values by
    source, when they hold this community)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    duties = community_duties(request)
    community_id = request.community.pk
    groups = []
    for source in sources():
        figures = [f for f in source.figures if duties.has(f.perm)]
        if not figures:
            continue
        computed = (known or {}).get(source.name)
        if computed is None or community_id not in computed:
            computed = source.compute([community_id], now)
        values = computed.get(community_id, {})
        shown = []
        for figure in sorted(figures, key=lambda f: f.order):
            item = _shown(figure, values.get(figure.name) or 0, today)
            item["name"] = f"{source.name}.{figure.name}"
            if figure.detail:
                item["detail"] = values.get(figure.detail) or 0
                item["detail_label"] = figure.detail_label
            shown.append(item)
        if groups and str(groups[-1]["label"]) == str(source.group):
            groups[-1]["figures"].extend(shown)  # parts of one module (community services)
        else:
            groups.append({"name": source.name, "label": source.group, "figures": shown})
    return groups


def duties_by_community(request: HttpRequest) -> dict[int, CommunityDuties]:
    """The staff member's duties in every community they serve, read in a fixed number of
    queries: the positions' permissions at once, the per-community grants prefetched."""
    from django.contrib.auth.models import Permission
    from guardian.core import ObjectPermissionChecker

    communities = list(request.staff_communities)
    positions = {p.pk: p for p in request.staff_positions.values() if p is not None}
    permissions: dict[int, set[str]] = {pk: set() for pk in positions}
    for group_id, app_label, codename in Permission.objects.filter(
        group__in=list(positions)
    ).values_list("group", "content_type__app_label", "codename"):
        permissions[group_id].add(f"{app_label}.{codename}")
    user_checker = ObjectPermissionChecker(request.user)
    user_checker.prefetch_perms(communities)
    position_checkers = {}
    for pk, position in positions.items():
        position_checkers[pk] = ObjectPermissionChecker(position)
        position_checkers[pk].prefetch_perms(communities)
    result = {}
    for community in communities:
        position = request.staff_positions.get(community.pk)
        duties = CommunityDuties(request.user, community, position=position)
        duties.__dict__["position_permissions"] = frozenset(
            permissions.get(position.pk, ()) if position else ()
        )
        local = set(user_checker.get_perms(community))
        if position is not None:
            local |= set(position_checkers[position.pk].get_perms(community))
        duties.__dict__["local_codenames"] = frozenset(local)
        result[community.pk] = duties
    return result


def _key_figures(
    duties: dict[int, CommunityDuties], now: dt.datetime
) -> tuple[list[tuple[str, WorkFigure]], dict[str, Values]]:
    """The overview's columns (the key figures held in some community) and each module's
    values for the communities where its figures may be seen (one query per module)."""
    columns: list[tuple[str, WorkFigure]] = []
    by_source: dict[str, Values] = {}
    for source in sources():
        keys = [f for f in source.figures if f.key]
        wanted = [pk for pk, held in duties.items() if any(held.has(f.perm) for f in keys)]
        if not wanted:
            continue
        columns.extend(
            (f"{source.name}.{f.name}", f)
            for f in keys
            if any(duties[pk].has(f.perm) for pk in wanted)
        )
        computed = source.compute(wanted, now)
        # Communities with no rows are computed too: zero (the home page reuses these).
        by_source[source.name] = {pk: computed.get(pk, {}) for pk in wanted}
    return columns, by_source


def overview(request: HttpRequest, now: dt.datetime | None = None) -> dict:
    """A regional manager's communities at a glance: the key figures, one row per community
    served, each figure only where the position there may see its list (one query per module
    for all the communities)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    duties = duties_by_community(request)
    columns, by_source = _key_figures(duties, now)
    rows = []
    for community in request.staff_communities:
        # "source.figure": figure names repeat across modules.
        values = {
            f"{name}.{figure}": value
            for name, computed in by_source.items()
            for figure, value in computed.get(community.pk, {}).items()
        }
        cells = [
            _shown(figure, values.get(key) or 0, today)
            if duties[community.pk].has(figure.perm)
            else None
            for key, figure in columns
        ]
        rows.append({"community": community, "cells": cells})
    return {"columns": [figure for _key, figure in columns], "rows": rows, "values": by_source}


def by_community(rows: Iterable[dict], field_name: str = "community") -> Values:
    """{community id: the row's other values} from `.values(field).annotate(...)` rows."""
    return {row.pop(field_name): row for row in rows}


# --- The staff portal's own figures: residents waiting for their binding to be checked --------


def _bindings(community_ids: list[int], now: dt.datetime) -> Values:
    from django.db.models import Count

    from accounts.models import Residency

    return by_community(
        Residency.objects.filter(
            room__building__community_id__in=community_ids, status=Residency.Status.PENDING
        )
        .order_by()
        .values("room__building__community")
        .annotate(waiting=Count("pk")),
        "room__building__community",
    )


def _register_own() -> None:
    from django.utils.translation import gettext_lazy as _

    register(
        WorkSource(
            name="residents",
            group=_("Residents"),
            order=5,
            compute=_bindings,
            figures=(
                WorkFigure(
                    "waiting",
                    _("Bindings to verify"),
                    "hourglass-split",
                    "accounts.view_residency",
                    1,
                    "staff_residents:residents",
                    {"status": "pending"},
                    tone="warning",
                    key=True,
                ),
            ),
        )
    )

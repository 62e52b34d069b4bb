"""The staff portal's global search (the top bar's box): each module registers, from its
`AppConfig.ready`, a searcher for what it owns (rooms and residents here; repair orders, bills,
payments and receipts, complaints in their apps). A searcher looks only in the current
community, runs a bounded number of queries (usually one) and returns at most LIMIT hits; it
is asked only when the position holds the permission of the pages its hits link to."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise

from accounts.models import Community
from accounts.selectors import RoomText, parse_room_text, room_text_q

from .access import staff_has_perm

LIMIT = 10
# The shortest text searched in names and numbers (one character finds half the estate).
MIN_LENGTH = 2


@dataclass(frozen=True)
class SearchTerms:
    """What was typed, and how it reads: as a room (3栋1201, 3-1201, 3#1201, 3号楼1201), as a
    phone number (digits only), as a number of an order, bill or receipt."""

    text: str
    compact: str
    room: RoomText | None
    digits: bool
    # The rooms typed, per community, read once for all the searchers.
    _room_ids: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, text: str) -> "SearchTerms":
        text = (text or "").strip()[:100]
        compact = "".join(text.split())
        return cls(
            text=text,
            compact=compact,
            room=parse_room_text(compact),
            digits=compact.isdigit(),
        )

    def room_q(self, prefix: str = "room__") -> Q | None:
        """Rooms named the way people type them, or None when the text is no room."""
        return room_text_q(self.compact, prefix) if self.room else None

    def room_ids(self, community: Community) -> list[int]:
        """The ids of the rooms typed, in `community` (one query, then remembered)."""
        from accounts.models import Room

        if community.pk not in self._room_ids:
            q = self.room_q(prefix="")
            self._room_ids[community.pk] = (
                list(
                    Room.objects.filter(q, building__community=community).values_list(
                        "pk", flat=True
                    )[:LIMIT]
                )
                if q is not None
                else []
            )
        return self._room_ids[community.pk]

    def rooms_in(self, community: Community, field: str = "room") -> Q | None:
        """`field` is one of the rooms typed, in `community`, as a list of ids: the searched
        table is then read through its index on the room, never walked in date order."""
        ids = self.room_ids(community)
        return Q(**{f"{field}__in": ids}) if ids else None

    def number_q(self, field: str = "number", *, prefix_from: int = 6) -> Q:
        """A number as typed, exactly or its beginning (numbers are upper case): the unique
        index serves both, a number's middle would need the whole table read."""
        upper = self.compact.upper()
        q = Q(**{f"{field}__in": list({self.compact, upper})})
        if len(upper) >= prefix_from and upper[:1].isalpha():
            q |= Q(**{f"{field}__startswith": upper})
        return q


@dataclass(frozen=True)
class Hit:
    title: str
    url: str
    subtitle: str = ""
    # The text was this object's number exactly: alone, the search opens it at once.
    exact: bool = False


@dataclass(frozen=True)
class Searcher:
    kind: str
    label: Promise | str
    icon: str
    perm: str
    order: int
    search: Callable[[Community, SearchTerms], list[Hit]] = field(compare=False)


_SEARCHERS: dict[str, Searcher] = {}


def register(searcher: Searcher) -> None:
    _SEARCHERS[searcher.kind] = searcher


def search(request: HttpRequest, text: str) -> list[dict]:
    """The hits by kind, only of the kinds the position may see, in the current community."""
    terms = SearchTerms.of(text)
    if len(terms.compact) < MIN_LENGTH:
        return []
    groups = []
    for searcher in sorted(_SEARCHERS.values(), key=lambda s: s.order):
        if not staff_has_perm(request, searcher.perm):
            continue
        hits = searcher.search(request.community, terms)[:LIMIT]
        if hits:
            groups.append(
                {"kind": searcher.kind, "label": searcher.label, "icon": searcher.icon,
                 "hits": hits, "full": len(hits) >= LIMIT}
            )  # fmt: skip
    return groups


def only_exact_hit(groups: list[dict]) -> Hit | None:
    """The one hit, when the search found exactly one thing and by its number."""
    hits = [hit for group in groups for hit in group["hits"]]
    return hits[0] if len(hits) == 1 and hits[0].exact else None


def first(queryset: QuerySet, limit: int = LIMIT) -> list:
    return list(queryset[:limit])


# --- The staff portal's own: rooms and residents ------------------------------------------------


def search_rooms(community: Community, terms: SearchTerms) -> list[Hit]:
    from django.urls import reverse

    from accounts.models import Room

    ids = terms.room_ids(community)
    if not ids:
        return []
    rooms = first(
        Room.objects.filter(pk__in=ids)
        .select_related("building", "unit")
        .order_by("building__sort_order", "building__name", "unit__sort_order", "number")
    )
    return [
        Hit(
            title=room.label,
            url=reverse("staff_residents:room_detail", args=[room.pk]),
            exact=True,
        )
        for room in rooms
    ]


def search_residents(community: Community, terms: SearchTerms) -> list[Hit]:
    from django.urls import reverse

    from accounts.models import Residency

    if terms.digits:
        if len(terms.compact) < 4:
            return []
        match = Q(user__mobile__contains=terms.compact)
    elif terms.compact.isascii() and len(terms.compact) < 3:
        return []
    elif terms.room is not None and any(c.isdigit() for c in terms.compact):
        return []  # a room (3-1201), not a name
    else:
        match = Q(user__display_name__icontains=terms.text)
    residencies = first(
        Residency.objects.filter(match, room__building__community=community)
        .exclude(status=Residency.Status.REJECTED)
        .select_related("user", "room__building", "room__unit")
        .order_by("user__display_name", "user_id", "-pk"),
        LIMIT * 2,
    )
    hits, seen = [], set()
    for residency in residencies:
        if residency.user_id in seen:
            continue
        seen.add(residency.user_id)
        hits.append(
            Hit(
                title=residency.user.get_full_name(),
                subtitle=f"{residency.room} · {residency.get_status_display()}",
                url=reverse("staff_residents:resident_detail", args=[residency.user_id]),
                exact=terms.digits and residency.user.mobile == terms.compact,
            )
        )
    return hits[:LIMIT]


def _register_own() -> None:
    from django.utils.translation import gettext_lazy as _

    register(Searcher("rooms", _("Rooms"), "door-closed", "accounts.view_room", 10, search_rooms))
    register(
        Searcher(
            "residents", _("Residents"), "people", "accounts.view_residency", 20, search_residents
        )
    )

"""Who sees which parcels, and the lists the desk and the residents' pages are built on."""

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Building, Community, Residency, Room, User
from accounts.selectors import household_ids_of_user, room_order, room_place

from ..models import Parcel

Status = Parcel.Status

# The carriers the desk chooses from: stored by key, shown by label.
CARRIERS: dict[str, object] = {
    "sf": _("SF Express"),
    "zto": _("ZTO Express"),
    "yto": _("YTO Express"),
    "yunda": _("Yunda Express"),
    "sto": _("STO Express"),
    "jd": _("JD Logistics"),
    "ems": _("EMS / China Post"),
    "jt": _("J&T Express"),
    "deppon": _("Deppon"),
    "other": _("Other carrier"),
}

# A search matches at most this many rooms on the desk's page.
FIND_LIMIT = 20
HISTORY_LIMIT = 20
# How the desk writes a room: 3栋-1单元-502, 3栋 1单元 502, 3-1-502 ...
_SEPARATORS = re.compile(r"[\s\-—–_/·.,，、]+")


def carrier_label(key: str) -> str:
    return str(CARRIERS.get(key, key))


# --- Residents -------------------------------------------------------------------------------------


def parcels_for_user(user: User) -> QuerySet[Parcel]:
    """Parcels of the households the user belongs to now (a move-out ends it)."""
    return (
        Parcel.objects.filter(household__in=household_ids_of_user(user))
        .select_related("room__building", "room__unit")
        .order_by("-logged_at", "-pk")
    )


def waiting_count_for_user(user: User) -> int:
    return parcels_for_user(user).filter(status=Status.WAITING).count()


def resident_parcels(user: User) -> dict[str, list[Parcel]]:
    """快递: what waits (all of it) and the latest collected or returned ones."""
    parcels = parcels_for_user(user)
    return {
        "waiting": list(parcels.filter(status=Status.WAITING).order_by("logged_at", "pk")),
        "history": list(
            parcels.exclude(status=Status.WAITING).select_related("picked_up_by")[:HISTORY_LIMIT]
        ),
    }


def household_user_ids(parcel: Parcel) -> list[int]:
    """The head and the verified members of the parcel's household."""
    if parcel.household_id is None:
        return []
    return list(
        Residency.objects.filter(status=Residency.Status.VERIFIED)
        .filter(Q(pk=parcel.household_id) | Q(head_id=parcel.household_id))
        .values_list("user_id", flat=True)
        .distinct()
    )


def household_members(parcel: Parcel) -> list[User]:
    """Who may collect for the household (the desk chooses one of them)."""
    if parcel.household_id is None:
        return []
    return [
        residency.user
        for residency in Residency.objects.filter(status=Residency.Status.VERIFIED)
        .filter(Q(pk=parcel.household_id) | Q(head_id=parcel.household_id))
        .select_related("user")
        .order_by(F("head").asc(nulls_first=True), "pk")
    ]


def household_for_room(room: Room, resident: User | None = None) -> Residency | None:
    """The household a parcel for `room` belongs to: the recipient's own household when the
    desk found them by mobile, else the room's first verified household (owner before tenant)."""
    verified = Residency.objects.filter(room=room, status=Residency.Status.VERIFIED)
    if resident is not None:
        own = verified.filter(user=resident).select_related("head").first()
        if own is not None:
            return own.head or own
    heads = verified.filter(head__isnull=True).order_by("relation", "created_at", "pk")
    # "owner" sorts before "tenant".
    return heads.first()


# --- The desk --------------------------------------------------------------------------------------


@dataclass
class FoundRoom:
    room: Room
    resident: User | None = None  # the person whose mobile was searched for


def _looks_like_mobile(text: str) -> bool:
    return text.isdigit() and len(text) >= 7


def find_rooms(
    community: Community, text: str, building: Building | None = None
) -> list[FoundRoom]:
    """Rooms of the community for what the desk typed: a room as people write it (3栋-1单元-502,
    3栋1单元502, 502 with a building chosen) or a resident's mobile number (full or its end)."""
    text = _SEPARATORS.sub("", text or "")
    rooms = Room.objects.filter(building__community=community).select_related("building", "unit")
    if building is not None:
        rooms = rooms.filter(building=building)
    if text and _looks_like_mobile(text):
        residencies = (
            Residency.objects.filter(
                room__in=rooms, status=Residency.Status.VERIFIED, user__mobile__endswith=text
            )
            .select_related("user", "room__building", "room__unit")
            .order_by(*room_order())[:FIND_LIMIT]
        )
        return [FoundRoom(r.room, r.user) for r in residencies]
    if not text and building is None:
        return []
    if text:
        place = room_place(prefix="")
        rooms = rooms.annotate(place=place).filter(
            Q(number__iexact=text) | Q(place__iexact=text) | Q(place__iendswith=text)
        )
    return [FoundRoom(room) for room in rooms.order_by(*room_order(prefix=""))[:FIND_LIMIT]]


def room_of_community(community: Community, room_id) -> Room | None:
    try:
        room_id = int(room_id)
    except (TypeError, ValueError):
        return None
    return (
        Room.objects.filter(building__community=community, pk=room_id)
        .select_related("building", "unit")
        .first()
    )


def verified_people_of_room(room: Room) -> list[Residency]:
    """The heads of households first (owner before tenant), then family members."""
    return list(
        Residency.objects.filter(room=room, status=Residency.Status.VERIFIED)
        .select_related("user")
        .order_by(F("head").asc(nulls_first=True), "relation", "pk")
    )


def parcels_for_community(community: Community) -> QuerySet[Parcel]:
    return Parcel.objects.filter(community=community).select_related(
        "room__building", "room__unit", "household__user", "logged_by"
    )


def filtered_parcels(community: Community, data: dict, now: dt.datetime | None = None):
    """The shelf list: waiting parcels by shelf (or the others, newest first), filtered by what
    the desk chose. `data` is a valid ParcelFilterForm's cleaned_data."""
    parcels = parcels_for_community(community)
    status = data.get("status") or Status.WAITING
    if status != "all":
        parcels = parcels.filter(status=status)
    if data.get("carrier"):
        parcels = parcels.filter(carrier=data["carrier"])
    if data.get("days"):
        now = now or timezone.now()
        parcels = parcels.filter(logged_at__lte=now - dt.timedelta(days=data["days"]))
    query = _SEPARATORS.sub("", data.get("q") or "")
    if query:
        parcels = parcels.annotate(place=room_place()).filter(
            Q(pickup_code__iexact=query)
            | Q(tracking_number__icontains=query)
            | Q(recipient_mobile__endswith=query)
            | Q(recipient_name__icontains=query)
            | Q(place__icontains=query)
        )
    if status == Status.WAITING:
        return parcels.order_by("shelf", "logged_at", "pk")
    return parcels.order_by("-logged_at", "-pk")


def group_by_shelf(parcels: list[Parcel]) -> list[tuple[str, list[Parcel]]]:
    groups: dict[str, list[Parcel]] = {}
    for parcel in parcels:
        groups.setdefault(parcel.shelf, []).append(parcel)
    return list(groups.items())


def parcels_with_code(community: Community, code: str) -> list[Parcel]:
    """What the pickup code opens in this community: the waiting parcel (at most one, the
    constraint holds it); else the latest parcel that carried it, to say when it went."""
    code = (code or "").strip().upper()
    if not code:
        return []
    parcels = parcels_for_community(community).select_related("picked_up_by", "handed_over_by")
    waiting = list(parcels.filter(status=Status.WAITING, pickup_code=code))
    if waiting:
        return waiting
    return list(parcels.filter(pickup_code=code).order_by("-logged_at", "-pk")[:1])


def other_waiting_for_room(parcel: Parcel) -> list[Parcel]:
    """The room's other waiting parcels, so that the desk hands them over together."""
    return list(
        Parcel.objects.filter(
            community_id=parcel.community_id, room_id=parcel.room_id, status=Status.WAITING
        )
        .exclude(pk=parcel.pk)
        .order_by("logged_at", "pk")
    )


def waiting_code_taken(community: Community, code: str) -> bool:
    return Parcel.objects.filter(
        community=community, status=Status.WAITING, pickup_code=code
    ).exists()


def due_for_reminder(now: dt.datetime, after_days: int) -> QuerySet[Parcel]:
    """Waiting parcels older than `after_days` whose household was not reminded today."""
    start_of_today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        Parcel.objects.filter(
            status=Status.WAITING,
            household__isnull=False,
            logged_at__lte=now - dt.timedelta(days=after_days),
        )
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=start_of_today))
        .order_by("pk")
    )

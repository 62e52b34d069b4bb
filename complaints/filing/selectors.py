"""Reads of the filing part: the rooms a resident may complain from, the categories offered,
the neighbour's room as typed, a complaint's public timeline, and the replied complaints that
nobody answered in time."""

import datetime as dt
import re

from django.db.models import CharField, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat

from accounts.models import Community, Residency, Room, User
from accounts.selectors import household_ids_of_user, room_order

from ..models import Complaint, ComplaintAttachment, ComplaintCategory, ComplaintEvent
from ..selectors import complaints_for_user

Kind = ComplaintEvent.Kind
_SEPARATORS = re.compile(r"[\s\-－—_/·.,，、#号室]+")

# What a household merged into another's complaint may see of the survivor's timeline: the
# steps of the handling, never notes (they may quote the other household) nor who did what.
PUBLIC_SURVIVOR_KINDS = (Kind.ACCEPTED, Kind.ROUTED, Kind.REROUTED, Kind.REPLIED, Kind.CLOSED)


def filing_residencies(user: User) -> QuerySet[Residency]:
    """The user's verified residencies: the rooms they may complain from (as for repairs)."""
    return (
        Residency.objects.filter(user=user, status=Residency.Status.VERIFIED)
        .select_related("room__building__community", "room__unit", "head")
        .order_by("room__building__community__name", "room_id")
    )


def categories_for(community: Community) -> QuerySet[ComplaintCategory]:
    return ComplaintCategory.objects.filter(community=community, is_active=True).order_by(
        "sort_order", "pk"
    )


def _clean(text: str) -> str:
    return _SEPARATORS.sub("", text or "")


def neighbour_rooms(community: Community, building: str, number: str) -> list[Room]:
    """The rooms of `community` matching a building and room number as a resident types them
    (3栋 or 3 or 3号楼; 1201 or 2单元1201). At most two: more than one means "say the unit"."""
    building, number = _clean(building), _clean(number)
    if not building or not number:
        return []
    names = {building, f"{building}栋", f"{building}号楼", f"{building}幢", f"{building}座"}
    building_q = Q()
    for name in names:
        building_q |= Q(building__name__iexact=name)
    rooms = (
        Room.objects.filter(building_q, building__community=community)
        .annotate(
            unit_number=Concat(
                Coalesce("unit__name", Value("")), "number", output_field=CharField()
            )
        )
        .filter(Q(number__iexact=number) | Q(unit_number__iexact=number))
        .select_related("building", "unit")
        .order_by("pk")
    )
    return list(rooms[:2])


def complaints_for_hub(user: User) -> QuerySet[Complaint]:
    """The household's complaints for the hub, each with its first photo's id (one query)."""
    first_photo = ComplaintAttachment.objects.filter(
        complaint=OuterRef("pk"), message__isnull=True, kind=ComplaintAttachment.Kind.IMAGE
    ).order_by("pk")
    return complaints_for_user(user).annotate(first_photo_id=Subquery(first_photo.values("pk")[:1]))


def awaiting_answer_count(user: User) -> int:
    """How many of the household's complaints were replied and wait for its answer."""
    return Complaint.objects.filter(
        household__in=household_ids_of_user(user), status=Complaint.Status.REPLIED
    ).count()


def public_timeline(complaint: Complaint) -> list[ComplaintEvent]:
    """The complaint's timeline as its household sees it: never an internal line."""
    return list(complaint.events.filter(internal=False).select_related("actor"))


def survivor_timeline(survivor: Complaint) -> list[ComplaintEvent]:
    """The surviving complaint's steps as a merged household sees them (kinds and times)."""
    return list(
        survivor.events.filter(internal=False, kind__in=PUBLIC_SURVIVOR_KINDS).only(
            "kind", "status", "created_at", "complaint_id"
        )
    )


def filed_photos(complaint: Complaint) -> list[ComplaintAttachment]:
    """The photos and videos filed with the complaint (not those of its conversation)."""
    return list(complaint.attachments.filter(message__isnull=True).order_by("pk"))


def replied_unanswered(before: dt.datetime) -> QuerySet[Complaint]:
    """Replied complaints whose reply is older than `before`: to be closed automatically."""
    return Complaint.objects.filter(
        status=Complaint.Status.REPLIED, replied_at__isnull=False, replied_at__lte=before
    ).order_by("replied_at", "pk")


# --- The desk ---------------------------------------------------------------------------------------

FIND_LIMIT = 30


def room_of_community(community: Community, room_id) -> Room | None:
    if not str(room_id or "").isdigit():
        return None
    return (
        Room.objects.filter(building__community=community, pk=int(room_id))
        .select_related("building", "unit")
        .first()
    )


def find_rooms(community: Community, data: dict) -> list[Room]:
    """Rooms of the community for what the desk typed (a valid RoomFindForm's cleaned data):
    a building, and a room as people write it (1201, 2单元1201, 3栋2单元1201)."""
    rooms = Room.objects.filter(building__community=community).select_related("building", "unit")
    if data.get("building"):
        rooms = rooms.filter(building=data["building"])
    text = "".join((data.get("q") or "").split()).replace("-", "")
    if text:
        rooms = rooms.annotate(
            place=Concat(
                "building__name", Coalesce("unit__name", Value("")), "number",
                output_field=CharField(),
            ),
            unit_number=Concat(Coalesce("unit__name", Value("")), "number",
                               output_field=CharField()),
        ).filter(
            Q(number__iexact=text) | Q(unit_number__iexact=text) | Q(place__iexact=text)
            | Q(place__iendswith=text)
        )  # fmt: skip
    return list(rooms.order_by(*room_order(prefix=""))[:FIND_LIMIT])


def people_of_room(room: Room) -> list[Residency]:
    """Heads of household first (owner before tenant), then family members."""
    return list(
        Residency.objects.filter(room=room, status=Residency.Status.VERIFIED)
        .select_related("user")
        .order_by(F("head").asc(nulls_first=True), "relation", "pk")
    )

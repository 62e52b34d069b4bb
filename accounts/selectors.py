import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, TruncDate
from django.utils import timezone

from kit.cache import cached

from .models import (
    Building,
    Community,
    FamilyInvitation,
    PropertyCompany,
    Residency,
    Room,
    Unit,
    User,
)


def room_order(prefix: str = "room__") -> tuple[str, ...]:
    """Rooms in the estate's order (building, unit, floor, number), as lists and sheets show
    them. `prefix` leads from the ordered model to its room ("" on Room)."""
    fields = ("building__sort_order", "building__name", "unit__sort_order", "floor", "number")
    return tuple(prefix + field for field in fields)


def room_place(prefix: str = "room__") -> Concat:
    """The room as people write it, for searching: 3栋1201, or 3栋2单元1201 (building, unit,
    number, no spaces). `prefix` leads from the searched model to its room ("" on Room)."""
    return Concat(
        f"{prefix}building__name",
        Coalesce(f"{prefix}unit__name", Value("")),
        f"{prefix}number",
        output_field=CharField(),
    )


# How people type a room: 3栋1201, 3-1201, 3#1201, 3号楼1201室, 3栋2单元1201, 3-2-1201, or 1201.
_ROOM_TEXT = re.compile(
    r"^(?:(?P<building>[0-9A-Za-z]+)(?:号楼|栋|幢|座|楼|#|号|-))?"
    r"(?:(?P<unit>[0-9A-Za-z]+)(?:单元|-))?"
    r"(?P<number>[0-9A-Za-z]+)(?:室|号)?$"
)
_BUILDING_SUFFIXES = ("", "栋", "号楼", "幢", "座", "楼", "#", "号")
_UNIT_SUFFIXES = ("", "单元")


@dataclass(frozen=True)
class RoomText:
    building: str
    unit: str
    number: str


def parse_room_text(text: str) -> RoomText | None:
    """A room as typed (3栋1201, 3-1201, 3#1201, 3号楼1201室, 3栋2单元1201, 1201): its
    building, unit and number as written without the 栋/单元/室 words, or None when the text
    does not look like a room. Full-width digits and letters count as ASCII."""
    text = "".join((text or "").split())
    text = text.translate({code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)})
    if not text:
        return None
    match = _ROOM_TEXT.match(text)
    if match is None:
        return None
    return RoomText(
        building=match["building"] or "", unit=match["unit"] or "", number=match["number"]
    )


def room_text_q(text: str, prefix: str = "room__") -> Q | None:
    """A filter for the rooms `text` names (see parse_room_text): the building as 3, 3栋,
    3号楼, 3幢 … and the unit as 2 or 2单元. `prefix` leads to the room ("" on Room). None when
    the text is not a room."""
    parsed = parse_room_text(text)
    if parsed is None:
        return None
    q = Q(**{f"{prefix}number__iexact": parsed.number})
    if parsed.building:
        names = [parsed.building + suffix for suffix in _BUILDING_SUFFIXES]
        q &= Q(**{f"{prefix}building__name__in": names})
    if parsed.unit:
        q &= Q(**{f"{prefix}unit__name__in": [parsed.unit + s for s in _UNIT_SUFFIXES]})
    return q


def rooms_of_user(user: User) -> QuerySet[Residency]:
    """The user's active residencies (pending and verified) with room, building and community."""
    return (
        Residency.objects.filter(user=user, status__in=Residency.ACTIVE_STATUSES)
        .select_related("room__building__community__company", "room__unit")
        .order_by("status", "room__building__community__name", "room_id")
    )


def resident_cache_scopes(user: User) -> tuple[str, ...]:
    """The `kit.cache` scopes of what the user sees as a resident: ``user:<id>`` (their own
    residencies, messages and reads), ``household:<room id>`` of each verified room (its bills,
    repairs, bookings, parcels) and ``community:<id>`` of each (its notices, whole-community
    runs). A value cached under these is recomputed when any of them is invalidated. The rooms
    are cached under ``user:<id>`` (accounts.services invalidates it at every residency change)
    and kept on the user object for the rest of the request."""
    scopes = getattr(user, "_resident_cache_scopes", None)
    if scopes is None:
        rooms = cached(
            "verified-rooms",
            [f"user:{user.pk}"],
            lambda: list(
                Residency.objects.filter(user=user, status=Residency.Status.VERIFIED)
                .order_by("room_id")
                .values_list("room_id", "room__building__community_id")
            ),
        )
        scopes = (
            f"user:{user.pk}",
            *(f"household:{room_id}" for room_id in sorted({room for room, _c in rooms})),
            *(f"community:{c}" for c in sorted({community for _r, community in rooms})),
        )
        user._resident_cache_scopes = scopes
    return scopes


# The columns the home page's room cards show (resident/accounts/home.html).
HOME_CARD_FIELDS = (
    "user_id", "room_id", "relation", "status", "rejection_reason", "created_at",
    "room__number", "room__area", "room__use", "room__building_id", "room__unit_id",
    "room__building__name", "room__building__community_id",
    "room__building__community__name", "room__building__community__service_phone",
    "room__building__community__company_id", "room__building__community__company__name",
    "room__building__community__company__short_name", "room__unit__name",
)  # fmt: skip


def home_residencies(user: User) -> tuple[list[Residency], list[Residency]]:
    """The home page's rooms in one query of the columns it shows: the active residencies in
    rooms_of_user's order, and the rejections residency_history_of_user shows (the latest of a
    room the resident has not asked for again)."""
    residencies = list(
        Residency.objects.filter(
            user=user, status__in=[*Residency.ACTIVE_STATUSES, Residency.Status.REJECTED]
        )
        .select_related("room__building__community__company", "room__unit")
        .only(*HOME_CARD_FIELDS)
        .order_by("status", "room__building__community__name", "room_id")
    )
    active = [r for r in residencies if r.status != Residency.Status.REJECTED]
    active_rooms = {r.room_id for r in active}
    rejected, rejected_rooms = [], set()
    for residency in sorted(
        (r for r in residencies if r.status == Residency.Status.REJECTED),
        key=lambda r: (r.created_at, r.pk),
        reverse=True,
    ):
        if residency.room_id not in active_rooms and residency.room_id not in rejected_rooms:
            rejected_rooms.add(residency.room_id)
            rejected.append(residency)
    return active, rejected


def verified_rooms_of_user(user: User) -> QuerySet[Room]:
    """The rooms whose bills, repairs, notices and bookings this user may see.

    Only a verified residency counts: a pending, rejected or ended one gives nothing. Family
    members are in through their own verified family residency (ended at once when the head
    removes them or moves out). Use as `Bill.objects.filter(room__in=verified_rooms_of_user(u))`.
    """
    return Room.objects.filter(
        residencies__user=user, residencies__status=Residency.Status.VERIFIED
    ).distinct()


def household_member_residencies(user: User) -> QuerySet[Residency]:
    """The user's verified residencies, one per household they belong to (as owner, tenant
    or family member), with room, building, unit, community and the head of household."""
    return (
        Residency.objects.filter(user=user, status=Residency.Status.VERIFIED)
        .select_related("room__building__community", "room__unit", "head__user")
        .order_by("room__building__community__name", "room_id")
    )


def residency_history_of_user(user: User) -> list[Residency]:
    """我的房屋: active requests and bindings, and rejections the resident has not yet
    answered with a new request for the same room."""
    residencies = list(
        Residency.objects.filter(
            user=user,
            status__in=[*Residency.ACTIVE_STATUSES, Residency.Status.REJECTED],
        )
        .select_related("room__building__community", "room__unit", "head__user")
        .order_by("-created_at", "-pk")
    )
    active_rooms = {r.room_id for r in residencies if r.is_active}
    shown, rejected_rooms = [], set()
    for residency in residencies:
        if residency.status == Residency.Status.REJECTED:
            if residency.room_id in active_rooms or residency.room_id in rejected_rooms:
                continue
            rejected_rooms.add(residency.room_id)
        shown.append(residency)
    return shown


def get_own_residency(user: User, residency_id: int) -> Residency | None:
    return (
        Residency.objects.select_related("room__building__community", "room__unit")
        .filter(user=user, pk=residency_id)
        .first()
    )


def communities_for_binding() -> QuerySet[Community]:
    return Community.objects.order_by("name")


def buildings_for_binding(community_id: int | None) -> QuerySet[Building]:
    if not community_id:
        return Building.objects.none()
    return Building.objects.filter(community_id=community_id).order_by("sort_order", "name")


def units_for_binding(building_id: int | None) -> QuerySet[Unit]:
    if not building_id:
        return Unit.objects.none()
    return Unit.objects.filter(building_id=building_id).order_by("sort_order", "name")


def rooms_for_binding(building_id: int | None, unit_id: int | None) -> QuerySet[Room]:
    """The rooms of a building (of one unit, when the building has units)."""
    if not building_id:
        return Room.objects.none()
    rooms = Room.objects.filter(building_id=building_id).select_related("building", "unit")
    if unit_id:
        return rooms.filter(unit_id=unit_id).order_by("floor", "number")
    return rooms.filter(unit__isnull=True).order_by("floor", "number")


def open_invitations_for_user(user: User) -> QuerySet[FamilyInvitation]:
    """Invitations sent to this user's mobile number that can still be accepted."""
    return (
        FamilyInvitation.objects.filter(
            mobile=user.mobile,
            status=FamilyInvitation.Status.PENDING,
            expires_at__gt=timezone.now(),
            head__status=Residency.Status.VERIFIED,
        )
        .select_related("head__room__building__community", "head__room__unit", "invited_by")
        .order_by("-created_at")
    )


def get_invitation_for_invitee(user: User, invitation_id: int) -> FamilyInvitation | None:
    """The invitation if it was sent to this user's number, whatever its state (the service
    explains why an old one can no longer be answered); None for anyone else's."""
    return (
        FamilyInvitation.objects.select_related("head__room", "invited_by")
        .filter(pk=invitation_id, mobile=user.mobile)
        .first()
    )


def households_headed_by(user: User) -> list[Residency]:
    """家庭成员: the user's verified owner and tenant residencies, each with its current
    members and waiting invitations prefetched (a fixed number of queries)."""
    return list(
        Residency.objects.filter(
            user=user,
            status=Residency.Status.VERIFIED,
            relation__in=[Residency.Relation.OWNER, Residency.Relation.TENANT],
        )
        .select_related("room__building__community", "room__unit")
        .prefetch_related(
            Prefetch(
                "family_members",
                queryset=Residency.objects.filter(status=Residency.Status.VERIFIED)
                .select_related("user")
                .order_by("created_at", "pk"),
                to_attr="current_members",
            ),
            Prefetch(
                "invitations",
                queryset=FamilyInvitation.objects.filter(
                    status=FamilyInvitation.Status.PENDING
                ).order_by("-created_at"),
                to_attr="pending_invitations",
            ),
        )
        .order_by("room__building__community__name", "room_id")
    )


def households_joined_by(user: User) -> list[Residency]:
    """The user's verified family residencies, with the head and the other members."""
    return list(
        Residency.objects.filter(
            user=user, status=Residency.Status.VERIFIED, relation=Residency.Relation.FAMILY
        )
        .select_related("room__building__community", "room__unit", "head__user")
        .prefetch_related(
            Prefetch(
                "head__family_members",
                queryset=Residency.objects.filter(status=Residency.Status.VERIFIED)
                .select_related("user")
                .order_by("created_at", "pk"),
                to_attr="current_members",
            )
        )
        .order_by("room__building__community__name", "room_id")
    )


def get_head_residency_for_user(user: User, residency_id: int) -> Residency | None:
    """One of the user's own verified residencies (the service refuses family ones)."""
    return (
        Residency.objects.select_related("room__building__community", "room__unit", "user")
        .filter(user=user, pk=residency_id, status=Residency.Status.VERIFIED)
        .first()
    )


def get_household_residency_for_user(user: User, residency_id: int) -> Residency | None:
    """A residency in one of the households the user belongs to (None for anyone else's)."""
    return (
        Residency.objects.select_related("room__building__community", "room__unit", "user", "head")
        .filter(pk=residency_id, room__in=verified_rooms_of_user(user))
        .first()
    )


def get_invitation_sent_by_household(user: User, invitation_id: int) -> FamilyInvitation | None:
    """An invitation of a household the user belongs to (None for anyone else's)."""
    return (
        FamilyInvitation.objects.select_related("head__room", "head__user")
        .filter(pk=invitation_id, head__room__in=verified_rooms_of_user(user))
        .first()
    )


def household_ids_of_user(user: User) -> QuerySet:
    """The head-of-household residencies the user belongs to now (own head residency, or the
    head of their verified family residency)."""
    # Each of the user's verified residencies names its household (itself when it is the head);
    # chosen by the user's rows first, so that PostgreSQL reads a few rows by index instead of
    # joining the whole table to itself for an OR (11 ms a page on the 20,000-room estate).
    households = Residency.objects.filter(user=user, status=Residency.Status.VERIFIED).values(
        household=Coalesce("head_id", "pk")
    )
    return Residency.objects.filter(status=Residency.Status.VERIFIED, pk__in=households).values(
        "pk"
    )


def shares_household(user: User, other: User) -> bool:
    return Residency.objects.filter(
        user=other,
        status=Residency.Status.VERIFIED,
        room__in=verified_rooms_of_user(user),
    ).exists()


def households_for_rooms(room_ids: list[int]) -> dict[int, list[Residency]]:
    """Verified members of each room, one query for all rooms."""
    members: dict[int, list[Residency]] = {room_id: [] for room_id in room_ids}
    for residency in (
        Residency.objects.filter(room_id__in=room_ids, status=Residency.Status.VERIFIED)
        .select_related("user")
        .annotate(
            rank=Case(
                When(relation=Residency.Relation.OWNER, then=0),
                When(relation=Residency.Relation.TENANT, then=1),
                default=2,
            )
        )
        .order_by("room_id", "rank", "created_at", "pk")
    ):
        members[residency.room_id].append(residency)
    return members


def household_of_room(room: Room) -> list[Residency]:
    return households_for_rooms([room.pk])[room.pk]


def pending_residency_count(community: Community | None) -> int:
    if community is None:
        return 0
    return Residency.objects.filter(
        room__building__community=community, status=Residency.Status.PENDING
    ).count()


def residencies_for_community(community: Community) -> QuerySet[Residency]:
    """Pending requests first (they need someone), then the newest."""
    return (
        Residency.objects.filter(room__building__community=community)
        .select_related("user", "room__building", "room__unit", "verified_by")
        .annotate(waiting=Case(When(status=Residency.Status.PENDING, then=0), default=1))
        .order_by("waiting", "-created_at", "-pk")
    )


def rooms_for_community(community: Community) -> QuerySet[Room]:
    """With each room's verified household size and its bindings awaiting verification, counted
    by a subquery per room: the database counts them for the rows of the page only, where a
    count grouped by room counted every residency of the community for any page."""
    return (
        Room.objects.filter(building__community=community)
        .select_related("building", "unit")
        .annotate(
            household_size=_residency_count(Residency.Status.VERIFIED),
            pending_count=_residency_count(Residency.Status.PENDING),
        )
    )


def _residency_count(status: str) -> Coalesce:
    counted = (
        Residency.objects.filter(room=OuterRef("pk"), status=status)
        .order_by()
        .values("room")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def rooms_lived_in(rooms: QuerySet[Room], occupied: bool = True) -> QuerySet[Room]:
    """The rooms with (or, `occupied=False`, without) a verified resident."""
    verified = Exists(
        Residency.objects.filter(room=OuterRef("pk"), status=Residency.Status.VERIFIED)
    )
    return rooms.filter(verified if occupied else ~verified)


def buildings_for_community(community: Community) -> QuerySet[Building]:
    return Building.objects.filter(community=community).order_by("sort_order", "name")


def rooms_with_history() -> QuerySet[Room]:
    """Rooms with their building, unit and every residency (newest first) with its person."""
    return Room.objects.select_related("building__community", "unit").prefetch_related(
        Prefetch(
            "residencies",
            queryset=Residency.objects.select_related("user", "verified_by").order_by(
                "-created_at", "-pk"
            ),
        )
    )


def room_with_history(room: Room) -> Room:
    return rooms_with_history().get(pk=room.pk)


def audit_entries_for_room(room: Room, residency_ids: list[int]):
    """The room's history, newest first: what was done to the room itself (added, edited)
    and to its residencies (bound, verified, rejected, moved out), in its community."""
    from django.contrib.contenttypes.models import ContentType

    from kit.models import AuditEntry

    return (
        AuditEntry.objects.filter(community_id=room.building.community_id)
        .filter(
            Q(target_type=ContentType.objects.get_for_model(Room), target_id=str(room.pk))
            | Q(
                target_type=ContentType.objects.get_for_model(Residency),
                target_id__in=[str(pk) for pk in residency_ids],
            )
        )
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )


def community_counts(community: Community) -> dict[str, int]:
    """The figures on the staff home page, in three queries."""
    rooms = Room.objects.filter(building__community=community).aggregate(
        rooms=Count("id", distinct=True),
        occupied=Count(
            "id",
            filter=Q(residencies__status=Residency.Status.VERIFIED),
            distinct=True,
        ),
    )
    residents = Residency.objects.filter(room__building__community=community).aggregate(
        residents=Count("user", filter=Q(status=Residency.Status.VERIFIED), distinct=True),
        pending=Count("id", filter=Q(status=Residency.Status.PENDING)),
        owners=Count(
            "user",
            filter=Q(status=Residency.Status.VERIFIED, relation=Residency.Relation.OWNER),
            distinct=True,
        ),
    )
    buildings = Building.objects.filter(community=community).count()
    return {"buildings": buildings, **rooms, **residents}


# --- Staff portal: one resident seen from a community ----------------------------------------


def residencies_of_user_in_community(user: User, community: Community) -> list[Residency]:
    """Every residency of the user in the community, whatever its status: the active ones
    first, then the newest."""
    return list(
        Residency.objects.filter(user=user, room__building__community=community)
        .select_related("room__building", "room__unit", "verified_by", "head__user")
        .annotate(
            rank=Case(
                When(status=Residency.Status.VERIFIED, then=0),
                When(status=Residency.Status.PENDING, then=1),
                default=2,
            )
        )
        .order_by("rank", "-created_at", "-pk")
    )


def residents_changeable_in_community(community: Community) -> QuerySet[User]:
    """People staff of the community may change: those with a pending or verified residency
    there. Anyone with only history here (rejected, withdrawn, moved out) stays readable
    through the scoping registry, but belongs to no community's staff any more."""
    return User.objects.filter(
        pk__in=Residency.objects.filter(
            room__building__community=community, status__in=Residency.ACTIVE_STATUSES
        ).values("user_id")
    )


def accounts_beyond_staff_reach(user_ids: list[int], community: Community) -> set[int]:
    """The accounts among `user_ids` whose details a community's staff must never change:
    platform operators and staff members of another property company (they may also live in
    the community, but their account is not the community's to manage)."""
    return set(
        User.objects.filter(pk__in=user_ids)
        .filter(
            Q(is_staff=True)
            | Q(is_superuser=True)
            | (Q(staff_member__isnull=False) & ~Q(staff_member__company_id=community.company_id))
        )
        .values_list("pk", flat=True)
    )


def has_verified_email(user: User) -> bool:
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, verified=True).exists()


def audit_entries_for_resident(user: User, residency_ids: list[int], community: Community):
    """What happened in this community to the person and to their residencies here, newest
    first. Entries of no community (sign-up, their own profile, WeChat/QQ) are the person's
    private account history: staff of a community where they merely asked for a room must
    not read it."""
    from django.contrib.contenttypes.models import ContentType

    from kit.models import AuditEntry

    return (
        AuditEntry.objects.filter(community=community)
        .filter(
            Q(target_type=ContentType.objects.get_for_model(User), target_id=str(user.pk))
            | Q(
                target_type=ContentType.objects.get_for_model(Residency),
                target_id__in=[str(pk) for pk in residency_ids],
            )
        )
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )


class SocialLinkRefusal(StrEnum):
    INACTIVE = "inactive"
    STAFF = "staff"
    CONNECTED_OTHER = "connected_other"


def social_link_refusal(user: User, sociallogin: SocialLogin) -> SocialLinkRefusal | None:
    """Why the WeChat or QQ identity of `sociallogin` may not be linked to the existing `user`
    on the strength of an SMS code to the account's number alone, or None if it may.

    - a deactivated account stays closed;
    - property staff and platform operators connect WeChat or QQ only from inside their account
      (我的 → 账号与安全, after a fresh confirmation): a code read out to a fraudster must not
      give them a lasting door into an account that reaches other people's data;
    - an account already connected to another identity of the same brand is not silently moved
      to this one. Of the two WeChat apps, each keeps one openid per account; the other app's
      openid only counts as another person when both unionids are known and differ (the same
      unionid was already recognised at login: SocialAccountAdapter.pre_social_login).
    """
    from .social_adapter import WECHAT_PROVIDERS

    if not user.is_active:
        return SocialLinkRefusal.INACTIVE
    if (
        user.is_staff
        or user.is_superuser
        or User.objects.filter(pk=user.pk, staff_member__is_active=True).exists()
    ):
        return SocialLinkRefusal.STAFF
    provider = sociallogin.account.provider
    brand = WECHAT_PROVIDERS if provider in WECHAT_PROVIDERS else (provider,)
    unionid = sociallogin.account.extra_data.get("unionid")
    for account in SocialAccount.objects.filter(user=user, provider__in=brand):
        other_unionid = account.extra_data.get("unionid")
        if account.provider == provider or (unionid and other_unionid and other_unionid != unionid):
            return SocialLinkRefusal.CONNECTED_OTHER
    return None


def property_companies() -> QuerySet[PropertyCompany]:
    """Every property company, by name (platform operators' choices)."""
    return PropertyCompany.objects.order_by("name")


# --- Sign-ups, the funnel and residents, for the platform's user statistics (PSTA-1) -------------
# Platform operators are not sign-ups. A new account belongs to a community once it asks for a
# room there; the platform's own totals (community_ids=None) also count accounts with no room yet.

EVER_VERIFIED = Q(status__in=[Residency.Status.VERIFIED, Residency.Status.ENDED],
                  verified_at__isnull=False)  # fmt: skip


def signup_counts(
    start: dt.datetime, end: dt.datetime, community_ids: list[int] | None, *, by_community: bool
) -> list[dict]:
    """Accounts opened in [start, end), per sign-up channel (and per community with
    `by_community`): `signups`, `requested` (asked for a room, in that community), `verified`
    (were verified there, whatever happened later). One query."""
    if community_ids is None:
        return list(
            User.objects.filter(date_joined__gte=start, date_joined__lt=end, is_staff=False)
            .values(channel=F("signup_channel"))
            .annotate(
                signups=Count("pk", distinct=True),
                requested=Count("pk", distinct=True, filter=Q(residencies__isnull=False)),
                verified=Count(
                    "pk",
                    distinct=True,
                    filter=Q(
                        residencies__status__in=[Residency.Status.VERIFIED, Residency.Status.ENDED],
                        residencies__verified_at__isnull=False,
                    ),
                ),
            )
            .order_by()
        )
    groups = {"channel": F("user__signup_channel")}
    if by_community:
        groups["community"] = F("room__building__community_id")
    return list(
        Residency.objects.filter(
            user__date_joined__gte=start,
            user__date_joined__lt=end,
            user__is_staff=False,
            room__building__community_id__in=community_ids,
        )
        .values(**groups)
        .annotate(
            signups=Count("user", distinct=True),
            requested=Count("user", distinct=True),
            verified=Count("user", distinct=True, filter=EVER_VERIFIED),
        )
        .order_by()
    )


def signups_per_day(
    start: dt.datetime, end: dt.datetime, community_ids: list[int] | None
) -> dict[dt.date, int]:
    """Accounts opened on each local day of [start, end) (in the communities: those who asked
    for a room there). One query."""
    zone = timezone.get_current_timezone()
    if community_ids is None:
        rows = (
            User.objects.filter(date_joined__gte=start, date_joined__lt=end, is_staff=False)
            .values(joined=TruncDate("date_joined", tzinfo=zone))
            .annotate(count=Count("pk"))
        )
    else:
        rows = (
            Residency.objects.filter(
                user__date_joined__gte=start,
                user__date_joined__lt=end,
                user__is_staff=False,
                room__building__community_id__in=community_ids,
            )
            .values(joined=TruncDate("user__date_joined", tzinfo=zone))
            .annotate(count=Count("user", distinct=True))
        )
    return {row["joined"]: row["count"] for row in rows.order_by()}


def resident_counts(
    moment: dt.datetime, community_ids: list[int], by_community: bool = True
) -> dict[int | None, int]:
    """People with a verified residency at `moment`, per community (with `by_community`) and in
    all of them together (None; someone living in two counts once). Two queries, or one."""
    living = Residency.objects.filter(
        EVER_VERIFIED,
        Q(ended_at__isnull=True) | Q(ended_at__gte=moment),
        verified_at__lt=moment,
        room__building__community_id__in=community_ids,
    )
    counts: dict[int | None, int] = (
        {
            row["community"]: row["count"]
            for row in living.values(community=F("room__building__community_id"))
            .annotate(count=Count("user", distinct=True))
            .order_by()
        }
        if by_community
        else {}
    )
    counts[None] = living.aggregate(count=Count("user", distinct=True))["count"]
    return counts


def platform_operators() -> QuerySet[User]:
    """The active platform operators (the admin's users): those told about the platform's own
    failures, such as a backup that failed or did not happen."""
    return User.objects.filter(is_active=True, is_staff=True)

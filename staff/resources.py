"""Excel import and export of the estate registry for the staff portal, through the one
spreadsheet pipeline (kit.spreadsheets).

Two sheets come in: rooms (楼栋/单元/房号/楼层/面积/用途) and residents (楼栋/单元/房号/姓名/
手机号/关系). The Chinese column headers and cell values are data — what property offices type
in Excel — not interface text, so they are plain literals here.

Every import works for one community: buildings, units and rooms are looked up (or, for the
room sheet, created) inside it only, so no row can reach another community's estate.

An import runs twice: a dry run, whose transaction is rolled back, shows what would happen and
every row's errors; after the staff member confirms, the same file runs for real. A run with
any bad row is rolled back whole: nothing is ever half-imported.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Building, Community, Residency, Room, Unit, User
from accounts.phone import normalize_mobile
from accounts.selectors import accounts_beyond_staff_reach
from kit import spreadsheets
from kit.audit import log_action
from kit.spreadsheets import Column, Row, RowError

ROOMS = "rooms"
RESIDENTS = "residents"

BUILDING, UNIT, NUMBER = "楼栋", "单元", "房号"
FLOOR, AREA, USE = "楼层", "面积", "用途"
NAME, MOBILE, RELATION = "姓名", "手机号", "关系"
STATUS, REQUESTED_AT, VERIFIED_AT = "状态", "申请时间", "认证时间"

_ROOM_PARTS = [
    Column("building", BUILDING, required=True, as_text=True),
    Column("unit", UNIT, as_text=True),
    Column("number", NUMBER, required=True, as_text=True),
]
COLUMNS = {
    ROOMS: [
        *_ROOM_PARTS,
        Column("floor", FLOOR),
        Column("area", AREA),
        Column("use", USE, as_text=True),
    ],
    RESIDENTS: [
        *_ROOM_PARTS,
        Column("name", NAME, required=True, as_text=True),
        Column("mobile", MOBILE, required=True, as_text=True),
        Column("relation", RELATION, required=True, as_text=True),
    ],
}
HEADERS = {kind: [column.header for column in columns] for kind, columns in COLUMNS.items()}
REQUIRED_HEADERS = {
    kind: [column.header for column in columns if column.required]
    for kind, columns in COLUMNS.items()
}

# What people write in the 用途 and 关系 columns; the labels the portal shows are accepted too.
USE_WORDS = {
    "住宅": Room.Use.RESIDENTIAL,
    "商铺": Room.Use.COMMERCIAL,
    "商业": Room.Use.COMMERCIAL,
    "办公": Room.Use.OFFICE,
    "储藏室": Room.Use.STORAGE,
    "储藏间": Room.Use.STORAGE,
    "车位": Room.Use.PARKING,
}
RELATION_WORDS = {
    "业主": Residency.Relation.OWNER,
    "租户": Residency.Relation.TENANT,
    "家属": Residency.Relation.FAMILY,
    "家庭成员": Residency.Relation.FAMILY,
}

MAX_ROWS = 20000
MAX_FLOOR = 200
BATCH_SIZE = 500


def _choice(value: str, words: dict[str, str], choices) -> str | None:
    if value in words:
        return words[value]
    for code, label in choices:
        if value.lower() in (code, str(label).lower()):
            return code
    return None


def _row_error(errors: dict[str, list[str]], name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


@dataclass
class ImportOutcome:
    kind: str
    rows: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    new_accounts: int = 0
    new_buildings: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _EstateImport(spreadsheets.SheetImport):
    """An import bound to one community and one staff member. Each checked row says whether
    it adds, updates or leaves a record, so the dry run can show the counts."""

    kind = ""
    max_rows = MAX_ROWS

    def __init__(self, *, community: Community, actor: User):
        self.community = community
        self.actor = actor
        self.outcome = ImportOutcome(kind=self.kind)
        self.seen: dict[tuple, int] = {}

    def count(self, is_new: bool, changed: bool) -> None:
        if is_new:
            self.outcome.new += 1
        elif changed:
            self.outcome.updated += 1
        else:
            self.outcome.skipped += 1

    def once(self, row: Row, key: tuple, column: str, message: str) -> None:
        """An error when the key was already in an earlier row (the message names that row)."""
        if key in self.seen:
            row.error(column, message % {"row": self.seen[key]})
        self.seen.setdefault(key, row.number)

    @staticmethod
    def room_parts(row: Row) -> tuple[str, str, str]:
        building, unit, number = row.text("building"), row.text("unit"), row.text("number")
        if not building:
            row.error("building", _("The building is missing."))
        elif len(building) > 50:
            row.error("building", _("A building name has at most 50 characters."))
        if len(unit) > 50:
            row.error("unit", _("A unit name has at most 50 characters."))
        if not number:
            row.error("number", _("The room number is missing."))
        elif len(number) > 20:
            row.error("number", _("A room number has at most 20 characters."))
        return building, unit, number


# --- Rooms -----------------------------------------------------------------------------------


@dataclass
class _RoomRow:
    building: str
    unit: str
    number: str
    values: dict[str, Any]
    room: Room | None  # the stored room, None for a new one


class RoomImport(_EstateImport):
    """Rooms of the community; missing buildings and units are created, existing rooms get
    the sheet's floor, area and use."""

    kind = ROOMS
    columns = COLUMNS[ROOMS]
    FIELDS = ("floor", "area", "use")

    def prepare(self, sheet: spreadsheets.Sheet) -> None:
        self.buildings = {b.name: b for b in Building.objects.filter(community=self.community)}
        self.units = {
            (u.building_id, u.name): u
            for u in Unit.objects.filter(building__community=self.community)
        }
        self.rooms = {
            (r.building_id, r.unit_id, r.number): r
            for r in Room.objects.filter(building__community=self.community)
        }

    def check_row(self, row: Row) -> _RoomRow | None:
        building, unit, number = self.room_parts(row)
        values = {"floor": self._floor(row, number), "area": self._area(row), "use": self._use(row)}
        if row.errors:
            return None
        self.once(
            row, (building, unit, number), "number",
            _("This room already appears in row %(row)d of the sheet."),
        )  # fmt: skip
        if building not in self.buildings and building not in self.outcome.new_buildings:
            self.outcome.new_buildings.append(building)
        room = self._stored(building, unit, number)
        self.count(room is None, room is not None and _differs(room, values))
        return _RoomRow(building, unit, number, values, room)

    def _stored(self, building_name: str, unit_name: str, number: str) -> Room | None:
        building = self.buildings.get(building_name)
        if building is None:
            return None
        unit = self.units.get((building.pk, unit_name)) if unit_name else None
        if unit_name and unit is None:
            return None
        return self.rooms.get((building.pk, unit.pk if unit else None, number))

    def _floor(self, row: Row, number: str) -> int | None:
        text = row.text("floor")
        if not text:
            # 1201 is on the 12th floor: the usual numbering, used when the cell is empty.
            if number.isdigit() and len(number) >= 3:
                return int(number[:-2])
            row.error("floor", _("The floor is missing."))
            return None
        try:
            floor = int(text)
        except ValueError:
            row.error("floor", _("The floor must be a whole number, e.g. 12 or -1."))
            return None
        if not -10 <= floor <= MAX_FLOOR:
            row.error("floor", _("The floor must be between -10 and %(max)d.") % {"max": MAX_FLOOR})
        return floor

    def _area(self, row: Row) -> Decimal | None:
        text = row.text("area").removesuffix("㎡").removesuffix("m²").strip()
        if not text:
            return None
        try:
            area = Decimal(text).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            row.error("area", _("The floor area must be a number of square metres."))
            return None
        if not Decimal("0.01") <= area < Decimal("1000000"):
            row.error("area", _("The floor area must be more than 0 and below 1000000."))
        return area

    def _use(self, row: Row) -> str | None:
        use_text = row.text("use")
        if not use_text:
            return Room.Use.RESIDENTIAL
        use = _choice(use_text, USE_WORDS, Room.Use.choices)
        if use is None:
            row.error(
                "use",
                _("Unknown use “%(value)s”: write one of %(choices)s.")
                % {"value": use_text, "choices": "、".join(USE_WORDS)},
            )
        return use

    def write(self, parsed: list[_RoomRow]) -> None:
        new, changed = [], []
        for item in parsed:
            room = item.room
            if room is None:
                building = self._building(item.building)
                unit = self._unit(building, item.unit) if item.unit else None
                new.append(Room(building=building, unit=unit, number=item.number, **item.values))
            elif _differs(room, item.values):
                for name, value in item.values.items():
                    setattr(room, name, value)
                changed.append(room)
        Room.objects.bulk_create(new, batch_size=BATCH_SIZE)
        Room.objects.bulk_update(changed, list(self.FIELDS), batch_size=BATCH_SIZE)

    def _building(self, name: str) -> Building:
        building = self.buildings.get(name)
        if building is None:
            building = Building.objects.create(
                community=self.community, name=name, sort_order=len(self.buildings)
            )
            self.buildings[name] = building
        return building

    def _unit(self, building: Building, name: str) -> Unit:
        unit = self.units.get((building.pk, name))
        if unit is None:
            unit = Unit.objects.create(building=building, name=name)
            self.units[(building.pk, name)] = unit
        return unit


def _differs(instance, values: dict[str, Any]) -> bool:
    return any(getattr(instance, name) != value for name, value in values.items())


# --- Residents -------------------------------------------------------------------------------


@dataclass
class _ResidentRow:
    mobile: str
    name: str
    room: Room
    relation: str
    residency: Residency | None  # the active residency, None for a new one


class ResidentImport(_EstateImport):
    """Verified residencies for rooms that exist in the community; people are found by mobile
    number, and accounts are created for numbers nobody uses yet (they log in by SMS code)."""

    kind = RESIDENTS
    columns = COLUMNS[RESIDENTS]

    def prepare(self, sheet: spreadsheets.Sheet) -> None:
        self.rooms = {}
        # Excel turns a typed 0101 into the number 101: rooms are also found without their
        # leading zeros, when that names only one room.
        self.rooms_without_zeros: dict[tuple, Room | None] = {}
        for r in Room.objects.filter(building__community=self.community).select_related(
            "building", "unit"
        ):
            building, unit = r.building.name, r.unit.name if r.unit_id else ""
            self.rooms[(building, unit, r.number)] = r
            loose = (building, unit, r.number.lstrip("0"))
            self.rooms_without_zeros[loose] = None if loose in self.rooms_without_zeros else r
        self.users = self._users(sheet)
        # Operators and other companies' staff may live here too, but an import must not
        # tie their accounts to the estate: only they (or the platform) decide that.
        self.beyond_reach = accounts_beyond_staff_reach(
            [user.pk for user in self.users.values()], self.community
        )
        self.active = {
            (r.user_id, r.room_id): r
            for r in Residency.objects.filter(
                room__building__community=self.community,
                status__in=Residency.ACTIVE_STATUSES,
                user__in=list(self.users.values()),
            )
        }
        self.new_mobiles: set[str] = set()

    def _users(self, sheet: spreadsheets.Sheet) -> dict[str, User]:
        """The accounts of the sheet's valid numbers that exist already (one query)."""
        mobiles = set()
        for row in sheet.rows:
            try:
                mobiles.add(normalize_mobile(row.text("mobile")))
            except ValidationError:
                continue
        return {u.mobile: u for u in User.objects.filter(mobile__in=list(mobiles))}

    def check_row(self, row: Row) -> _ResidentRow | None:
        room = self._room(row)
        name = self._name(row)
        mobile = self._mobile(row)
        relation = self._relation(row)
        if row.errors:
            return None
        self.once(
            row, (mobile, room.pk), "mobile",
            _("This person and room already appear in row %(row)d."),
        )  # fmt: skip
        user = self.users.get(mobile)
        residency = self.active.get((user.pk, room.pk)) if user else None
        if user is None and mobile not in self.new_mobiles:
            self.new_mobiles.add(mobile)
            self.outcome.new_accounts += 1
        changed = residency is not None and (
            residency.relation != relation or residency.status != Residency.Status.VERIFIED
        )
        self.count(residency is None, changed)
        return _ResidentRow(mobile, name, room, relation, residency)

    def _room(self, row: Row) -> Room | None:
        building, unit, number = self.room_parts(row)
        if row.errors:
            return None
        room = self.rooms.get((building, unit, number)) or self.rooms_without_zeros.get(
            (building, unit, number.lstrip("0"))
        )
        if room is None:
            row.error(
                "number",
                _("There is no room %(room)s in %(community)s; import the rooms first.")
                % {"room": f"{building}{unit}{number}", "community": self.community.name},
            )
        return room

    @staticmethod
    def _name(row: Row) -> str:
        name = row.text("name")
        if not name:
            row.error("name", _("The name is missing."))
        elif len(name) > 50:
            row.error("name", _("A name has at most 50 characters."))
        return name

    def _mobile(self, row: Row) -> str:
        try:
            mobile = normalize_mobile(row.text("mobile"))
        except ValidationError as error:
            row.error("mobile", error.messages[0])
            return ""
        user = self.users.get(mobile)
        if user is not None and user.pk in self.beyond_reach:
            row.error("mobile", _("The account of this mobile number cannot be imported."))
        return mobile

    @staticmethod
    def _relation(row: Row) -> str | None:
        relation_text = row.text("relation")
        relation = _choice(relation_text, RELATION_WORDS, Residency.Relation.choices)
        if relation is None:
            row.error(
                "relation",
                _("Unknown relation “%(value)s”: write one of %(choices)s.")
                % {"value": relation_text, "choices": "、".join(RELATION_WORDS)},
            )
        return relation

    def write(self, parsed: list[_ResidentRow]) -> None:
        users = self._create_users(parsed)
        now = timezone.now()
        new, changed = [], []
        for item in parsed:
            residency = item.residency
            if residency is None:
                residency = Residency(user=users[item.mobile], room=item.room)
                new.append(residency)
            elif (
                residency.relation != item.relation or residency.status != Residency.Status.VERIFIED
            ):
                changed.append(residency)
            else:
                continue
            residency.relation = item.relation
            if residency.status != Residency.Status.VERIFIED or residency.pk is None:
                residency.status = Residency.Status.VERIFIED
                residency.verified_by, residency.verified_at = self.actor, now
                residency.rejection_reason = ""
        Residency.objects.bulk_create(new, batch_size=BATCH_SIZE)
        Residency.objects.bulk_update(
            changed,
            ["relation", "status", "verified_by", "verified_at", "rejection_reason"],
            batch_size=BATCH_SIZE,
        )
        link_family_to_heads({item.room.pk for item in parsed})

    def _create_users(self, parsed: list[_ResidentRow]) -> dict[str, User]:
        """Accounts for the numbers nobody uses yet, in one statement, named as in their first
        row; with a password nobody knows (they log in by SMS code)."""
        names: dict[str, str] = {}
        for item in parsed:
            if item.mobile not in self.users:
                names.setdefault(item.mobile, item.name[:50])
        User.objects.bulk_create(
            [
                User(mobile=m, display_name=n, password=make_password(None))
                for m, n in names.items()
            ],
            batch_size=BATCH_SIZE,
        )
        if not names:
            return self.users
        return {**self.users, **{u.mobile: u for u in User.objects.filter(mobile__in=list(names))}}


def link_family_to_heads(room_ids: set[int]) -> int:
    """Verified family members without a head of household join the room's owner (or, with
    no owner, its tenant). Two queries whatever the number of rooms."""
    verified = Residency.objects.filter(
        room_id__in=room_ids, status=Residency.Status.VERIFIED
    ).order_by("created_at", "pk")
    heads: dict[int, Residency] = {}
    orphans = []
    for residency in verified:
        if residency.relation == Residency.Relation.FAMILY:
            if residency.head_id is None:
                orphans.append(residency)
            continue
        current = heads.get(residency.room_id)
        if current is None or (
            current.relation != Residency.Relation.OWNER
            and residency.relation == Residency.Relation.OWNER
        ):
            heads[residency.room_id] = residency
    linked = []
    for residency in orphans:
        head = heads.get(residency.room_id)
        if head is not None:
            residency.head = head
            linked.append(residency)
    Residency.objects.bulk_update(linked, ["head"], batch_size=BATCH_SIZE)
    return len(linked)


IMPORTS: dict[str, type[_EstateImport]] = {ROOMS: RoomImport, RESIDENTS: ResidentImport}


# --- Sheets ----------------------------------------------------------------------------------


def template_workbook(kind: str) -> bytes:
    """An empty sheet with the column headers, to fill in and upload."""
    return spreadsheets.template(kind, COLUMNS[kind])


EXPORT_HEADERS = [*HEADERS[RESIDENTS], STATUS, REQUESTED_AT, VERIFIED_AT]


def _export_row(residency: Residency) -> list[Any]:
    """The import columns first, so an exported sheet can be corrected and imported again,
    then status and dates."""
    room = residency.room
    return [
        room.building.name,
        room.unit.name if room.unit_id else "",
        room.number,
        residency.user.display_name,
        residency.user.mobile,
        str(residency.get_relation_display()),
        str(residency.get_status_display()),
        _local(residency.created_at),
        _local(residency.verified_at),
    ]


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def export_residents(
    residencies: QuerySet[Residency],
    *,
    community: Community,
    actor: User,
    filters: dict[str, str],
    request: HttpRequest | None = None,
) -> tuple[bytes, int]:
    """The filtered residents list as an .xlsx workbook, and its row count. Audited: the
    sheet carries personal data out of the system."""
    # Residents type their own names: the pipeline keeps them from running as formulas.
    dataset = spreadsheets.dataset(
        (_export_row(residency) for residency in residencies),
        headers=EXPORT_HEADERS,
        title="residents",
    )
    log_action(
        actor=actor,
        action="accounts.residents_exported",
        target=community,
        community=community,
        data={"filters": filters, "rows": dataset.height},
        request=request,
    )
    return spreadsheets.export(dataset, "xlsx"), dataset.height


def read_upload(content: bytes, kind: str, file_name: str = "") -> spreadsheets.Sheet:
    """The uploaded .xlsx or .csv as rows of the kind's columns; ValidationError (in Chinese)
    for a file that is not one, lacks a required column or is too long."""
    return spreadsheets.read(content, COLUMNS[kind], max_rows=MAX_ROWS, file_name=file_name)


# --- Running an import -----------------------------------------------------------------------


def run_import(
    kind: str,
    *,
    sheet: spreadsheets.Sheet,
    community: Community,
    actor: User,
    dry_run: bool,
    file_name: str = "",
    request: HttpRequest | None = None,
) -> ImportOutcome:
    """Import the sheet into the community; roll everything back on a dry run or when any
    row is wrong. The real run writes one audit entry with the counts."""
    importer = IMPORTS[kind](community=community, actor=actor)
    checked = spreadsheets.check_and_write(importer, sheet, dry_run=dry_run)
    outcome = importer.outcome
    outcome.rows, outcome.errors = checked.rows, checked.errors
    outcome.skipped += checked.blank
    if checked.written:
        log_action(
            actor=actor,
            action=f"accounts.{kind}_imported",
            target=community,
            community=community,
            data={
                "file": file_name,
                "rows": outcome.rows,
                "new": outcome.new,
                "updated": outcome.updated,
                "skipped": outcome.skipped,
                "new_accounts": outcome.new_accounts,
                "new_buildings": outcome.new_buildings,
            },
            request=request,
        )
    return outcome


# --- Keeping the uploaded file between the dry run and the confirmation ------------------------


def stash_upload(
    content: bytes, *, file_name: str, user: User, community: Community, kind: str
) -> str:
    """Keep the file for an hour in private storage; the signed token names it for this
    user, community and kind only, so a confirmation cannot import someone else's sheet."""
    return spreadsheets.stash_upload(
        content, file_name=file_name, scope=_scope(user, community, kind)
    )


def unstash_upload(
    token: str, *, user: User, community: Community, kind: str
) -> tuple[bytes, str] | None:
    """(content, file name) of a stashed upload, or None when the token is not this user's
    for this community and kind, or the file has expired."""
    return spreadsheets.unstash_upload(token, scope=_scope(user, community, kind))


def forget_upload(token: str) -> None:
    spreadsheets.forget_upload(token)


def _scope(user: User, community: Community, kind: str) -> dict[str, Any]:
    return {"user": user.pk, "community": community.pk, "kind": kind}

"""Excel import and export of the estate registry for the staff portal (django-import-export).

Two sheets come in: rooms (楼栋/单元/房号/楼层/面积/用途) and residents (楼栋/单元/房号/姓名/
手机号/关系). The Chinese column headers and cell values are data — what property offices type
in Excel — not interface text, so they are plain literals here.

Every resource works for one community: buildings, units and rooms are looked up (or, for the
room sheet, created) inside it only, so no row can reach another community's estate.

An import runs twice: a dry run, whose transaction is rolled back, shows what would happen and
every row's errors; after the staff member confirms, the same file runs for real. A run with
any bad row is rolled back whole: nothing is ever half-imported.
"""

import io
import logging
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import tablib
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources
from import_export.formats.base_formats import XLSX
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from kit.audit import log_action

from . import spreadsheets
from .models import Building, Community, Residency, Room, Unit, User
from .phone import normalize_mobile
from .selectors import accounts_beyond_staff_reach

logger = logging.getLogger(__name__)

ROOMS = "rooms"
RESIDENTS = "residents"

BUILDING, UNIT, NUMBER = "楼栋", "单元", "房号"
FLOOR, AREA, USE = "楼层", "面积", "用途"
NAME, MOBILE, RELATION = "姓名", "手机号", "关系"
STATUS, REQUESTED_AT, VERIFIED_AT = "状态", "申请时间", "认证时间"

HEADERS = {
    ROOMS: [BUILDING, UNIT, NUMBER, FLOOR, AREA, USE],
    RESIDENTS: [BUILDING, UNIT, NUMBER, NAME, MOBILE, RELATION],
}
REQUIRED_HEADERS = {
    ROOMS: [BUILDING, NUMBER],
    RESIDENTS: [BUILDING, NUMBER, NAME, MOBILE, RELATION],
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
STASH_SECONDS = 3600
STASH_SALT = "accounts.resources.stash"
BATCH_SIZE = 500


def _text(value: Any) -> str:
    """A cell as text: Excel gives numbers for 1201 or 13900000001, and floats for 1201.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _choice(value: str, words: dict[str, str], choices) -> str | None:
    if value in words:
        return words[value]
    for code, label in choices:
        if value.lower() in (code, str(label).lower()):
            return code
    return None


def _row_error(errors: dict[str, list[str]], name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


class _CommunityResource(resources.ModelResource):
    """A resource bound to one community and one staff member. Rows are parsed and checked
    in `before_import_row` (into `self.row`), so every message is ours and in Chinese."""

    kind = ""

    def __init__(self, *, community: Community, actor: User | None):
        super().__init__()
        self.community = community
        self.actor = actor
        self.row: dict[str, Any] | None = None
        self.changed = False
        self.seen: dict[tuple, int] = {}

    def column(self, name: str) -> str:
        return self.fields[name].column_name if name in self.fields else ""

    def is_blank(self, row: dict) -> bool:
        return all(_text(value) == "" for value in row.values())

    def get_instance(self, instance_loader, row):
        return None if self.row is None else self.existing(self.row)

    def existing(self, parsed: dict[str, Any]):
        raise NotImplementedError

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        return self.row is None or (instance.pk is not None and not self.changed)

    def _room_part_errors(self, row: dict, errors: dict[str, list[str]]) -> tuple[str, str, str]:
        building = _text(row.get(BUILDING))
        unit = _text(row.get(UNIT))
        number = _text(row.get(NUMBER))
        if not building:
            _row_error(errors, "building", _("The building is missing."))
        elif len(building) > 50:
            _row_error(errors, "building", _("A building name has at most 50 characters."))
        if len(unit) > 50:
            _row_error(errors, "unit", _("A unit name has at most 50 characters."))
        if not number:
            _row_error(errors, "number", _("The room number is missing."))
        elif len(number) > 20:
            _row_error(errors, "number", _("A room number has at most 20 characters."))
        return building, unit, number


class RoomResource(_CommunityResource):
    """Rooms of the community; missing buildings and units are created, existing rooms get
    the sheet's floor, area and use."""

    kind = ROOMS

    building = fields.Field(attribute="building__name", column_name=BUILDING)
    unit = fields.Field(attribute="unit__name", column_name=UNIT)
    number = fields.Field(attribute="number", column_name=NUMBER)
    floor = fields.Field(attribute="floor", column_name=FLOOR)
    area = fields.Field(attribute="area", column_name=AREA)
    use = fields.Field(attribute="use", column_name=USE)

    class Meta:
        model = Room
        fields = ("building", "unit", "number", "floor", "area", "use")
        use_bulk = True
        batch_size = BATCH_SIZE
        skip_diff = True
        clean_model_instances = False

    def get_bulk_update_fields(self):
        return ["floor", "area", "use"]

    def before_import(self, dataset, **kwargs):
        self.buildings = {b.name: b for b in Building.objects.filter(community=self.community)}
        self.units = {
            (u.building_id, u.name): u
            for u in Unit.objects.filter(building__community=self.community)
        }
        self.rooms = {
            (r.building_id, r.unit_id, r.number): r
            for r in Room.objects.filter(building__community=self.community)
        }
        self.new_buildings: list[str] = []

    def before_import_row(self, row, **kwargs):
        self.row = None
        if self.is_blank(row):
            return
        errors: dict[str, list[str]] = {}
        building_name, unit_name, number = self._room_part_errors(row, errors)
        floor = self._floor(row, number, errors)
        area = self._area(row, errors)
        use_text = _text(row.get(USE))
        use = Room.Use.RESIDENTIAL
        if use_text:
            use = _choice(use_text, USE_WORDS, Room.Use.choices)
            if use is None:
                _row_error(
                    errors,
                    "use",
                    _("Unknown use “%(value)s”: write one of %(choices)s.")
                    % {"value": use_text, "choices": "、".join(USE_WORDS)},
                )
        if errors:
            raise ValidationError(errors)
        building = self._building(building_name)
        unit = self._unit(building, unit_name) if unit_name else None
        key = (building.pk, unit.pk if unit else None, number)
        row_number = kwargs["row_number"] + 1
        if key in self.seen:
            raise ValidationError(
                {
                    "number": _("This room already appears in row %(row)d of the sheet.")
                    % {"row": self.seen[key]}
                }
            )
        self.seen[key] = row_number
        self.row = {"key": key, "building": building, "unit": unit, "number": number}
        self.row.update(floor=floor, area=area, use=use)

    def _floor(self, row: dict, number: str, errors: dict) -> int | None:
        text = _text(row.get(FLOOR))
        if not text:
            # 1201 is on the 12th floor: the usual numbering, used when the cell is empty.
            if number.isdigit() and len(number) >= 3:
                return int(number[:-2])
            _row_error(errors, "floor", _("The floor is missing."))
            return None
        try:
            floor = int(text)
        except ValueError:
            _row_error(errors, "floor", _("The floor must be a whole number, e.g. 12 or -1."))
            return None
        if not -10 <= floor <= MAX_FLOOR:
            _row_error(
                errors,
                "floor",
                _("The floor must be between -10 and %(max)d.") % {"max": MAX_FLOOR},
            )
        return floor

    def _area(self, row: dict, errors: dict) -> Decimal | None:
        text = _text(row.get(AREA)).removesuffix("㎡").removesuffix("m²").strip()
        if not text:
            return None
        try:
            area = Decimal(text).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            _row_error(errors, "area", _("The floor area must be a number of square metres."))
            return None
        if not Decimal("0.01") <= area < Decimal("1000000"):
            _row_error(errors, "area", _("The floor area must be more than 0 and below 1000000."))
        return area

    def _building(self, name: str) -> Building:
        building = self.buildings.get(name)
        if building is None:
            building = Building.objects.create(
                community=self.community, name=name, sort_order=len(self.buildings)
            )
            self.buildings[name] = building
            self.new_buildings.append(name)
        return building

    def _unit(self, building: Building, name: str) -> Unit:
        unit = self.units.get((building.pk, name))
        if unit is None:
            unit = Unit.objects.create(building=building, name=name)
            self.units[(building.pk, name)] = unit
        return unit

    def existing(self, parsed):
        return self.rooms.get(parsed["key"])

    def import_instance(self, instance, row, **kwargs):
        parsed = self.row
        if parsed is None:
            return
        if instance.pk is None:
            instance.building = parsed["building"]
            instance.unit = parsed["unit"]
            instance.number = parsed["number"]
        values = {"floor": parsed["floor"], "area": parsed["area"], "use": parsed["use"]}
        self.changed = any(getattr(instance, name) != value for name, value in values.items())
        for name, value in values.items():
            setattr(instance, name, value)


class ResidentResource(_CommunityResource):
    """Verified residencies for rooms that exist in the community; people are found by mobile
    number, and accounts are created for numbers nobody uses yet (they log in by SMS code)."""

    kind = RESIDENTS

    building = fields.Field(attribute="room__building__name", column_name=BUILDING)
    unit = fields.Field(attribute="room__unit__name", column_name=UNIT)
    number = fields.Field(attribute="room__number", column_name=NUMBER)
    name = fields.Field(attribute="user__display_name", column_name=NAME)
    mobile = fields.Field(attribute="user__mobile", column_name=MOBILE)
    relation = fields.Field(attribute="relation", column_name=RELATION)

    class Meta:
        model = Residency
        fields = ("building", "unit", "number", "name", "mobile", "relation")
        use_bulk = True
        batch_size = BATCH_SIZE
        skip_diff = True
        clean_model_instances = False

    def get_bulk_update_fields(self):
        return ["relation", "status", "verified_by", "verified_at", "rejection_reason"]

    def before_import(self, dataset, **kwargs):
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
        self.now = timezone.now()
        self.room_ids: set[int] = set()
        self.users = self._users(dataset)
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

    def _users(self, dataset) -> dict[str, User]:
        """Every valid number of the sheet with its account, creating the missing accounts in
        one statement (rolled back with everything else if the import does not go through)."""
        names: dict[str, str] = {}
        if MOBILE in dataset.headers:
            for record in dataset.dict:
                try:
                    mobile = normalize_mobile(_text(record.get(MOBILE)))
                except ValidationError:
                    continue
                names.setdefault(mobile, _text(record.get(NAME))[:50])
        found = {u.mobile: u for u in User.objects.filter(mobile__in=list(names))}
        missing = [
            User(mobile=mobile, display_name=name, password=make_password(None))
            for mobile, name in names.items()
            if mobile not in found
        ]
        User.objects.bulk_create(missing, batch_size=BATCH_SIZE)
        self.new_accounts = len(missing)
        if missing:
            found = {u.mobile: u for u in User.objects.filter(mobile__in=list(names))}
        return found

    def before_import_row(self, row, **kwargs):
        self.row = None
        if self.is_blank(row):
            return
        errors: dict[str, list[str]] = {}
        building, unit, number = self._room_part_errors(row, errors)
        room = None
        if not errors:
            room = self.rooms.get((building, unit, number)) or self.rooms_without_zeros.get(
                (building, unit, number.lstrip("0"))
            )
            if room is None:
                _row_error(
                    errors,
                    "number",
                    _("There is no room %(room)s in %(community)s; import the rooms first.")
                    % {"room": f"{building}{unit}{number}", "community": self.community.name},
                )
        name = _text(row.get(NAME))
        if not name:
            _row_error(errors, "name", _("The name is missing."))
        elif len(name) > 50:
            _row_error(errors, "name", _("A name has at most 50 characters."))
        mobile = ""
        try:
            mobile = normalize_mobile(_text(row.get(MOBILE)))
        except ValidationError as error:
            _row_error(errors, "mobile", error.messages[0])
        else:
            if self.users[mobile].pk in self.beyond_reach:
                _row_error(
                    errors, "mobile", _("The account of this mobile number cannot be imported.")
                )
        relation_text = _text(row.get(RELATION))
        relation = _choice(relation_text, RELATION_WORDS, Residency.Relation.choices)
        if relation is None:
            _row_error(
                errors,
                "relation",
                _("Unknown relation “%(value)s”: write one of %(choices)s.")
                % {"value": relation_text, "choices": "、".join(RELATION_WORDS)},
            )
        if errors:
            raise ValidationError(errors)
        key = (mobile, room.pk)
        if key in self.seen:
            raise ValidationError(
                {
                    "mobile": _("This person and room already appear in row %(row)d.")
                    % {"row": self.seen[key]}
                }
            )
        self.seen[key] = kwargs["row_number"] + 1
        self.room_ids.add(room.pk)
        self.row = {"user": self.users[mobile], "room": room, "relation": relation}

    def existing(self, parsed):
        return self.active.get((parsed["user"].pk, parsed["room"].pk))

    def import_instance(self, instance, row, **kwargs):
        parsed = self.row
        if parsed is None:
            return
        if instance.pk is None:
            instance.user = parsed["user"]
            instance.room = parsed["room"]
        self.changed = (
            instance.relation != parsed["relation"] or instance.status != Residency.Status.VERIFIED
        )
        instance.relation = parsed["relation"]
        if instance.status != Residency.Status.VERIFIED:
            instance.status = Residency.Status.VERIFIED
            instance.verified_by = self.actor
            instance.verified_at = self.now
            instance.rejection_reason = ""

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if not result.has_errors() and not result.has_validation_errors():
            link_family_to_heads(self.room_ids)


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


class ResidentExportResource(ResidentResource):
    """The residents list as staff filtered it: the import columns first, so an exported
    sheet can be corrected and imported again, then status and dates."""

    status = fields.Field(attribute="status", column_name=STATUS)
    created_at = fields.Field(attribute="created_at", column_name=REQUESTED_AT)
    verified_at = fields.Field(attribute="verified_at", column_name=VERIFIED_AT)

    class Meta:
        model = Residency
        fields = (
            "building",
            "unit",
            "number",
            "name",
            "mobile",
            "relation",
            "status",
            "created_at",
            "verified_at",
        )

    def dehydrate_relation(self, residency: Residency) -> str:
        return str(residency.get_relation_display())

    def dehydrate_status(self, residency: Residency) -> str:
        return str(residency.get_status_display())

    def dehydrate_created_at(self, residency: Residency) -> str:
        return _local(residency.created_at)

    def dehydrate_verified_at(self, residency: Residency) -> str:
        return _local(residency.verified_at)


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


RESOURCES: dict[str, type[_CommunityResource]] = {ROOMS: RoomResource, RESIDENTS: ResidentResource}


# --- Sheets ---------------------------------------------------------------------------------


# Columns typed as text in the template, so that Excel keeps 0101 and 13900000001 as written.
TEXT_COLUMNS = {BUILDING, UNIT, NUMBER, NAME, MOBILE, RELATION, USE}


def template_workbook(kind: str) -> bytes:
    """An empty sheet with the column headers, to fill in and upload."""
    book = Workbook()
    sheet = book.active
    sheet.title = kind
    spreadsheets.append(sheet, HEADERS[kind])
    for index, header in enumerate(HEADERS[kind], start=1):
        letter = get_column_letter(index)
        sheet[f"{letter}1"].font = Font(bold=True)
        sheet.column_dimensions[letter].width = 16
        if header in TEXT_COLUMNS:
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


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
    resource = ResidentExportResource(community=community, actor=actor)
    exported = resource.export(queryset=residencies)
    # Residents type their own names: the helper keeps them from running as formulas.
    dataset = spreadsheets.dataset(exported, headers=exported.headers, title="residents")
    log_action(
        actor=actor,
        action="accounts.residents_exported",
        target=community,
        community=community,
        data={"filters": filters, "rows": dataset.height},
        request=request,
    )
    return XLSX().export_data(dataset), dataset.height


def read_sheet(content: bytes, kind: str) -> tablib.Dataset:
    """The first sheet of an .xlsx workbook as a dataset whose row i is Excel row i + 2.

    Raises ValidationError for a file that is not a workbook, lacks a required column or is
    too long. Blank rows at the end (Excel keeps formatted empty rows) are dropped; blank
    rows in the middle stay, so that row numbers match what people see in Excel.
    """
    not_xlsx = ValidationError(
        _("This is not an Excel workbook (.xlsx). Save the sheet as .xlsx and upload it again.")
    )
    if not content.startswith(b"PK\x03\x04"):
        raise not_xlsx
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise not_xlsx from error
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        headers = [_text(cell) for cell in next(rows, ())]
        while headers and not headers[-1]:
            headers.pop()
        missing = [name for name in REQUIRED_HEADERS[kind] if name not in headers]
        if missing:
            raise ValidationError(
                _("The first row must name the columns; missing: %(columns)s.")
                % {"columns": "、".join(missing)}
            )
        # Unnamed or repeated headers are kept apart so that zip(headers, row) loses nothing.
        seen: set[str] = set()
        for index, name in enumerate(headers):
            if not name or name in seen:
                headers[index] = f"{name}#{index + 1}"
            seen.add(headers[index])
        data = []
        for values in rows:
            values = [spreadsheets.read_cell(value) for value in values[: len(headers)]]
            data.append(values + [None] * (len(headers) - len(values)))
            if len(data) > MAX_ROWS + 1000:
                break
    finally:
        book.close()
    while data and all(_text(value) == "" for value in data[-1]):
        data.pop()
    if not data:
        raise ValidationError(_("The sheet has column names but no rows."))
    if len(data) > MAX_ROWS:
        raise ValidationError(
            _("A sheet may have at most %(max)d rows; split it into several files.")
            % {"max": MAX_ROWS}
        )
    return tablib.Dataset(*data, headers=headers)


# --- Running an import -----------------------------------------------------------------------


@dataclass
class RowError:
    row: int | None  # the Excel row (the header is row 1); None for the whole sheet
    column: str
    message: str


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


def run_import(
    kind: str,
    *,
    dataset: tablib.Dataset,
    community: Community,
    actor: User,
    dry_run: bool,
    file_name: str = "",
    request: HttpRequest | None = None,
) -> ImportOutcome:
    """Import the sheet into the community; roll everything back on a dry run or when any
    row is wrong. The real run writes one audit entry with the counts."""
    resource = RESOURCES[kind](community=community, actor=actor)
    with transaction.atomic():
        result = resource.import_data(
            dataset, dry_run=dry_run, use_transactions=True, rollback_on_validation_errors=True
        )
        outcome = _outcome(kind, resource, result)
        if dry_run or not outcome.ok:
            transaction.set_rollback(True)
        else:
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


def _outcome(kind: str, resource: _CommunityResource, result) -> ImportOutcome:
    totals = result.totals
    outcome = ImportOutcome(
        kind=kind,
        rows=result.total_rows,
        new=totals.get("new", 0),
        updated=totals.get("update", 0),
        skipped=totals.get("skip", 0),
        new_accounts=getattr(resource, "new_accounts", 0),
        new_buildings=list(getattr(resource, "new_buildings", [])),
    )
    for invalid in result.invalid_rows:
        for name, messages in invalid.error_dict.items():
            column = "" if name == NON_FIELD_ERRORS else resource.column(name)
            for message in messages:
                outcome.errors.append(RowError(invalid.number + 1, column, message))
    for number, errors in result.row_errors():
        for error in errors:
            logger.warning("import row %s failed: %r", number, error.error)
            outcome.errors.append(
                RowError(
                    number + 1,
                    "",
                    _("This row could not be saved (%(error)s).")
                    % {"error": type(error.error).__name__},
                )
            )
    for error in result.base_errors:
        logger.warning("import failed: %r", error.error)
        outcome.errors.append(
            RowError(
                None,
                "",
                _("The sheet could not be saved (%(error)s).")
                % {"error": type(error.error).__name__},
            )
        )
    outcome.errors.sort(key=lambda e: (e.row or 0, e.column))
    return outcome


# --- Keeping the uploaded file between the dry run and the confirmation ------------------------


def stash_upload(
    content: bytes, *, file_name: str, user: User, community: Community, kind: str
) -> str:
    """Keep the file for an hour in the cache; the signed token names it for this user,
    community and kind only, so a confirmation cannot import someone else's sheet."""
    key = secrets.token_urlsafe(18)
    cache.set(f"staff-import:{key}", content, timeout=STASH_SECONDS)
    return signing.dumps(
        {
            "key": key,
            "name": file_name[:200],
            "user": user.pk,
            "community": community.pk,
            "kind": kind,
        },
        salt=STASH_SALT,
    )


def unstash_upload(
    token: str, *, user: User, community: Community, kind: str
) -> tuple[bytes, str] | None:
    """(content, file name) of a stashed upload, or None when the token is not this user's
    for this community and kind, or the file has expired."""
    try:
        data = signing.loads(token, salt=STASH_SALT, max_age=STASH_SECONDS)
    except signing.BadSignature:
        return None
    if (data.get("user"), data.get("community"), data.get("kind")) != (
        user.pk,
        community.pk,
        kind,
    ):
        return None
    content = cache.get(f"staff-import:{data['key']}")
    return None if content is None else (content, data.get("name", ""))


def forget_upload(token: str) -> None:
    try:
        data = signing.loads(token, salt=STASH_SALT, max_age=STASH_SECONDS)
    except signing.BadSignature:
        return
    cache.delete(f"staff-import:{data['key']}")

"""Meter readings in bulk: the rows of the readings grid (a building, a meter kind, a month) and
the Excel import.

The sheet's Chinese column headers and cell values (楼栋, 水/电/燃气, 是/否) are data — what
property offices type in Excel — not interface text, so they are plain literals here.

An import checks every row against the same rules as `services.reading_record` (the room is
in this community, the month is not billed yet, a reading is not lower than the last one
unless the meter was changed) before anything is written. One bad row and nothing is
imported; otherwise all rows are written in one transaction, in bulk: rooms, meters, last
readings and bills are each loaded with one query, never one per row."""

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Building, Community, Room, User
from kit import spreadsheets
from kit.audit import log_action
from kit.spreadsheets import Column, Row, RowError

from ..models import METERED_KINDS, Bill, FeeKind, Meter, MeterReading

MAX_ROWS = 10000
MAX_READING = Decimal("9999999999.99")
CENT = Decimal("0.01")

BUILDING, UNIT, NUMBER = "楼栋", "单元", "房号"
KIND, MONTH, CURRENT, CHANGE, START = "类型", "月份", "本期读数", "换表", "新表起始读数"
PREVIOUS = "上期读数"  # only in a prefilled template, for reference; ignored on import
COLUMNS = [
    Column("building", BUILDING, required=True, as_text=True),
    Column("unit", UNIT, as_text=True),
    Column("number", NUMBER, required=True, as_text=True),
    Column("kind", KIND, required=True),
    Column("month", MONTH, required=True, as_text=True),
    Column("current", CURRENT, required=True),
    Column("change", CHANGE),
    Column("start", START),
]
HEADERS = [column.header for column in COLUMNS]
REQUIRED_HEADERS = [column.header for column in COLUMNS if column.required]

KIND_WORDS = {
    "水": FeeKind.WATER,
    "水费": FeeKind.WATER,
    "水表": FeeKind.WATER,
    "电": FeeKind.ELECTRICITY,
    "电费": FeeKind.ELECTRICITY,
    "电表": FeeKind.ELECTRICITY,
    "燃气": FeeKind.GAS,
    "燃气费": FeeKind.GAS,
    "燃气表": FeeKind.GAS,
    "气": FeeKind.GAS,
    "天然气": FeeKind.GAS,
}
KIND_NAMES = {FeeKind.WATER: "水", FeeKind.ELECTRICITY: "电", FeeKind.GAS: "燃气"}
YES_WORDS = {"是", "换表", "y", "yes", "true", "1", "√"}
NO_WORDS = {"", "否", "n", "no", "false", "0"}
MONTH_PATTERN = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月)?(?:\s*[-/.]\s*\d{1,2}\s*日?)?$"
)


# --- The readings grid -----------------------------------------------------------------------------


@dataclass
class GridRow:
    room: Room
    last_reading: Decimal | None  # the latest reading before the month, if any
    reading: MeterReading | None  # the month's reading, if entered
    billed: bool

    @property
    def previous(self) -> Decimal | None:
        """Where the month's consumption starts: fixed once the reading is entered."""
        return self.reading.previous if self.reading else self.last_reading


def _last_reading_before(kind: str, month: dt.date, room_ref: str) -> Subquery:
    return Subquery(
        MeterReading.objects.filter(
            meter__room=OuterRef(room_ref), meter__kind=kind, month__lt=month
        )
        .order_by("-month")
        .values("current")[:1]
    )


def rooms_of_building(building: Building):
    return (
        Room.objects.filter(building=building)
        .select_related("building", "unit")
        .order_by("unit__sort_order", "unit__name", "floor", "number")
    )


def reading_grid(building: Building, kind: str, month: dt.date) -> list[GridRow]:
    """Every room of the building with its last reading, the month's reading and whether the
    month is billed: three queries, whatever the number of rooms."""
    rooms = rooms_of_building(building).annotate(
        last_reading=_last_reading_before(kind, month, "pk")
    )
    this_month = {
        reading.meter.room_id: reading
        for reading in MeterReading.objects.filter(
            meter__room__building=building, meter__kind=kind, month=month
        ).select_related("meter", "entered_by")
    }
    billed = set(
        Bill.objects.filter(
            room__building=building, kind=kind, period_start__lte=month, period_end__gte=month
        ).values_list("room_id", flat=True)
    )
    return [
        GridRow(
            room=room,
            last_reading=None
            if room.last_reading is None
            else Decimal(room.last_reading).quantize(CENT),
            reading=this_month.get(room.pk),
            billed=room.pk in billed,
        )
        for room in rooms
    ]


# --- Checking the sheet ----------------------------------------------------------------------------


@dataclass
class ParsedRow:
    row: int
    room: Room
    kind: str
    month: dt.date
    current: Decimal
    meter_change: bool
    start: Decimal | None
    previous: Decimal = Decimal(0)


@dataclass
class ImportOutcome:
    rows: int = 0
    imported: int = 0
    blank: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _month(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date().replace(day=1)
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = spreadsheets.text(value)
    match = MONTH_PATTERN.match(text) or re.match(r"^(\d{4})(\d{2})$", text)
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


def _reading(value: Any) -> Decimal | None:
    """A meter figure with at most 2 decimals, or None when the cell is not one."""
    if isinstance(value, bool):
        return None
    text = spreadsheets.text(value).replace(",", "")
    if isinstance(value, float):
        text = repr(value)
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number < 0 or number > MAX_READING:
        return None
    if number != number.quantize(CENT):
        return None
    return number.quantize(CENT)


class _RoomIndex:
    """The community's rooms by (building, unit, number), loaded once. A unit or building
    written without its 单元/栋 suffix, or a missing unit where the number is unique in the
    building, is still found."""

    def __init__(self, community: Community):
        self.exact: dict[tuple[str, str, str], Room] = {}
        by_number: dict[tuple[str, str], list[Room]] = defaultdict(list)
        rooms = Room.objects.filter(building__community=community).select_related(
            "building", "unit"
        )
        for room in rooms:
            unit = room.unit.name if room.unit_id else ""
            self.exact[(room.building.name, unit, room.number)] = room
            by_number[(room.building.name, room.number)].append(room)
        self.unique_by_number = {
            key: found[0] for key, found in by_number.items() if len(found) == 1
        }

    @staticmethod
    def _variants(name: str, suffixes: tuple[str, ...]) -> list[str]:
        found = [name]
        for suffix in suffixes:
            found.append(name + suffix)
            if name.endswith(suffix):
                found.append(name.removesuffix(suffix))
        return found

    def find(self, building: str, unit: str, number: str) -> Room | None:
        for name in self._variants(building, ("栋", "号楼", "幢", "座")):
            if not unit:
                room = self.exact.get((name, "", number)) or self.unique_by_number.get(
                    (name, number)
                )
                if room:
                    return room
                continue
            for unit_name in self._variants(unit, ("单元",)):
                room = self.exact.get((name, unit_name, number))
                if room:
                    return room
        return None


def _check_history(parsed: list[ParsedRow]) -> list[RowError]:
    """Against what is stored: not lower than the last reading (from the database or an
    earlier month in the same file), and the month not billed. Sets each row's previous."""
    errors = []
    last = _last_stored(parsed)
    billed = _billed_periods(parsed)
    in_file: dict[tuple[int, str], tuple[dt.date, Decimal]] = {}
    for row in sorted(parsed, key=lambda r: (r.room.pk, r.kind, r.month)):
        key = (row.room.pk, row.kind)
        candidates = [
            found
            for found in (last.get((*key, row.month)), in_file.get(key))
            if found is not None and found[0] < row.month
        ]
        previous_reading = max(candidates)[1] if candidates else None
        if row.meter_change:
            row.previous = row.start
        else:
            row.previous = previous_reading if previous_reading is not None else row.current
        in_file[key] = (row.month, row.current)
        error = _history_error(row, billed.get(key, []))
        if error is not None:
            errors.append(error)
    return errors


def _last_stored(
    parsed: list[ParsedRow],
) -> dict[tuple[int, str, dt.date], tuple[dt.date, Decimal]]:
    """The latest stored reading before each month in the file: one query per distinct month."""
    room_ids = {row.room.pk for row in parsed}
    kinds = {row.kind for row in parsed}
    last: dict[tuple[int, str, dt.date], tuple[dt.date, Decimal]] = {}
    for month in sorted({row.month for row in parsed}):
        earlier = MeterReading.objects.filter(meter=OuterRef("pk"), month__lt=month).order_by(
            "-month"
        )
        meters = Meter.objects.filter(room_id__in=room_ids, kind__in=kinds).annotate(
            last_month=Subquery(earlier.values("month")[:1]),
            last_current=Subquery(earlier.values("current")[:1]),
        )
        for room_id, kind, last_month, last_current in meters.values_list(
            "room_id", "kind", "last_month", "last_current"
        ):
            if last_month is not None:
                last[(room_id, kind, month)] = (last_month, Decimal(last_current).quantize(CENT))
    return last


def _billed_periods(
    parsed: list[ParsedRow],
) -> dict[tuple[int, str], list[tuple[dt.date, dt.date]]]:
    months = sorted({row.month for row in parsed})
    billed: dict[tuple[int, str], list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for room_id, kind, start, end in Bill.objects.filter(
        room_id__in={row.room.pk for row in parsed}, kind__in={row.kind for row in parsed},
        period_start__lte=months[-1], period_end__gte=months[0],
    ).values_list("room_id", "kind", "period_start", "period_end"):  # fmt: skip
        billed[(room_id, kind)].append((start, end))
    return billed


def _history_error(row: ParsedRow, billed: list[tuple[dt.date, dt.date]]) -> RowError | None:
    if any(start <= row.month <= end for start, end in billed):
        return RowError(
            row.row,
            MONTH,
            _("%(month)s is already billed for this room; the reading can no longer change.")
            % {"month": f"{row.month:%Y-%m}"},
        )
    if row.current >= row.previous:
        return None
    message = (
        _("The new meter's start %(start)s is above the current reading %(current)s.")
        if row.meter_change
        else _(
            "The reading %(current)s is lower than the last one (%(previous)s). If "
            "the meter was replaced, write %(yes)s under %(column)s and the new "
            "meter's start."
        )
    )
    values = {"current": row.current, "previous": row.previous, "start": row.start}
    return RowError(row.row, CURRENT, message % {**values, "yes": "是", "column": CHANGE})


# --- Importing -------------------------------------------------------------------------------------


class ReadingsImport(spreadsheets.SheetImport):
    """The readings sheet of one community: every row checked against the same rules as
    `services.reading_record`, then written in bulk."""

    columns = COLUMNS
    max_rows = MAX_ROWS

    def __init__(
        self, *, community: Community, actor: User, today: dt.date | None = None,
        file_name: str = "", request: HttpRequest | None = None,
    ):  # fmt: skip
        self.community, self.actor = community, actor
        self.this_month = (today or timezone.localdate()).replace(day=1)
        self.file_name, self.request = file_name, request

    def prepare(self, sheet: spreadsheets.Sheet) -> None:
        self.index = _RoomIndex(self.community)
        self.seen: dict[tuple[int, str, dt.date], int] = {}
        self.blank = 0

    def check_row(self, row: Row) -> ParsedRow | None:
        if row.text("current") == "":
            if row.text("change") in NO_WORDS and row.text("start") == "":
                self.blank += 1  # a prefilled room nobody read this time
                return None
            row.error("current", _("The current reading is missing."))
        room = self._room(row)
        kind = self._kind(row)
        month = self._month(row)
        current = self._current(row)
        meter_change, start = self._meter_change(row)
        if room is not None and kind is not None and month is not None:
            self._once(row, room, kind, month)
        if row.errors:
            return None
        return ParsedRow(row.number, room, kind, month, current, meter_change, start)

    def _room(self, row: Row) -> Room | None:
        building, unit, number = row.text("building"), row.text("unit"), row.text("number")
        if not building or not number:
            row.error(
                "number" if building else "building", _("Building and room number are required.")
            )
            return None
        room = self.index.find(building, unit, number)
        if room is None:
            row.error(
                "number",
                _("There is no room %(room)s in this community.")
                % {"room": f"{building}{unit}{number}"},
            )
        return room

    def _kind(self, row: Row) -> str | None:
        kind_text = row.text("kind")
        kind = KIND_WORDS.get(kind_text) or next(
            (k for k in METERED_KINDS if kind_text.lower() in (k.value, str(k.label))), None
        )
        if kind is None:
            row.error(
                "kind", _("The type must be one of: %(choices)s.") % {"choices": "水、电、燃气"}
            )
        return kind

    def _month(self, row: Row) -> dt.date | None:
        month = _month(row.get("month"))
        if month is None:
            row.error("month", _("Write the month as YYYY-MM, e.g. 2026-05."))
        elif month > self.this_month:
            row.error("month", _("Readings cannot be entered for a future month."))
        return month

    def _current(self, row: Row) -> Decimal | None:
        if not row.text("current"):
            return None
        current = _reading(row.get("current"))
        if current is None:
            row.error(
                "current", _("The current reading must be a number ≥ 0 with at most 2 decimals.")
            )
        return current

    def _meter_change(self, row: Row) -> tuple[bool, Decimal | None]:
        change_text = row.text("change").lower()
        meter_change = change_text in YES_WORDS
        if not meter_change and change_text not in NO_WORDS:
            row.error(
                "change",
                _("Write %(yes)s or %(no)s (empty means %(no)s).") % {"yes": "是", "no": "否"},
            )
        if not meter_change:
            return False, None
        if row.text("start") == "":
            row.error("start", _("A meter change needs the new meter's start reading."))
            return True, None
        start = _reading(row.get("start"))
        if start is None:
            row.error("start", _("The start reading must be a number ≥ 0 with at most 2 decimals."))
        return True, start

    def _once(self, row: Row, room: Room, kind: str, month: dt.date) -> None:
        key = (room.pk, kind, month)
        if key in self.seen:
            row.error(
                "number",
                _("This room's %(kind)s reading for %(month)s is already in row %(row)d.")
                % {"kind": KIND_NAMES[kind], "month": f"{month:%Y-%m}", "row": self.seen[key]},
            )
        self.seen.setdefault(key, row.number)

    def check_together(self, parsed: list[ParsedRow]) -> list[RowError]:
        return _check_history(parsed)

    def nothing_to_write(self) -> list[RowError]:
        return [RowError(None, CURRENT, _("No row has a current reading."))]

    def write(self, parsed: list[ParsedRow]) -> None:
        _write(parsed, self.actor)
        log_action(
            actor=self.actor, action="billing.readings_imported", target=self.community,
            community=self.community,
            data={"file": self.file_name, "rows": len(parsed), "blank": self.blank,
                  "months": sorted({f"{row.month:%Y-%m}" for row in parsed}),
                  "kinds": sorted({row.kind for row in parsed})},
            request=self.request,
        )  # fmt: skip


def readings_import(
    *, community: Community, content: bytes, actor: User, file_name: str = "",
    request: HttpRequest | None = None, today: dt.date | None = None,
) -> ImportOutcome:  # fmt: skip
    """Check every row; import all of them in one transaction, or none when any is wrong."""
    importer = ReadingsImport(
        community=community, actor=actor, today=today, file_name=file_name, request=request
    )
    outcome = ImportOutcome()
    try:
        sheet = importer.read(content, file_name)
    except ValidationError as error:
        outcome.errors = spreadsheets.sheet_errors(error)
        return outcome
    outcome.rows = len(sheet.rows)
    checked = spreadsheets.check_and_write(importer, sheet)
    outcome.blank, outcome.errors = checked.skipped, checked.errors
    if checked.written:
        outcome.imported = len(checked.parsed)
    return outcome


def _write(parsed: list[ParsedRow], actor: User) -> None:
    room_ids = {row.room.pk for row in parsed}
    kinds = {row.kind for row in parsed}

    def meter_ids() -> dict[tuple[int, str], int]:
        return {
            (room_id, kind): pk
            for pk, room_id, kind in Meter.objects.filter(
                room_id__in=room_ids, kind__in=kinds
            ).values_list("pk", "room_id", "kind")
        }

    meters = meter_ids()
    missing = {(row.room.pk, row.kind) for row in parsed} - meters.keys()
    if missing:
        Meter.objects.bulk_create(
            [Meter(room_id=room_id, kind=kind) for room_id, kind in missing],
            ignore_conflicts=True,
        )
        meters = meter_ids()
    existing = {
        (reading.meter_id, reading.month): reading
        for reading in MeterReading.objects.filter(
            meter_id__in=meters.values(), month__in={row.month for row in parsed}
        )
    }
    now = timezone.now()
    new, changed = [], []
    for row in parsed:
        meter_id = meters[(row.room.pk, row.kind)]
        reading = existing.get((meter_id, row.month)) or MeterReading(
            meter_id=meter_id, month=row.month
        )
        reading.previous, reading.current = row.previous, row.current
        reading.is_meter_change = row.meter_change
        reading.entered_by, reading.entered_at = actor, now
        (changed if reading.pk else new).append(reading)
    MeterReading.objects.bulk_create(new, batch_size=1000)
    MeterReading.objects.bulk_update(
        changed,
        ["previous", "current", "is_meter_change", "entered_by", "entered_at"],
        batch_size=500,
    )


# --- The template ----------------------------------------------------------------------------------


def _prefilled(
    community: Community, kind: str, month: dt.date, building: Building | None
) -> list[list[Any]]:
    """The rooms with their last reading before the month, for reference."""
    rooms = (
        Room.objects.filter(building__community=community)
        .select_related("building", "unit")
        .annotate(last_reading=_last_reading_before(kind, month, "pk"))
        .order_by("building__sort_order", "building__name", "unit__sort_order", "unit__name",
                  "floor", "number")
    )  # fmt: skip
    if building is not None:
        rooms = rooms.filter(building=building)
    return [
        [
            room.building.name,
            room.unit.name if room.unit_id else "",
            room.number,
            KIND_NAMES[kind],
            f"{month:%Y-%m}",
            None,
            "否",
            None,
            float(room.last_reading) if room.last_reading is not None else None,
        ]
        for room in rooms
    ]


def template_workbook(
    *, community: Community | None = None, kind: str = "", month: dt.date | None = None,
    building: Building | None = None,
) -> bytes:  # fmt: skip
    """The sheet to fill in. With a kind and month, prefilled with the rooms (of one building
    or the whole community) and their last readings for reference."""
    rows = _prefilled(community, kind, month, building) if community and kind and month else []
    names = {"building": BUILDING, "unit": UNIT, "number": NUMBER, "kind": KIND, "month": MONTH,
             "current": CURRENT, "change": CHANGE, "start": START, "yes": "是", "no": "否",
             "kinds": "水、电、燃气"}  # fmt: skip
    notes = [
        _("How to fill in the meter readings sheet"),
        _("%(building)s, %(unit)s and %(number)s as in the room list (%(unit)s may stay empty "
          "where a building has none)."),
        _("%(kind)s: %(kinds)s. %(month)s: the month read, as YYYY-MM, e.g. 2026-05."),
        _("%(current)s: the figure on the meter. Rows without it are skipped."),
        _("%(change)s: %(yes)s when the meter was replaced this month; then %(start)s is the "
          "new meter's first figure and consumption counts from it."),
        _("A reading lower than the last one is refused unless %(change)s is %(yes)s."),
        _("If any row is wrong nothing is imported; the page lists every row to correct."),
    ]  # fmt: skip
    return spreadsheets.template(
        "抄表读数",
        COLUMNS,
        rows=rows,
        extra_headers=[PREVIOUS] if kind and month else [],
        notes=[line % names if "%(" in line else line for line in notes],
    )

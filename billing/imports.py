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
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from accounts import spreadsheets
from accounts.models import Building, Community, Room, User
from kit.audit import log_action

from .models import METERED_KINDS, Bill, FeeKind, Meter, MeterReading

MAX_SHEET_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10000
MAX_READING = Decimal("9999999999.99")
CENT = Decimal("0.01")

BUILDING, UNIT, NUMBER = "楼栋", "单元", "房号"
KIND, MONTH, CURRENT, CHANGE, START = "类型", "月份", "本期读数", "换表", "新表起始读数"
PREVIOUS = "上期读数"  # only in a prefilled template, for reference; ignored on import
HEADERS = [BUILDING, UNIT, NUMBER, KIND, MONTH, CURRENT, CHANGE, START]
REQUIRED_HEADERS = [BUILDING, NUMBER, KIND, MONTH, CURRENT]
TEXT_COLUMNS = {BUILDING, UNIT, NUMBER, MONTH}

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


# --- Reading the sheet -----------------------------------------------------------------------------


@dataclass
class RowError:
    row: int | None  # the Excel row (the header is row 1); None for the whole sheet
    column: str
    message: str


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


def _text(value: Any) -> str:
    """A cell as text: Excel gives numbers for 1201 and floats for 1201.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_sheet(content: bytes) -> list[tuple[int, dict[str, Any]]]:
    """The first sheet's rows as (Excel row number, {header: value}); blank rows dropped.
    Raises ValidationError for a file that is not a workbook or lacks a required column."""
    not_xlsx = ValidationError(
        _("This is not an Excel workbook (.xlsx). Save the sheet as .xlsx and upload it again.")
    )
    if not content.startswith(b"PK\x03\x04"):
        raise not_xlsx
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise not_xlsx from error
    rows: list[tuple[int, dict[str, Any]]] = []
    try:
        values = book.worksheets[0].iter_rows(values_only=True)
        headers = [_text(cell) for cell in next(values, ())]
        missing = [name for name in REQUIRED_HEADERS if name not in headers]
        if missing:
            raise ValidationError(
                _("The first row must name the columns; missing: %(columns)s.")
                % {"columns": "、".join(missing)}
            )
        columns = {name: headers.index(name) for name in HEADERS if name in headers}
        for number, cells in enumerate(values, start=2):
            row = {
                name: spreadsheets.read_cell(cells[index]) if index < len(cells) else None
                for name, index in columns.items()
            }
            if any(_text(value) for value in row.values()):
                rows.append((number, row))
                if len(rows) > MAX_ROWS:
                    raise ValidationError(
                        _("A sheet may have at most %(max)d rows; split it into several files.")
                        % {"max": MAX_ROWS}
                    )
    finally:
        book.close()
    if not rows:
        raise ValidationError(_("The sheet has column names but no rows."))
    return rows


def _month(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date().replace(day=1)
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = _text(value)
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
    text = _text(value).replace(",", "")
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


def check_rows(
    community: Community, rows: list[tuple[int, dict[str, Any]]], today: dt.date | None = None
) -> tuple[list[ParsedRow], list[RowError], int]:
    """Every row parsed and checked: (rows to import, errors, rows left blank)."""
    today = today or timezone.localdate()
    this_month = today.replace(day=1)
    index = _RoomIndex(community)
    parsed: list[ParsedRow] = []
    errors: list[RowError] = []
    blank = 0
    seen: dict[tuple[int, str, dt.date], int] = {}
    for number, row in rows:
        row_errors: list[RowError] = []

        def error(column: str, message: str, number=number, row_errors=row_errors) -> None:
            row_errors.append(RowError(number, column, message))

        if _text(row.get(CURRENT)) == "":
            if _text(row.get(CHANGE)) in NO_WORDS and _text(row.get(START)) == "":
                blank += 1  # a prefilled room nobody read this time
                continue
            error(CURRENT, _("The current reading is missing."))
        building, unit, room_number = (_text(row.get(name)) for name in (BUILDING, UNIT, NUMBER))
        room = None
        if not building or not room_number:
            error(NUMBER if building else BUILDING, _("Building and room number are required."))
        else:
            room = index.find(building, unit, room_number)
            if room is None:
                error(
                    NUMBER,
                    _("There is no room %(room)s in this community.")
                    % {"room": f"{building}{unit}{room_number}"},
                )
        kind_text = _text(row.get(KIND))
        kind = KIND_WORDS.get(kind_text) or next(
            (k for k in METERED_KINDS if kind_text.lower() in (k.value, str(k.label))), None
        )
        if kind is None:
            error(KIND, _("The type must be one of: %(choices)s.") % {"choices": "水、电、燃气"})
        month = _month(row.get(MONTH))
        if month is None:
            error(MONTH, _("Write the month as YYYY-MM, e.g. 2026-05."))
        elif month > this_month:
            error(MONTH, _("Readings cannot be entered for a future month."))
        current = None
        if _text(row.get(CURRENT)):
            current = _reading(row.get(CURRENT))
            if current is None:
                error(
                    CURRENT,
                    _("The current reading must be a number ≥ 0 with at most 2 decimals."),
                )
        change_text = _text(row.get(CHANGE)).lower()
        meter_change = change_text in YES_WORDS
        if not meter_change and change_text not in NO_WORDS:
            error(
                CHANGE,
                _("Write %(yes)s or %(no)s (empty means %(no)s).") % {"yes": "是", "no": "否"},
            )
        start = None
        if meter_change:
            if _text(row.get(START)) == "":
                error(START, _("A meter change needs the new meter's start reading."))
            else:
                start = _reading(row.get(START))
                if start is None:
                    error(
                        START,
                        _("The start reading must be a number ≥ 0 with at most 2 decimals."),
                    )
        if room is not None and kind is not None and month is not None:
            key = (room.pk, kind, month)
            if key in seen:
                error(
                    NUMBER,
                    _("This room's %(kind)s reading for %(month)s is already in row %(row)d.")
                    % {"kind": KIND_NAMES[kind], "month": f"{month:%Y-%m}", "row": seen[key]},
                )
            seen.setdefault(key, number)
        if row_errors:
            errors.extend(row_errors)
            continue
        parsed.append(ParsedRow(number, room, kind, month, current, meter_change, start))
    if parsed:
        errors.extend(_check_history(parsed))
    errors.sort(key=lambda e: e.row or 0)
    return parsed, errors, blank


def _check_history(parsed: list[ParsedRow]) -> list[RowError]:
    """Against what is stored: not lower than the last reading (from the database or an
    earlier month in the same file), and the month not billed. Sets each row's previous."""
    errors = []
    room_ids = {row.room.pk for row in parsed}
    kinds = {row.kind for row in parsed}
    months = sorted({row.month for row in parsed})
    # The latest stored reading before each month in the file: one query per distinct month.
    last: dict[tuple[int, str, dt.date], tuple[dt.date, Decimal]] = {}
    for month in months:
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
    billed: dict[tuple[int, str], list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for room_id, kind, start, end in Bill.objects.filter(
        room_id__in=room_ids, kind__in=kinds, period_start__lte=months[-1],
        period_end__gte=months[0],
    ).values_list("room_id", "kind", "period_start", "period_end"):  # fmt: skip
        billed[(room_id, kind)].append((start, end))
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
        if any(start <= row.month <= end for start, end in billed.get(key, [])):
            errors.append(
                RowError(
                    row.row,
                    MONTH,
                    _(
                        "%(month)s is already billed for this room; the reading can no longer "
                        "change."
                    )
                    % {"month": f"{row.month:%Y-%m}"},
                )  # fmt: skip
            )
        elif row.current < row.previous:
            message = (
                _("The new meter's start %(start)s is above the current reading %(current)s.")
                if row.meter_change
                else _(
                    "The reading %(current)s is lower than the last one (%(previous)s). If "
                    "the meter was replaced, write %(yes)s under %(column)s and the new "
                    "meter's start."
                )
            )
            errors.append(
                RowError(
                    row.row,
                    CURRENT,
                    message
                    % {
                        "current": row.current,
                        "previous": row.previous,
                        "start": row.start,
                        "yes": "是",
                        "column": CHANGE,
                    },
                )
            )
    return errors


# --- Importing -------------------------------------------------------------------------------------


def readings_import(
    *, community: Community, content: bytes, actor: User, file_name: str = "",
    request: HttpRequest | None = None, today: dt.date | None = None,
) -> ImportOutcome:  # fmt: skip
    """Check every row; import all of them in one transaction, or none when any is wrong."""
    outcome = ImportOutcome()
    try:
        rows = read_sheet(content)
    except ValidationError as error:
        outcome.errors = [RowError(None, "", message) for message in error.messages]
        return outcome
    outcome.rows = len(rows)
    with transaction.atomic():
        parsed, errors, outcome.blank = check_rows(community, rows, today)
        if errors:
            outcome.errors = errors
            return outcome
        if not parsed:
            outcome.errors = [RowError(None, CURRENT, _("No row has a current reading."))]
            return outcome
        _write(parsed, actor)
        outcome.imported = len(parsed)
        log_action(
            actor=actor, action="billing.readings_imported", target=community,
            community=community,
            data={"file": file_name, "rows": outcome.imported, "blank": outcome.blank,
                  "months": sorted({f"{row.month:%Y-%m}" for row in parsed}),
                  "kinds": sorted({row.kind for row in parsed})},
            request=request,
        )  # fmt: skip
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


def template_workbook(
    *, community: Community | None = None, kind: str = "", month: dt.date | None = None,
    building: Building | None = None,
) -> bytes:  # fmt: skip
    """The sheet to fill in. With a kind and month, prefilled with the rooms (of one building
    or the whole community) and their last readings for reference."""
    book = Workbook()
    sheet = book.active
    sheet.title = "抄表读数"
    headers = HEADERS + ([PREVIOUS] if kind and month else [])
    spreadsheets.append(sheet, headers)
    if community is not None and kind and month:
        rooms = (
            Room.objects.filter(building__community=community)
            .select_related("building", "unit")
            .annotate(last_reading=_last_reading_before(kind, month, "pk"))
            .order_by("building__sort_order", "building__name", "unit__sort_order", "unit__name",
                      "floor", "number")
        )  # fmt: skip
        if building is not None:
            rooms = rooms.filter(building=building)
        for room in rooms:
            spreadsheets.append(
                sheet,
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
                ],  # fmt: skip
            )
    header_fill = PatternFill("solid", fgColor="E8F1EC")
    for column, header in enumerate(headers, start=1):
        letter = get_column_letter(column)
        cell = sheet[f"{letter}1"]
        cell.font = Font(bold=True, color="888888" if header == PREVIOUS else "000000")
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center")
        sheet.column_dimensions[letter].width = 14 if header != START else 16
        if header in TEXT_COLUMNS:
            for row in range(2, max(sheet.max_row, 500) + 1):
                sheet.cell(row=row, column=column).number_format = "@"
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("填写说明")
    names = {"building": BUILDING, "unit": UNIT, "number": NUMBER, "kind": KIND, "month": MONTH,
             "current": CURRENT, "change": CHANGE, "start": START, "yes": "是", "no": "否",
             "kinds": "水、电、燃气"}  # fmt: skip
    for line in (
        _("How to fill in the meter readings sheet"),
        _("%(building)s, %(unit)s and %(number)s as in the room list (%(unit)s may stay empty "
          "where a building has none)."),
        _("%(kind)s: %(kinds)s. %(month)s: the month read, as YYYY-MM, e.g. 2026-05."),
        _("%(current)s: the figure on the meter. Rows without it are skipped."),
        _("%(change)s: %(yes)s when the meter was replaced this month; then %(start)s is the "
          "new meter's first figure and consumption counts from it."),
        _("A reading lower than the last one is refused unless %(change)s is %(yes)s."),
        _("If any row is wrong nothing is imported; the page lists every row to correct."),
    ):  # fmt: skip
        spreadsheets.append(notes, [line % names if "%(" in line else line])
    notes["A1"].font = Font(bold=True)
    notes.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

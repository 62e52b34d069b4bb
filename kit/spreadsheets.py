"""The one spreadsheet pipeline: every import and every export of the product goes through it.

Imports run in three steps.

1. `read` takes an uploaded .xlsx or .csv (bounded in bytes and rows), finds the columns by
   their Chinese headers and gives each row under an English key, with its Excel row number.
2. `check_and_write` lets a `SheetImport` check EVERY row, collecting all errors with their
   row numbers (never stopping at the first), then check the rows together (duplicates,
   history).
3. Only when no row is wrong, and not on a dry run, the import writes them, inside the same
   transaction as the checks: all or nothing.

Exports write every cell through `safe_cell`. Excel, LibreOffice and Numbers run a cell that
starts with = + - or @ (also after leading spaces, and after a tab or carriage return that CSV
readers keep) as a formula, which can fetch URLs or start programs on the office PC that opens
the export ("CSV injection"). Such text gets a leading apostrophe, the spreadsheet convention
for "this is text"; numbers, dates and empty cells stay what they are, so figures still add up.

The sheets' Chinese headers are data (what property offices type in Excel), not interface
text; the messages are translated as usual.
"""

import csv
import datetime as dt
import io
import re
import secrets
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import tablib
from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# openpyxl (and numpy, which it brings) is imported where a workbook is read or written: it
# weighs tens of MB in every web worker, and only imports and exports need it.
if TYPE_CHECKING:
    from openpyxl import Workbook

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
CONTENT_TYPES = {"xlsx": XLSX_TYPE, "csv": CSV_TYPE}
MAX_BYTES = 5 * 1024 * 1024
# Lines read past the row limit before giving up: Excel keeps formatted empty rows at the end.
BLANK_SLACK = 1000


# --- Safe cells ------------------------------------------------------------------------------

# A tab or carriage return first, or one of = + - @ after any leading whitespace (including
# the ideographic space U+3000 that Chinese input methods type).
FORMULA_START = re.compile(r"^(?:[\t\r]|\s*[=+\-@])")


def safe_cell(value: Any) -> Any:
    """`value` as it may go into an exported cell: text that a spreadsheet would run as a
    formula gets a leading apostrophe; control characters openpyxl refuses (the whole export
    would fail) are dropped; anything that is not text is returned unchanged."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if FORMULA_START.match(value):
        return "'" + value
    return value


def read_cell(value: Any) -> Any:
    """The reverse of safe_cell for sheets that come back (a prefilled template, an edited
    export): the apostrophe this module added is dropped, so "'-101" matches room -101."""
    if isinstance(value, str) and value.startswith("'") and FORMULA_START.match(value[1:]):
        return value[1:]
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


def text(value: Any) -> str:
    """A cell as text: Excel gives numbers for 1201 or 13900000001, and floats for 1201.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# --- Writing files ---------------------------------------------------------------------------


def dataset(
    rows: Iterable[Iterable[Any]], *, headers: Iterable[Any], title: str = ""
) -> tablib.Dataset:
    """A tablib dataset (for .xlsx or .csv) whose every cell, headers included, is safe."""
    return tablib.Dataset(*[safe_row(row) for row in rows], headers=safe_row(headers), title=title)


def export(data: tablib.Dataset, fmt: str) -> bytes:
    """The dataset as an .xlsx or .csv file. The CSV starts with a byte-order mark, so that
    Excel on Windows opens the Chinese text as UTF-8."""
    if fmt == "csv":
        return ("\ufeff" + data.export("csv")).encode("utf-8")
    return data.export("xlsx")


def workbook(title: str) -> "Workbook":
    """An empty workbook whose first sheet is called `title`; fill it with `append`."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = title[:31]
    return book


def append(sheet, values: Iterable[Any]) -> None:
    """`sheet.append(values)` for a worksheet of `workbook`, every cell made safe."""
    sheet.append(safe_row(values))


def style(
    cells: Iterable, *, bold: bool = False, size: float | None = None, color: str | None = None,
    fill: str = "", center: bool = False,
) -> None:  # fmt: skip
    """Font, fill and alignment for some cells (a row: `sheet[1]`)."""
    from openpyxl.styles import Alignment, Font, PatternFill

    for cell in cells:
        cell.font = Font(bold=bold, size=size, color=color)
        if fill:
            cell.fill = PatternFill("solid", fgColor=fill)
        if center:
            cell.alignment = Alignment(horizontal="center")


def widths(sheet, widths_by_column: dict[int, float]) -> None:
    from openpyxl.utils import get_column_letter

    for column, width in widths_by_column.items():
        sheet.column_dimensions[get_column_letter(column)].width = width


def save(book: "Workbook") -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_response(content: bytes, *, file_name: str, fmt: str = "xlsx") -> HttpResponse:
    """The file as a download."""
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    return response


# --- Columns and templates -------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of an imported sheet: the key the code reads it by and the header the sheet
    names it by. Text columns are typed as text in the template, so that Excel keeps 0101
    and 13900000001 as written."""

    key: str
    header: str
    required: bool = False
    as_text: bool = False


def template(
    title: str, columns: Sequence[Column], *, rows: Iterable[Iterable[Any]] = (),
    extra_headers: Sequence[str] = (), notes: Sequence[str] = (),
) -> bytes:  # fmt: skip
    """The sheet to fill in and upload: the column headers (then `extra_headers`, shown grey
    and ignored on import), optionally prefilled `rows`, and a sheet of filling-in notes."""
    book = workbook(title)
    sheet = book.active
    headers = [column.header for column in columns] + list(extra_headers)
    append(sheet, headers)
    for row in rows:
        append(sheet, row)
    style(sheet[1], bold=True, fill="E8F1EC", center=True)
    style(sheet[1][len(columns) :], bold=True, color="888888", fill="E8F1EC", center=True)
    widths(sheet, dict.fromkeys(range(1, len(headers) + 1), 16))
    last_row = max(sheet.max_row, 1000) + 1
    for index, column in enumerate(columns, start=1):
        if column.as_text:
            for row in range(2, last_row + 1):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    if notes:
        sheet = book.create_sheet("填写说明")
        for line in notes:
            append(sheet, [line])
        style([sheet["A1"]], bold=True)
        widths(sheet, {1: 110})
    return save(book)


# --- Reading files ---------------------------------------------------------------------------


@dataclass
class RowError:
    row: int | None  # the Excel row (the header is row 1); None for the whole sheet
    column: str  # the column's header, or "" for the whole row
    message: str


@dataclass
class Row:
    """A sheet row: its Excel row number and its cells under the columns' keys. Checks call
    `error(key, message)` for each problem they find and go on checking."""

    number: int
    values: dict[str, Any]
    headers: dict[str, str] = field(repr=False)
    errors: list[RowError] = field(default_factory=list)

    def get(self, key: str) -> Any:
        return self.values.get(key)

    def text(self, key: str) -> str:
        return text(self.values.get(key))

    def error(self, key: str, message: str) -> None:
        self.errors.append(RowError(self.number, self.headers.get(key, ""), message))


@dataclass
class Sheet:
    columns: Sequence[Column]
    rows: list[Row]  # the rows with something in them
    blank: int = 0  # empty rows between them


def read(
    content: bytes, columns: Sequence[Column], *, max_rows: int, file_name: str = "",
    max_bytes: int = MAX_BYTES,
) -> Sheet:  # fmt: skip
    """The first sheet of an .xlsx workbook, or a .csv file, as rows of `columns`.

    Raises ValidationError (in Chinese) for a file that is too large, is not a workbook,
    lacks a required column, has no rows or too many. Blank rows are left out but counted
    (those after the last row are not), so row numbers stay what people see in Excel."""
    if len(content) > max_bytes:
        raise ValidationError(
            _("The file is larger than %(size)d MB.") % {"size": max_bytes // 2**20}
        )
    with _lines(content, file_name) as lines:
        keys = _keys_by_index(next(lines, ()), columns)
        return _read_rows(lines, keys, columns, max_rows)


def _not_a_workbook() -> ValidationError:
    return ValidationError(
        _("This is not an Excel workbook (.xlsx). Save the sheet as .xlsx and upload it again.")
    )


@contextmanager
def _lines(content: bytes, file_name: str) -> Iterator[Iterator[Sequence[Any]]]:
    """The file's lines as lists of cells, from openpyxl (read-only) or the csv module."""
    if content.startswith(b"PK\x03\x04"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            lines = book.worksheets[0].iter_rows(values_only=True)
        except Exception as error:  # openpyxl raises many kinds for a damaged file
            raise _not_a_workbook() from error
        try:
            yield lines
        finally:
            book.close()
    elif file_name.lower().endswith(".csv"):
        try:
            yield csv.reader(io.StringIO(_decoded(content), newline=""))
        except csv.Error as error:
            raise _not_a_workbook() from error
    else:
        raise _not_a_workbook()


def _decoded(content: bytes) -> str:
    """CSV text: UTF-8 (with or without a byte-order mark), else GB18030, which is what Excel
    on a Chinese Windows saves."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            decoded = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in decoded:
            return decoded
    raise _not_a_workbook()


def _keys_by_index(header_cells: Sequence[Any], columns: Sequence[Column]) -> dict[int, str]:
    headers = [text(cell) for cell in header_cells]
    missing = [
        column.header for column in columns if column.required and column.header not in headers
    ]
    if missing:
        raise ValidationError(
            _("The first row must name the columns; missing: %(columns)s.")
            % {"columns": "、".join(missing)}
        )
    # A repeated header: the first one counts.
    return {headers.index(c.header): c.key for c in columns if c.header in headers}


def _read_rows(
    lines: Iterator[Sequence[Any]], keys: dict[int, str], columns: Sequence[Column], max_rows: int
) -> Sheet:
    headers = {column.key: column.header for column in columns}
    sheet = Sheet(columns=columns, rows=[])
    blank_run = 0
    for number, cells in enumerate(lines, start=2):
        values = dict.fromkeys(headers)
        values.update((key, _cell(cells, index)) for index, key in keys.items())
        if not any(text(value) for value in values.values()):
            blank_run += 1
            if number > max_rows + BLANK_SLACK:
                break
            continue
        if len(sheet.rows) >= max_rows or number > max_rows + BLANK_SLACK:
            raise ValidationError(
                _("A sheet may have at most %(max)d rows; split it into several files.")
                % {"max": max_rows}
            )
        sheet.blank += blank_run
        blank_run = 0
        sheet.rows.append(Row(number, values, headers))
    if not sheet.rows:
        raise ValidationError(_("The sheet has column names but no rows."))
    return sheet


def _cell(cells: Sequence[Any], index: int) -> Any:
    value = cells[index] if index < len(cells) else None
    return None if value == "" else read_cell(value)


class SheetField(forms.FileField):
    """The upload field of every import: an .xlsx or .csv file of at most MAX_BYTES (its
    content is checked when it is read)."""

    widget = forms.ClearableFileInput(attrs={"accept": f".xlsx,.csv,{XLSX_TYPE},text/csv"})

    def __init__(self, **kwargs):
        kwargs.setdefault("label", gettext_lazy("Excel file (.xlsx or .csv)"))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and upload.size > MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(size)d MB.") % {"size": MAX_BYTES // 2**20}
            )
        return upload


# --- Checking and writing --------------------------------------------------------------------


class SheetImport:
    """One kind of import. Subclasses name their `columns` and fill in the steps; all of them
    run inside one transaction, so lookups made while checking still hold when writing."""

    columns: ClassVar[Sequence[Column]] = ()
    max_rows: ClassVar[int] = 10000

    def read(self, content: bytes, file_name: str = "") -> Sheet:
        return read(content, self.columns, max_rows=self.max_rows, file_name=file_name)

    def prepare(self, sheet: Sheet) -> None:
        """Load what the checks look rows up in (a few queries, never one per row)."""

    def check_row(self, row: Row) -> Any:
        """The row parsed for writing, or None to skip it; problems go to `row.error`."""
        raise NotImplementedError

    def check_together(self, parsed: list[Any]) -> list[RowError]:
        """Problems only the rows together show (against each other or what is stored)."""
        return []

    def nothing_to_write(self) -> list[RowError]:
        """The errors to show when every row was skipped; none by default."""
        return []

    def write(self, parsed: list[Any]) -> None:
        raise NotImplementedError


@dataclass
class Checked:
    rows: int = 0  # the sheet's rows, blank ones in between included
    parsed: list[Any] = field(default_factory=list)
    skipped: int = 0  # rows check_row skipped
    blank: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def check_and_write(importer: SheetImport, sheet: Sheet, *, dry_run: bool = False) -> Checked:
    """Check every row; write them all in one transaction, or nothing when any row is wrong
    (or on a dry run, whose transaction is rolled back whatever the checks did)."""
    with transaction.atomic():
        importer.prepare(sheet)
        checked = check_rows(importer, sheet)
        if checked.errors or dry_run:
            transaction.set_rollback(True)
            return checked
        importer.write(checked.parsed)
        checked.written = True
    return checked


def check_rows(importer: SheetImport, sheet: Sheet) -> Checked:
    """Every row checked, then the rows together: all errors, in row order."""
    checked = Checked(rows=len(sheet.rows) + sheet.blank, blank=sheet.blank)
    for row in sheet.rows:
        parsed = importer.check_row(row)
        if row.errors:
            checked.errors.extend(row.errors)
        elif parsed is None:
            checked.skipped += 1
        else:
            checked.parsed.append(parsed)
    if checked.parsed:
        checked.errors.extend(importer.check_together(checked.parsed))
    elif not checked.errors:
        checked.errors.extend(importer.nothing_to_write())
    checked.errors.sort(key=lambda error: error.row or 0)
    return checked


def sheet_errors(error: ValidationError) -> list[RowError]:
    """A refused file's messages as errors of the whole sheet."""
    return [RowError(None, "", message) for message in error.messages]


# --- Keeping an upload between a check and its confirmation ----------------------------------

STASH_SECONDS = 3600
STASH_SALT = "kit.spreadsheets.stash"
STASH_DIR = "spreadsheet-uploads"


def _stash_storage():
    # Private storage (never served): the upload waits there without Redis or the database.
    return storages["private"]


def stash_upload(content: bytes, *, file_name: str, scope: dict[str, Any]) -> str:
    """Keep the file for an hour; the signed token names it for `scope` only (a user, a
    community, a kind), so a confirmation cannot import someone else's sheet."""
    _forget_expired()
    key = secrets.token_urlsafe(18)
    _stash_storage().save(f"{STASH_DIR}/{key}", ContentFile(content))
    return signing.dumps({"key": key, "name": file_name[-200:], **scope}, salt=STASH_SALT)


def unstash_upload(token: str, *, scope: dict[str, Any]) -> tuple[bytes, str] | None:
    """(content, file name) of a stashed upload, or None when the token is not for this
    scope, is forged or has expired."""
    data = _token(token)
    if data is None or any(data.get(name) != value for name, value in scope.items()):
        return None
    storage, path = _stash_storage(), f"{STASH_DIR}/{data['key']}"
    if not storage.exists(path):
        return None
    with storage.open(path, "rb") as stashed:
        return stashed.read(), data.get("name", "")


def forget_upload(token: str) -> None:
    data = _token(token)
    if data is not None:
        _stash_storage().delete(f"{STASH_DIR}/{data['key']}")


def _token(token: str) -> dict[str, Any] | None:
    try:
        data = signing.loads(token, salt=STASH_SALT, max_age=STASH_SECONDS)
    except signing.BadSignature:
        return None
    key = data.get("key", "")
    return data if isinstance(key, str) and re.fullmatch(r"[\w-]+", key) else None


def _forget_expired() -> None:
    """Uploads nobody confirmed go when the next one arrives."""
    storage = _stash_storage()
    try:
        _dirs, names = storage.listdir(STASH_DIR)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - dt.timedelta(seconds=STASH_SECONDS)
    for name in names:
        path = f"{STASH_DIR}/{name}"
        try:
            if storage.get_modified_time(path) < cutoff:
                storage.delete(path)
        except FileNotFoundError:
            continue

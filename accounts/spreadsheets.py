"""Cells for every spreadsheet the product hands out (.xlsx and .csv): one door, so that text
people typed (a display name, a building, a room number) can never become a live formula.

Excel, LibreOffice and Numbers run a cell that starts with = + - or @ (also after leading
spaces, and after a tab or carriage return that CSV readers keep) as a formula, which can
fetch URLs or start programs on the office PC that opens the export ("CSV injection").
Such text gets a leading apostrophe, the spreadsheet convention for "this is text"; numbers,
dates and empty cells stay what they are, so the figures still add up.
"""

import re
from collections.abc import Iterable
from typing import Any

import tablib
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# A tab or carriage return first, or one of = + - @ after any leading whitespace (including
# the ideographic space U+3000 that Chinese input methods type).
FORMULA_START = re.compile(r"^(?:[\t\r]|\s*[=+\-@])")


def safe_cell(value: Any) -> Any:
    """`value` as it may go into an exported cell: text that a spreadsheet would run as a
    formula gets a leading apostrophe; control characters openpyxl refuses (the whole export
    would fail) are dropped; anything that is not text is returned unchanged."""
    if not isinstance(value, str):
        return value
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


def dataset(
    rows: Iterable[Iterable[Any]], *, headers: Iterable[Any], title: str = ""
) -> tablib.Dataset:
    """A tablib dataset (for .xlsx or .csv) whose every cell, headers included, is safe."""
    return tablib.Dataset(*[safe_row(row) for row in rows], headers=safe_row(headers), title=title)


def append(sheet, values: Iterable[Any]) -> None:
    """`sheet.append(values)` for an openpyxl worksheet, every cell made safe."""
    sheet.append(safe_row(values))

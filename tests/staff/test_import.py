"""SUSR-1: rooms and residents imported from Excel — template, dry run with row errors,
confirmation, all or nothing, and never outside the current community."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import Building, Residency, Room, User
from kit.models import AuditEntry

from ..factories import ResidencyFactory, RoomFactory, StaffMemberFactory, UserFactory

ROOM_HEADERS = ["楼栋", "单元", "房号", "楼层", "面积", "用途"]
RESIDENT_HEADERS = ["楼栋", "单元", "房号", "姓名", "手机号", "关系"]


def xlsx(headers, rows, name="import.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client, kind, headers, rows):
    url = reverse(f"staff_residents:import_{kind}")
    return client.post(url, {"sheet": xlsx(headers, rows)})


def confirm(client, kind, check_response):
    url = reverse(f"staff_residents:import_{kind}")
    return client.post(url, {"token": check_response.context["token"]})


def error_rows(response) -> list[tuple]:
    return [(e.row, e.column, e.message) for e in response.context["outcome"].errors]


@pytest.mark.req("SUSR-1")
@pytest.mark.parametrize(
    ("kind", "headers"), [("rooms", ROOM_HEADERS), ("residents", RESIDENT_HEADERS)]
)
def test_template_download_has_the_headers(client_for, manager, kind, headers):
    response = client_for(manager).get(reverse(f"staff_residents:import_{kind}_template"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == headers


@pytest.mark.req("SUSR-1")
def test_rooms_import_checks_first_then_imports_on_confirmation(
    client_for, manager, room, community
):
    client = client_for(manager)
    rows = [
        ("3栋", "", "1201", 12, 120, "住宅"),  # exists: area changes
        ("3栋", "", "1202", "", "98.5", ""),  # new; floor read from the number
        ("7栋", "1单元", "0101", 1, 66.6, "商铺"),  # new building and unit
        (None, None, None, None, None, None),  # a blank row in the middle is skipped
        ("7栋", "1单元", "B1-01", -1, "", "车位"),
    ]
    check = upload(client, "rooms", ROOM_HEADERS, rows)
    assert check.status_code == 200
    outcome = check.context["outcome"]
    assert outcome.ok and (outcome.new, outcome.updated, outcome.skipped) == (3, 1, 1)
    assert outcome.new_buildings == ["7栋"]
    # The dry run saved nothing.
    assert not Building.objects.filter(name="7栋").exists()
    assert Room.objects.filter(building__community=community).count() == 1

    done = confirm(client, "rooms", check)
    assert done.status_code == 302 and done["Location"] == reverse("staff_residents:rooms")
    room.refresh_from_db()
    assert room.area == 120
    new = Room.objects.get(building=room.building, number="1202")
    assert (new.floor, str(new.area), new.use) == (12, "98.50", Room.Use.RESIDENTIAL)
    shop = Room.objects.get(building__name="7栋", number="0101")
    assert shop.unit.name == "1单元" and shop.use == Room.Use.COMMERCIAL
    assert shop.building.community == community
    assert Room.objects.get(number="B1-01").floor == -1
    entry = AuditEntry.objects.get(action="accounts.rooms_imported")
    assert entry.actor == manager and entry.community == community
    assert entry.data["new"] == 3 and entry.data["updated"] == 1


@pytest.mark.req("SUSR-1")
def test_one_bad_room_row_imports_nothing_and_names_each_problem(
    client_for, manager, room, community
):
    rows = [
        ("8栋", "", "0101", 1, 80, "住宅"),
        ("8栋", "", "", "一楼", "-5", "别墅"),
        ("8栋", "", "0101", 1, 80, "住宅"),
    ]
    response = upload(client_for(manager), "rooms", ROOM_HEADERS, rows)
    assert response.status_code == 200
    errors = error_rows(response)
    assert {(row, column) for row, column, _ in errors} == {
        (3, "房号"),
        (3, "楼层"),
        (3, "面积"),
        (3, "用途"),
        (4, "房号"),
    }
    duplicate = next(message for row, column, message in errors if row == 4)
    assert "2" in duplicate  # points at the first occurrence, Excel row 2
    assert "token" not in response.context or not response.context["token"]
    body = response.content.decode()
    assert "别墅" in body and "住宅、商铺" in body
    assert not Building.objects.filter(name="8栋").exists()
    assert not AuditEntry.objects.filter(action="accounts.rooms_imported").exists()


@pytest.mark.req("SUSR-1")
def test_residents_import_creates_accounts_and_verified_residencies(
    client_for, manager, room, community, resident
):
    shop = RoomFactory(building__community=community, building__name="9栋", number="0101", floor=1)
    known = UserFactory(mobile="13600000001", display_name="钱已注册")
    rows = [
        ("3栋", "", "1201", "王小丫", "139-0000-0009", "家属"),  # new account, joins 张伟
        ("9栋", None, 101, "钱已注册", 13600000001, "租户"),  # numbers as Excel stores them
        ("3栋", "", "1201", "张伟", "13900000001", "业主"),  # already verified: unchanged
    ]
    client = client_for(manager)
    check = upload(client, "residents", RESIDENT_HEADERS, rows)
    outcome = check.context["outcome"]
    assert outcome.ok, outcome.errors
    assert (outcome.new, outcome.updated, outcome.skipped, outcome.new_accounts) == (2, 0, 1, 1)
    assert not User.objects.filter(mobile="13900000009").exists()  # the dry run left nothing

    assert confirm(client, "residents", check).status_code == 302
    newcomer = User.objects.get(mobile="13900000009")
    assert newcomer.display_name == "王小丫" and not newcomer.has_usable_password()
    family = Residency.objects.get(user=newcomer)
    assert (family.room, family.status, family.relation) == (
        room,
        Residency.Status.VERIFIED,
        Residency.Relation.FAMILY,
    )
    assert family.verified_by == manager and family.verified_at is not None
    assert family.head == resident.residencies.get()
    tenant = Residency.objects.get(user=known)
    assert tenant.room == shop and tenant.relation == Residency.Relation.TENANT
    entry = AuditEntry.objects.get(action="accounts.residents_imported")
    assert entry.data["new"] == 2 and entry.data["new_accounts"] == 1


@pytest.mark.req("SUSR-1")
def test_importing_a_pending_request_verifies_it(client_for, manager, room):
    pending = ResidencyFactory(
        room=room, status=Residency.Status.PENDING, verified_at=None, user__mobile="13600000002"
    )
    client = client_for(manager)
    check = upload(
        client, "residents", RESIDENT_HEADERS, [("3栋", "", "1201", "某人", "13600000002", "业主")]
    )
    assert check.context["outcome"].updated == 1
    confirm(client, "residents", check)
    pending.refresh_from_db()
    assert pending.status == Residency.Status.VERIFIED and pending.verified_by == manager
    assert Residency.objects.filter(user=pending.user).count() == 1


@pytest.mark.req("SUSR-1")
def test_one_bad_resident_row_imports_nothing(client_for, manager, room):
    rows = [
        ("3栋", "", "1201", "新住户甲", "13600000011", "业主"),
        ("3栋", "", "9999", "新住户乙", "12345", "房东"),
        ("3栋", "", "1201", "", "13600000013", "租户"),
    ]
    response = upload(client_for(manager), "residents", RESIDENT_HEADERS, rows)
    errors = error_rows(response)
    assert {(row, column) for row, column, _ in errors} == {
        (3, "房号"),
        (3, "手机号"),
        (3, "关系"),
        (4, "姓名"),
    }
    messages = {(row, column): message for row, column, message in errors}
    assert "3栋9999" in messages[(3, "房号")]
    assert "11" in messages[(3, "手机号")]  # "11 digits starting with 1", in Chinese
    assert "房东" in messages[(3, "关系")]
    assert not User.objects.filter(mobile__in=["13600000011", "13600000013"]).exists()
    assert not Residency.objects.filter(user__mobile="13600000011").exists()


@pytest.mark.req("SUSR-1")
def test_confirmation_is_all_or_nothing_when_the_estate_changed_since_the_check(
    client_for, manager, room, community
):
    spare = RoomFactory(building=room.building, number="1301", floor=13)
    rows = [
        ("3栋", "", "1201", "新住户甲", "13600000021", "业主"),
        ("3栋", "", "1301", "新住户乙", "13600000022", "业主"),
    ]
    client = client_for(manager)
    check = upload(client, "residents", RESIDENT_HEADERS, rows)
    assert check.context["outcome"].ok
    spare.delete()  # someone removed a room between the check and the confirmation
    response = confirm(client, "residents", check)
    assert response.status_code == 200
    assert [(row, column) for row, column, _ in error_rows(response)] == [(3, "房号")]
    assert not User.objects.filter(mobile__startswith="1360000002").exists()
    assert not Residency.objects.filter(room=room, user__mobile="13600000021").exists()


@pytest.mark.req("SUSR-1")
@pytest.mark.req("X-1")
def test_rows_cannot_reach_another_community(
    client_for, manager, room, community, outsider_room, outsider
):
    """The other community has 金桂苑's building and room; a row naming them is about this
    community only: no such room here for residents, a new building here for rooms."""
    foreign_building = outsider_room.building.name
    client = client_for(manager)
    rows = [(foreign_building, "", outsider_room.number, "冒名者", "13600000031", "业主")]
    response = upload(client, "residents", RESIDENT_HEADERS, rows)
    assert [(row, column) for row, column, _ in error_rows(response)] == [(2, "房号")]
    assert community.name in error_rows(response)[0][2]

    check = upload(
        client, "rooms", ROOM_HEADERS, [(foreign_building, "", outsider_room.number, 8, 50, "")]
    )
    assert check.context["outcome"].new == 1
    confirm(client, "rooms", check)
    mine = Room.objects.get(building__community=community, number=outsider_room.number)
    assert mine.building.name == foreign_building and mine.pk != outsider_room.pk
    outsider_room.refresh_from_db()
    assert outsider_room.area != 50
    assert outsider_room.building.community != community
    assert Residency.objects.filter(room=outsider_room).count() == 1


@pytest.mark.req("SUSR-1")
def test_a_confirmation_token_works_only_for_its_user_community_and_kind(
    client_for, manager, room, community, positions
):
    client = client_for(manager)
    check = upload(
        client, "residents", RESIDENT_HEADERS, [("3栋", "", "1201", "甲", "13600000041", "业主")]
    )
    token = check.context["token"]
    # Another manager of the same community cannot replay it.
    other = StaffMemberFactory(communities=[community], position_name="经理").user
    response = client_for(other).post(reverse("staff_residents:import_residents"), {"token": token})
    assert response.status_code == 302
    # Nor can it import rooms.
    client_for(manager).post(reverse("staff_residents:import_rooms"), {"token": token})
    assert not User.objects.filter(mobile="13600000041").exists()
    # A forged token is refused too.
    client.post(reverse("staff_residents:import_residents"), {"token": token + "x"})
    assert not User.objects.filter(mobile="13600000041").exists()
    # The right one still works once.
    assert (
        client.post(reverse("staff_residents:import_residents"), {"token": token}).status_code
        == 302
    )
    assert User.objects.filter(mobile="13600000041").exists()
    client.post(reverse("staff_residents:import_residents"), {"token": token})
    assert AuditEntry.objects.filter(action="accounts.residents_imported").count() == 1


@pytest.mark.req("SUSR-1")
@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"name,mobile\n", "residents.xlsx"),
        (b"PK\x03\x04 not really a zip", "residents.xlsx"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused(client_for, manager, content, name):
    response = client_for(manager).post(
        reverse("staff_residents:import_residents"), {"sheet": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["sheet"]


@pytest.mark.req("SUSR-1")
def test_a_sheet_without_the_required_columns_is_refused(client_for, manager):
    response = client_for(manager).post(
        reverse("staff_residents:import_residents"),
        {"sheet": xlsx(["楼栋", "房号", "名字"], [("3栋", "1201", "张伟")])},
    )
    assert response.status_code == 400
    message = response.context["form"].errors["sheet"][0]
    assert "姓名" in message and "手机号" in message and "关系" in message


def test_import_again_changes_nothing(client_for, manager, room):
    client = client_for(manager)
    rows = [("3栋", "", "1201", "甲", "13600000051", "业主")]
    confirm(client, "residents", upload(client, "residents", RESIDENT_HEADERS, rows))
    again = upload(client, "residents", RESIDENT_HEADERS, rows).context["outcome"]
    assert (again.new, again.updated, again.skipped) == (0, 0, 1)


def test_front_desk_imports_residents_but_not_rooms(client_for, staff_user, room):
    client = client_for(staff_user)
    assert client.get(reverse("staff_residents:import_residents")).status_code == 200
    assert client.get(reverse("staff_residents:import_rooms")).status_code == 403
    hub = client.get(reverse("staff_residents:import")).content.decode()
    assert reverse("staff_residents:import_rooms") not in hub


def test_import_uses_bulk_writes(client_for, manager, room, django_assert_max_num_queries):
    """A hundred rows cost about as many queries as three: rows are written in bulk."""
    building = room.building
    for number in range(1, 101):
        RoomFactory(building=building, number=f"20{number:02d}", floor=20)
    client = client_for(manager)

    def rows(count):
        return [
            ("3栋", "", f"20{n:02d}", f"住户{n}", f"1350000{n:04d}", "业主")
            for n in range(1, count + 1)
        ]

    with django_assert_max_num_queries(40) as small:
        upload(client, "residents", RESIDENT_HEADERS, rows(3))
    with django_assert_max_num_queries(len(small.captured_queries) + 5):
        upload(client, "residents", RESIDENT_HEADERS, rows(100))


@pytest.mark.req("SUSR-1")
def test_a_csv_file_saved_by_excel_imports_through_both_steps(client_for, manager, room):
    """Excel on a Chinese Windows saves CSV as GB18030; the confirmation reads it again."""
    text = "楼栋,单元,房号,姓名,手机号,关系\r\n3栋,,1201,陈新,13600000061,租户\r\n"
    url = reverse("staff_residents:import_residents")
    client = client_for(manager)
    check = client.post(url, {"sheet": SimpleUploadedFile("住户.csv", text.encode("gb18030"))})
    assert check.context["outcome"].ok and check.context["outcome"].new == 1
    assert client.post(url, {"token": check.context["token"]}).status_code == 302
    assert Residency.objects.get(user__mobile="13600000061").room == room


@pytest.mark.req("SUSR-1")
def test_an_imported_residency_shows_at_once_in_the_residents_cached_scopes(
    client_for, manager, room
):
    from accounts.selectors import resident_cache_scopes

    pending = ResidencyFactory(
        room=room, status=Residency.Status.PENDING, verified_at=None, user__mobile="13600000002"
    )
    scope = f"household:{room.pk}"
    assert scope not in resident_cache_scopes(User.objects.get(pk=pending.user_id))  # cached
    client = client_for(manager)
    check = upload(
        client, "residents", RESIDENT_HEADERS, [("3栋", "", "1201", "某人", "13600000002", "业主")]
    )
    confirm(client, "residents", check)
    assert scope in resident_cache_scopes(User.objects.get(pk=pending.user_id))

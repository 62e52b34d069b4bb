"""The SUSR-1 / SUSR-2 staff pages in headless Chromium at 1440×900, with screenshots under
var/screenshots/staff-*.png for a person to look at."""

import io

import pytest
from openpyxl import Workbook

from accounts.models import Residency
from kit.audit import log_action
from staff.services import staff_member_update
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    ResidencyFactory,
    RoomFactory,
    StaffMemberFactory,
    UnitFactory,
)

from . import support


def shot(page, name):
    support.shot(page, f"staff-{name}")


def sheet(headers, rows) -> dict:
    book = Workbook()
    book.active.append(headers)
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return {
        "name": "导入.xlsx",
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": buffer.getvalue(),
    }


@pytest.fixture
def estate(transactional_db, positions):
    community = CommunityFactory(name="翠湖花园", address="杭州市西湖区文三路 88 号")
    annex = CommunityFactory(company=community.company, name="翠湖花园二期")
    names = iter(["张伟", "王芳", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周婷", "吴刚", "徐丽"])
    family_names = iter(["李娜", "张小宝", "刘一一", "陈晨"])
    for b in (1, 2, 3):
        building = BuildingFactory(community=community, name=f"{b}栋", sort_order=b)
        unit = UnitFactory(building=building, name="1单元") if b == 3 else None
        for floor in (11, 12):
            room = RoomFactory(building=building, unit=unit, number=f"{floor}01", floor=floor)
            name = next(names, None)
            if name is None:
                continue
            head = ResidencyFactory(room=room, user__display_name=name)
            if floor == 12:
                ResidencyFactory(
                    room=room,
                    relation=Residency.Relation.FAMILY,
                    head=head,
                    user__display_name=next(family_names, "家属"),
                )
    pending_room = RoomFactory(building=building, unit=unit, number="1301", floor=13)
    ResidencyFactory(
        room=pending_room,
        status=Residency.Status.PENDING,
        verified_at=None,
        relation=Residency.Relation.TENANT,
        user__display_name="赵租户",
    )
    manager = StaffMemberFactory(
        communities=[community], position_name="经理", user__display_name="陈经理"
    )
    StaffMemberFactory(communities=[community], position_name="客服", user__display_name="林小雅")
    StaffMemberFactory(
        communities=[community, annex], position_name="维修工", user__display_name="吴国强"
    )
    former = StaffMemberFactory(
        communities=[community], position_name="收费员", user__display_name="周丽华"
    )
    staff_member_update(member=former, is_active=False)
    zhang = Residency.objects.get(user__display_name="张伟")
    log_action(actor=manager.user, action="residency.verified", target=zhang, community=community)
    return {"manager": manager, "zhang": zhang, "former": former}


@pytest.mark.req("SUSR-1")
def test_resident_pages(open_page, live_server, estate):
    page = open_page("desk", estate["manager"].user)
    base = live_server.url
    page.goto(f"{base}/staff/residents/?q=1栋")
    assert page.get_by_role("link", name="张伟").is_visible()
    shot(page, "residents-search")
    # htmx swaps the table and the export link with it: the export follows the new filter.
    page.fill("input[name=q]", "1101")
    page.wait_for_function(
        "document.querySelector('#export-link').href.includes('q=1101')", timeout=5000
    )
    assert not page.get_by_role("link", name="王芳").is_visible()

    with page.expect_navigation():
        page.get_by_role("link", name="张伟").click()
    assert page.locator(".content dd", has_text="13").first.is_visible()  # the mobile number
    shot(page, "resident-detail")

    with page.expect_navigation():
        page.locator("a[href$='/contacts/']").click()
    page.fill("input[name=email]", "zhangwei@@example")
    with page.expect_navigation():
        page.locator("form button.btn-primary").click()
    assert page.input_value("input[name=email]") == "zhangwei@@example"
    shot(page, "resident-contacts-error")

    head = Residency.objects.get(user__display_name="赵敏")
    page.goto(f"{base}/staff/residencies/{head.pk}/end/")
    assert page.get_by_text("刘一一").is_visible()  # the family member who leaves too
    shot(page, "move-out-confirm")
    page.fill("input[name=reason]", "房屋已出售")
    with page.expect_navigation():
        page.locator("form button.btn-danger").click()
    shot(page, "moved-out")
    head.refresh_from_db()
    assert head.status == Residency.Status.ENDED


@pytest.mark.req("SUSR-1")
def test_import_pages(open_page, live_server, estate):
    page = open_page("desk", estate["manager"].user)
    base = live_server.url
    page.goto(f"{base}/staff/import/")
    shot(page, "import-hub")

    page.goto(f"{base}/staff/import/residents/")
    page.set_input_files(
        "input[name=sheet]",
        sheet(
            ["楼栋", "单元", "房号", "姓名", "手机号", "关系"],
            [
                ("1栋", "", "1101", "孙新", "13600000001", "业主"),
                ("1栋", "", "9901", "钱错", "12345", "房东"),
                ("2栋", "", "1201", "", "13600000003", "家属"),
            ],
        ),
    )
    with page.expect_navigation():
        page.locator("form button.btn-primary").click()
    assert page.locator("#import-errors").is_visible()
    shot(page, "import-errors")

    page.set_input_files(
        "input[name=sheet]",
        sheet(
            ["楼栋", "单元", "房号", "姓名", "手机号", "关系"],
            [
                ("1栋", "", "1101", "孙新", "13600000001", "租户"),
                ("2栋", "", "1201", "钱多", "13600000002", "家属"),
            ],
        ),
    )
    with page.expect_navigation():
        page.locator("form button.btn-primary").click()
    assert page.locator("#import-preview").is_visible()
    shot(page, "import-preview")
    with page.expect_navigation():
        page.locator("#import-preview button.btn-success").click()
    assert page.get_by_role("link", name="孙新").is_visible()
    shot(page, "import-done")


@pytest.mark.req("SUSR-2")
def test_team_pages(open_page, live_server, estate):
    page = open_page("desk", estate["manager"].user)
    base = live_server.url
    page.goto(f"{base}/staff/team/")
    assert page.get_by_text("吴国强").is_visible()
    shot(page, "team")

    page.goto(f"{base}/staff/team/add/")
    page.fill("input[name=mobile]", "13700009999")
    with page.expect_navigation():
        page.locator("form button.btn-primary").click()
    # An invitation, whoever owns the number: listed on the team page until answered.
    assert page.get_by_text("已向137****9999发送邀请").is_visible()
    shot(page, "team-invitation-sent")

    page.goto(f"{base}/staff/team/")
    with page.expect_navigation():
        page.get_by_role("link", name="吴国强").click()
    shot(page, "team-edit")
    page.goto(f"{base}/staff/team/{estate['former'].pk}/")
    shot(page, "team-edit-deactivated")


@pytest.mark.req("SUSR-2")
def test_every_menu_entry_is_reachable_on_a_short_screen(open_page, live_server, estate):
    """The manager's menu is taller than a 1366×768 laptop screen: the fixed sidebar scrolls
    on its own, so the last entry (操作日志) can be reached and clicked."""
    page = open_page("desk", estate["manager"].user)
    page.set_viewport_size({"width": 1366, "height": 600})
    page.goto(f"{live_server.url}/staff/")
    sidebar = page.locator("nav.sidebar")
    assert sidebar.evaluate("el => el.scrollHeight > el.clientHeight")
    last = sidebar.locator("a.nav-link").last
    last.scroll_into_view_if_needed()
    box, frame = last.bounding_box(), sidebar.bounding_box()
    assert box["y"] >= frame["y"] and box["y"] + box["height"] <= frame["y"] + frame["height"]
    with page.expect_navigation():
        last.click()

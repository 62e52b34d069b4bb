"""The office's morning in headless Chromium at 1440×900: the manager's, the regional
manager's and the cashier's home page on a busy morning, the global search, a refusal in the
staff layout and a list as printed. Screenshots under var/screenshots/office-*.png."""

import pytest

from tests.factories import CommunityFactory, RoomFactory, StaffMemberFactory
from tests.staff.busy import busy_morning

from . import support

pytestmark = pytest.mark.req("SUSR-1", "SUSR-2", "SREP-2", "SBIL-2", "X-2")


def shot(page, name):
    support.shot(page, f"office-{name}")


@pytest.fixture
def morning(transactional_db, positions):
    community = CommunityFactory(name="翠湖花园", address="杭州市西湖区文三路 88 号")
    room = RoomFactory(building__community=community, building__name="3栋", number="1201", floor=12)
    busy_morning(community, room, extra_rooms=4)
    annex = CommunityFactory(company=community.company, name="翠湖花园二期")
    busy_morning(annex, RoomFactory(building__community=annex, building__name="1栋", number="801"))
    CommunityFactory(company=community.company, name="碧水湾")
    people = {
        "manager": StaffMemberFactory(
            communities=[community], position_name="经理", user__display_name="陈经理"
        ).user,
        "cashier": StaffMemberFactory(
            communities=[community], position_name="收费员", user__display_name="周收费"
        ).user,
        "regional": StaffMemberFactory(
            communities=list(community.company.communities.all()),
            position_name="经理",
            user__display_name="孙区域经理",
        ).user,
    }
    return community, annex, people


def test_the_offices_busy_morning(open_page, live_server, morning):
    community, annex, people = morning
    url = live_server.url

    page = open_page("desk", user=people["manager"])
    page.goto(f"{url}/staff/")
    assert page.locator(".work-figure").count() >= 10
    assert page.locator(".work-figure.tone-danger").count() >= 2
    shot(page, "home-manager")
    # A figure opens the list filtered to exactly its rows.
    with page.expect_navigation():
        page.click("[data-figure='repairs.overdue']")
    assert "overdue=on" in page.url
    assert page.locator(".menu-group.current summary").inner_text().strip().startswith("报修")
    shot(page, "repairs-overdue")
    # Printed: no menu, no filters, no buttons.
    page.emulate_media(media="print")
    assert not page.locator(".sidebar").is_visible()
    shot(page, "repairs-print")
    page.emulate_media(media="screen")

    # The global search: a room as typed on the phone finds the room and its orders; its
    # household's page is one click on.
    page.fill(".top-search input[name=find]", "3-1201")
    with page.expect_navigation():
        page.press(".top-search input[name=find]", "Enter")
    assert page.locator(".search-group[data-kind='rooms']").is_visible()
    assert page.locator(".search-group[data-kind='repairs']").is_visible()
    shot(page, "search")
    with page.expect_navigation():
        page.click(".search-group[data-kind='rooms'] a")
    assert "/staff/rooms/" in page.url
    page.fill(".top-search input[name=find]", "张伟")
    with page.expect_navigation():
        page.press(".top-search input[name=find]", "Enter")
    assert page.locator(".search-group[data-kind='residents']").is_visible()
    shot(page, "search-name")

    cashier = open_page("desk", user=people["cashier"])
    cashier.goto(f"{url}/staff/")
    assert cashier.locator("[data-figure='billing.collected']").is_visible()
    assert cashier.locator("[data-figure='repairs.new']").count() == 0
    shot(cashier, "home-cashier")
    response = cashier.goto(f"{url}/staff/audit/")
    assert response.status == 403
    assert cashier.locator(".sidebar").is_visible()
    assert "没有权限" in cashier.content()
    shot(cashier, "403-cashier")

    regional = open_page("desk", user=people["regional"])
    regional.goto(f"{url}/staff/")
    assert regional.locator(".overview-table tbody tr").count() == 3
    shot(regional, "home-regional")
    # A figure of another community switches to it and opens its filtered list.
    row = regional.locator(".overview-table tbody tr", has_text="翠湖花园二期")
    with regional.expect_navigation():
        row.locator("button.figure-danger").first.click()
    assert "翠湖花园二期" in regional.locator(".topbar").inner_text()
    shot(regional, "switched")

"""The statistics of complaints and suggestions (SCMP-1, SCMP-2): exact figures on a small known
data set, the period, empty periods, the export, access, and a fixed number of queries."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from complaints.figures import selectors, views_staff
from complaints.models import Complaint, Department, Suggestion
from tests.factories import (
    ComplaintFactory,
    ResidencyFactory,
    RoomFactory,
    StaffMemberFactory,
    SuggestionFactory,
)

pytestmark = pytest.mark.django_db
Status = Complaint.Status
SStatus = Suggestion.Status
ZONE = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
URL = "complaints_staff:figures"


def at(day: int, hour: int = 10, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=ZONE)


def complaint(household, category, *, created, status=Status.SUBMITTED, channel="app",
              department=None, handler=None, accept=None, accept_late=False, reply=None,
              reply_late=False, close=None, satisfaction=None, returns=0):  # fmt: skip
    """A complaint row with its times: `accept` / `close` in seconds after filing, `reply` in
    hours; late ones come after the category's deadlines (4 h to accept, 48 h to reply)."""
    accept_due, reply_due = created + dt.timedelta(hours=4), created + dt.timedelta(hours=48)
    accepted_at = created + dt.timedelta(seconds=accept) if accept is not None else None
    replied_at = created + dt.timedelta(hours=reply) if reply is not None else None
    return ComplaintFactory(
        household=household, category=category, created_at=created, status=status,
        channel=channel, department=department, handler=handler,
        accepted_at=accepted_at, accept_seconds=accept,
        accept_due_at=accept_due, reply_due_at=reply_due, replied_at=replied_at,
        close_seconds=close, closed_at=created + dt.timedelta(seconds=close) if close else None,
        satisfaction=satisfaction, return_count=returns,
    )  # fmt: skip


@pytest.fixture
def world(community, other_community, resident, room, positions):
    """March 2026 in 翠湖花园: five complaints and six suggestions; one of each in February and
    one of each in another community, which do not count."""
    household = resident.residencies.get()
    categories = {c.name: c for c in community.complaint_categories.all()}
    hygiene, noise = categories["环境卫生"], categories["噪音"]
    departments = {d.name: d for d in Department.objects.filter(community=community)}
    cleaning, security = departments["保洁"], departments["安保"]
    h1 = StaffMemberFactory(communities=[community], position_name="客服",
                            user__display_name="林客服")  # fmt: skip
    h2 = StaffMemberFactory(communities=[community], position_name="经理",
                            user__display_name="陈经理")  # fmt: skip
    complaint(household, hygiene, created=at(2), status=Status.CLOSED, department=cleaning,
              handler=h1, accept=3600, reply=10, close=36000, satisfaction=5)  # fmt: skip
    complaint(household, hygiene, created=at(3), status=Status.CLOSED, channel="phone",
              department=cleaning, handler=h1, accept=18000, reply=50, close=200000,
              satisfaction=4, returns=1)  # fmt: skip
    complaint(household, noise, created=at(4), status=Status.REPLIED, department=security,
              handler=h2, accept=1800, reply=20)  # fmt: skip
    complaint(household, noise, created=at(5), channel="desk")
    complaint(household, hygiene, created=at(31, 23), status=Status.CLOSED, department=cleaning,
              handler=h2, accept=7200, reply=30, close=100000, satisfaction=2)  # fmt: skip
    # Outside: the last evening of February (local time), and another community.
    complaint(household, hygiene, created=at(28, 23, month=2), status=Status.CLOSED,
              satisfaction=1, close=100)  # fmt: skip
    outsider = ResidencyFactory(room=RoomFactory(building__community=other_community,
                                                 building__name="金桂苑1栋"))  # fmt: skip
    complaint(outsider, other_community.complaint_categories.first(), created=at(10),
              satisfaction=1, close=100, status=Status.CLOSED)  # fmt: skip
    for status in (SStatus.SUBMITTED, SStatus.ADOPTED, SStatus.IN_PROGRESS, SStatus.COMPLETED,
                   SStatus.DECLINED, SStatus.MERGED):  # fmt: skip
        SuggestionFactory(household=household, status=status, created_at=at(6))
    SuggestionFactory(household=household, status=SStatus.DECLINED, created_at=at(27, month=2))
    SuggestionFactory(household=outsider, status=SStatus.DECLINED, created_at=at(6))
    return {"hygiene": hygiene, "noise": noise, "h1": h1, "h2": h2}


@pytest.mark.req("SCMP-1")
@pytest.mark.req("SCMP-2")
def test_the_figures_of_a_known_month(community, world):
    figures = selectors.community_figures(community, *MARCH)
    totals = figures.totals
    assert (totals.filed, totals.closed, totals.accepted, totals.replied) == (5, 3, 4, 4)
    assert totals.avg_accept_seconds == Decimal(7650)  # (3600 + 18000 + 1800 + 7200) / 4
    assert totals.avg_close_seconds == Decimal(112000)  # (36000 + 200000 + 100000) / 3
    assert totals.accepted_on_time_rate == Decimal("0.7500")  # 18000 s is after the 4 hours
    assert totals.replied_on_time_rate == Decimal("0.7500")  # 50 h is after the 48 hours
    assert totals.avg_satisfaction == Decimal("3.67")  # 11 / 3, half up
    assert (totals.rated, totals.returned, totals.total_returns) == (3, 1, 1)
    statuses = {group.key: group.sums.filed for group in figures.by_status}
    assert (statuses["closed"], statuses["replied"], statuses["submitted"]) == (3, 1, 1)
    assert sum(statuses.values()) == 5
    assert {g.key: g.sums.filed for g in figures.by_channel} == {
        "app": 3, "phone": 1, "desk": 1, "other": 0,
    }  # fmt: skip
    assert [(g.label, g.sums.filed, g.sums.avg_satisfaction) for g in figures.by_category] == [
        ("环境卫生", 3, Decimal("3.67")),
        ("噪音", 2, None),
    ]
    assert [(g.label, g.sums.filed, g.sums.avg_satisfaction) for g in figures.by_department] == [
        ("保洁", 3, Decimal("3.67")),
        ("安保", 1, None),
        ("", 1, None),
    ]
    assert [(g.label, g.sums.filed, g.sums.avg_satisfaction, g.sums.rated)
            for g in figures.by_handler] == [
        ("林客服", 2, Decimal("4.50"), 2),
        ("陈经理", 2, Decimal("2.00"), 1),
        ("", 1, None, 0),
    ]  # fmt: skip
    suggestions = figures.suggestions
    assert (suggestions.submitted, suggestions.adopted, suggestions.in_progress) == (6, 1, 1)
    assert (suggestions.completed, suggestions.declined, suggestions.merged) == (1, 1, 1)
    assert suggestions.undecided == 1
    assert suggestions.adoption_rate == Decimal("0.7500")  # 3 taken up of 4 decided


@pytest.mark.req("SCMP-1")
def test_the_page_shows_them_in_chinese(client_for, manager, world):
    response = client_for(manager).get(reverse(URL), {"start": "2026-03-01", "end": "2026-03-31"})
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "投诉",
        "75.0%",
        "3.67",
        "2小时8分钟",
        "1天7小时",
        "环境卫生",
        "林客服",
        "4.50",
    ):
        assert text in html, text
    assert "采纳率" in html


def test_an_empty_period_shows_dashes(client_for, manager, world):
    response = client_for(manager).get(reverse(URL), {"start": "2025-01-01", "end": "2025-01-31"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "—" in html and "本期没有投诉" in html
    figures = selectors.community_figures(manager.staff_member.communities.get(),
                                          dt.date(2025, 1, 1), dt.date(2025, 1, 31))  # fmt: skip
    assert figures.totals.avg_satisfaction is None and figures.suggestions.adoption_rate is None


@pytest.mark.dates
def test_this_month_by_default(client_for, manager, resident, community):
    household = resident.residencies.get()
    complaint(household, community.complaint_categories.first(), created=timezone.now(),
              satisfaction=3, close=60, status=Status.CLOSED)  # fmt: skip
    response = client_for(manager).get(reverse(URL))
    assert response.status_code == 200
    today = timezone.localdate()
    assert response.context["start"] == today.replace(day=1) and response.context["end"] == today
    assert response.context["cards"][0]["value"] == 1


@pytest.mark.parametrize(
    "query",
    [
        {"start": "2026-03-31", "end": "2026-03-01"},
        {"start": "2024-01-01", "end": "2026-01-01"},
        {"start": "2026-13-45"},
        {"start": "1999-12-01", "end": "1999-12-31"},
    ],
)
def test_a_wrong_period_is_refused_in_chinese(client_for, manager, query):
    response = client_for(manager).get(reverse(URL), query)
    assert response.status_code == 400
    html = response.content.decode()
    assert "请" in html and "cards" not in response.context


def test_the_export(client_for, manager, world):
    response = client_for(manager).get(
        reverse(URL), {"start": "2026-03-01", "end": "2026-03-31", "export": "xlsx"}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    assert "环境卫生" in cells and "75.0%" in cells and "3.67" in cells and "林客服" in cells


@pytest.mark.parametrize("who", ["staff_user", "cashier", "technician"])
def test_only_managers_see_the_figures(client_for, request, who):
    assert client_for(request.getfixturevalue(who)).get(reverse(URL)).status_code == 403


def test_another_communitys_manager_sees_only_their_own(client_for, outsider_staff, world):
    response = client_for(outsider_staff).get(
        reverse(URL), {"start": "2026-03-01", "end": "2026-03-31"}
    )
    assert response.status_code == 200
    assert response.context["cards"][0]["value"] == 1  # their own complaint only
    assert "林客服" not in response.content.decode()


@pytest.mark.req("SCMP-1")
def test_a_fixed_number_of_queries(client_for, manager, community, room, world,
                                   django_assert_max_num_queries):  # fmt: skip
    client = client_for(manager)
    query = {"start": "2026-03-01", "end": "2026-03-31"}
    with django_assert_max_num_queries(30) as few:
        assert client.get(reverse(URL), query).status_code == 200
    household = ResidencyFactory(room=RoomFactory(building=room.building, number="0808"))
    departments = list(Department.objects.filter(community=community))
    categories = list(community.complaint_categories.all())
    for n in range(40):
        handler = StaffMemberFactory(communities=[community], position_name="客服")
        complaint(household, categories[n % len(categories)], created=at(n % 28 + 1),
                  status=Status.CLOSED, department=departments[n % len(departments)],
                  handler=handler, accept=600 + n, reply=5, close=9000 + n,
                  satisfaction=n % 5 + 1)  # fmt: skip
        SuggestionFactory(household=household, status=SStatus.ADOPTED, created_at=at(7))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse(URL), query)
    assert response.context["cards"][0]["value"] == 45
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(URL), {**query, "export": "xlsx"}).status_code == 200


@pytest.mark.parametrize(
    ("part", "whole", "shown"),
    [(2, 3, "66.7%"), (1, 16, "6.3%"), (3, 16, "18.8%"), (1, 8, "12.5%"), (0, 5, "0.0%"),
     (5, 5, "100.0%"), (1, 0, "—")],
)  # fmt: skip
def test_percentages_round_half_up_once(part, whole, shown):
    assert views_staff.percent_text(part, whole) == shown


@pytest.mark.parametrize(
    ("total", "count", "shown"),
    [(11, 3, Decimal("3.67")), (9, 2, Decimal("4.50")), (1, 8, Decimal("0.13")), (0, 0, None)],
)  # fmt: skip
def test_averages_round_half_up(total, count, shown):
    assert selectors.mean(total, count) == shown

"""Technician performance for a period (SREP-3): figures on a hand-built month with known
answers, the period's edges in local time, a fixed number of queries, the page, its export
and who may see it."""

import csv
import dataclasses
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from repairs import rollup, services
from repairs.forms.performance import PeriodForm, period_range
from repairs.models import RepairOrder, RepairRating
from repairs.performance import community_summary, technician_performance
from tests.factories import RepairOrderFactory, ResidencyFactory, RoomFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db

JANUARY = (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
URL = "repairs_staff:performance"


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=timezone.get_current_timezone())


def completed(
    household,
    technician,
    *,
    at,
    response,
    finish,
    on_time,
    category=None,
    public_area="",
    rating=None,
    created=None,
):
    """A completed order written as the services leave it (history rows, no timeline)."""
    created = created or at - dt.timedelta(seconds=finish + 600)
    fields = {"category": category} if category else {}
    order = RepairOrderFactory(
        household=household,
        room=None if public_area else household.room,
        public_area=public_area,
        status=RepairOrder.Status.COMPLETED,
        technician=technician,
        created_at=created,
        accepted_at=created,
        assigned_at=at - dt.timedelta(seconds=finish),
        completed_at=at,
        technician_response_seconds=response,
        technician_finish_seconds=finish,
        finished_on_time=on_time,
        **fields,
    )
    if rating:
        speed, quality, attitude = rating
        RepairRating.objects.create(
            order=order, speed=speed, quality=quality, attitude=attitude, rated_by=household.user,
            created_at=at + dt.timedelta(hours=2),
        )  # fmt: skip
    rollup.order_reported(order)  # as the services leave the daily figures
    return order


@pytest.fixture
def january(community, residency, technician_member, other_technician, outsider_technician,
            outsider_room, outsider):  # fmt: skip
    """Two technicians' January in 翠湖花园, with orders just outside the month, a repeat within
    30 days and one after, and a technician of another community who must not count."""
    first = residency
    second = ResidencyFactory(room=RoomFactory(building=first.room.building, number="1502"))
    third = ResidencyFactory(room=RoomFactory(building=first.room.building, number="0301"))
    water, door = community.repair_categories.order_by("sort_order")[:2]
    a = technician_member
    b = other_technician.staff_member
    # 吴师傅: four orders in January.
    completed(first, a, at=local(2026, 1, 5, 10), response=600, finish=3600, on_time=True,
              category=water, rating=(5, 4, 5))  # fmt: skip
    completed(second, a, at=local(2026, 1, 10, 10), response=1200, finish=7200, on_time=False,
              category=water, rating=(2, 3, 4))  # fmt: skip
    completed(first, a, at=local(2026, 1, 20, 10), response=300, finish=2520, on_time=True,
              category=water, public_area="2栋门口路灯")  # fmt: skip
    completed(first, a, at=local(2026, 1, 31, 23, 30), response=900, finish=5400, on_time=True,
              category=door)  # fmt: skip
    # Just outside January, on both sides (local midnight).
    completed(third, a, at=local(2026, 2, 1, 0, 0), response=1, finish=1, on_time=False,
              category=door, rating=(1, 1, 1))  # fmt: skip
    completed(third, a, at=local(2025, 12, 31, 23, 59), response=1, finish=1, on_time=False,
              category=door)  # fmt: skip
    # 郑师傅: the first room's water again 10 days after 吴师傅 (a repeat of 吴师傅's order).
    completed(first, b, at=local(2026, 1, 16, 10), response=60, finish=4000, on_time=True,
              category=water, created=local(2026, 1, 15, 9), rating=(1, 1, 1))  # fmt: skip
    completed(second, b, at=local(2026, 1, 25, 10), response=120, finish=10000, on_time=False,
              category=door)  # fmt: skip
    # The second room's water: reported (and cancelled) the day before 吴师傅 finished, and
    # again 31 days after: neither is a repeat.
    RepairOrderFactory(household=second, category=water, created_at=local(2026, 1, 9, 10),
                       status=RepairOrder.Status.CANCELLED)  # fmt: skip
    RepairOrderFactory(household=second, category=water, created_at=local(2026, 2, 10, 11))
    # The public area again the next day: public areas are never repeats.
    RepairOrderFactory(household=first, room=None, public_area="2栋门口路灯", category=water,
                       created_at=local(2026, 1, 21, 8))  # fmt: skip
    # Another community: its technician and orders never count here.
    outsider_household = outsider.residencies.get()
    completed(outsider_household, outsider_technician.staff_member, at=local(2026, 1, 8, 10),
              response=5, finish=50, on_time=True, rating=(1, 1, 1))  # fmt: skip
    return a, b


def row_of(rows, member):
    return next(row for row in rows if row.technician == member)


@pytest.mark.req("SREP-3")
def test_figures_per_technician(community, january, outsider_technician):
    a, b = january
    idle = StaffMemberFactory(communities=[community], position_name="维修工",
                              user__display_name="冯师傅")  # fmt: skip
    rows = technician_performance(community, *JANUARY)

    assert [row.technician for row in rows] == sorted(
        [a, b, idle], key=lambda m: (m.user.display_name, m.pk)
    )
    first = row_of(rows, a)
    assert first.completed == 4
    assert first.avg_response_seconds == pytest.approx(750)
    assert first.avg_finish_seconds == pytest.approx(4680)
    assert first.on_time_rate == pytest.approx(0.75)
    assert first.ratings == 2
    assert first.low_ratings == 1
    assert (first.avg_speed, first.avg_quality, first.avg_attitude) == pytest.approx(
        (3.5, 3.5, 4.5)
    )
    assert first.avg_rating == pytest.approx(23 / 6)
    assert first.repeated == 1
    assert first.repeat_rate == pytest.approx(0.25)
    assert all(isinstance(value, float) for value in (first.avg_response_seconds, first.avg_speed))

    second = row_of(rows, b)
    assert second.completed == 2
    assert second.avg_response_seconds == pytest.approx(90)
    assert second.avg_finish_seconds == pytest.approx(7000)
    assert second.on_time_rate == pytest.approx(0.5)
    assert (second.ratings, second.low_ratings, second.avg_speed) == (1, 1, 1.0)
    assert second.repeat_rate == 0

    nothing = row_of(rows, idle)
    assert (nothing.completed, nothing.ratings, nothing.low_ratings) == (0, 0, 0)
    assert nothing.avg_response_seconds is None
    assert nothing.on_time_rate is None and nothing.repeat_rate is None
    assert nothing.avg_rating is None


@pytest.mark.req("SREP-3")
def test_community_summary(community, january):
    summary = community_summary(community, *JANUARY)
    assert summary.completed == 6
    assert summary.avg_response_seconds == pytest.approx((3000 + 180) / 6)
    assert summary.avg_finish_seconds == pytest.approx((18720 + 14000) / 6)
    assert summary.on_time_rate == pytest.approx(4 / 6)
    assert (summary.ratings, summary.low_ratings) == (3, 2)
    assert summary.avg_speed == pytest.approx(8 / 3)
    assert summary.repeat_rate == pytest.approx(1 / 6)
    # Reported in January: the six completed in it, the cancelled and the public-area reports
    # and the one reported on 31 January and completed at midnight.
    assert summary.reported == 9
    assert summary.cancelled == 1


@pytest.mark.req("SREP-3")
def test_the_summary_added_up_from_the_rows_is_the_databases_own(
    community, january, django_assert_num_queries
):
    rows = technician_performance(community, *JANUARY)
    with django_assert_num_queries(1):
        added_up = community_summary(community, *JANUARY, rows)
    direct = community_summary(community, *JANUARY)
    assert dataclasses.asdict(added_up) == pytest.approx(dataclasses.asdict(direct))
    assert added_up.completed == direct.completed == 6


def test_a_technician_who_left_still_has_their_row(community, january):
    a, _b = january
    a.is_active = False
    a.save()
    rows = technician_performance(community, *JANUARY)
    assert row_of(rows, a).completed == 4
    march = technician_performance(community, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert [row.technician for row in march] == [_b]


def test_figures_written_by_the_services(community, make_order, resident, technician_member):
    order = make_order("completed")
    services.order_rate(order=order, user=resident, speed=4, quality=5, attitude=3)
    today = timezone.localdate()
    [row] = technician_performance(community, today, today)
    assert (row.completed, row.ratings, row.low_ratings) == (1, 1, 0)
    assert row.on_time_rate == 1
    assert row.avg_response_seconds is not None and row.avg_finish_seconds is not None
    assert row.avg_rating == pytest.approx(4)


def _technicians_with_orders(community, household, count):
    for n in range(count):
        member = StaffMemberFactory(communities=[community], position_name="维修工")
        completed(household, member, at=local(2026, 1, 3 + n % 20, 10), response=60, finish=600,
                  on_time=bool(n % 2), rating=(4, 4, 5) if n % 3 else None)  # fmt: skip


def test_a_fixed_number_of_queries(community, residency, positions):
    _technicians_with_orders(community, residency, 2)
    with CaptureQueriesContext(connection) as few:
        technician_performance(community, *JANUARY)
        community_summary(community, *JANUARY)
    _technicians_with_orders(community, residency, 10)
    with CaptureQueriesContext(connection) as many:
        rows = technician_performance(community, *JANUARY)
        community_summary(community, *JANUARY)
    assert len(rows) == 12
    assert len(few.captured_queries) == len(many.captured_queries) == 3


@pytest.mark.parametrize(
    "period, today, expected",
    [
        ("month", dt.date(2026, 3, 15), (dt.date(2026, 3, 1), dt.date(2026, 3, 15))),
        ("last_month", dt.date(2026, 1, 15), (dt.date(2025, 12, 1), dt.date(2025, 12, 31))),
        ("last_month", dt.date(2024, 3, 31), (dt.date(2024, 2, 1), dt.date(2024, 2, 29))),
        ("quarter", dt.date(2026, 8, 20), (dt.date(2026, 7, 1), dt.date(2026, 8, 20))),
        ("year", dt.date(2026, 8, 20), (dt.date(2026, 1, 1), dt.date(2026, 8, 20))),
    ],
)
def test_period_ranges(period, today, expected):
    assert period_range(period, today) == expected
    form = PeriodForm({"period": period}, today=today)
    assert form.is_valid()
    assert form.range == expected


@pytest.mark.parametrize(
    "data, field",
    [
        ({"period": "custom", "start": "2026-02-01", "end": "2026-01-01"}, "end"),
        ({"period": "custom", "start": "2025-01-01", "end": "2026-01-02"}, "end"),
        ({"period": "custom", "start": "", "end": "2026-01-02"}, "start"),
        ({"period": "custom", "start": "2026-13-01", "end": "2026-01-02"}, "start"),
        ({"period": "decade"}, "period"),
    ],
)
def test_bad_periods_are_refused(data, field):
    form = PeriodForm(data, today=dt.date(2026, 2, 1))
    assert not form.is_valid()
    assert field in form.errors


def test_a_leap_year_is_allowed():
    form = PeriodForm({"period": "custom", "start": "2024-01-01", "end": "2024-12-31"})
    assert form.is_valid(), form.errors
    assert form.range == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


def test_dates_without_a_period_mean_a_custom_range():
    form = PeriodForm({"start": "2026-01-01", "end": "2026-01-31"})
    assert form.is_valid()
    assert form.range == JANUARY


# --- The page -----------------------------------------------------------------------------------

JANUARY_QUERY = {"period": "custom", "start": "2026-01-01", "end": "2026-01-31"}


@pytest.mark.req("SREP-3")
def test_page_shows_the_figures(client_for, manager, january):
    response = client_for(manager).get(reverse(URL), JANUARY_QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "吴师傅" in html and "郑师傅" in html and "外区师傅" not in html
    assert "75.0%" in html and "25.0%" in html  # 吴师傅: on time, repeats
    assert "12" in html and "1" in html
    assert "3.8" in html  # 吴师傅's average rating 23/6
    table = response.context["table"]
    assert [row.name for row in table.data] == ["吴师傅", "郑师傅"]


def test_page_sorts_by_a_column(client_for, manager, january):
    client = client_for(manager)
    response = client.get(reverse(URL), {**JANUARY_QUERY, "sort": "-completed"})
    assert [row.completed for row in response.context["table"].rows.data] == [4, 2]
    response = client.get(reverse(URL), {**JANUARY_QUERY, "sort": "completed"})
    assert [row.completed for row in response.context["table"].rows.data] == [2, 4]


def test_durations_read_like_people_say_them():
    from repairs.views.performance import duration_text

    assert duration_text(None) == "—"
    assert duration_text(45) == duration_text(45.4)
    assert duration_text(4800) != duration_text(4860)
    assert duration_text(3 * 86400 + 7200) != duration_text(3 * 86400)


def test_default_period_is_this_month(client_for, manager, community):
    response = client_for(manager).get(reverse(URL))
    assert response.status_code == 200
    today = timezone.localdate()
    assert (response.context["start"], response.context["end"]) == (today.replace(day=1), today)


def test_bad_period_keeps_what_was_typed(client_for, manager, community):
    response = client_for(manager).get(
        reverse(URL), {"period": "custom", "start": "2026-03-01", "end": "2026-02-01"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="2026-03-01"' in html and 'value="2026-02-01"' in html
    assert "is-invalid" in html


@pytest.mark.req("SREP-3")
def test_page_runs_a_fixed_number_of_queries(
    client_for, manager, community, residency, django_assert_max_num_queries
):
    client = client_for(manager)
    _technicians_with_orders(community, residency, 2)
    with django_assert_max_num_queries(30) as few:
        assert client.get(reverse(URL), JANUARY_QUERY).status_code == 200
    _technicians_with_orders(community, residency, 10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(URL), JANUARY_QUERY).status_code == 200


@pytest.mark.req("SREP-3")
def test_export_xlsx(client_for, manager, january):
    response = client_for(manager).get(reverse(URL), {**JANUARY_QUERY, "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert "20260101-20260131.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows[0]) == 12
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"吴师傅", "郑师傅", rows[-1][0]}
    wu = by_name["吴师傅"]
    # completed, accept (min), finish (h), on time %, speed, quality, attitude, average,
    # ratings, low, repeat %
    assert wu[1:] == (4, 12.5, 1.3, 75.0, 3.5, 3.5, 4.5, 3.8, 2, 1, 25.0)
    assert rows[-1][1] == 6  # the total row


@pytest.mark.req("SREP-3")
def test_export_csv(client_for, manager, january):
    response = client_for(manager).get(reverse(URL), {**JANUARY_QUERY, "export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows[0]) == 12 and not rows[0][1].isdigit()
    assert rows[2][:5] == ["郑师傅", "2", "1.5", "1.9", "50.0"]
    assert len(rows) == 4


@pytest.mark.req("SREP-3")
@pytest.mark.parametrize("who", ["staff_user", "technician"])
def test_desk_and_technicians_may_not_see_it(request, client_for, who, community):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse(URL)).status_code == 403
    assert client.get(reverse(URL), {"export": "xlsx"}).status_code == 403
    assert client.get(reverse("repairs_staff:ratings")).status_code == 403


def test_anonymous_is_sent_to_log_in(client, community):
    response = client.get(reverse(URL))
    assert response.status_code == 302


@pytest.mark.req("SREP-3")
def test_another_communitys_manager_sees_only_their_own(client_for, outsider_staff, january):
    response = client_for(outsider_staff).get(reverse(URL), JANUARY_QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "外区师傅" in html
    assert "吴师傅" not in html and "郑师傅" not in html
    response = client_for(outsider_staff).get(reverse(URL), {**JANUARY_QUERY, "export": "csv"})
    text = response.content.decode("utf-8-sig")
    assert "外区师傅" in text and "吴师傅" not in text


@pytest.mark.parametrize("later, repeated", [(dt.timedelta(days=30), 1),
                                             (dt.timedelta(days=30, seconds=1), 0),
                                             (dt.timedelta(seconds=1), 1)])  # fmt: skip
def test_the_repeat_window_is_thirty_days(community, residency, technician_member, later,
                                          repeated):  # fmt: skip
    done = completed(residency, technician_member, at=local(2026, 1, 10, 9, 30, 0, 250000),
                     response=60, finish=600, on_time=True)  # fmt: skip
    RepairOrderFactory(
        household=residency, category=done.category, created_at=done.completed_at + later
    )
    [row] = technician_performance(community, *JANUARY)
    assert row.repeated == repeated

"""Sign-ups, participants, attendance and turnout (SSVC-2), the participants' export, and the
participation figures the platform statistics read (PSTA-2): known numbers, bounded queries."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Residency
from services.attendance import selectors
from services.models import ActivitySignup
from tests.factories import BuildingFactory, ResidencyFactory, RoomFactory

from .attendance_helpers import make_activity, make_signup

pytestmark = pytest.mark.django_db
Status = ActivitySignup.Status


def checked_in(signup, *names):
    signup.participants.filter(name__in=names).update(
        checked_in_at=timezone.now(), checkin_method="code"
    )


@pytest.fixture
def world(community, resident, room):
    """3栋: the resident's household (2 people, both in) and a neighbour (3 people, 1 in);
    5栋: one household (1 person, not in); a waiting household (2), a pending one (1), a
    cancelled one (4)."""
    activity = make_activity(community)
    ours = make_signup(activity, Residency.objects.get(user=resident), names=("张伟", "张小宝"))
    checked_in(ours, "张伟", "张小宝")
    neighbour = make_signup(
        activity, ResidencyFactory(room=RoomFactory(building=room.building, number="1301")),
        names=("甲", "乙", "丙"),
    )  # fmt: skip
    checked_in(neighbour, "乙")
    five = BuildingFactory(community=community, name="5栋", sort_order=room.building.sort_order + 1)
    make_signup(activity, ResidencyFactory(room=RoomFactory(building=five)), names=("丁",))
    for status, people in [(Status.WAITLISTED, 2), (Status.PENDING, 1), (Status.CANCELLED, 4)]:
        make_signup(
            activity, ResidencyFactory(room=RoomFactory(building=five)),
            names=[f"{status}{i}" for i in range(people)], status=status,
        )  # fmt: skip
    return activity


@pytest.mark.req("SSVC-2")
def test_an_activitys_figures(world):
    figures = selectors.activity_figures(world)
    assert (figures.households, figures.people, figures.checked_in) == (3, 6, 3)
    assert (figures.waiting_households, figures.waiting_people) == (1, 2)
    assert figures.pending_households == 1
    assert figures.attendance_rate == Decimal("0.5000")
    assert [(b.name, b.households, b.people, b.checked_in, b.rate) for b in figures.buildings] == [
        ("3栋", 2, 5, 3, Decimal("0.6000")),
        ("5栋", 1, 1, 0, Decimal("0.0000")),
    ]


@pytest.mark.req("SSVC-2")
def test_the_report_page_and_chart(client_for, manager, staff_user, world):
    response = client_for(manager).get(reverse("services_staff:activity_report", args=[world.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "50.0%" in html and "60.0%" in html and "出席率" in html
    chart = client_for(staff_user).get(
        reverse("services_staff:activity_report_chart", args=[world.pk])
    )
    assert chart["Content-Type"] == "image/svg+xml" and chart.content.startswith(b"<?xml")


@pytest.mark.req("SSVC-2")
def test_the_report_of_an_empty_activity(client_for, manager, community):
    activity = make_activity(community)
    html = (
        client_for(manager)
        .get(reverse("services_staff:activity_report", args=[activity.pk]))
        .content.decode()
    )
    assert "还没有已确认的报名" in html and "—" in html
    chart = client_for(manager).get(
        reverse("services_staff:activity_report_chart", args=[activity.pk])
    )
    assert chart.status_code == 200


@pytest.mark.req("SSVC-2")
def test_the_export_has_a_row_per_participant(client_for, manager, world):
    response = client_for(manager).get(reverse("services_staff:activity_export", args=[world.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = rows[0]
    assert header[:7] == ("楼栋", "单元", "房号", "参与人", "报名人", "手机号", "报名状态")
    assert header[7:] == ("孩子年龄", "签到时间", "签到方式")
    by_name = {row[3]: row for row in rows[1:]}
    # Live sign-ups only: confirmed, waiting and pending (6 + 2 + 1), not the cancelled one.
    assert len(rows) - 1 == 9
    assert by_name["张小宝"][0] == "3栋" and by_name["张小宝"][2] == "1201"
    assert by_name["张小宝"][4:8] == ("张伟", "13900000001", "已报名", "6")
    assert by_name["张小宝"][8] and by_name["张小宝"][9]
    assert by_name["甲"][8] is None
    assert [row[3] for row in rows[1:4]] == ["张伟", "张小宝", "甲"]  # the estate's order


def test_figures_and_export_are_bounded(
    client_for, manager, world, room, django_assert_max_num_queries
):
    client = client_for(manager)
    urls = [
        reverse(name, args=[world.pk])
        for name in (
            "services_staff:activity_report",
            "services_staff:activity_report_chart",
            "services_staff:activity_export",
        )
    ]
    for url in urls:
        client.get(url)
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        counts.append(len(few.captured_queries))
    for number in range(25):
        building = BuildingFactory(community=world.community, name=f"{number + 10}栋")
        make_signup(world, ResidencyFactory(room=RoomFactory(building=building)), names=("a", "b"))
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            client.get(url)


def test_staff_elsewhere_and_other_positions(client_for, outsider_staff, technician, world):
    for name in ("activity_report", "activity_report_chart", "activity_export"):
        url = reverse(f"services_staff:{name}", args=[world.pk])
        assert client_for(outsider_staff).get(url).status_code == 404
        assert client_for(technician).get(url).status_code == 403


# --- PSTA-2 ----------------------------------------------------------------------------------


@pytest.mark.req("PSTA-2")
@pytest.mark.req("SSVC-2")
def test_participation_figures_per_community(community, other_community, world):
    # `world` started two days from now: not held yet. Move it to yesterday.
    yesterday = timezone.now() - dt.timedelta(days=1)
    type(world).objects.filter(pk=world.pk).update(
        starts_at=yesterday, ends_at=yesterday + dt.timedelta(hours=2)
    )
    # Not counted: a cancelled activity, a draft, one in the future, one before the period.
    make_activity(community, starts_at=yesterday, status="cancelled")
    make_activity(community, starts_at=yesterday, status="draft")
    make_activity(community, starts_at=timezone.now() + dt.timedelta(hours=5))
    make_activity(community, starts_at=timezone.now() - dt.timedelta(days=40))
    theirs = make_activity(other_community, starts_at=yesterday)
    their_signup = make_signup(
        theirs, ResidencyFactory(room__building__community=other_community), names=("王芳",)
    )
    checked_in(their_signup, "王芳")
    today = timezone.localdate()
    with CaptureQueriesContext(connection) as queries:
        figures = selectors.participation_figures(
            [community, other_community.pk], today - dt.timedelta(days=7), today
        )
    assert len(queries.captured_queries) <= 3
    ours = figures[community.pk]
    assert (ours.activities, ours.signups, ours.participants, ours.checked_in) == (1, 3, 6, 3)
    assert ours.attendance_rate == Decimal("0.5000")
    their = figures[other_community.pk]
    assert (their.activities, their.signups, their.participants, their.checked_in) == (1, 1, 1, 1)
    assert their.attendance_rate == Decimal("1.0000")


@pytest.mark.req("PSTA-2")
def test_participation_figures_are_bounded_and_complete(community, other_community, room):
    empty = selectors.participation_figures(
        [community.pk], dt.date(2020, 1, 1), dt.date(2020, 1, 31)
    )
    assert empty[community.pk].activities == 0 and empty[community.pk].attendance_rate is None
    assert selectors.participation_figures([], dt.date(2020, 1, 1), dt.date(2020, 1, 2)) == {}
    yesterday = timezone.now() - dt.timedelta(days=1)
    for _ in range(5):
        activity = make_activity(community, starts_at=yesterday)
        for _number in range(4):
            make_signup(activity, ResidencyFactory(room=RoomFactory(building=room.building)))
    today = timezone.localdate()
    with CaptureQueriesContext(connection) as queries:
        figures = selectors.participation_figures(
            [community, other_community], today - dt.timedelta(days=3), today
        )
    assert len(queries.captured_queries) <= 3
    assert figures[community.pk].signups == 20 and figures[community.pk].participants == 40
    assert figures[other_community.pk].activities == 0

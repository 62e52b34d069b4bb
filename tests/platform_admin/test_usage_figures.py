"""PSTA-1: sign-ups by channel, the funnel, active users per day, week and month, the use of
each feature, by company and community, and the roll-up that agrees with the raw rows."""

import datetime as dt
import random
from types import SimpleNamespace
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Residency, SignupChannel
from accounts.social_adapter import SocialAccountAdapter
from platform_admin.scope import Period, Scope
from platform_admin.usage import selectors, services
from platform_admin.usage.models import UsageDay, UsageSummary
from tests.factories import (
    CommunityFactory,
    ResidencyFactory,
    RoomFactory,
    UsageDayFactory,
    UserFactory,
)

pytestmark = [pytest.mark.req("PSTA-1"), pytest.mark.django_db]

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH = Period.month(dt.date(2026, 3, 1))
NOW = dt.datetime(2026, 4, 20, 10, 0, tzinfo=SHANGHAI)  # March is closed


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: int, month: int = 3, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=SHANGHAI)


def joined(day, channel=SignupChannel.PHONE, month=3, hour=10):
    return UserFactory(date_joined=at(day, month, hour), signup_channel=channel)


def resident_of(community, user=None, status=Residency.Status.VERIFIED, **kwargs):
    room = RoomFactory(building__community=community)
    return ResidencyFactory(room=room, user=user or UserFactory(), status=status, **kwargs)


# --- Sign-ups and the funnel --------------------------------------------------------------------


def test_signups_by_channel_and_the_funnel(community, other_community):
    wechat = joined(2, SignupChannel.WECHAT)
    qq = joined(3, SignupChannel.QQ)
    phone = joined(4)
    joined(31, hour=23)  # 23:00 on 31 March in Shanghai is still March (15:00 UTC)
    joined(1, month=4, hour=0)  # 00:00 on 1 April is April, though it is 31 March in UTC
    joined(28, month=2)  # February
    UserFactory(date_joined=at(5), is_staff=True)  # an operator is no sign-up
    resident_of(community, wechat)  # verified
    resident_of(community, qq, status=Residency.Status.PENDING, verified_at=None)
    resident_of(other_community, phone, status=Residency.Status.REJECTED)

    figures = selectors.usage_figures(Scope().communities(), MARCH)

    total = figures[None]
    assert total.signups == 4
    assert total.signups_by_channel == {"phone": 2, "wechat": 1, "qq": 1}
    assert (total.requested_room, total.verified) == (3, 1)
    here = figures[community.pk]
    assert (here.signups, here.requested_room, here.verified) == (2, 2, 1)
    assert here.signups_by_channel == {"phone": 0, "wechat": 1, "qq": 1}
    there = figures[other_community.pk]
    assert (there.signups, there.requested_room, there.verified) == (1, 1, 0)
    # A company's total counts only what asked for a room in its communities.
    company = selectors.usage_figures(Scope(company=community.company).communities(), MARCH)
    assert (company[None].signups, company[None].verified) == (2, 1)


def test_a_social_sign_up_records_its_channel():
    for provider, channel in (("weixin", "wechat"), ("weixin_mp", "wechat"), ("qq", "qq")):
        user = UserFactory.build(mobile=None)
        sociallogin = SimpleNamespace(
            user=user,
            account=SimpleNamespace(provider=provider),
            save=lambda request, u=user: u.save(),
        )
        form = SimpleNamespace(cleaned_data={"phone": UserFactory.build().mobile})
        with mock.patch("accounts.social_adapter.log_action"):
            SocialAccountAdapter().save_user(None, sociallogin, form)
        user.refresh_from_db()
        assert user.signup_channel == channel
    assert UserFactory().signup_channel == "phone"


def test_residents_at_the_end_of_the_period(community):
    resident_of(community, verified_at=at(1))
    resident_of(community, verified_at=at(1), status=Residency.Status.ENDED, ended_at=at(20))
    resident_of(community, verified_at=at(1, month=4))  # verified after March
    assert (
        selectors.usage_figures(Scope(community=community).communities(), MARCH)[
            community.pk
        ].residents
        == 1
    )


# --- Active users and features ------------------------------------------------------------------


def test_active_users_per_day_week_and_month(community):
    first, second, third = (UserFactory() for _ in range(3))
    for user, days in ((first, [2, 3, 4, 10]), (second, [3, 16]), (third, [31])):
        for day in days:
            UsageDayFactory(user=user, day=dt.date(2026, 3, day), community=community)
    UsageDayFactory(user=third, day=dt.date(2026, 4, 1), community=community)  # April

    communities = Scope(community=community).communities()
    days = selectors.usage_series(communities, MARCH, selectors.DAY)
    assert [b.active_users for b in days[:5]] == [0, 1, 2, 1, 0]
    weeks = selectors.usage_series(communities, MARCH, selectors.WEEK)
    # Weeks from Monday, clipped to March: 1 (a Sunday), 2–8, 9–15, 16–22, 23–29, 30–31.
    assert [(b.start.day, b.active_users) for b in weeks] == [
        (1, 0), (2, 2), (9, 1), (16, 1), (23, 0), (30, 1)
    ]  # fmt: skip
    months = selectors.usage_series(communities, Period.quarter(dt.date(2026, 3, 1)),
                                    selectors.MONTHLY)  # fmt: skip
    assert [(b.label, b.active_users) for b in months] == [
        ("2026-01", 0), ("2026-02", 0), ("2026-03", 3)
    ]  # fmt: skip
    figures = selectors.usage_figures(communities, MARCH)[None]
    assert figures.active_users == 3
    assert str(figures.daily_active_average) == "0.23"  # 7 user-days over 31 days
    assert str(figures.active_days_per_user) == "2.33"


def test_the_use_of_each_feature(community):
    first, second = UserFactory(), UserFactory()
    UsageDayFactory(user=first, day=dt.date(2026, 3, 2), community=community, repairs=True,
                    payments=True)  # fmt: skip
    UsageDayFactory(user=first, day=dt.date(2026, 3, 3), community=community, repairs=True)
    UsageDayFactory(user=second, day=dt.date(2026, 3, 3), community=community, notices=True,
                    bookings=True, activities=True, complaints=True)  # fmt: skip
    figures = selectors.usage_figures(Scope().communities(), MARCH)[community.pk]
    assert figures.feature_users == {"repairs": 1, "payments": 1, "notices": 1, "bookings": 1,
                                     "activities": 1, "complaints": 1}  # fmt: skip
    assert figures.feature_days == {"repairs": 2, "payments": 1, "notices": 1, "bookings": 1,
                                    "activities": 1, "complaints": 1}  # fmt: skip


def test_a_second_companys_community_is_not_counted_in_the_first(community, other_community):
    sister = CommunityFactory(company=community.company)
    for place in (community, sister, other_community):
        UsageDayFactory(day=dt.date(2026, 3, 5), community=place, repairs=True)
        resident_of(place, UserFactory(date_joined=at(5)))
    UsageDayFactory(day=dt.date(2026, 3, 5), community=None)  # no room yet: the platform's only
    company = selectors.usage_figures(Scope(company=community.company).communities(), MARCH)
    assert set(company) == {community.pk, sister.pk, None}
    assert (company[None].active_users, company[None].signups) == (2, 2)
    assert company[None].feature_days["repairs"] == 2
    platform = selectors.usage_figures(Scope().communities(), MARCH)
    assert (platform[None].active_users, platform[None].signups) == (4, 3)
    one = selectors.usage_figures(Scope(community=other_community).communities(), MARCH)
    assert set(one) == {other_community.pk, None}
    assert one[None].active_users == 1


# --- The roll-up --------------------------------------------------------------------------------


def _random_usage(communities, users=25, seed=18):
    generator = random.Random(seed)
    people = [(UserFactory(), generator.choice([*communities, None])) for _ in range(users)]
    rows = []
    for day in Period(selectors.MONTHLY, dt.date(2026, 2, 20), dt.date(2026, 4, 21)).days_list():
        for user, place in people:
            if generator.random() < 0.3:
                flags = {f: generator.random() < 0.3 for f in ("repairs", "payments", "notices",
                                                                "bookings", "activities",
                                                                "complaints")}  # fmt: skip
                rows.append(UsageDay(user=user, day=day, community=place, **flags))
    UsageDay.objects.bulk_create(rows)


def _everything(scope, period):
    return (
        selectors.usage_figures(scope.communities(), period),
        [vars(b) for b in selectors.usage_series(scope.communities(), period, selectors.DAY)],
        [vars(b) for b in selectors.usage_series(scope.communities(), period, selectors.WEEK)],
    )


def test_the_roll_up_agrees_with_the_raw_rows(community, other_community):
    _random_usage([community, other_community])
    periods = [MARCH, Period.month(dt.date(2026, 4, 1)), Period.quarter(dt.date(2026, 4, 1)),
               Period("range", dt.date(2026, 2, 25), dt.date(2026, 4, 21))]  # fmt: skip
    scopes = [Scope(), Scope(company=community.company), Scope(community=other_community)]
    raw = {(p, s): _everything(s, p) for p in periods for s in scopes}
    assert not UsageSummary.objects.exists()

    rolled = services.usage_roll_up()

    assert rolled[0] == dt.date(2026, 2, 20) and rolled[-1] == dt.date(2026, 4, 19)
    assert selectors.last_rolled_up_day() == dt.date(2026, 4, 19)  # today (20 April) is raw
    for key, expected in raw.items():
        assert _everything(key[1], key[0]) == expected, key
    assert services.usage_roll_up() == []  # nothing left to roll up


def test_the_roll_up_marks_empty_days_and_can_be_redone(community):
    UsageDayFactory(day=dt.date(2026, 4, 17), community=community, repairs=True)
    assert services.usage_roll_up() == [dt.date(2026, 4, 17), dt.date(2026, 4, 18),
                                         dt.date(2026, 4, 19)]  # fmt: skip
    assert UsageSummary.objects.filter(day=dt.date(2026, 4, 18), community=None).exists()
    services.usage_roll_up_day(day=dt.date(2026, 4, 17))
    row = UsageSummary.objects.get(day=dt.date(2026, 4, 17), community=community)
    assert (row.active_users, row.repairs, row.payments) == (1, 1, 0)


def test_the_roll_up_task_is_scheduled_nightly():
    from django_celery_beat.models import PeriodicTask

    entry = PeriodicTask.objects.get(name="用户活跃度每日汇总")
    assert entry.task == "platform_admin.usage.tasks.usage_roll_up_task"
    assert (entry.crontab.hour, entry.crontab.minute) == ("0", "15")


# --- Bounded queries ----------------------------------------------------------------------------


def _estate(communities: int, users: int):
    places = [CommunityFactory() for _ in range(communities)]
    rows = []
    for index in range(users):
        user = UserFactory(date_joined=at(1 + index % 28))
        resident_of(places[index % communities], user)
        for day in range(1, 29, 3):
            rows.append(UsageDay(user=user, day=dt.date(2026, 3, day),
                                 community=places[index % communities], repairs=index % 2 == 0))  # fmt: skip
    UsageDay.objects.bulk_create(rows)
    return places


@pytest.mark.parametrize(("communities", "users"), [(1, 2), (12, 60)])
def test_the_figures_take_a_bounded_number_of_queries(
    communities, users, django_assert_max_num_queries
):
    _estate(communities, users)
    services.usage_roll_up(until=dt.date(2026, 3, 15))
    for period in (MARCH, Period.year(dt.date(2026, 1, 1))):
        with django_assert_max_num_queries(11):
            figures = selectors.usage_figures(Scope().communities(), period)
        assert figures[None].active_users == users
        with django_assert_max_num_queries(7):
            selectors.usage_series(Scope().communities(), period)


@pytest.mark.parametrize(("communities", "users"), [(1, 2), (12, 60)])
def test_the_page_takes_a_bounded_number_of_queries(
    communities, users, client_for, operator, django_assert_max_num_queries
):
    places = _estate(communities, users)
    client = client_for(operator)
    for query in ({}, {"company": places[0].company_id},
                  {"community": places[0].pk, "period": "year", "day": "2026-03-01"}):  # fmt: skip
        with django_assert_max_num_queries(45):
            response = client.get(reverse("admin:platform_usage"), query)
        assert response.status_code == 200


# --- The page -----------------------------------------------------------------------------------


def test_the_page_shows_charts_with_their_numbers(client_for, operator, community):
    resident_of(community, UserFactory(date_joined=at(5)))
    UsageDayFactory(day=dt.date(2026, 3, 5), community=community, repairs=True)
    response = client_for(operator).get(
        reverse("admin:platform_usage"), {"period": "month", "day": "2026-03-01"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count(reverse("admin:platform_usage_chart") + "?") == 3
    page = response.context["page"]
    assert page.figures.signups == 1 and page.figures.active_users == 1
    assert set(page.tables) == {
        "signups",
        "active",
        "channels",
        "funnel",
        "features",
        "communities",
    }
    assert community.name in text


@pytest.mark.parametrize("name", ["signups", "active", "features"])
def test_each_chart_is_an_svg_drawn_once_for_the_same_numbers(client_for, operator, community,
                                                               name, monkeypatch):  # fmt: skip
    from platform_admin import charts

    UsageDayFactory(day=dt.date(2026, 3, 5), community=community, repairs=True)
    drawn = []
    original = charts.chart
    monkeypatch.setattr(charts, "chart", lambda *a, **k: drawn.append(a) or original(*a, **k))
    client = client_for(operator)
    query = {"chart": name, "period": "quarter", "day": "2026-03-01"}
    for _ in range(2):
        response = client.get(reverse("admin:platform_usage_chart"), query)
        assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
        assert response.content.startswith(b"<?xml")
    assert len(drawn) == 1


def test_the_export_has_a_sheet_per_table(client_for, operator, community):
    from io import BytesIO

    from openpyxl import load_workbook

    response = client_for(operator).get(reverse("admin:platform_usage_export"),
                                        {"period": "month", "community": community.pk})  # fmt: skip
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    assert len(book.worksheets) == 6  # the cards, then the tables (no by-community for one)


@pytest.mark.parametrize("who", ["manager", "resident"])
def test_only_operators_open_the_page(client_for, who, request):
    user = request.getfixturevalue(who)
    for name in (
        "admin:platform_usage",
        "admin:platform_usage_export",
        "admin:platform_usage_chart",
    ):
        response = client_for(user).get(reverse(name))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]

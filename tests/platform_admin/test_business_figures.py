"""business_figures (PSTA-2): each figure against hand-built rows, the totals, scope filtering and
the query bound. The clock is pinned to 2026-06-15 and the period is May 2026."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Community
from platform_admin.business.selectors import (
    attendance_by_month,
    business_figures,
    complaints_by_month,
    money_by_month,
    repairs_by_month,
    series_months,
)
from platform_admin.scope import Period, Scope
from services.models import ActivityParticipant, Booking, ServiceReview
from tests.factories import (
    ActivityFactory,
    CommunityFactory,
    ComplaintFactory,
    PropertyCompanyFactory,
    SuggestionFactory,
    activity_signup,
    business_bill,
    business_payment,
    business_repair,
    catalogue_provider,
    done_booking,
    household_in,
    service_review,
)

pytestmark = [pytest.mark.req("PSTA-2"), pytest.mark.django_db]

ZONE = ZoneInfo("Asia/Shanghai")
MAY = Period.month(dt.date(2026, 5, 1))


def at(day: int, month: int = 5, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=ZONE)


@pytest.fixture(autouse=True)
def _pinned():
    with time_machine.travel(at(15, 6), tick=False):
        yield


def activity(community, starts, **fields):
    opens = starts - dt.timedelta(days=10)
    return ActivityFactory(community=community, starts_at=starts, signup_opens_at=opens,
                           published_at=opens, **fields)  # fmt: skip


@pytest.fixture
def household(community):
    return household_in(community)


# --- Repairs ---------------------------------------------------------------------------------


def test_repairs_count_timing_on_time_and_rating(community, household):
    business_repair(household, created=at(3), completed=at(4), response=1800, finish=7200, on_time=True,
           rating=(5, 4, 3))  # fmt: skip
    business_repair(household, created=at(10), completed=at(12), response=3600, finish=14400,
           on_time=False)  # fmt: skip
    business_repair(household, created=at(20))  # pending
    # Reported in April, completed in May: its times count, it was not reported in May.
    business_repair(household, created=at(28, 4), completed=at(1, 5, 9), response=600, finish=3600,
           on_time=True)  # fmt: skip
    business_repair(household, created=at(1, 6))  # June: not this period

    figures = business_figures(Community.objects.filter(pk=community.pk), MAY)[community.pk]

    assert figures.repairs == 3
    assert figures.repairs_finished == 3
    assert figures.repairs_overdue == 1
    assert figures.repair_on_time_rate == Decimal("0.6667")
    assert figures.repair_accept_hours == Decimal("0.6")  # (1800 + 3600 + 600) / 3 s
    assert figures.repair_finish_hours == Decimal("2.3")  # 8400 s
    assert figures.repair_rating == Decimal("4.00")
    assert figures.repair_ratings == 1


# --- Money -----------------------------------------------------------------------------------


def test_money_billed_collected_by_method_and_rate(community, household):
    room = household.room
    paid = business_bill(room, month=dt.date(2026, 5, 1), amount="300.00", paid="300.00",
                         status="paid")  # fmt: skip
    part = business_bill(room, month=dt.date(2026, 5, 1), amount="200.00", paid="50.00",
                         status="partially_paid")  # fmt: skip
    business_bill(room, month=dt.date(2026, 5, 1), amount="100.00", status="waived")
    business_bill(room, month=dt.date(2026, 5, 1), amount="999.00", status="draft")
    april = business_bill(room, month=dt.date(2026, 4, 1), amount="400.00", paid="400.00",
                          status="paid")  # fmt: skip
    business_payment(paid, amount="300.00", method="wechat", paid_at=at(5))
    business_payment(part, amount="50.00", late_fee="1.50", method="cash", paid_at=at(20))
    business_payment(april, amount="400.00", method="alipay", paid_at=at(2))
    business_payment(part, amount="99.00", method="wechat", paid_at=at(21), status="failed")
    business_payment(part, amount="10.00", method="wechat", paid_at=at(2, 6))

    figures = business_figures([community], MAY)[community.pk]

    assert figures.billed == Decimal("600.00")  # the draft is no bill yet; the waived one is
    assert figures.collected == Decimal("350.00")
    assert figures.arrears == Decimal("150.00")
    assert figures.collection_rate == Decimal("0.7000")  # 350 / (350 + 150)
    assert figures.received == Decimal("751.50")
    assert figures.collected_by_method == {
        "wechat": Decimal("300.00"),
        "cash": Decimal("51.50"),
        "alipay": Decimal("400.00"),
    }
    assert all(isinstance(value, Decimal) for value in figures.collected_by_method.values())


# --- Activities and services -----------------------------------------------------------------


def test_activities_signups_and_attendance(community, household):
    held = activity(community, at(10))
    two = activity_signup(held, household, people=2)
    one = activity_signup(held, household_in(community), people=1)
    activity_signup(held, household_in(community), people=1, status="cancelled")
    ActivityParticipant.objects.filter(pk=two.participants.first().pk).update(checked_in_at=at(10))
    one.participants.update(checked_in_at=at(10))
    cancelled = activity(community, at(12), status="cancelled")
    activity_signup(cancelled, household, people=1)
    later = activity(community, at(20, 6))
    activity_signup(later, household, people=1)

    figures = business_figures([community], MAY)[community.pk]

    assert figures.activities == 1
    assert figures.activity_signups == 3
    assert figures.activity_attendance == 2
    assert figures.attendance_rate == Decimal("0.6667")


def test_bookings_and_ratings(community, household):
    provider = catalogue_provider(community)
    done = done_booking(household, provider, days_ago=40)
    cancelled = done_booking(household, provider, status="cancelled", days_ago=39)
    april = done_booking(household, provider, days_ago=50)
    Booking.objects.filter(pk=done.pk).update(created_at=at(3))
    Booking.objects.filter(pk=cancelled.pk).update(created_at=at(6))
    Booking.objects.filter(pk=april.pk).update(created_at=at(20, 4))
    for booking, rating, day, hidden in ((done, 5, 4, False), (april, 3, 2, False)):
        review = service_review(booking, rating=rating, hidden=hidden)
        ServiceReview.objects.filter(pk=review.pk).update(created_at=at(day))
    hidden = done_booking(household_in(community), provider, days_ago=38)
    Booking.objects.filter(pk=hidden.pk).update(created_at=at(7), status="cancelled")
    review = service_review(hidden, rating=1, hidden=True)
    ServiceReview.objects.filter(pk=review.pk).update(created_at=at(8))

    figures = business_figures([community], MAY)[community.pk]

    assert figures.bookings == 3
    assert figures.bookings_completed == 1
    assert figures.booking_reviews == 2  # the hidden review left out
    assert figures.booking_rating == Decimal("4.00")


# --- Complaints and suggestions --------------------------------------------------------------


def test_complaints_and_suggestions(community, household):
    ComplaintFactory(household=household, created_at=at(2), status="closed",
                     closed_at=at(2, 5, 12), close_seconds=7200, satisfaction=5)  # fmt: skip
    ComplaintFactory(household=household, created_at=at(15), status="closed",
                     closed_at=at(16), close_seconds=36000, satisfaction=3)  # fmt: skip
    ComplaintFactory(household=household, created_at=at(20))
    ComplaintFactory(household=household, created_at=at(2, 6))
    for status in ("adopted", "declined", "completed", "submitted"):
        SuggestionFactory(household=household, created_at=at(9), status=status)
    SuggestionFactory(household=household, created_at=at(9, 6), status="adopted")

    figures = business_figures([community], MAY)[community.pk]

    assert figures.complaints == 3
    assert figures.complaints_closed == 2
    assert figures.complaint_close_hours == Decimal("6.0")
    assert figures.complaint_satisfaction == Decimal("4.00")
    assert figures.complaints_rated == 2
    category = community.complaint_categories.order_by("sort_order").first()
    assert figures.complaint_themes == [(category.name, 3)]
    assert figures.suggestions == 4
    assert figures.suggestions_adopted == 2  # adopted and completed
    assert figures.suggestions_decided == 3
    assert figures.suggestion_adoption_rate == Decimal("0.6667")


# --- Totals and scope ------------------------------------------------------------------------


def test_totals_add_numerators_and_denominators(community):
    neighbour = CommunityFactory(company=community.company, name="金色家园")
    full = household_in(community)
    empty = household_in(neighbour)
    business_bill(full.room, month=dt.date(2026, 5, 1), amount="100.00", paid="100.00",
                  status="paid")  # fmt: skip
    business_bill(empty.room, month=dt.date(2026, 5, 1), amount="300.00")
    business_repair(full, created=at(3), completed=at(4), response=3600, finish=3600, on_time=True)
    for _ in range(3):
        business_repair(
            empty, created=at(3), completed=at(4), response=7200, finish=7200, on_time=False
        )

    figures = business_figures(Scope(company=community.company).communities(), MAY)

    assert figures[community.pk].collection_rate == Decimal("1.0000")
    assert figures[neighbour.pk].collection_rate == Decimal("0.0000")
    total = figures[None]
    assert total.billed == Decimal("400.00")
    assert total.collection_rate == Decimal("0.2500")  # 100 / 400, not the mean of 1 and 0
    assert total.repairs == 4
    assert total.repair_on_time_rate == Decimal("0.2500")
    assert total.repair_accept_hours == Decimal("1.8")  # (3600 + 3 × 7200) / 4 s


def test_a_second_company_is_not_counted(community, other_community):
    assert other_community.company_id != community.company_id
    mine, theirs = household_in(community), household_in(other_community)
    business_repair(mine, created=at(3))
    business_repair(theirs, created=at(3))
    business_repair(theirs, created=at(4))
    ComplaintFactory(household=theirs, created_at=at(5))
    business_bill(theirs.room, month=dt.date(2026, 5, 1), amount="80.00")

    figures = business_figures(Scope(company=community.company).communities(), MAY)

    assert set(figures) == {community.pk, None}
    assert figures[None].repairs == 1
    assert figures[None].complaints == 0
    assert figures[None].billed == Decimal("0.00")
    platform = business_figures(Scope().communities(), MAY)
    assert platform[None].repairs == 3
    assert platform[other_community.pk].billed == Decimal("80.00")


def test_no_communities_gives_an_empty_total(db):
    figures = business_figures(Community.objects.none(), MAY)
    assert list(figures) == [None]
    assert figures[None].collection_rate is None
    assert figures[None].repair_rating is None


# --- Monthly series --------------------------------------------------------------------------


def test_series_cover_twelve_months_ending_with_the_period():
    months = series_months(MAY)
    assert months[0] == dt.date(2025, 6, 1)
    assert months[-1] == dt.date(2026, 5, 1)
    assert len(series_months(Period.year(dt.date(2025, 3, 1)))) == 12
    wide = Period("range", dt.date(2024, 1, 5), dt.date(2026, 2, 1))
    assert series_months(wide)[0] == dt.date(2024, 1, 1)


def test_monthly_series(community, household):
    business_repair(
        household, created=at(3, 4), completed=at(4, 5), response=60, finish=60, on_time=True
    )
    business_repair(household, created=at(3))
    bill = business_bill(household.room, month=dt.date(2026, 4, 1), amount="120.00",
                         paid="60.00", status="partially_paid")  # fmt: skip
    business_payment(bill, amount="60.00", paid_at=at(2))
    held = activity(community, at(10, 4))
    signup = activity_signup(held, household, people=2)
    signup.participants.filter(pk=signup.participants.first().pk).update(checked_in_at=at(10, 4))
    ComplaintFactory(household=household, created_at=at(2, 4), status="closed")
    ComplaintFactory(household=household, created_at=at(2))
    SuggestionFactory(household=household, created_at=at(9))
    communities = [community]

    repairs = {row["month"]: row for row in repairs_by_month(communities, MAY).rows}
    assert repairs[dt.date(2026, 4, 1)] == {"month": dt.date(2026, 4, 1), "reported": 1,
                                            "completed": 0}  # fmt: skip
    assert repairs[dt.date(2026, 5, 1)]["reported"] == 1
    assert repairs[dt.date(2026, 5, 1)]["completed"] == 1
    money = {row["month"]: row for row in money_by_month(communities, MAY).rows}
    assert money[dt.date(2026, 4, 1)]["billed"] == Decimal("120.00")
    assert money[dt.date(2026, 4, 1)]["collected"] == Decimal("60.00")
    assert money[dt.date(2026, 4, 1)]["rate"] == Decimal("0.5")
    assert money[dt.date(2026, 5, 1)]["received"] == Decimal("60.00")
    attendance = {row["month"]: row for row in attendance_by_month(communities, MAY).rows}
    assert attendance[dt.date(2026, 4, 1)]["participants"] == 2
    assert attendance[dt.date(2026, 4, 1)]["rate"] == Decimal("0.5000")
    complaints = {row["month"]: row for row in complaints_by_month(communities, MAY).rows}
    assert complaints[dt.date(2026, 4, 1)] == {"month": dt.date(2026, 4, 1), "filed": 1,
                                               "closed": 1, "suggestions": 0}  # fmt: skip
    assert complaints[dt.date(2026, 5, 1)]["suggestions"] == 1
    assert len(complaints) == 12


# --- Query bound -----------------------------------------------------------------------------


def _estate(count: int, rows: int) -> None:
    """`count` communities, each with `rows` repairs, bills with payments, complaints."""
    company = PropertyCompanyFactory()
    for n in range(count):
        community = CommunityFactory(company=company, name=f"小区{n}")
        household = household_in(community)
        for index in range(rows):
            business_repair(household, created=at(3 + index % 20), completed=at(25), response=60,
                   finish=600, on_time=True, rating=(5, 5, 4))  # fmt: skip
            bill = business_bill(household.room, month=dt.date(2026, 5, 1), amount="10.00",
                                 paid="10.00", status="paid")  # fmt: skip
            business_payment(bill, amount="10.00", paid_at=at(4))
            ComplaintFactory(household=household, created_at=at(6))
        SuggestionFactory(household=household, created_at=at(9))


@pytest.mark.parametrize(("communities", "rows"), [(1, 1), (6, 4)])
def test_bounded_queries(communities, rows, django_assert_max_num_queries):
    _estate(communities, rows)
    with django_assert_max_num_queries(13):
        figures = business_figures(Community.objects.all(), MAY)
    assert figures[None].repairs == communities * rows
    assert len(figures) == communities + 1


def test_series_queries_are_bounded(django_assert_max_num_queries):
    _estate(3, 2)
    communities = Community.objects.all()
    with django_assert_max_num_queries(3):
        repairs_by_month(communities, MAY)
    with django_assert_max_num_queries(3):
        money_by_month(communities, MAY)

"""The complaint figures the platform statistics read (PSTA-2): per community, every community
asked for (zeros included), two queries whatever the number of communities."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.figures.selectors import complaint_figures
from complaints.models import Complaint, Suggestion
from tests.factories import CommunityFactory, ResidencyFactory, RoomFactory, SuggestionFactory

from .test_figures_stats import MARCH, at, complaint

pytestmark = pytest.mark.django_db


def household_in(community):
    return ResidencyFactory(
        room=RoomFactory(building__community=community, building__name=f"{community.pk}号楼")
    )


def fill(community, *, ratings, adopted, declined):
    household = household_in(community)
    category = community.complaint_categories.first()
    for rating in ratings:
        complaint(household, category, created=at(9), status=Complaint.Status.CLOSED,
                  accept=600, reply=2, close=7200, satisfaction=rating)  # fmt: skip
    complaint(household, category, created=at(9))  # submitted, nothing else yet
    for _ in range(adopted):
        SuggestionFactory(household=household, status=Suggestion.Status.COMPLETED, created_at=at(9))
    for _ in range(declined):
        SuggestionFactory(household=household, status=Suggestion.Status.DECLINED, created_at=at(9))


def test_per_community_with_zeros(community, other_community):
    fill(community, ratings=[5, 4], adopted=2, declined=1)
    fill(other_community, ratings=[1], adopted=0, declined=2)
    empty = CommunityFactory()
    figures = complaint_figures([community, other_community.pk, empty], *MARCH)
    assert list(figures) == [community.pk, other_community.pk, empty.pk]
    ours = figures[community.pk]
    assert (ours.filed, ours.closed, ours.avg_satisfaction) == (3, 2, Decimal("4.50"))
    assert ours.complaints.avg_accept_seconds == Decimal(600)
    assert ours.complaints.avg_close_seconds == Decimal(7200)
    assert ours.complaints.accepted_on_time_rate == Decimal("1.0000")
    assert ours.adoption_rate == Decimal("0.6667")  # 2 of 3, half up
    theirs = figures[other_community.pk]
    assert (theirs.filed, theirs.avg_satisfaction, theirs.adoption_rate) == (
        2, Decimal("1.00"), Decimal("0.0000"),
    )  # fmt: skip
    nothing = figures[empty.pk]
    assert (nothing.filed, nothing.closed, nothing.suggestions.submitted) == (0, 0, 0)
    assert nothing.avg_satisfaction is None and nothing.adoption_rate is None
    assert nothing.complaints.avg_close_seconds is None
    assert complaint_figures([], *MARCH) == {}


def test_the_period_is_local_days(community):
    household = household_in(community)
    category = community.complaint_categories.first()
    complaint(household, category, created=at(1, 0))  # 00:00 on 1 March, Shanghai
    complaint(household, category, created=at(28, 23, month=2))  # the evening before
    figures = complaint_figures([community], dt.date(2026, 3, 1), dt.date(2026, 3, 1))
    assert figures[community.pk].filed == 1


def test_two_queries_whatever_the_number_of_communities(community, other_community):
    fill(community, ratings=[5], adopted=1, declined=0)
    with CaptureQueriesContext(connection) as one:
        complaint_figures([community], *MARCH)
    many = [community, other_community, *CommunityFactory.create_batch(5)]
    for each in many[1:]:
        fill(each, ratings=[3, 4], adopted=1, declined=1)
    with CaptureQueriesContext(connection) as all_of_them:
        figures = complaint_figures(many, *MARCH)
    assert len(one.captured_queries) == len(all_of_them.captured_queries) == 2
    assert sum(f.filed for f in figures.values()) == 2 + 3 * 6

"""The staff ratings list (SREP-3): newest first, filters, bounded queries, tenancy."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from repairs import rollup
from repairs.models import RepairOrder, RepairRating
from tests.factories import RepairOrderFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db


def url() -> str:
    return reverse("repairs_staff:ratings")


def rated(household, technician, scores, *, at=None, comment=""):
    at = at or timezone.now()
    order = RepairOrderFactory(
        household=household,
        status=RepairOrder.Status.COMPLETED,
        technician=technician,
        completed_at=at - dt.timedelta(hours=1),
        finished_on_time=True,
    )
    speed, quality, attitude = scores
    rating = RepairRating.objects.create(
        order=order, speed=speed, quality=quality, attitude=attitude, comment=comment,
        rated_by=household.user, created_at=at,
    )  # fmt: skip
    rollup.order_reported(order)  # as the services leave the daily figures
    return rating


@pytest.fixture
def ratings(residency, technician_member, other_technician, outsider, outsider_technician):
    now = timezone.now()
    good = rated(residency, technician_member, (5, 5, 4), at=now - dt.timedelta(days=1),
                 comment="师傅很专业，准时上门")  # fmt: skip
    low = rated(residency, other_technician.staff_member, (4, 2, 5), at=now,
                comment="修完第二天又漏了")  # fmt: skip
    old = rated(residency, technician_member, (3, 3, 3), at=now - dt.timedelta(days=100))
    foreign = rated(outsider.residencies.get(), outsider_technician.staff_member, (1, 1, 1),
                    comment="外区的评价")  # fmt: skip
    return {"good": good, "low": low, "old": old, "foreign": foreign}


@pytest.mark.req("SREP-3")
def test_lists_the_communitys_ratings_newest_first(client_for, manager, ratings):
    response = client_for(manager).get(url())
    assert response.status_code == 200
    shown = [rating.pk for rating in response.context["table"].page.object_list.data]
    assert shown == [ratings["low"].pk, ratings["good"].pk, ratings["old"].pk]
    html = response.content.decode()
    assert "修完第二天又漏了" in html and "外区的评价" not in html
    assert reverse("repairs_staff:detail", args=[ratings["low"].order_id]) in html
    assert ratings["low"].order.number in html
    assert "bi-star-fill" in html


@pytest.mark.req("SREP-3")
def test_filters(client_for, manager, ratings, technician_member):
    client = client_for(manager)

    def shown(**query):
        response = client.get(url(), query)
        assert response.status_code == 200, response.context["form"].errors
        return {rating.pk for rating in response.context["table"].page.object_list.data}

    assert shown(low="on") == {ratings["low"].pk}
    assert shown(technician=technician_member.pk) == {ratings["good"].pk, ratings["old"].pk}
    assert shown(period="month") <= {ratings["good"].pk, ratings["low"].pk}
    today = timezone.localdate()
    assert shown(period="custom", start=str(today - dt.timedelta(days=7)), end=str(today)) == {
        ratings["good"].pk,
        ratings["low"].pk,
    }
    assert shown(technician=technician_member.pk, low="on") == set()


def test_another_communitys_technician_is_not_a_choice(
    client_for, manager, ratings, outsider_technician
):
    response = client_for(manager).get(url(), {"technician": outsider_technician.staff_member.pk})
    assert response.status_code == 400
    assert "technician" in response.context["form"].errors


def test_bad_period_is_refused_and_kept(client_for, manager, ratings):
    response = client_for(manager).get(
        url(), {"period": "custom", "start": "2026-05-01", "end": "2026-04-01"}
    )
    assert response.status_code == 400
    assert 'value="2026-05-01"' in response.content.decode()


@pytest.mark.req("SREP-3")
def test_bounded_queries(
    client_for, manager, residency, technician_member, positions, django_assert_max_num_queries
):
    client = client_for(manager)
    for n in range(3):
        rated(residency, technician_member, (5, 4, n % 5 + 1))
    with django_assert_max_num_queries(30) as few:
        assert client.get(url()).status_code == 200
    for n in range(27):
        member = StaffMemberFactory(communities=[residency.room.building.community],
                                    position_name="维修工")  # fmt: skip
        rated(residency, member, (n % 5 + 1, 4, 5))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url(), {"low": "on"})
        assert response.status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url())
    assert len(response.context["table"].page.object_list) == 25


@pytest.mark.req("SREP-3")
def test_another_communitys_manager_sees_only_their_own(client_for, outsider_staff, ratings):
    response = client_for(outsider_staff).get(url())
    html = response.content.decode()
    assert "外区的评价" in html and "修完第二天又漏了" not in html


def test_the_list_agrees_with_the_performance_figures(
    client_for, manager, community, ratings, technician_member
):
    from repairs.performance import technician_performance

    today = timezone.localdate()
    start = today - dt.timedelta(days=30)
    [row] = [
        r
        for r in technician_performance(community, start, today)
        if r.technician == technician_member
    ]
    query = {"period": "custom", "start": str(start), "end": str(today)}
    response = client_for(manager).get(url(), {**query, "technician": technician_member.pk})
    assert response.context["table"].page.paginator.count == row.ratings == 1

"""The 报修 tab: the household's orders, filtered, paged, in a bounded number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Residency
from repairs.models import RepairOrder

from ..factories import RepairAttachmentFactory, RepairOrderFactory, UserFactory

Status = RepairOrder.Status


def orders_of(residency, count, **fields):
    orders = RepairOrderFactory.create_batch(count, household=residency, **fields)
    for order in orders:
        RepairAttachmentFactory(order=order)
    return orders


@pytest.mark.req("REP-5")
def test_list_shows_status_category_place_and_thumbnail(client_for, resident, residency):
    (order,) = orders_of(residency, 1)
    response = client_for(resident).get(reverse("repairs:list"))
    assert response.status_code == 200
    body = response.content.decode()
    photo = order.attachments.get()
    assert reverse("repairs:detail", args=[order.pk]) in body
    assert f"{reverse('repairs:file', args=[order.pk, photo.pk])}?thumb=1" in body
    assert order.category.name in body and f"bi-{order.category.icon}" in body
    assert residency.room.label in body
    assert "repair-status-pending" in body
    assert reverse("repairs:create") in body


def test_empty_list_invites_a_first_report(client_for, resident, residency):
    response = client_for(resident).get(reverse("repairs:list"))
    body = response.content.decode()
    assert response.context["counts"]["all"] == 0
    assert "empty-state" in body and reverse("repairs:create") in body
    assert reverse("accounts:room_bind") not in body


def test_without_a_verified_room_the_list_explains_binding(client_for, db):
    response = client_for(UserFactory()).get(reverse("repairs:list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("accounts:room_bind") in body
    assert reverse("repairs:create") not in body


def test_tabs_filter_open_and_finished(client_for, resident, residency):
    (open_order,) = orders_of(residency, 1)
    (done,) = orders_of(residency, 1, status=Status.COMPLETED)
    (cancelled,) = orders_of(residency, 1, status=Status.CANCELLED, cancel_reason="不需要了")
    client = client_for(resident)

    def shown(tab):
        page = client.get(reverse("repairs:list"), {"tab": tab}).context["page"]
        return {o.pk for o in page.object_list}

    assert shown("open") == {open_order.pk}
    assert shown("done") == {done.pk, cancelled.pk}
    assert shown("all") == {open_order.pk, done.pk, cancelled.pk}
    response = client.get(reverse("repairs:list"))
    assert response.context["tab"] == "open"  # something is in progress: start there
    assert response.context["counts"] == {"open": 1, "done": 2, "all": 3}


def test_list_shows_only_the_households_orders(
    client_for, resident, residency, family_member, outsider
):
    mine = orders_of(residency, 2)
    theirs = orders_of(Residency.objects.get(user=outsider), 2)
    for user in (resident, family_member):
        page = client_for(user).get(reverse("repairs:list"), {"tab": "all"}).context["page"]
        assert {o.pk for o in page.object_list} == {o.pk for o in mine}
    page = client_for(outsider).get(reverse("repairs:list"), {"tab": "all"}).context["page"]
    assert {o.pk for o in page.object_list} == {o.pk for o in theirs}


def test_list_is_paged(client_for, resident, residency):
    orders_of(residency, 17)
    client = client_for(resident)
    first = client.get(reverse("repairs:list"), {"tab": "all"})
    assert len(first.context["page"].object_list) == 15
    assert "page=2" in first.content.decode()
    second = client.get(reverse("repairs:list"), {"tab": "all", "page": 2})
    assert len(second.context["page"].object_list) == 2


def count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("repairs:list"), {"tab": "all"})
    assert response.status_code == 200
    return len(queries)


def test_list_runs_a_bounded_number_of_queries(client_for, resident, residency):
    client = client_for(resident)
    count_queries(client)  # the tab bar's badges are cached from now on (kit.cache)
    orders_of(residency, 3)
    few = count_queries(client)
    orders_of(residency, 27, status=Status.COMPLETED)
    many = count_queries(client)
    assert few == many, (few, many)
    assert many <= 10, many

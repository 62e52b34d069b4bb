"""Who sees a suggestion (CMP-2, CMP-3): the household that proposed it; the residents of its
community when it is public (never the proposer's name or room); nobody else. A private one is
a 404 for neighbours, another community's a 404 for residents and staff alike; state changes
are POST only; the board and the queue read a bounded number of queries."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Residency
from complaints.models import Suggestion
from complaints.suggestions import services
from tests.factories import ResidencyFactory, SuggestionFactory, SuggestionStepFactory

from .suggestions_support import neighbour

pytestmark = [pytest.mark.django_db, pytest.mark.req("CMP-3")]


@pytest.fixture
def own(resident):
    return SuggestionFactory(
        household=Residency.objects.get(user=resident), title="南门增设快递柜", body="快递柜太远。"
    )


def test_a_neighbour_opens_a_public_one_without_learning_who_proposed_it(client, community, own):
    other = neighbour(community, "赵邻居").user
    client.force_login(other)
    page = client.get(reverse("complaints:suggestion_detail", args=[own.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "南门增设快递柜" in body and "快递柜太远" in body
    for hidden in ("张伟", "3栋", "1201", "13900000001", own.number):
        assert hidden not in body
    board = client.get(reverse("complaints:suggestion_board")).content.decode()
    assert "南门增设快递柜" in board and "张伟" not in board and "1201" not in board


def test_a_private_one_is_a_404_for_neighbours_and_off_the_board(client, community, own):
    own.is_public = False
    own.save()
    client.force_login(neighbour(community).user)
    assert client.get(reverse("complaints:suggestion_detail", args=[own.pk])).status_code == 404
    assert (
        "南门增设快递柜" not in client.get(reverse("complaints:suggestion_board")).content.decode()
    )


def test_a_second_household_of_the_same_room_is_a_neighbour(client, room, own):
    own.is_public = False
    own.save()
    tenant = ResidencyFactory(room=room, relation=Residency.Relation.TENANT).user
    client.force_login(tenant)
    assert client.get(reverse("complaints:suggestion_detail", args=[own.pk])).status_code == 404


def test_another_community_is_a_404_for_residents(client, own, outsider):
    client.force_login(outsider)
    assert client.get(reverse("complaints:suggestion_detail", args=[own.pk])).status_code == 404
    response = client.post(reverse("complaints:suggestion_support", args=[own.pk]))
    assert response.status_code == 404
    assert (
        "南门增设快递柜" not in client.get(reverse("complaints:suggestion_board")).content.decode()
    )


@pytest.mark.req("SCMP-2")
def test_another_communitys_staff_get_404(client, own, outsider_staff):
    step = SuggestionStepFactory(suggestion=own)
    client.force_login(outsider_staff)
    staff = "complaints_staff:suggestion_"
    assert client.get(reverse(staff + "detail", args=[own.pk])).status_code == 404
    assert client.post(reverse(staff + "evaluate", args=[own.pk])).status_code == 404
    assert client.get(reverse(staff + "step_edit", args=[step.pk])).status_code == 404
    assert client.post(reverse(staff + "step_done", args=[step.pk])).status_code == 404
    own.refresh_from_db()
    assert own.status == Suggestion.Status.SUBMITTED
    queue = client.get(reverse(staff + "queue")).content.decode()
    assert "南门增设快递柜" not in queue


STATE_CHANGING = [
    ("complaints:suggestion_support", "suggestion"),
    ("complaints:suggestion_unsupport", "suggestion"),
    ("complaints_staff:suggestion_evaluate", "suggestion"),
    ("complaints_staff:suggestion_note", "suggestion"),
    ("complaints_staff:suggestion_decide", "suggestion"),
    ("complaints_staff:suggestion_merge", "suggestion"),
    ("complaints_staff:suggestion_step_add", "suggestion"),
    ("complaints_staff:suggestion_progress", "suggestion"),
    ("complaints_staff:suggestion_complete", "suggestion"),
    ("complaints_staff:suggestion_step_remove", "step"),
    ("complaints_staff:suggestion_step_done", "step"),
]


@pytest.mark.parametrize(("name", "kind"), STATE_CHANGING)
def test_state_changes_answer_get_with_405(client, manager, resident, own, name, kind):
    step = SuggestionStepFactory(suggestion=own)
    client.force_login(manager if name.startswith("complaints_staff") else resident)
    target = own.pk if kind == "suggestion" else step.pk
    assert client.get(reverse(name, args=[target])).status_code == 405


def _suggestions(community, count: int) -> None:
    for n in range(count):
        suggestion = SuggestionFactory(household=neighbour(community, f"住户{n}"))
        services.support_add(suggestion=suggestion, user=neighbour(community).user)


@pytest.mark.req("CMP-2")
def test_the_board_reads_a_bounded_number_of_queries(
    client, community, resident, django_assert_max_num_queries
):
    client.force_login(resident)
    url = reverse("complaints:suggestion_board")
    _suggestions(community, 2)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
    _suggestions(community, 14)
    with django_assert_max_num_queries(14):
        page = client.get(url)
    assert page.content.decode().count('action="/suggestions/') >= 14


@pytest.mark.req("SCMP-2")
def test_the_queue_reads_a_bounded_number_of_queries(
    client, community, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    url = reverse("complaints_staff:suggestion_queue")
    _suggestions(community, 2)
    with django_assert_max_num_queries(30):
        assert client.get(url).status_code == 200
    _suggestions(community, 25)
    with django_assert_max_num_queries(30):
        page = client.get(url, {"status": "submitted", "public": "yes", "q": "充电桩"})
    assert page.status_code == 200
    assert page.content.decode().count("/staff/suggestions/") >= 25


def test_the_hub_lists_the_households_suggestions(client, resident, own, community):
    other = SuggestionFactory(household=neighbour(community), title="别人家的建议")
    client.force_login(resident)
    hub = client.get(reverse("complaints:home")).content.decode()
    assert "南门增设快递柜" in hub and other.title not in hub
    assert reverse("complaints:suggestion_create") in hub
    assert reverse("complaints:suggestion_board") in hub


@pytest.mark.req("SCMP-2")
def test_the_evaluation_never_reaches_a_resident_page(client, resident, own, manager, community):
    services.evaluation_start(suggestion=own, actor=manager)
    services.evaluation_note(
        suggestion=own,
        feasibility="供电容量不足，需改造",
        estimated_cost=Decimal("52000"),
        actor=manager,
    )
    services.suggestion_decide(suggestion=own, adopt=True, reason="大家都需要。", actor=manager)
    for user in (resident, neighbour(community).user):
        client.force_login(user)
        for url in (
            reverse("complaints:suggestion_detail", args=[own.pk]),
            reverse("complaints:suggestion_board") + "?tab=adopted",
            reverse("complaints:home"),
        ):
            body = client.get(url).content.decode()
            assert "供电容量不足" not in body and "52000" not in body and "评估意见" not in body

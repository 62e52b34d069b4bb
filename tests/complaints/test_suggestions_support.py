"""Supporting a public suggestion (CMP-2): one support per household (the unique constraint and
an F() counter), never one's own household's, only while it is alive and public; withdrawing;
merging duplicates without counting a household twice. The race runs on PostgreSQL."""

import pytest
from django.urls import reverse

from accounts.models import Residency
from complaints.models import Suggestion, SuggestionSupport
from complaints.suggestions import services
from notices.models import Message
from tests.factories import ResidencyFactory, SuggestionFactory
from tests.races import at_once, postgres_only

from .suggestions_support import adopted, neighbour

pytestmark = pytest.mark.req("CMP-2")


def _refusal(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


@pytest.mark.django_db
def test_one_support_per_household_whoever_of_it_clicks(client, community, room, resident):
    suggestion = SuggestionFactory(household=neighbour(community))
    head = Residency.objects.get(user=resident)
    member = ResidencyFactory(room=room, relation=Residency.Relation.FAMILY, head=head).user
    client.force_login(resident)
    url = reverse("complaints:suggestion_support", args=[suggestion.pk])
    client.post(url)
    client.force_login(member)
    response = client.post(url, follow=True)
    assert "你家已经支持过这条建议。" in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.support_count == 1 == suggestion.supports.count()


@pytest.mark.django_db
def test_withdrawing_support_lowers_the_count(client, community, resident):
    suggestion = SuggestionFactory(household=neighbour(community))
    client.force_login(resident)
    client.post(reverse("complaints:suggestion_support", args=[suggestion.pk]))
    response = client.post(reverse("complaints:suggestion_unsupport", args=[suggestion.pk]))
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.support_count == 0 and not suggestion.supports.exists()
    again = client.post(
        reverse("complaints:suggestion_unsupport", args=[suggestion.pk]), follow=True
    )
    assert "你家没有支持这条建议。" in again.content.decode()


@pytest.mark.django_db
def test_own_household_may_not_support_its_suggestion(client, resident):
    suggestion = SuggestionFactory(household=Residency.objects.get(user=resident))
    client.force_login(resident)
    response = client.post(
        reverse("complaints:suggestion_support", args=[suggestion.pk]), follow=True
    )
    assert "这是你家自己的建议。" in response.content.decode()
    assert not SuggestionSupport.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["completed", "declined", "merged"])
def test_only_live_suggestions_take_support(client, community, resident, status):
    suggestion = SuggestionFactory(household=neighbour(community), status=status)
    client.force_login(resident)
    response = client.post(
        reverse("complaints:suggestion_support", args=[suggestion.pk]), follow=True
    )
    if status == "merged":  # a merged one is not opened by neighbours at all
        assert response.status_code == 404
    else:
        assert "这条建议已不能再支持。" in response.content.decode()
    assert not SuggestionSupport.objects.exists()


@pytest.mark.django_db
def test_a_private_suggestion_cannot_be_supported(client, community, resident):
    suggestion = SuggestionFactory(household=neighbour(community), is_public=False)
    client.force_login(resident)
    url = reverse("complaints:suggestion_support", args=[suggestion.pk])
    assert client.post(url).status_code == 404
    assert not SuggestionSupport.objects.exists()


@pytest.mark.django_db
@pytest.mark.req("SCMP-2")
def test_merging_moves_supporters_without_counting_a_household_twice(community, manager):
    survivor = SuggestionFactory(household=neighbour(community, "甲"))
    duplicate = SuggestionFactory(household=neighbour(community, "乙"))
    both, only_duplicate = neighbour(community, "丙"), neighbour(community, "丁")
    services.support_add(suggestion=survivor, user=both.user)
    for household in (both, only_duplicate):
        services.support_add(suggestion=duplicate, user=household.user)
    # The survivor's proposer supported the duplicate: not counted on their own suggestion.
    services.support_add(suggestion=duplicate, user=survivor.household.user)

    services.suggestions_merge(survivor=survivor, duplicates=[duplicate], actor=manager)

    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.status == Suggestion.Status.MERGED and duplicate.merged_into == survivor
    households = set(survivor.supports.values_list("household_id", flat=True))
    assert households == {both.pk, only_duplicate.pk}
    assert survivor.support_count == 2 and duplicate.support_count == 0
    # The duplicate's proposer now follows the survivor: told of its decision.
    adopted(survivor, manager)
    assert Message.objects.filter(
        recipient=duplicate.household.user, event="suggestion.decided", object_id=str(survivor.pk)
    ).exists()


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_thirty_households_at_once_and_a_double_click(community):
    suggestion = SuggestionFactory(household=neighbour(community, "提议人"))
    homes = [neighbour(community, f"住户{n}") for n in range(30)]
    calls = [lambda h=h: services.support_add(suggestion=suggestion, user=h.user) for h in homes]
    at_once(calls)
    suggestion.refresh_from_db()
    assert suggestion.support_count == 30 == suggestion.supports.count()

    # The same household twice at once (two phones): one support, one refusal.
    late = neighbour(community, "双击")
    results = []

    def click():
        try:
            services.support_add(suggestion=suggestion, user=late.user)
            results.append("ok")
        except Exception as error:  # noqa: BLE001
            results.append(str(error))
        return None

    at_once([click, click])
    suggestion.refresh_from_db()
    assert sorted(results)[-1] == "ok" and len([r for r in results if r == "ok"]) == 1
    assert suggestion.support_count == 31 == suggestion.supports.count()


@pytest.mark.django_db
@pytest.mark.req("CMP-3")
def test_a_merged_proposer_follows_a_private_survivor_without_learning_its_proposer(
    client, community, manager
):
    survivor = SuggestionFactory(household=neighbour(community, "甲提议"), is_public=False)
    duplicate = SuggestionFactory(household=neighbour(community, "乙提议"))
    supporter = neighbour(community, "丙支持")
    services.support_add(suggestion=duplicate, user=supporter.user)
    services.suggestions_merge(survivor=survivor, duplicates=[duplicate], actor=manager)
    for user in (duplicate.household.user, supporter.user):
        assert Message.objects.filter(
            recipient=user, event="suggestion.decided", object_id=str(duplicate.pk)
        ).exists()
    client.force_login(duplicate.household.user)
    own_page = client.get(reverse("complaints:suggestion_detail", args=[duplicate.pk]))
    assert reverse("complaints:suggestion_detail", args=[survivor.pk]) in own_page.content.decode()
    page = client.get(reverse("complaints:suggestion_detail", args=[survivor.pk]))
    assert page.status_code == 200 and "甲提议" not in page.content.decode()
    client.force_login(supporter.user)
    page = client.get(reverse("complaints:suggestion_detail", args=[survivor.pk]))
    assert page.status_code == 200 and "甲提议" not in page.content.decode()
    # A neighbour who followed nothing still gets a 404 for the private survivor.
    client.force_login(neighbour(community, "丁").user)
    assert client.get(
        reverse("complaints:suggestion_detail", args=[survivor.pk])
    ).status_code == 404  # fmt: skip

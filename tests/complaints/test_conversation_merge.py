"""Merging duplicate complaints (SCMP-1, CMP-3): staff merge the same matter raised by many
households into one surviving complaint; every merged household follows the survivor and
hears its outcome, without learning who filed it or from which room."""

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Residency
from complaints import workflow
from complaints.conversation import selectors, services
from complaints.models import Complaint, ComplaintEvent
from kit.models import AuditEntry
from notices.models import Message
from tests.factories import ComplaintFactory, ResidencyFactory, RoomFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("SCMP-1"), pytest.mark.req("CMP-3")]

Status = Complaint.Status


@pytest.fixture
def survivor(resident, room):
    return ComplaintFactory(
        household=Residency.objects.get(user=resident, room=room), place="东门",
        details="小区东门门禁坏了，刷卡打不开。",
    )  # fmt: skip


BUILDINGS = itertools.count(101)


def neighbour_complaint(community, **fields):
    room = RoomFactory(building__community=community, building__name=f"{next(BUILDINGS)}号楼")
    return ComplaintFactory(household=ResidencyFactory(room=room), **fields)


def merge_url(complaint):
    return reverse("complaints_staff:merge", args=[complaint.pk])


def test_staff_merge_duplicates_into_the_survivor(client_for, staff_user, survivor, community):
    first, second = (neighbour_complaint(community) for _ in range(2))
    response = client_for(staff_user).post(
        merge_url(survivor), {"duplicates": [first.pk, second.pk]}, follow=True
    )
    assert "已将2条投诉合并到本投诉" in response.content.decode()
    for duplicate in (first, second):
        duplicate.refresh_from_db()
        assert (duplicate.status, duplicate.merged_into) == (Status.MERGED, survivor)
        event = duplicate.events.get(kind=ComplaintEvent.Kind.MERGED)
        assert not event.internal
        # Its household is told (the workflow's words: handled together, result to come).
        [told] = Message.objects.filter(
            recipient=duplicate.household.user, event="complaint.status_changed"
        )
        assert survivor.number not in told.title + told.body
    assert AuditEntry.objects.filter(action="complaint.merge", target_id=str(survivor.pk)).exists()
    assert AuditEntry.objects.filter(action="complaint.merged").count() == 2
    # The survivor's page lists what was merged into it.
    page = client_for(staff_user).get(reverse("complaints_staff:detail", args=[survivor.pk]))
    text = page.content.decode()
    assert first.number in text and second.number in text
    assert set(workflow.follower_households(survivor)) == {
        survivor.household_id,
        first.household_id,
        second.household_id,
    }


def test_twenty_households_about_one_broken_gate(survivor, community, staff_user, resident):
    """After merging, a move on the survivor reaches all twenty households; none of them
    learns the survivor's filer or room."""
    duplicates = [neighbour_complaint(community, place="东门") for _ in range(19)]
    services.merge_complaints(survivor=survivor, duplicates=duplicates, actor=staff_user)
    Message.objects.all().delete()
    survivor = workflow.locked(survivor)
    workflow.move(survivor, Status.ACCEPTED, ComplaintEvent.Kind.ACCEPTED, staff_user)
    told = Message.objects.filter(event="complaint.status_changed")
    households = {survivor.household_id, *(d.household_id for d in duplicates)}
    people = set(Residency.objects.filter(pk__in=households).values_list("user_id", flat=True))
    assert set(told.values_list("recipient_id", flat=True)) == people
    assert len(people) == 20
    filer = survivor.reporter
    room = survivor.room
    for message in told.exclude(recipient=filer):
        text = message.title + message.body + message.url
        assert filer.get_full_name() not in text and filer.mobile not in text
        assert room.label not in text and room.number not in text
        assert reverse("complaints:detail", args=[survivor.pk]) == message.url
    # The survivor's page stays its own household's: the others are sent to 404.
    assert Complaint.objects.filter(merged_into=survivor).count() == 19


def test_a_neighbour_cannot_open_the_survivor(client_for, survivor, community, staff_user):
    duplicate = neighbour_complaint(community)
    services.merge_complaints(survivor=survivor, duplicates=[duplicate], actor=staff_user)
    client = client_for(duplicate.household.user)
    assert client.get(reverse("complaints:detail", args=[survivor.pk])).status_code == 404
    page = client.get(reverse("complaints:detail", args=[duplicate.pk])).content.decode()
    assert survivor.number not in page and "张伟" not in page


def test_complaints_merged_into_a_duplicate_follow_the_survivor(survivor, community, staff_user):
    duplicate = neighbour_complaint(community)
    earlier = neighbour_complaint(community)
    services.merge_complaints(survivor=duplicate, duplicates=[earlier], actor=staff_user)
    services.merge_complaints(survivor=survivor, duplicates=[duplicate], actor=staff_user)
    earlier.refresh_from_db()
    assert earlier.merged_into == survivor
    assert earlier.household_id in workflow.follower_households(survivor)


def test_refusals(survivor, community, staff_user, other_community):
    with pytest.raises(ValidationError, match="不能合并到它自己"):
        services.merge_complaints(survivor=survivor, duplicates=[survivor], actor=staff_user)
    closed = neighbour_complaint(community, status=Status.CLOSED)
    with pytest.raises(ValidationError, match="不能合并"):
        services.merge_complaints(survivor=survivor, duplicates=[closed], actor=staff_user)
    open_one = neighbour_complaint(community)
    with pytest.raises(ValidationError, match="不能再把其他投诉合并进来"):
        services.merge_complaints(survivor=closed, duplicates=[open_one], actor=staff_user)
    elsewhere = neighbour_complaint(other_community)
    with pytest.raises(ValidationError):
        services.merge_complaints(survivor=survivor, duplicates=[elsewhere], actor=staff_user)
    with pytest.raises(ValidationError, match="请至少选择"):
        services.merge_complaints(survivor=survivor, duplicates=[], actor=staff_user)
    assert not Complaint.objects.filter(status=Status.MERGED).exists()


def test_another_communitys_duplicate_is_404(client_for, staff_user, survivor, other_community):
    elsewhere = neighbour_complaint(other_community)
    response = client_for(staff_user).post(merge_url(survivor), {"duplicates": [elsewhere.pk]})
    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == Status.SUBMITTED


def test_a_refusal_is_shown_on_the_page(client_for, staff_user, survivor, community):
    closed = neighbour_complaint(community, status=Status.CLOSED)
    response = client_for(staff_user).post(
        merge_url(survivor), {"duplicates": [closed.pk]}, follow=True
    )
    assert "不能合并" in response.content.decode()


def test_cashier_may_not_merge(client_for, cashier, survivor, community):
    duplicate = neighbour_complaint(community)
    assert (
        client_for(cashier).post(merge_url(survivor), {"duplicates": [duplicate.pk]}).status_code
        == 403
    )


def test_candidates_same_category_first_recent_and_searchable(survivor, community, travel):
    other_category = community.complaint_categories.exclude(pk=survivor.category_id).first()
    different = neighbour_complaint(community, category=other_category)
    same = neighbour_complaint(community, details="门禁又坏了")
    neighbour_complaint(community, status=Status.CLOSED)
    assert list(selectors.merge_candidates(survivor)) == [same, different]
    assert list(selectors.merge_candidates(survivor, same.number[-6:])) == [same]
    assert list(selectors.merge_candidates(survivor, "门禁又")) == [same]
    travel(31 * 24 * 3600)
    fresh = neighbour_complaint(community)
    assert list(selectors.merge_candidates(survivor)) == [fresh]
    # Older ones are still found by number.
    assert list(selectors.merge_candidates(survivor, same.number)) == [same]


def test_the_merge_panel_searches(client_for, staff_user, survivor, community):
    same = neighbour_complaint(community, details="门禁又坏了")
    client = client_for(staff_user)
    url = reverse("complaints_staff:detail", args=[survivor.pk])
    text = client.get(url).content.decode()
    assert "合并到本投诉" in text and same.number in text
    assert same.number not in client.get(url, {"merge_q": "没有这个"}).content.decode()

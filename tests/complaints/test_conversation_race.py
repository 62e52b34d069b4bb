"""Merging under concurrency (SCMP-1), with real concurrent transactions on PostgreSQL: two
staff merging the same two complaints crosswise (A into B and B into A) at once neither
deadlock nor leave a pair merged into each other; one wins, the other is refused."""

import itertools

import pytest
from django.core.exceptions import ValidationError

from complaints.conversation import services
from complaints.models import Complaint
from tests.factories import ComplaintFactory, ResidencyFactory, RoomFactory
from tests.races import at_once, postgres_only

pytestmark = [pytest.mark.req("SCMP-1"), pytest.mark.django_db(transaction=True), postgres_only]

BUILDINGS = itertools.count(201)


def complaint_in(community):
    room = RoomFactory(building__community=community, building__name=f"{next(BUILDINGS)}号楼")
    return ComplaintFactory(household=ResidencyFactory(room=room))


def test_crosswise_merges_at_once(community, staff_user, manager):
    for _round in range(5):
        a, b = complaint_in(community), complaint_in(community)

        def merge(survivor, duplicate, actor):
            try:
                services.merge_complaints(survivor=survivor, duplicates=[duplicate], actor=actor)
            except ValidationError:
                return "refused"
            return "merged"

        results = at_once(
            [lambda a=a, b=b: merge(a, b, staff_user), lambda a=a, b=b: merge(b, a, manager)]
        )
        assert sorted(results) == ["merged", "refused"]
        a.refresh_from_db()
        b.refresh_from_db()
        assert [a.status, b.status].count(Complaint.Status.MERGED) == 1
        assert {a.merged_into_id, b.merged_into_id} in ({None, a.pk}, {None, b.pk})


def test_merging_the_same_duplicate_twice_at_once(community, staff_user, manager):
    first, second, duplicate = (complaint_in(community) for _ in range(3))

    def merge(survivor, actor):
        try:
            services.merge_complaints(survivor=survivor, duplicates=[duplicate], actor=actor)
        except ValidationError:
            return "refused"
        return "merged"

    results = at_once([lambda: merge(first, staff_user), lambda: merge(second, manager)])
    assert sorted(results) == ["merged", "refused"]
    duplicate.refresh_from_db()
    assert duplicate.status == Complaint.Status.MERGED
    assert duplicate.merged_into_id in (first.pk, second.pk)
    assert duplicate.events.filter(kind="merged").count() == 1

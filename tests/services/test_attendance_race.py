"""Two desks scanning the same sign-up at once (two staff phones at the door, or one phone's
double submit): each person is checked in once, with one time and one audit entry."""

import pytest

from accounts.models import Residency
from kit.models import AuditEntry
from services.attendance import services
from services.models import ActivityParticipant
from tests.races import at_once, postgres_only

from .attendance_helpers import make_activity, make_signup

pytestmark = [pytest.mark.req("SVC-3")]

DESKS = 6


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_concurrent_check_ins_of_one_sign_up_record_each_person_once(
    community, resident, staff_user, manager
):
    signup = make_signup(
        make_activity(community),
        Residency.objects.get(user=resident),
        names=("张伟", "张小宝", "张老太"),
    )
    desks = [staff_user, manager] * (DESKS // 2)

    def check_in(actor):
        return lambda: services.checkin_participants(
            signup=signup, participant_ids=None, actor=actor, method="scan"
        )

    results = at_once([check_in(actor) for actor in desks])
    assert sorted(len(result.checked_in) for result in results) == [0] * (DESKS - 1) + [3]
    assert all(len(result.already) == 3 for result in results if not result.checked_in)
    rows = ActivityParticipant.objects.filter(signup=signup)
    assert rows.filter(checked_in_at__isnull=True).count() == 0
    assert len({row.checked_in_at for row in rows}) == 1
    assert len({row.checked_in_by_id for row in rows}) == 1
    assert AuditEntry.objects.filter(action="activity.checked_in").count() == 1

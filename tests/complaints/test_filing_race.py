"""Two answers at once (PostgreSQL): the head accepts the reply while a family member returns
it, or the hourly closing runs while the household answers: one move wins, the other is
refused, and the complaint's life stays one line."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Residency
from complaints.filing import services
from complaints.models import Complaint, ComplaintEvent
from tests.factories import ComplaintFactory
from tests.races import at_once, postgres_only

pytestmark = [pytest.mark.req("CMP-3"), pytest.mark.django_db(transaction=True), postgres_only]
Status = Complaint.Status


def refused_or(call):
    def run():
        try:
            call()
        except ValidationError:
            return "refused"
        return "done"

    return run


def test_accepting_and_returning_at_once_make_one_move(room, resident, family_member):
    complaint = ComplaintFactory(
        household=Residency.objects.get(user=resident, room=room), status=Status.REPLIED,
        reply="已处理。", replied_at=timezone.now(),
    )  # fmt: skip
    results = at_once(
        [
            refused_or(lambda: services.complaint_accept_reply(complaint=complaint, user=resident)),
            refused_or(
                lambda: services.complaint_return(
                    complaint=complaint, user=family_member, reason="还没好"
                )
            ),
        ]
    )
    assert sorted(results) == ["done", "refused"]
    complaint.refresh_from_db()
    assert complaint.status in (Status.CLOSED, Status.RETURNED)
    moves = complaint.events.filter(
        kind__in=[ComplaintEvent.Kind.CLOSED, ComplaintEvent.Kind.RETURNED]
    )
    assert moves.count() == 1


def test_the_hourly_closing_and_a_return_at_once(room, resident, settings):
    settings.LINLI_COMPLAINT_AUTO_CLOSE_DAYS = 7
    complaint = ComplaintFactory(
        household=Residency.objects.get(user=resident, room=room), status=Status.REPLIED,
        reply="已处理。", replied_at=timezone.now() - dt.timedelta(days=8),
    )  # fmt: skip
    at_once(
        [
            services.auto_close_unanswered,
            refused_or(
                lambda: services.complaint_return(complaint=complaint, user=resident, reason="没好")
            ),
        ]
    )
    complaint.refresh_from_db()
    assert complaint.status in (Status.CLOSED, Status.RETURNED)
    assert complaint.events.count() == 1

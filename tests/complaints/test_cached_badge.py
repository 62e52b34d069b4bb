"""The entry grid's badge of replies waiting for the household's answer is cached (kit.cache)
and follows the complaint's moves through the services (issue 21)."""

import pytest
from django.test import RequestFactory

from accounts.models import User
from complaints.filing import services as filing
from complaints.filing.setup import awaiting_badge
from complaints.handling import services as handling
from tests.factories import ComplaintFactory

pytestmark = pytest.mark.django_db


def badge(user) -> int:
    request = RequestFactory().get("/")
    request.user = User.objects.get(pk=user.pk)  # a new request's user
    return awaiting_badge(request)


def test_a_reply_waits_for_the_household_until_it_answers(
    resident, family_member, community, staff_user, outsider
):
    complaint = ComplaintFactory(
        household=resident.residencies.get(),
        category=community.complaint_categories.get(name="环境卫生"),
    )
    assert badge(family_member) == 0
    handling.complaint_accept(complaint=complaint, actor=staff_user)
    handling.complaint_reply(complaint=complaint, actor=staff_user, reply="已清理")
    assert badge(family_member) == badge(resident) == 1
    assert badge(outsider) == 0
    filing.complaint_accept_reply(complaint=complaint, user=resident)
    assert badge(family_member) == 0

"""The demo activities keep their promises on every date: one open with places, one full with
a waiting list, one finished with sign-ups, one draft; seeding again adds nothing."""

import pytest
from django.db.models import Sum
from django.utils import timezone

from services.activities import demo
from services.models import Activity, ActivitySignup
from tests.factories import ResidencyFactory, RoomFactory

pytestmark = [pytest.mark.dates, pytest.mark.django_db]


@pytest.mark.req("SVC-3")
def test_demo_activities(community):
    for n in range(20):
        ResidencyFactory(room=RoomFactory(building__community=community, number=f"{n}01"))
    demo.seed(community)
    demo.seed(community)
    now = timezone.now()
    activities = {a.title: a for a in Activity.objects.all()}
    assert len(activities) == 4
    open_one, full = activities[demo.OPEN_TITLE], activities[demo.FULL_TITLE]
    past, draft = activities[demo.PAST_TITLE], activities[demo.DRAFT_TITLE]
    assert open_one.signup_opens_at <= now < open_one.signup_closes_at
    assert open_one.places_taken < open_one.capacity
    assert full.places_taken == full.capacity and full.signup_closes_at > now
    assert full.signups.filter(status=ActivitySignup.Status.WAITLISTED).count() == 2
    assert past.ends_at < now and past.signups.count() == 10
    assert draft.status == Activity.Status.DRAFT
    for activity in activities.values():
        held = activity.signups.filter(status__in=ActivitySignup.HOLDING)
        assert activity.places_taken == (held.aggregate(n=Sum("people"))["n"] or 0)
        assert activity.poster and activity.poster_thumbnail

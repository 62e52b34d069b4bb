"""Capacity under concurrency (SVC-3), with real concurrent transactions on PostgreSQL: fifty
households asking for the last places at once, and cancellations racing claims and sign-ups.
Whatever the interleaving, `places_taken` equals the people of the sign-ups holding places and
never passes the capacity."""

import pytest
from django.db.models import Sum

from services.activities import services
from services.models import Activity, ActivitySignup
from tests.factories import ActivityFactory
from tests.races import at_once, postgres_only

from .activities_support import household, sign_up

pytestmark = [pytest.mark.req("SVC-3"), pytest.mark.django_db(transaction=True), postgres_only]
S = ActivitySignup.Status


def held_people(activity) -> int:
    return ActivitySignup.objects.filter(
        activity=activity, status__in=ActivitySignup.HOLDING
    ).aggregate(n=Sum("people", default=0))["n"]


def test_fifty_concurrent_sign_ups_for_twenty_places(community):
    activity = ActivityFactory(community=community, capacity=20, per_household_limit=1)
    homes = [household(community, name=f"住户{n}") for n in range(50)]
    results = at_once([lambda home=home: sign_up(activity, home).status for home in homes])
    activity.refresh_from_db()
    assert results.count(S.CONFIRMED) == 20 and results.count(S.WAITLISTED) == 30
    assert activity.places_taken == 20 == held_people(activity)
    assert ActivitySignup.objects.filter(activity=activity, status=S.CONFIRMED).count() == 20
    assert ActivitySignup.objects.filter(activity=activity, status=S.WAITLISTED).count() == 30


def test_cancellations_racing_claims_and_new_sign_ups_keep_the_count(community):
    activity = ActivityFactory(community=community, capacity=20, per_household_limit=1)
    holders = [sign_up(activity, household(community, name=f"甲{n}")) for n in range(20)]
    waiting = [sign_up(activity, household(community, name=f"乙{n}")) for n in range(10)]
    for holder in holders[:10]:
        services.signup_cancel(signup=holder, user=holder.user)
    offered = list(ActivitySignup.objects.filter(activity=activity, status=S.OFFERED))
    assert len(offered) == 10
    newcomers = [household(community, name=f"丙{n}") for n in range(10)]

    def claim(signup):
        return services.offer_claim(signup=signup, user=signup.user).status

    def cancel(signup):
        return services.signup_cancel(signup=signup, user=signup.user).status

    calls = [lambda s=s: claim(s) for s in offered]
    calls += [lambda s=s: cancel(s) for s in holders[10:]]
    calls += [lambda h=h: sign_up(activity, h).status for h in newcomers]
    at_once(calls)
    activity.refresh_from_db()
    assert activity.places_taken == held_people(activity) <= activity.capacity
    assert all(ActivitySignup.objects.get(pk=s.pk).status == S.CONFIRMED for s in offered)
    assert Activity.objects.get(pk=activity.pk).places_taken >= 10
    del waiting

"""Sign-up, capacity and the waiting list of activities (SVC-3): places taken with one
conditional update, the waiting list in order, offers of freed places that expire."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kit.models import AuditEntry
from notices.models import Message
from services.activities import services
from services.models import Activity, ActivitySignup
from tests.factories import ActivityFactory

from .activities_support import household, sign_up

pytestmark = pytest.mark.django_db
S = ActivitySignup.Status


@pytest.fixture
def activity(community):
    return ActivityFactory(community=community, capacity=4, per_household_limit=3, claim_hours=24)


def places(activity) -> int:
    activity.refresh_from_db()
    return activity.places_taken


@pytest.mark.req("SVC-3")
def test_sign_up_takes_places_then_the_rest_wait_in_order(activity, community):
    a, b, c, d = (household(community, name=n) for n in "甲乙丙丁")
    first = sign_up(activity, a, people=3)
    second = sign_up(activity, b, people=2)  # only 1 left: waits
    third = sign_up(activity, c, people=1)  # fits the last place
    fourth = sign_up(activity, d, people=1)
    assert [first.status, second.status, third.status, fourth.status] == [
        S.CONFIRMED, S.WAITLISTED, S.CONFIRMED, S.WAITLISTED,
    ]  # fmt: skip
    assert places(activity) == 4
    assert first.participants.count() == 3
    assert AuditEntry.objects.filter(action="activity.signed_up").count() == 4
    assert Message.objects.filter(event="activity.signup_changed", recipient=b.user).exists()


@pytest.mark.req("SVC-3")
def test_a_freed_place_is_offered_to_the_next_household_that_fits(activity, community):
    a, b, c = (household(community, name=n) for n in "甲乙丙")
    held = sign_up(activity, a, people=3)
    sign_up(activity, household(community, name="戊"), people=1)
    big = sign_up(activity, b, people=3)  # waits first, needs 3
    small = sign_up(activity, c, people=2)  # waits second, needs 2
    services.signup_cancel(signup=held, user=a.user)
    big.refresh_from_db()
    small.refresh_from_db()
    # 3 places free: the first waiting household (3 people) fits and is offered them.
    assert big.status == S.OFFERED and small.status == S.WAITLISTED
    assert big.offer_expires_at == pytest.approx(
        timezone.now() + dt.timedelta(hours=24), abs=dt.timedelta(seconds=5)
    )
    assert places(activity) == 4  # the offer holds the places
    offer = Message.objects.get(event="activity.place_offered", recipient=b.user)
    assert offer.importance == "important"
    services.offer_claim(signup=big, user=b.user)
    big.refresh_from_db()
    assert big.status == S.CONFIRMED and big.offer_expires_at is None


@pytest.mark.req("SVC-3")
def test_a_smaller_household_behind_gets_the_place_when_the_first_does_not_fit(activity, community):
    sign_up(activity, household(community, name="甲"), people=3)
    single = sign_up(activity, household(community, name="乙"), people=1)
    big = sign_up(activity, household(community, name="丙"), people=3)
    small = sign_up(activity, household(community, name="丁"), people=1)
    services.signup_cancel(signup=single, user=single.user)
    big.refresh_from_db()
    small.refresh_from_db()
    assert (big.status, small.status) == (S.WAITLISTED, S.OFFERED)


@pytest.mark.req("SVC-3")
def test_an_unclaimed_offer_expires_and_passes_on(activity, community, travel):
    held = sign_up(activity, household(community, name="甲"), people=3)
    sign_up(activity, household(community, name="乙"), people=1)
    first = sign_up(activity, household(community, name="丙"), people=2)
    second = sign_up(activity, household(community, name="丁"), people=1)
    services.signup_cancel(signup=held, user=held.user)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == S.OFFERED and second.status == S.OFFERED  # 3 free: 2 + 1
    services.offer_claim(signup=second, user=second.user)
    assert services.offers_expire() == 0
    travel(dt.timedelta(hours=25))
    assert services.offers_expire() == 1
    first.refresh_from_db()
    assert first.status == S.EXPIRED
    assert Message.objects.filter(event="activity.signup_changed", key="expired").exists()
    with pytest.raises(ValidationError):
        services.offer_claim(signup=first, user=first.user)
    assert places(activity) == 2  # 乙 1 + 丁 1


@pytest.mark.req("SVC-3")
def test_declining_an_offer_passes_it_on(activity, community):
    held = sign_up(activity, household(community, name="甲"), people=3)
    sign_up(activity, household(community, name="乙"), people=1)
    first = sign_up(activity, household(community, name="丙"), people=3)
    second = sign_up(activity, household(community, name="丁"), people=3)
    services.signup_cancel(signup=held, user=held.user)
    first.refresh_from_db()
    assert first.status == S.OFFERED
    services.offer_decline(signup=first, user=first.user)
    second.refresh_from_db()
    assert second.status == S.OFFERED and places(activity) == 4


@pytest.mark.req("SVC-3")
def test_an_offer_ends_no_later_than_the_start(community):
    soon = ActivityFactory(
        community=community, capacity=1, claim_hours=24,
        starts_at=timezone.now() + dt.timedelta(hours=5),
        signup_closes_at=timezone.now() + dt.timedelta(hours=4),
    )  # fmt: skip
    held = sign_up(soon, household(community, name="甲"))
    waiting = sign_up(soon, household(community, name="乙"))
    services.signup_cancel(signup=held, user=held.user)
    waiting.refresh_from_db()
    assert waiting.offer_expires_at == soon.starts_at


@pytest.mark.req("SVC-3")
def test_the_rules_of_signing_up(activity, community, travel):
    home = household(community, name="甲")
    with pytest.raises(ValidationError) as error:
        sign_up(activity, home, people=4)
    assert "最多" in str(error.value)
    sign_up(activity, home, people=1)
    with pytest.raises(ValidationError):
        sign_up(activity, home, people=1)  # one live sign-up per household
    asked = ActivityFactory(community=community, fields=[{"label": "孩子年龄", "required": True}])
    with pytest.raises(ValidationError):
        sign_up(asked, home)
    assert sign_up(asked, home, answers={"0": "6岁"}).answers == {"0": "6岁"}
    draft = ActivityFactory(community=community, status=Activity.Status.DRAFT)
    with pytest.raises(ValidationError):
        sign_up(draft, home)
    travel(dt.timedelta(days=7))  # past sign-up's close
    with pytest.raises(ValidationError):
        sign_up(ActivityFactory(community=community, starts_at=activity.starts_at), home)


@pytest.mark.req("SVC-3")
def test_cancel_before_the_deadline_only(community, travel):
    activity = ActivityFactory(
        community=community, cancel_closes_at=timezone.now() + dt.timedelta(days=2)
    )
    signup = sign_up(activity, household(community, name="甲"))
    travel(dt.timedelta(days=3))
    with pytest.raises(ValidationError):
        services.signup_cancel(signup=signup, user=signup.user)
    assert places(activity) == 1


@pytest.mark.req("SSVC-2")
def test_approval_holds_places_and_refusal_passes_them_on(community, manager):
    activity = ActivityFactory(community=community, capacity=2, needs_approval=True)
    pending = sign_up(activity, household(community, name="甲"), people=2)
    waiting = sign_up(activity, household(community, name="乙"), people=1)
    assert pending.status == S.PENDING and waiting.status == S.WAITLISTED
    services.signup_refuse(signup=pending, reason="名额留给老人", actor=manager)
    pending.refresh_from_db()
    waiting.refresh_from_db()
    assert pending.status == S.REFUSED and pending.refuse_reason == "名额留给老人"
    assert waiting.status == S.OFFERED
    services.offer_claim(signup=waiting, user=waiting.user)
    waiting.refresh_from_db()
    assert waiting.status == S.PENDING  # still to be approved
    services.signup_approve(signup=waiting, actor=manager)
    waiting.refresh_from_db()
    assert waiting.status == S.CONFIRMED and waiting.decided_by == manager
    assert AuditEntry.objects.filter(action="activity.signup_refused").exists()


@pytest.mark.req("SSVC-2")
def test_cancelling_the_activity_tells_holders_and_waiting(community, manager):
    activity = ActivityFactory(community=community, capacity=1)
    held = sign_up(activity, household(community, name="甲"))
    waiting = sign_up(activity, household(community, name="乙"))
    services.activity_cancel(activity=activity, reason="暴雨预警", actor=manager)
    activity.refresh_from_db()
    assert activity.status == Activity.Status.CANCELLED and activity.places_taken == 0
    assert set(
        Message.objects.filter(event="activity.cancelled").values_list("recipient", flat=True)
    ) == {held.user_id, waiting.user_id}
    assert set(ActivitySignup.objects.values_list("status", flat=True)) == {S.CANCELLED}


@pytest.mark.req("SVC-3")
def test_raising_the_capacity_offers_the_new_places(community, manager):
    activity = ActivityFactory(community=community, capacity=1)
    sign_up(activity, household(community, name="甲"))
    waiting = sign_up(activity, household(community, name="乙"))
    activity.capacity = 2
    services.activity_save(activity=activity, buildings=[], actor=manager)
    waiting.refresh_from_db()
    assert waiting.status == S.OFFERED


@pytest.mark.req("SVC-3")
def test_reminded_once_the_day_before(community, travel):
    activity = ActivityFactory(community=community)
    held = sign_up(activity, household(community, name="甲"))
    assert services.reminders_send() == 0
    travel(dt.timedelta(days=6, hours=1))
    assert services.reminders_send() == 1
    assert services.reminders_send() == 0
    assert Message.objects.filter(event="activity.reminder", recipient=held.user).count() == 1

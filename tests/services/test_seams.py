"""Where the six parts of the services app meet: 我的 leads to the provider pages, the
provider's home shows the day's bookings, the attendance pages lead back to the activity, the
reviewers hear of a sign-up awaiting approval, the household hears of a returned parcel."""

import pytest
from django.urls import reverse

from accounts.models import Residency
from notices.models import Message
from services.activities import services as activity_services
from services.models import ActivitySignup, Booking, ProviderMember
from services.parcels import services as parcel_services
from tests.factories import ActivityFactory, activity_signup, bookable_provider, booking_row

from .activities_support import household, sign_up

pytestmark = pytest.mark.django_db
S = ActivitySignup.Status
ME = reverse("accounts:me")
HOME = reverse("services_provider:provider_home")
APPLY = reverse("services_provider:provider_apply")


@pytest.fixture
def home(resident, room):
    return Residency.objects.get(user=resident, room=room)


# --- 我的 → the provider pages ---------------------------------------------------------------------


@pytest.mark.req("SSVC-1")
def test_me_offers_every_resident_to_apply_as_a_provider(client_for, resident):
    html = client_for(resident).get(ME).content.decode()
    assert f'href="{APPLY}"' in html and "服务商入驻" in html
    assert f'href="{HOME}"' not in html


@pytest.mark.req("SVC-2")
def test_me_leads_a_providers_member_to_the_provider_pages(client_for, resident, community):
    provider = bookable_provider(community)
    ProviderMember.objects.create(provider=provider, user=resident, role="staff")
    html = client_for(resident).get(ME).content.decode()
    assert f'href="{HOME}"' in html and "服务商工作台" in html
    assert f'href="{APPLY}"' not in html


# --- The provider's home: today and what comes next ------------------------------------------------


@pytest.mark.req("SVC-1")
def test_the_provider_home_shows_today_and_the_next_bookings(client_for, community, home):
    provider = bookable_provider(community)
    booking_row(home, provider, days_ahead=0, hour=9)
    booking_row(home, provider, days_ahead=0, hour=14, status="confirmed")
    booking_row(home, provider, days_ahead=2, hour=10)
    booking_row(home, provider, days_ahead=1, hour=10)
    booking_row(home, provider, days_ahead=0, hour=16, status="cancelled")
    booking_row(home, provider, days_ahead=-3, hour=10, status="done")
    owner = provider.members.get().user
    response = client_for(owner).get(HOME)
    assert response.context["agenda"]["today"] == 2
    assert response.context["agenda"]["upcoming"] == 4
    assert len(response.context["agenda"]["next"]) == 4
    html = response.content.decode()
    assert reverse("services_provider:booking_list") in html
    cancelled = Booking.objects.get(provider=provider, status="cancelled")
    assert reverse("services_provider:booking_detail", args=[cancelled.pk]) not in html
    assert "日常保洁" in html and "今天" in html and "明天" in html


@pytest.mark.req("SVC-1")
@pytest.mark.parametrize("rows", [1, 12])
def test_the_provider_home_runs_a_bounded_number_of_queries(
    client_for, community, home, rows, django_assert_max_num_queries
):
    provider = bookable_provider(community, slot_capacity=20)
    for n in range(rows):
        booking_row(home, provider, days_ahead=n % 3, hour=8 + n % 8)
    client = client_for(provider.members.get().user)
    client.get(HOME)
    with django_assert_max_num_queries(16):
        assert client.get(HOME).status_code == 200


def test_another_providers_bookings_are_not_on_the_home(client_for, community, home):
    mine = bookable_provider(community, name="甲家政")
    theirs = bookable_provider(community, name="乙家政")
    booking_row(home, theirs, days_ahead=0, hour=9)
    response = client_for(mine.members.get().user).get(HOME)
    assert response.context["agenda"]["today"] == 0
    assert response.context["agenda"]["next"] == []


# --- Attendance pages lead back to the activity -----------------------------------------------------


@pytest.mark.req("SSVC-2")
def test_the_attendance_pages_link_back_to_the_activity(client_for, manager, community, home):
    activity = ActivityFactory(community=community, capacity=10)
    signup = activity_signup(activity, home, people=1)
    staff_detail = reverse("services_staff:activity_detail", args=[activity.pk])
    client = client_for(manager)
    for name in ("checkin", "activity_report"):
        html = client.get(reverse(f"services_staff:{name}", args=[activity.pk])).content.decode()
        assert f'href="{staff_detail}"' in html, name
    html = (
        client_for(home.user)
        .get(reverse("services:checkin_pass", args=[signup.pk]))
        .content.decode()
    )
    assert f'href="{reverse("services:activity_detail", args=[activity.pk])}"' in html


# --- A sign-up awaiting approval is told to the reviewers ---------------------------------------------


@pytest.mark.req("SSVC-2")
def test_reviewers_hear_of_a_sign_up_awaiting_approval(community, manager, staff_user):
    activity = ActivityFactory(community=community, capacity=4, needs_approval=True)
    signup = sign_up(activity, household(community, name="甲"), people=2)
    assert signup.status == S.PENDING
    message = Message.objects.get(event="activity.signup_pending")
    assert message.recipient == manager  # front desk (staff_user) may not approve
    assert message.url == reverse("services_staff:activity_signups", args=[activity.pk]) + (
        "?status=pending"
    )
    # Without approval, nobody on the staff is bothered.
    plain = ActivityFactory(community=community, capacity=4)
    sign_up(plain, household(community, name="乙"))
    assert Message.objects.filter(event="activity.signup_pending").count() == 1


@pytest.mark.req("SSVC-2")
def test_reviewers_hear_of_a_claimed_place_awaiting_approval(community, manager):
    activity = ActivityFactory(community=community, capacity=1, needs_approval=True)
    first = sign_up(activity, household(community, name="甲"))
    second = sign_up(activity, household(community, name="乙"))
    assert second.status == S.WAITLISTED
    activity_services.signup_cancel(signup=first, user=first.user)
    second.refresh_from_db()
    assert second.status == S.OFFERED
    Message.objects.filter(event="activity.signup_pending").delete()
    activity_services.offer_claim(signup=second, user=second.user)
    assert Message.objects.filter(event="activity.signup_pending", recipient=manager).exists()


# --- A returned parcel is told to the household ------------------------------------------------------


@pytest.mark.req("SVC-1")
def test_the_household_hears_that_its_parcel_went_back(room, resident, family_member, staff_user):
    parcel = parcel_services.parcel_log(room=room, actor=staff_user, carrier="yto", shelf="C1")
    parcel_services.parcel_return(parcel=parcel, actor=staff_user, reason="收件人拒收")
    messages = Message.objects.filter(event="parcel.returned")
    assert {m.recipient for m in messages} == {resident, family_member}
    assert "收件人拒收" in messages.first().body


# --- What the demo's screenshots showed ---------------------------------------------------------------


@pytest.mark.req("SVC-3")
def test_a_past_activity_reads_ended_not_a_residency_word(client_for, community, resident):
    import datetime as dt

    from django.utils import timezone

    start = timezone.now() - dt.timedelta(days=3)
    ActivityFactory(
        community=community, starts_at=start, ends_at=start + dt.timedelta(hours=2),
        signup_opens_at=start - dt.timedelta(days=5), signup_closes_at=start,
    )  # fmt: skip
    html = client_for(resident).get(reverse("services:activity_list")).content.decode()
    assert "已结束" in html and "已解除" not in html

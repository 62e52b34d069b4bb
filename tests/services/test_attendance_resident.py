"""The household's sign-up pass (its QR code and code) and self check-in on the day (SVC-3)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Residency
from services.models import ActivityParticipant
from tests.factories import ResidencyFactory

from .attendance_helpers import make_activity, make_signup

pytestmark = [pytest.mark.django_db, pytest.mark.req("SVC-3")]


@pytest.fixture
def household(resident):
    return Residency.objects.get(user=resident)


def pass_url(signup) -> str:
    return reverse("services:checkin_pass", args=[signup.pk])


def self_url(signup) -> str:
    return reverse("services:checkin_self", args=[signup.pk])


def test_the_pass_shows_a_qr_code_of_the_code(client_for, resident, community, household):
    signup = make_signup(make_activity(community), household)
    response = client_for(resident).get(pass_url(signup))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg viewBox="0 0' in html and 'class="segno"' in html
    assert f"data-signup-code>{signup.code}<" in html
    assert "张小宝" in html and "未签到" in html


def test_the_qr_code_decodes_to_the_plain_code(community, household):
    """What the desk's scanner reads is the code itself, nothing else."""
    import segno

    signup = make_signup(make_activity(community), household)
    from services.templatetags.attendance import signup_qr

    code = segno.make_qr(signup.code, error="m")
    assert not code.is_micro  # the phone scanner (zxing) reads QR codes, not Micro QR
    assert f"<title>{signup.code}</title>" in signup_qr(signup)


def test_a_waiting_sign_up_has_no_code_yet(client_for, resident, community, household):
    signup = make_signup(make_activity(community), household, status="waitlisted")
    html = client_for(resident).get(pass_url(signup)).content.decode()
    assert signup.code not in html and "segno" not in html


def test_family_sees_the_pass_and_others_get_404(
    client_for, resident, family_member, outsider, community, household, room
):
    signup = make_signup(make_activity(community), household)
    assert client_for(family_member).get(pass_url(signup)).status_code == 200
    neighbour = ResidencyFactory(room__building=room.building).user
    assert client_for(neighbour).get(pass_url(signup)).status_code == 404
    assert client_for(outsider).get(pass_url(signup)).status_code == 404
    assert client_for(outsider).post(self_url(signup)).status_code == 404


def test_a_draft_activitys_sign_up_is_not_shown(client_for, resident, community, household):
    signup = make_signup(make_activity(community, status="draft"), household)
    assert client_for(resident).get(pass_url(signup)).status_code == 404


def test_self_check_in_on_the_day(client_for, resident, community, household):
    soon = timezone.now() + dt.timedelta(minutes=30)
    signup = make_signup(make_activity(community, starts_at=soon, self_checkin=True), household)
    client = client_for(resident)
    assert "自助签到" in client.get(pass_url(signup)).content.decode()
    child = signup.participants.get(name="张小宝")
    response = client.post(self_url(signup), {"people": [child.pk]}, follow=True)
    assert "已签到：张小宝" in response.content.decode()
    child.refresh_from_db()
    assert child.checkin_method == ActivityParticipant.CheckinMethod.SELF
    assert child.checked_in_by == resident
    assert signup.participants.get(name="张伟").checked_in_at is None
    # Nobody ticked: everyone not yet in; the child keeps the first time.
    first = child.checked_in_at
    client.post(self_url(signup))
    assert not signup.participants.filter(checked_in_at__isnull=True).exists()
    child.refresh_from_db()
    assert child.checked_in_at == first


def test_self_check_in_outside_the_window_is_refused(
    client_for, resident, community, household, travel
):
    later = timezone.now() + dt.timedelta(hours=3)
    signup = make_signup(make_activity(community, starts_at=later, self_checkin=True), household)
    client = client_for(resident)
    assert 'action="' + self_url(signup) not in client.get(pass_url(signup)).content.decode()
    response = client.post(self_url(signup), follow=True)
    assert "活动开始前 1 小时开放" in response.content.decode()
    assert not signup.participants.filter(checked_in_at__isnull=False).exists()
    travel(2 * 3600 + 60)  # now within the hour before the start
    client.post(self_url(signup))
    assert not signup.participants.filter(checked_in_at__isnull=True).exists()


def test_self_check_in_after_the_end_is_refused(client_for, resident, community, household):
    started = timezone.now() - dt.timedelta(hours=3)
    signup = make_signup(make_activity(community, starts_at=started, self_checkin=True), household)
    client_for(resident).post(self_url(signup))
    assert not signup.participants.filter(checked_in_at__isnull=False).exists()


def test_no_self_check_in_where_staff_do_not_allow_it(client_for, resident, community, household):
    soon = timezone.now() + dt.timedelta(minutes=10)
    signup = make_signup(make_activity(community, starts_at=soon), household)
    response = client_for(resident).post(self_url(signup), follow=True)
    assert "不支持自助签到" in response.content.decode()
    assert not signup.participants.filter(checked_in_at__isnull=False).exists()


def test_self_check_in_is_post_only(client_for, resident, community, household):
    signup = make_signup(make_activity(community, self_checkin=True), household)
    assert client_for(resident).get(self_url(signup)).status_code == 405


def test_a_waiting_sign_up_cannot_check_itself_in(client_for, resident, community, household):
    soon = timezone.now() + dt.timedelta(minutes=10)
    activity = make_activity(community, starts_at=soon, self_checkin=True)
    signup = make_signup(activity, household, status="waitlisted")
    response = client_for(resident).post(self_url(signup), follow=True)
    assert "尚未确认" in response.content.decode()
    assert not signup.participants.filter(checked_in_at__isnull=False).exists()


def test_self_check_in_goes_back_to_the_page_it_came_from(
    client_for, resident, community, household
):
    soon = timezone.now() + dt.timedelta(minutes=30)
    signup = make_signup(make_activity(community, starts_at=soon, self_checkin=True), household)
    client = client_for(resident)
    page = client.get(pass_url(signup)).content.decode()
    assert f'name="next" value="{pass_url(signup)}"' in page
    response = client.post(self_url(signup), {"next": "/activities/7/"})
    assert response["Location"] == "/activities/7/"
    response = client.post(self_url(signup), {"next": "https://evil.example/"})
    assert response["Location"] == pass_url(signup)

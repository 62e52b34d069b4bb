"""The staff check-in desk (SVC-3): a code (scanned or typed) finds a confirmed sign-up of this
activity only; attendance is recorded once per person; counts, audit, tenancy, permissions."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Residency
from kit.models import AuditEntry
from services.models import ActivityParticipant, ActivitySignup
from tests.factories import ResidencyFactory, RoomFactory

from .attendance_helpers import make_activity, make_signup

pytestmark = [pytest.mark.django_db, pytest.mark.req("SVC-3")]


@pytest.fixture
def household(resident):
    return Residency.objects.get(user=resident)


@pytest.fixture
def activity(community):
    return make_activity(community)


@pytest.fixture
def signup(activity, household):
    return make_signup(activity, household, names=("张伟", "张小宝"))


def desk(activity) -> str:
    return reverse("services_staff:checkin", args=[activity.pk])


def test_a_typed_code_shows_the_household_with_everyone_ticked(client_for, staff_user, signup):
    response = client_for(staff_user).get(desk(signup.activity), {"code": f" {signup.code} "})
    assert response.status_code == 200
    html = response.content.decode()
    assert "3栋1201" in html
    assert html.count('name="people"') == 2 and html.count("checked") >= 2
    assert "已签到0 / 应到2" in html


def test_checking_in_records_each_person_once(client_for, staff_user, signup):
    client = client_for(staff_user)
    people = list(signup.participants.values_list("pk", flat=True))
    response = client.post(
        desk(signup.activity), {"code": signup.code, "via": "scan", "people": people}
    )
    assert response.status_code == 302
    rows = list(signup.participants.all())
    assert all(row.checked_in_at and row.checked_in_by == staff_user for row in rows)
    assert {row.checkin_method for row in rows} == {ActivityParticipant.CheckinMethod.SCAN}
    first = {row.pk: row.checked_in_at for row in rows}
    entry = AuditEntry.objects.get(action="activity.checked_in")
    assert (
        entry.data["people"] == ["张伟", "张小宝"]
        and entry.community_id == signup.activity.community_id
    )

    # The same code scanned again: nothing changes, and the desk says when they came.
    again = client.post(
        desk(signup.activity), {"code": signup.code, "via": "code", "people": people}, follow=True
    )
    assert {row.pk: row.checked_in_at for row in signup.participants.all()} == first
    assert AuditEntry.objects.filter(action="activity.checked_in").count() == 1
    html = again.content.decode()
    time = timezone.localtime(rows[0].checked_in_at).strftime("%H:%M")
    assert f"已签到{time}" in html or f"已于{time}签到" in html
    assert "已签到2 / 应到2" in html
    lookup = client.get(desk(signup.activity), {"code": signup.code})
    assert 'name="people"' not in lookup.content.decode()


def test_only_the_ticked_people_are_checked_in(client_for, staff_user, signup):
    child = signup.participants.get(name="张小宝")
    client_for(staff_user).post(desk(signup.activity), {"code": signup.code, "people": [child.pk]})
    assert list(signup.participants.filter(checked_in_at__isnull=False)) == [child]
    assert child.__class__.objects.get(pk=child.pk).checkin_method == "code"


def test_nobody_ticked_is_refused_in_chinese(client_for, staff_user, signup):
    response = client_for(staff_user).post(desk(signup.activity), {"code": signup.code})
    assert response.status_code == 400
    assert "请至少选择一人" in response.content.decode()
    assert not signup.participants.filter(checked_in_at__isnull=False).exists()


def test_a_person_of_another_sign_up_cannot_be_slipped_in(client_for, staff_user, signup, activity):
    other = make_signup(
        activity,
        ResidencyFactory(room=RoomFactory(building=signup.household.room.building)),
        names=("赵六",),
    )
    intruder = other.participants.get()
    client_for(staff_user).post(desk(activity), {"code": signup.code, "people": [intruder.pk]})
    intruder.refresh_from_db()
    assert intruder.checked_in_at is None


@pytest.mark.parametrize("status", ["waitlisted", "pending", "offered", "cancelled"])
def test_a_sign_up_not_confirmed_is_not_found(client_for, staff_user, activity, household, status):
    signup = make_signup(activity, household, status=status)
    response = client_for(staff_user).get(desk(activity), {"code": signup.code})
    assert "没有此签到码" in response.content.decode() or "未找到" in response.content.decode()
    assert 'name="people"' not in response.content.decode()
    client_for(staff_user).post(
        desk(activity), {"code": signup.code, "people": [signup.participants.first().pk]}
    )
    assert not ActivityParticipant.objects.filter(checked_in_at__isnull=False).exists()


def test_another_activitys_code_is_not_found_here(client_for, staff_user, community, signup):
    elsewhere = make_activity(community, title="广场舞")
    response = client_for(staff_user).get(desk(elsewhere), {"code": signup.code})
    html = response.content.decode()
    assert "3栋1201" not in html and "张小宝" not in html
    client_for(staff_user).post(
        desk(elsewhere), {"code": signup.code, "people": [signup.participants.first().pk]}
    )
    assert not ActivityParticipant.objects.filter(checked_in_at__isnull=False).exists()


def test_another_communitys_activity_and_code_are_out_of_reach(
    client_for, staff_user, outsider_staff, other_community, outsider, signup
):
    theirs = make_activity(other_community)
    their_signup = make_signup(theirs, Residency.objects.get(user=outsider), names=("王芳",))
    client = client_for(staff_user)
    assert client.get(desk(theirs)).status_code == 404
    assert client.post(desk(theirs), {"code": their_signup.code}).status_code == 404
    # Their code typed at our desk: not found, nothing about them shown.
    response = client.get(desk(signup.activity), {"code": their_signup.code})
    assert "王芳" not in response.content.decode()
    # And their staff cannot reach ours.
    assert client_for(outsider_staff).get(desk(signup.activity)).status_code == 404


def test_positions_without_the_duty_are_refused(client_for, cashier, technician, manager, signup):
    assert client_for(cashier).get(desk(signup.activity)).status_code == 403
    assert client_for(technician).get(desk(signup.activity)).status_code == 403
    assert client_for(manager).get(desk(signup.activity)).status_code == 200


def test_a_cancelled_activity_checks_nobody_in(client_for, staff_user, signup):
    signup.activity.status = "cancelled"
    signup.activity.save()
    response = client_for(staff_user).post(
        desk(signup.activity),
        {"code": signup.code, "people": list(signup.participants.values_list("pk", flat=True))},
    )
    assert response.status_code == 400
    assert "活动已取消" in response.content.decode()


def test_the_desk_page_runs_a_bounded_number_of_queries(
    client_for, staff_user, activity, signup, django_assert_max_num_queries
):
    client = client_for(staff_user)
    client.get(desk(activity))  # warm the session and the permission caches
    with django_assert_max_num_queries(25) as few:
        client.get(desk(activity), {"code": signup.code})
    building = signup.household.room.building
    for number in range(30):
        head = ResidencyFactory(room=RoomFactory(building=building, number=f"9{number:02}"))
        make_signup(activity, head, names=("甲", "乙", "丙"))
    big = make_signup(
        activity,
        ResidencyFactory(room=RoomFactory(building=building)),
        names=[f"人{i}" for i in range(5)],
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(desk(activity), {"code": big.code})


def test_the_count_follows_confirmed_people(client_for, staff_user, activity, signup):
    make_signup(
        activity,
        ResidencyFactory(room=RoomFactory(building=signup.household.room.building)),
        names=("甲",),
        status=ActivitySignup.Status.WAITLISTED,
    )
    signup.participants.filter(name="张伟").update(
        checked_in_at=timezone.now() - dt.timedelta(minutes=5)
    )
    response = client_for(staff_user).get(desk(activity))
    assert "已签到1 / 应到2" in response.content.decode()


def test_the_service_keeps_the_first_time_of_each_person(signup, staff_user, manager, travel):
    from services.attendance import services

    first = services.checkin_participants(
        signup=signup, participant_ids=None, actor=staff_user, method="scan"
    )
    assert [p.name for p in first.checked_in] == ["张伟", "张小宝"] and first.already == []
    times = dict(signup.participants.values_list("pk", "checked_in_at"))
    travel(600)
    again = services.checkin_participants(
        signup=signup, participant_ids=None, actor=manager, method="code"
    )
    assert again.checked_in == [] and [p.name for p in again.already] == ["张伟", "张小宝"]
    assert dict(signup.participants.values_list("pk", "checked_in_at")) == times
    assert set(signup.participants.values_list("checked_in_by", flat=True)) == {staff_user.pk}
    assert AuditEntry.objects.filter(action="activity.checked_in").count() == 1

"""The staff activity pages (SSVC-2): writing and publishing an activity, its figures, the
sign-up list with approval and refusal, cancelling; tenancy and bounded queries."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kit.models import AuditEntry
from notices import fanout
from notices.models import FanOut, Message
from services.models import Activity, ActivitySignup
from tests.factories import ActivityFactory, BuildingFactory, activity_signup, photo_upload

from .activities_support import household

pytestmark = pytest.mark.django_db
S = ActivitySignup.Status
FORMAT = "%Y-%m-%dT%H:%M"


def form_data(**changes) -> dict:
    start = timezone.localtime() + dt.timedelta(days=7)
    data = {
        "title": "亲子手工课",
        "description": "一起做灯笼。",
        "place": "活动中心",
        "starts_at": start.strftime(FORMAT),
        "ends_at": (start + dt.timedelta(hours=2)).strftime(FORMAT),
        "signup_opens_at": timezone.localtime().strftime(FORMAT),
        "signup_closes_at": (start - dt.timedelta(days=1)).strftime(FORMAT),
        "cancel_closes_at": "",
        "capacity": "30",
        "per_household_limit": "3",
        "claim_hours": "24",
        "audience": "all",
        "question_0": "孩子年龄",
        "question_0_required": "on",
    }
    data.update(changes)
    return data


@pytest.mark.req("SSVC-2")
def test_manager_writes_and_publishes_an_activity_to_its_audience(
    client_for, manager, community, resident
):
    client = client_for(manager)
    response = client.post(
        reverse("services_staff:activity_create"), {**form_data(), "poster_upload": photo_upload()}
    )
    activity = Activity.objects.get()
    assert response.status_code == 302
    assert activity.status == Activity.Status.DRAFT and activity.community == community
    assert activity.fields == [{"label": "孩子年龄", "required": True}]
    assert activity.poster and activity.poster.name.endswith(".jpg")
    poster = client.get(reverse("services_staff:activity_poster", args=[activity.pk]))
    assert poster.status_code == 200 and poster["Content-Type"] == "image/jpeg"
    client.post(reverse("services_staff:activity_publish", args=[activity.pk]))
    activity.refresh_from_db()
    assert activity.status == Activity.Status.PUBLISHED
    fan_out = FanOut.objects.get(event="activity.published")
    fanout.run(fan_out.pk)
    assert Message.objects.filter(event="activity.published", recipient=resident).exists()
    assert AuditEntry.objects.filter(action="activity.published").exists()
    page = client.get(reverse("services_staff:activity_detail", args=[activity.pk]))
    assert "亲子手工课" in page.content.decode()


@pytest.mark.req("SSVC-2")
def test_an_activity_for_chosen_buildings_is_announced_there_only(
    client_for, manager, community, resident, room
):
    other = household(
        community, building=BuildingFactory(community=community, name="9栋"), name="外楼"
    )
    client = client_for(manager)
    client.post(
        reverse("services_staff:activity_create"),
        form_data(audience="buildings", audience_buildings=[room.building_id]),
    )
    activity = Activity.objects.get()
    client.post(reverse("services_staff:activity_publish", args=[activity.pk]))
    fanout.run(FanOut.objects.get().pk)
    told = set(Message.objects.values_list("recipient", flat=True))
    assert resident.pk in told and other.user_id not in told


@pytest.mark.req("SSVC-2")
def test_bad_input_is_refused_in_chinese_and_kept(client_for, manager):
    start = timezone.localtime() + dt.timedelta(days=7)
    response = client_for(manager).post(
        reverse("services_staff:activity_create"),
        form_data(
            ends_at=(start - dt.timedelta(hours=1)).strftime(FORMAT),
            signup_closes_at=(start + dt.timedelta(hours=1)).strftime(FORMAT),
            per_household_limit="40",
        ),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "结束时间必须晚于开始时间" in html
    assert "报名必须在活动开始前截止" in html
    assert "每户人数不能超过名额总数" in html
    assert "亲子手工课" in html  # what was typed is still there
    assert not Activity.objects.exists()


@pytest.mark.req("SSVC-2")
def test_capacity_cannot_drop_below_places_taken(client_for, manager, community):
    activity = ActivityFactory(community=community, capacity=5)
    activity_signup(activity, household(community), people=3)
    response = client_for(manager).post(
        reverse("services_staff:activity_edit", args=[activity.pk]), form_data(capacity="2")
    )
    assert response.status_code == 400
    assert "已有3个名额被占用" in response.content.decode()


@pytest.mark.req("SSVC-2")
def test_detail_shows_the_figures(client_for, staff_user, community):
    activity = ActivityFactory(community=community, capacity=4)
    activity_signup(activity, household(community, name="甲"), people=3)
    activity_signup(activity, household(community, name="乙"), people=2, status=S.WAITLISTED)
    response = client_for(staff_user).get(
        reverse("services_staff:activity_detail", args=[activity.pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "3 / 4" in html and "候补户数" in html


@pytest.mark.req("SSVC-2")
def test_approve_and_refuse_from_the_sign_up_list(client_for, manager, community):
    activity = ActivityFactory(community=community, capacity=4, needs_approval=True)
    first = activity_signup(activity, household(community, name="甲"), people=2, status=S.PENDING)
    second = activity_signup(activity, household(community, name="乙"), people=2, status=S.PENDING)
    client = client_for(manager)
    signups = reverse("services_staff:activity_signups", args=[activity.pk])
    assert client.get(signups + "?status=pending").status_code == 200
    assert (
        client.get(reverse("services_staff:activity_signup_approve", args=[first.pk])).status_code
        == 405
    )
    client.post(reverse("services_staff:activity_signup_approve", args=[first.pk]))
    response = client.post(
        reverse("services_staff:activity_signup_refuse", args=[second.pk]), {"reason": "重复报名"}
    )
    assert response.status_code == 302 and response["Location"] == signups
    first.refresh_from_db()
    second.refresh_from_db()
    activity.refresh_from_db()
    assert (first.status, second.status) == (S.CONFIRMED, S.REFUSED)
    assert activity.places_taken == 2
    assert Message.objects.filter(recipient=second.user, event="activity.signup_changed").exists()
    assert AuditEntry.objects.filter(action="activity.signup_refused").exists()


@pytest.mark.req("SSVC-2")
def test_front_desk_sees_but_does_not_decide(client_for, staff_user, community):
    activity = ActivityFactory(community=community)
    signup = activity_signup(activity, household(community), status=S.PENDING)
    client = client_for(staff_user)
    assert (
        client.get(reverse("services_staff:activity_signups", args=[activity.pk])).status_code
        == 200
    )
    assert (
        client.post(reverse("services_staff:activity_signup_approve", args=[signup.pk])).status_code
        == 403
    )
    assert (
        client.post(reverse("services_staff:activity_publish", args=[activity.pk])).status_code
        == 403
    )


@pytest.mark.req("SSVC-2")
def test_cancelling_needs_a_reason(client_for, manager, community):
    activity = ActivityFactory(community=community)
    client = client_for(manager)
    url = reverse("services_staff:activity_cancel", args=[activity.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and "请填写原因" in response.content.decode()
    client.post(url, {"reason": "暴雨"})
    activity.refresh_from_db()
    assert activity.status == Activity.Status.CANCELLED and activity.cancel_reason == "暴雨"


@pytest.mark.req("SSVC-2")
def test_another_communitys_activity_and_sign_up_are_404(
    client_for, manager, other_community, outsider_room
):
    activity = ActivityFactory(community=other_community)
    signup = activity_signup(
        activity, outsider_room.residencies.first() or household(other_community)
    )
    client = client_for(manager)
    for name in ("activity_detail", "activity_edit", "activity_signups", "activity_poster"):
        assert client.get(reverse(f"services_staff:{name}", args=[activity.pk])).status_code == 404
    for name in ("activity_publish", "activity_cancel"):
        assert client.post(reverse(f"services_staff:{name}", args=[activity.pk])).status_code == 404
    for name in ("activity_signup_approve", "activity_signup_refuse"):
        assert client.post(reverse(f"services_staff:{name}", args=[signup.pk])).status_code == 404
    listed = client.get(reverse("services_staff:activity_list")).content.decode()
    assert activity.title not in listed


def _signups(activity, community, count: int) -> None:
    building = BuildingFactory(community=community, name=f"{count}号楼")
    for n in range(count):
        home = household(community, building=building, name=f"住户{n}")
        activity_signup(activity, home, people=2 if n % 2 else 1,
                        status=S.CONFIRMED if n % 3 else S.WAITLISTED)  # fmt: skip


@pytest.mark.req("SSVC-2")
def test_the_sign_up_list_runs_a_bounded_number_of_queries(
    client_for, manager, community, django_assert_max_num_queries
):
    activity = ActivityFactory(
        community=community, capacity=1000, fields=[{"label": "孩子年龄", "required": False}]
    )
    client = client_for(manager)
    url = reverse("services_staff:activity_signups", args=[activity.pk])
    _signups(activity, community, 3)
    client.get(url)
    # 21: the page and the staff menu with its badges (one of them new complaints and
    # suggestions together).
    with django_assert_max_num_queries(21) as few:
        assert client.get(url).status_code == 200
    _signups(activity, community, 60)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url + "?sort=room").status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        assert client.get(url + "?q=住户1&building=").status_code == 200


@pytest.mark.req("SSVC-2")
def test_the_sign_up_rows_do_not_run_the_context_processors_per_cell(
    client_for, manager, community, bound_templates
):
    """The bench's big activity missed 100 ms: django-tables2's TemplateColumn rendered each
    cell with the page's request, running every context processor (and masking a new CSRF
    token) for each of the 25 rows' cells. The cells now get a small context."""
    activity = ActivityFactory(
        community=community, capacity=1000, fields=[{"label": "孩子年龄", "required": False}]
    )
    _signups(activity, community, 30)
    response = client_for(manager).get(
        reverse("services_staff:activity_signups", args=[activity.pk])
    )
    assert response.status_code == 200
    # The page and django-tables2's table template; no cell.
    assert bound_templates == [
        "staff/services/activities/signups.html",
        "django_tables2/bootstrap5.html",
    ]
    page = response.content.decode()
    # The cells are all there: room, who signed up, the people, the answer, the status, and
    # the refusal form of each waiting household with the page's CSRF token.
    assert "30号楼" in page and "住户1" in page and "孩子年龄" in page
    assert page.count('name="csrfmiddlewaretoken"') == 1 + 9  # log-out, the 9 waiting of page 1
    assert "activity_signup_refuse" not in page and "/refuse/" in page


@pytest.mark.req("SSVC-2")
def test_the_activity_list_filters(client_for, staff_user, community):
    ActivityFactory(community=community, title="未来的活动")
    ActivityFactory(
        community=community, title="过去的活动",
        starts_at=timezone.now() - dt.timedelta(days=3),
        signup_opens_at=timezone.now() - dt.timedelta(days=9),
    )  # fmt: skip
    client = client_for(staff_user)
    upcoming = client.get(reverse("services_staff:activity_list") + "?when=upcoming")
    assert "未来的活动" in upcoming.content.decode()
    assert "过去的活动" not in upcoming.content.decode()
    past = client.get(reverse("services_staff:activity_list") + "?when=past").content.decode()
    assert "过去的活动" in past and "未来的活动" not in past


@pytest.mark.req("SSVC-2")
def test_the_activity_list_runs_a_bounded_number_of_queries(
    client_for, staff_user, community, django_assert_max_num_queries
):
    client = client_for(staff_user)
    url = reverse("services_staff:activity_list")
    ActivityFactory(community=community)
    client.get(url)
    # 21: the page and the staff menu with its badges (one of them new complaints and
    # suggestions together).
    with django_assert_max_num_queries(21) as few:
        assert client.get(url).status_code == 200
    for _n in range(40):
        activity = ActivityFactory(community=community, capacity=3)
        activity_signup(activity, household(community), people=3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url + "?status=published&when=upcoming").status_code == 200

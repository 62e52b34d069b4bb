"""The resident's 社区活动 pages (SVC-3): the list for the household's community and building,
signing up the family in one step, the waiting list, cancelling and claiming a freed place;
nobody sees another community's activities or another household's sign-up."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from services.models import Activity, ActivitySignup
from tests.factories import ActivityFactory, BuildingFactory, activity_signup

from .activities_support import household

pytestmark = pytest.mark.django_db
S = ActivitySignup.Status


def detail(activity) -> str:
    return reverse("services:activity_detail", args=[activity.pk])


@pytest.mark.req("SVC-3")
def test_the_list_shows_the_households_activities_soonest_first(
    client_for, resident, community, room, other_community
):
    later = ActivityFactory(community=community, title="晚些的活动",
                            starts_at=timezone.now() + dt.timedelta(days=9))  # fmt: skip
    sooner = ActivityFactory(community=community, title="早些的活动", capacity=1)
    activity_signup(sooner, household(community, name="甲"))
    ActivityFactory(community=community, title="草稿活动", status=Activity.Status.DRAFT)
    ActivityFactory(community=other_community, title="别的小区的活动")
    elsewhere = ActivityFactory(community=community, title="别的楼的活动")
    elsewhere.buildings.set([BuildingFactory(community=community, name="8栋")])
    ours = ActivityFactory(community=community, title="本楼的活动")
    ours.buildings.set([room.building])
    html = client_for(resident).get(reverse("services:activity_list")).content.decode()
    assert html.index("早些的活动") < html.index("晚些的活动")
    assert "本楼的活动" in html
    for hidden in ("草稿活动", "别的小区的活动", "别的楼的活动"):
        assert hidden not in html
    assert "已满" in html and "可候补" in html  # the full one
    assert later and "剩余" in html


@pytest.mark.req("SVC-3")
def test_outside_the_audience_or_community_is_404(client_for, resident, community, outsider):
    elsewhere = ActivityFactory(community=community)
    elsewhere.buildings.set([BuildingFactory(community=community, name="8栋")])
    draft = ActivityFactory(community=community, status=Activity.Status.DRAFT)
    client = client_for(resident)
    for activity in (elsewhere, draft):
        assert client.get(detail(activity)).status_code == 404
        assert (
            client.post(reverse("services:activity_signup", args=[activity.pk])).status_code == 404
        )
    ours = ActivityFactory(community=community)
    assert client_for(outsider).get(detail(ours)).status_code == 404


@pytest.mark.req("SVC-3")
def test_sign_up_the_family_and_a_child_in_one_step(client_for, resident, family_member, community):
    activity = ActivityFactory(
        community=community, fields=[{"label": "孩子年龄", "required": True}]
    )
    client = client_for(resident)
    page = client.get(detail(activity)).content.decode()
    assert "李娜" in page and "张伟" in page
    response = client.post(
        reverse("services:activity_signup", args=[activity.pk]),
        {"members": [resident.pk, family_member.pk], "others": "小明\n", "answer_0": "6岁"},
    )
    assert response.status_code == 302
    signup = ActivitySignup.objects.get()
    assert signup.status == S.CONFIRMED and signup.people == 3
    assert sorted(signup.participants.values_list("name", flat=True)) == ["小明", "张伟", "李娜"]
    assert signup.answers == {"0": "6岁"}
    # The family member sees the household's sign-up.
    html = client_for(family_member).get(detail(activity)).content.decode()
    assert "小明" in html and "取消报名" in html


@pytest.mark.req("SVC-3")
def test_refusals_are_in_chinese_and_keep_what_was_typed(client_for, resident, community):
    activity = ActivityFactory(
        community=community, per_household_limit=1, fields=[{"label": "孩子年龄", "required": True}]
    )
    response = client_for(resident).post(
        reverse("services:activity_signup", args=[activity.pk]),
        {"members": [resident.pk], "others": "小明", "answer_0": ""},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "每户最多1人报名" in html and "请回答这个问题" in html and "小明" in html
    assert not ActivitySignup.objects.exists()


@pytest.mark.req("SVC-3")
def test_full_then_waiting_then_offered_and_claimed(client_for, resident, community):
    activity = ActivityFactory(community=community, capacity=1, per_household_limit=1)
    first = household(community, name="甲")
    activity_signup(activity, first)
    client = client_for(resident)
    assert "加入候补" in client.get(detail(activity)).content.decode()
    client.post(reverse("services:activity_signup", args=[activity.pk]), {"members": [resident.pk]})
    mine = ActivitySignup.objects.get(user=resident)
    assert mine.status == S.WAITLISTED
    assert "候补名单第1位" in client.get(detail(activity)).content.decode()
    holder = ActivitySignup.objects.get(household=first)
    assert (
        client_for(first.user)
        .post(reverse("services:activity_signup_cancel", args=[holder.pk]))
        .status_code
        == 302
    )
    client = client_for(resident)  # one test client: signed in as the resident again
    page = client.get(detail(activity)).content.decode()
    holder.refresh_from_db()
    mine.refresh_from_db()
    assert (holder.status, mine.status) == (S.CANCELLED, S.OFFERED)
    assert "确认参加" in page
    client.post(reverse("services:activity_offer_claim", args=[mine.pk]))
    mine.refresh_from_db()
    assert mine.status == S.CONFIRMED


@pytest.mark.req("SVC-3")
def test_another_households_sign_up_is_404(client_for, resident, community, outsider):
    activity = ActivityFactory(community=community)
    theirs = activity_signup(activity, household(community, name="邻居"))
    for user in (resident, outsider):
        client = client_for(user)
        for name in ("activity_signup_cancel", "activity_offer_claim", "activity_offer_decline"):
            assert client.post(reverse(f"services:{name}", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == S.CONFIRMED


@pytest.mark.req("SVC-3")
def test_the_list_runs_a_bounded_number_of_queries(
    client_for, resident, community, django_assert_max_num_queries
):
    client = client_for(resident)
    url = reverse("services:activity_list")
    ActivityFactory(community=community)
    client.get(url)
    with django_assert_max_num_queries(25) as few:
        assert client.get(url).status_code == 200
    for n in range(30):
        activity = ActivityFactory(community=community, capacity=5)
        activity.buildings.set([BuildingFactory(community=community, name=f"{n}号楼")])
        activity_signup(activity, household(community, name=f"住户{n}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200

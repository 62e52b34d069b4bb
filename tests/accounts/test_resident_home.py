import pytest
from django.urls import reverse

from accounts.models import Residency

from ..factories import ResidencyFactory


@pytest.mark.req("ACC-4", "ACC-5")
def test_home_shows_rooms_and_household(client_for, resident, family_member):
    body = client_for(resident).get(reverse("accounts:home")).content.decode()
    assert "翠湖花园" in body
    assert "3栋1201" in body
    assert "李娜" in body and "张伟" in body
    assert "业主" in body


def test_family_member_sees_the_same_household(client_for, resident, family_member):
    body = client_for(family_member).get(reverse("accounts:home")).content.decode()
    assert "3栋1201" in body and "张伟" in body


@pytest.mark.req("X-1")
def test_outsider_sees_nothing_of_another_household(client_for, resident, family_member, outsider):
    body = client_for(outsider).get(reverse("accounts:home")).content.decode()
    assert "王芳" in body
    assert "张伟" not in body and "李娜" not in body and "3栋1201" not in body


@pytest.mark.req("ACC-4")
def test_pending_binding_shows_its_status_but_not_the_household(client_for, room, resident):
    newcomer = ResidencyFactory(
        room=room,
        status=Residency.Status.PENDING,
        verified_at=None,
        relation=Residency.Relation.TENANT,
    ).user
    body = client_for(newcomer).get(reverse("accounts:home")).content.decode()
    assert "待审核" in body
    assert "张伟" not in body


@pytest.mark.req("ACC-4")
def test_home_without_rooms_offers_a_big_bind_button(client_for, db):
    from ..factories import UserFactory

    body = client_for(UserFactory()).get(reverse("accounts:home")).content.decode()
    assert "尚未绑定房屋" in body or "还没有绑定房屋" in body
    assert f'class="btn btn-primary btn-lg w-100" href="{reverse("accounts:room_bind")}"' in body


@pytest.mark.req("ACC-5")
def test_home_shows_invitations_for_me_and_household_members(client_for, resident, family_member):
    from ..factories import FamilyInvitationFactory

    head = Residency.objects.get(user=resident)
    other_head = ResidencyFactory(user__display_name="钱多多")
    invitation = FamilyInvitationFactory(head=other_head, mobile=family_member.mobile)
    body = client_for(family_member).get(reverse("accounts:home")).content.decode()
    assert "钱多多" in body and other_head.room.label in body
    assert reverse("accounts:invitation_accept", args=[invitation.pk]) in body
    assert "张伟" in body and head.room.label in body


def test_tab_bar_links_only_existing_pages(client_for, resident):
    body = client_for(resident).get(reverse("accounts:home")).content.decode()
    assert 'class="tab-bar"' in body
    for name in ("accounts:home", "accounts:me"):
        assert f'href="{reverse(name)}"' in body


@pytest.mark.parametrize(
    ("path", "active"),
    [("/", "/"), ("/me/family/", "/me/"), ("/accounts/3rdparty/", "/me/")],
)
def test_the_tab_of_the_page_is_marked(client_for, resident, path, active):
    """Account pages reached from 我的 → 账号与安全 keep 我的 marked, not 首页."""
    body = client_for(resident).get(path).content.decode()
    assert f'<a href="{active}" class="active" aria-current="page">' in body
    assert body.count('aria-current="page"') == 1


def test_me_page_lists_rooms_and_settings(client_for, resident):
    response = client_for(resident).get(reverse("accounts:me"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "139****0001" in body
    assert "3栋1201" in body
    assert "退出登录" in body


@pytest.mark.req("ACC-4")
def test_home_has_a_bounded_number_of_queries(
    client_for, resident, family_member, room, staff_user, django_assert_max_num_queries
):
    from notices import services as notice_services

    from ..factories import NoticeFactory, RoomFactory

    for n in range(6):
        ResidencyFactory(
            user=resident, room=RoomFactory(building=room.building, number=f"{n + 2}05")
        )
        notice = NoticeFactory.build(community=room.building.community)
        notice_services.notice_save(notice=notice, actor=staff_user, buildings=[], publish="now")
    client = client_for(resident)
    client.get(reverse("accounts:home"))  # badges, notices and rooms' scopes are cached now
    # Session, user, the residencies, their households, the invitations: the tab bar's and the
    # entry grid's badges and the notices come from the cache (kit.cache).
    with django_assert_max_num_queries(5):
        response = client.get(reverse("accounts:home"))
    assert response.status_code == 200 and len(response.context["cards"]) == 7

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts.models import Residency
from staff.access import has_perm_in_community
from staff.services import staff_member_update

from ..factories import CommunityFactory, ResidencyFactory, RoomFactory, StaffMemberFactory


def test_home_shows_the_days_work_of_the_current_community(
    client_for, manager, room, resident, family_member, outsider
):
    """The figures themselves: tests/staff/test_workday.py."""
    RoomFactory(building=room.building, number="1202", floor=12)
    ResidencyFactory(room=room, status=Residency.Status.PENDING, verified_at=None)
    response = client_for(manager).get(reverse("staff:home"))
    waiting = next(
        figure
        for group in response.context["groups"]
        for figure in group["figures"]
        if figure["name"] == "residents.waiting"
    )
    assert waiting["value"] == 1
    assert "翠湖花园" in response.content.decode()


def test_a_resident_is_not_let_into_the_staff_portal(client_for, resident):
    response = client_for(resident).get(reverse("staff:home"))
    assert response.status_code == 403
    assert "不是物业员工" in response.content.decode() or "物业员工" in response.content.decode()


def test_an_inactive_staff_member_loses_access_at_once(client_for, manager, community):
    member = manager.staff_member
    staff_member_update(member=member, is_active=False)
    assert client_for(manager).get(reverse("staff:home")).status_code == 403
    assert not has_perm_in_community(manager, "staff.view_staffmember", community)


def test_switcher_changes_the_community(client_for, community, positions):
    second = CommunityFactory(company=community.company, name="金桂苑二期")
    user = StaffMemberFactory(communities=[community, second], position_name="经理").user
    client = client_for(user)
    body = client.get(reverse("staff:home")).content.decode()
    assert 'id="community-switcher"' in body
    assert client.get(reverse("staff:home")).wsgi_request.community == community
    response = client.post(reverse("staff:switch_community"), {"community_id": second.pk})
    assert response.status_code == 302
    assert client.get(reverse("staff:home")).wsgi_request.community == second
    client.post(reverse("staff:switch_community"), {"community_id": community.pk})
    assert client.get(reverse("staff:home")).wsgi_request.community == community


@pytest.mark.req("X-1")
def test_switcher_refuses_a_community_not_served(client_for, manager, community, other_community):
    client = client_for(manager)
    response = client.post(
        reverse("staff:switch_community"), {"community_id": other_community.pk}, follow=True
    )
    assert response.wsgi_request.community == community
    assert "不负责" in response.content.decode() or "无权" in response.content.decode()


def test_switch_is_post_only(client_for, manager):
    assert client_for(manager).get(reverse("staff:switch_community")).status_code == 405


def test_menu_shows_only_what_the_position_allows(client_for, manager, technician):
    manager_body = client_for(manager).get(reverse("staff:home")).content.decode()
    assert reverse("staff:audit_log") in manager_body
    assert reverse("staff_residents:residents") in manager_body
    technician_body = client_for(technician).get(reverse("staff:home")).content.decode()
    assert reverse("staff:audit_log") not in technician_body
    assert reverse("staff_residents:residents") not in technician_body
    assert client_for(technician).get(reverse("staff_residents:residents")).status_code == 403


@pytest.mark.req("X-1")
def test_guardian_grant_applies_to_one_community_only(
    client_for, community, positions, room, resident
):
    """A technician granted 'view residency' on one community sees its residents only there."""
    second = CommunityFactory(company=community.company, name="金桂苑二期")
    user = StaffMemberFactory(communities=[community, second], position_name="维修工").user
    assign_perm("local_view_residency", user, community)
    client = client_for(user)
    client.post(reverse("staff:switch_community"), {"community_id": community.pk})
    assert client.get(reverse("staff_residents:residents")).status_code == 200
    client.post(reverse("staff:switch_community"), {"community_id": second.pk})
    assert client.get(reverse("staff_residents:residents")).status_code == 403


def test_team_page_lists_the_community_staff(client_for, manager, technician, outsider_staff):
    body = client_for(manager).get(reverse("staff:team")).content.decode()
    assert "陈经理" in body and "吴师傅" in body
    assert str(outsider_staff) not in body


@pytest.mark.req("X-3")
def test_audit_log_page_shows_this_community_only(client_for, manager, room, outsider_room):
    from kit.audit import log_action

    log_action(
        actor=manager, action="residency.verified", target=room, community=room.building.community
    )
    log_action(
        actor=None,
        action="residency.verified",
        target=outsider_room,
        community=outsider_room.building.community,
    )
    body = client_for(manager).get(reverse("staff:audit_log")).content.decode()
    assert "3栋1201" in body
    assert outsider_room.number not in body
    assert "住户认证通过" in body or "认证" in body


def test_verify_buttons_follow_the_community_grant(client_for, community, positions, room):
    """The buttons show exactly when the view would accept the POST."""
    pending = ResidencyFactory(room=room, status=Residency.Status.PENDING, verified_at=None)
    user = StaffMemberFactory(communities=[community], position_name="维修工").user
    assign_perm("local_view_residency", user, community)
    client = client_for(user)
    verify_url = reverse("staff_residents:residency_verify", kwargs={"residency_id": pending.pk})
    assert verify_url not in client.get(reverse("staff_residents:residents")).content.decode()
    assign_perm("local_verify_residency", user, community)
    assert verify_url in client.get(reverse("staff_residents:residents")).content.decode()
    room_page = client.get(reverse("staff_residents:room_detail", kwargs={"room_id": room.pk}))
    assert verify_url in room_page.content.decode()
    assert client.post(verify_url).status_code == 302

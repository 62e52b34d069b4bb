"""X-3: per-community permission grants made in the operators' admin leave a trace in the
audit log, through the admin's real views: django-guardian's object permissions on a
community (to a person or to a position), and a staff member's positions per community."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from guardian.shortcuts import get_user_perms

from kit.models import AuditEntry
from tests.factories import StaffMemberFactory

pytestmark = pytest.mark.django_db


@pytest.mark.req("X-3")
def test_granting_and_revoking_a_community_duty_to_a_person_is_audited(
    client_for, operator, community, positions
):
    clerk = StaffMemberFactory(
        communities=[community], position_name="维修工", user__display_name="吴师傅"
    ).user
    client = client_for(operator)
    url = reverse("admin:accounts_community_permissions_manage_user", args=[community.pk, clerk.pk])
    response = client.post(url, {"permissions": ["local_view_room", "local_view_residency"]})
    assert response.status_code == 302
    assert set(get_user_perms(clerk, community).values_list("codename", flat=True)) == {
        "local_view_room", "local_view_residency",
    }  # fmt: skip
    granted = AuditEntry.objects.get(action="staff.community_grants_changed")
    assert granted.actor == operator and granted.community == community
    assert granted.data["before"] == [] and granted.data["after"] == [
        "local_view_residency", "local_view_room",
    ]  # fmt: skip
    assert "吴师傅" in granted.sentence and "可查看本小区房屋" in granted.sentence

    client.post(url, {"permissions": ["local_view_room"]})
    revoked = AuditEntry.objects.filter(action="staff.community_grants_changed").first()
    assert revoked.data["before"] == ["local_view_residency", "local_view_room"]
    assert revoked.data["after"] == ["local_view_room"]
    assert "收回：可查看本小区住户" in revoked.sentence
    # Saving without a change adds nothing.
    client.post(url, {"permissions": ["local_view_room"]})
    assert AuditEntry.objects.filter(action="staff.community_grants_changed").count() == 2
    # The community's managers read it in their own audit log.
    manager = StaffMemberFactory(communities=[community], position_name="经理").user
    body = client_for(manager).get(reverse("staff:audit_log")).content.decode()
    assert revoked.sentence in body


@pytest.mark.req("X-3")
def test_granting_a_community_duty_to_a_position_is_audited(
    client_for, operator, community, positions
):
    position = Group.objects.get(name="维修工")
    url = reverse(
        "admin:accounts_community_permissions_manage_group", args=[community.pk, position.pk]
    )
    client_for(operator).post(url, {"permissions": ["local_view_auditentry"]})
    entry = AuditEntry.objects.get(action="staff.community_grants_changed")
    assert entry.data["grantee"] == "维修工" and entry.data["grantee_kind"] == "group"
    assert entry.data["after"] == ["local_view_auditentry"]


@pytest.mark.req("X-3")
def test_a_staff_members_positions_changed_in_the_admin_are_audited_before_and_after(
    client_for, operator, manager, community
):
    from tests.staff.test_team import assignment_formset

    member = manager.staff_member
    technician = Group.objects.get(name="维修工")
    client_for(operator).post(
        reverse("admin:staff_staffmember_change", args=[member.pk]),
        {
            "user": manager.pk,
            "company": community.company.pk,
            "employee_number": "E-1",
            "is_active": "on",
            "joined_at": "2026-01-01",
            **assignment_formset(member, **{str(community.pk): technician.pk}),
        },
    )
    entry = AuditEntry.objects.get(action="staff.member_changed", actor=operator)
    assert entry.data["positions_before"] == {community.name: "经理"}
    assert entry.data["positions"] == {community.name: "维修工"}
    assert f"{community.name}：经理 → 维修工" in entry.sentence

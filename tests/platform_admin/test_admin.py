import pytest
from django.urls import reverse

from kit.audit import log_action


@pytest.mark.req("X-2")
def test_admin_index_is_chinese_and_lists_the_registry(client_for, operator):
    body = client_for(operator).get(reverse("admin:index")).content.decode()
    assert "平台管理" in body
    assert "运行记录" in body  # the kit's heading over the audit log and background processes
    for model in (
        "accounts/user",
        "accounts/propertycompany",
        "accounts/community",
        "accounts/building",
        "accounts/room",
        "accounts/residency",
        "staff/staffmember",
        "staff/position",
        "kit/auditentry",
    ):
        assert f"/admin/{model}/" in body, model


@pytest.mark.parametrize(
    ("model", "params"),
    [
        ("accounts/user", {"q": "139", "is_staff__exact": "1"}),
        ("accounts/community", {"q": "翠湖"}),
        ("accounts/room", {"q": "1201", "use__exact": "residential"}),
        ("accounts/residency", {"q": "张", "status__exact": "verified"}),
        ("staff/staffmember", {"q": "陈", "is_active__exact": "1"}),
        ("staff/position", {"q": "经理"}),
        ("kit/auditentry", {"q": "陈", "action": "residency.verified"}),
    ],
)
def test_admin_lists_are_searchable_and_filterable(
    client_for, operator, manager, resident, room, model, params
):
    log_action(
        actor=manager, action="residency.verified", target=room, community=room.building.community
    )
    response = client_for(operator).get(f"/admin/{model}/", params)
    assert response.status_code == 200
    assert "?e=1" not in response.get("Location", "")


@pytest.mark.req("X-3")
def test_audit_log_is_read_only_in_the_admin(client_for, operator, manager, room):
    entry = log_action(actor=manager, action="residency.verified", target=room)
    client = client_for(operator)
    assert client.get(reverse("admin:kit_auditentry_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:kit_auditentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    body = client.get(reverse("admin:kit_auditentry_changelist")).content.decode()
    assert "陈经理" in body


def test_staff_change_in_admin_sets_the_position_per_community_and_logs(
    client_for, operator, manager, community
):
    from django.contrib.auth.models import Group

    from kit.models import AuditEntry

    from ..staff.test_team import assignment_formset

    member = manager.staff_member
    technician = Group.objects.get(name="维修工")
    response = client_for(operator).post(
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
    assert response.status_code == 302, response.content.decode()[:2000]
    assert [(a.community, a.position) for a in member.assignments.all()] == [
        (community, technician)
    ]
    assert not manager.groups.exists()  # a position is never one of the account's groups
    entry = AuditEntry.objects.get(action="staff.member_changed", actor=operator)
    assert entry.data["positions"] == {community.name: "维修工"}


def test_admin_refuses_a_position_in_another_companys_community(
    client_for, operator, manager, other_community
):
    from ..staff.test_team import assignment_formset

    member = manager.staff_member
    data = assignment_formset(member)
    data["assignments-0-community"] = other_community.pk
    response = client_for(operator).post(
        reverse("admin:staff_staffmember_change", args=[member.pk]),
        {
            "user": manager.pk,
            "company": member.company.pk,
            "employee_number": "",
            "is_active": "on",
            "joined_at": "2026-01-01",
            **data,
        },
    )
    assert response.status_code == 200
    assert "不属于" in response.content.decode()
    assert [a.community for a in member.assignments.all()] != [other_community]


def test_community_admin_has_object_permissions(client_for, operator, community):
    url = reverse("admin:accounts_community_permissions", args=[community.pk])
    assert client_for(operator).get(url).status_code == 200


def test_position_list_counts_members_in_one_query(
    client_for, operator, community, django_assert_max_num_queries
):
    from ..factories import StaffMemberFactory

    client = client_for(operator)
    client.get("/admin/staff/position/")
    for name in ("经理", "客服", "收费员", "维修工"):
        StaffMemberFactory(communities=[community], position_name=name)
    with django_assert_max_num_queries(8):
        body = client.get("/admin/staff/position/").content.decode()
    assert 'class="field-member_count">1<' in body

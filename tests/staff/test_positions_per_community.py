"""Issue 14.3: a position is held per community. The manager of one community changes what a
colleague may do there only, never in a community they do not manage themselves; a position
held in one community gives nothing in another."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from kit.models import AuditEntry
from repairs.selectors import technicians_of
from repairs.services import ALERT_PERMISSION
from staff.access import has_perm_in_community
from staff.positions import CASHIER, FRONT_DESK, MANAGER, TECHNICIAN
from staff.selectors import staff_with_permission

from ..factories import CommunityFactory, StaffMemberFactory


def position(name: str) -> Group:
    return Group.objects.get(name=name)


@pytest.fixture
def annex(community):
    """A second community of the same company, which the community's manager does not serve."""
    return CommunityFactory(company=community.company, name="翠湖花园二期")


def working_on(user, community) -> Client:
    """A client of `user` with `community` switched to, as the switcher does it."""
    client = Client()
    client.force_login(user)
    response = client.post(reverse("staff:switch_community"), {"community_id": community.pk})
    assert response.status_code == 302
    return client


def edit(client, member, positions: dict, employee_number: str = ""):
    """POST the edit form: {community: position name or None (does not serve there)}."""
    data = {"employee_number": employee_number}
    for community, name in positions.items():
        data[f"position_{community.pk}"] = position(name).pk if name else ""
    return client.post(reverse("staff:staff_edit", kwargs={"member_id": member.pk}), data)


def held(member) -> dict:
    return {a.community.name: a.position.name for a in member.assignments.all()}


@pytest.mark.req("SUSR-2")
def test_the_manager_of_one_community_cannot_demote_a_regional_manager_elsewhere(
    client_for, manager, community, annex
):
    regional = StaffMemberFactory(communities=[community, annex], position_name=MANAGER)
    client = client_for(manager)
    page = client.get(reverse("staff:staff_edit", kwargs={"member_id": regional.pk}))
    form = page.context["form"]
    assert list(form.fields) == [f"position_{community.pk}", "employee_number"]
    # The annex is shown with the position held there, not as something to change.
    body = page.content.decode()
    assert annex.name in body and "不在您的管理范围" in body
    assert f'name="position_{annex.pk}"' not in body

    # A field for the annex smuggled into the POST is ignored.
    data = {f"position_{community.pk}": position(CASHIER).pk, f"position_{annex.pk}": ""}
    response = client.post(
        reverse("staff:staff_edit", kwargs={"member_id": regional.pk}),
        data | {"employee_number": ""},
    )
    assert response.status_code == 302
    assert held(regional) == {community.name: CASHIER, annex.name: MANAGER}

    # Here (the community the manager manages) the regional manager is a cashier now ...
    here = working_on(regional.user, community)
    assert here.get(reverse("staff:audit_log")).status_code == 403
    assert here.get(reverse("billing_staff:bills")).status_code == 200
    # ... and in the annex, which the manager does not manage, still its manager.
    there = working_on(regional.user, annex)
    assert there.get(reverse("staff:audit_log")).status_code == 200
    assert there.get(reverse("staff:staff_add")).status_code == 200
    entry = AuditEntry.objects.get(action="staff.member_changed", target_id=str(regional.pk))
    assert entry.data["positions"] == {community.name: [MANAGER, CASHIER]}


@pytest.mark.req("SUSR-2")
def test_a_position_in_one_community_gives_no_permission_in_another(community, annex, positions):
    member = StaffMemberFactory(positions={community: MANAGER, annex: TECHNICIAN})
    user = member.user
    # Nothing global: the position is not one of the account's groups.
    assert not user.groups.exists()
    assert not user.has_perm("staff.change_staffmember")
    assert has_perm_in_community(user, "staff.change_staffmember", community)
    assert not has_perm_in_community(user, "staff.change_staffmember", annex)
    assert has_perm_in_community(user, "repairs.work_repairorder", annex)

    colleague = StaffMemberFactory(communities=[annex], position_name=FRONT_DESK)
    edit_url = reverse("staff:staff_edit", kwargs={"member_id": colleague.pk})
    manager_here = working_on(user, community)
    assert manager_here.get(reverse("staff:audit_log")).status_code == 200
    # In the annex the same account is a technician: the desk pages are closed to it, and
    # the colleague there cannot be changed or deactivated.
    technician_there = working_on(user, annex)
    assert technician_there.get(reverse("staff:home")).status_code == 302  # to the phone pages
    assert technician_there.get(reverse("staff:audit_log")).status_code == 403
    assert technician_there.get(reverse("staff:team")).status_code == 403
    assert technician_there.get(edit_url).status_code == 403
    deactivate = reverse("staff:staff_deactivate", kwargs={"member_id": colleague.pk})
    assert technician_there.post(deactivate).status_code == 403
    assert technician_there.get(reverse("repairs_tech:list")).status_code == 200
    colleague.refresh_from_db()
    assert colleague.is_active


@pytest.mark.req("SUSR-2")
def test_a_manager_hands_out_only_what_they_hold_in_that_community(
    client_for, community, annex, positions
):
    """Manager in the community, front desk in the annex: a manager's position can be given
    here, not there, and the annex's staff are not theirs to change."""
    actor = StaffMemberFactory(positions={community: MANAGER, annex: FRONT_DESK}).user
    colleague = StaffMemberFactory(communities=[community, annex], position_name=CASHIER)
    client = working_on(actor, community)
    form = client.get(reverse("staff:staff_edit", kwargs={"member_id": colleague.pk})).context[
        "form"
    ]
    assert list(form.fields) == [f"position_{community.pk}", "employee_number"]
    assert position(MANAGER) in form.fields[f"position_{community.pk}"].queryset
    response = edit(client, colleague, {community: TECHNICIAN})
    assert response.status_code == 302
    assert held(colleague) == {community.name: TECHNICIAN, annex.name: CASHIER}
    # Adding: only communities where the actor manages staff are offered and accepted.
    add_form = client.get(reverse("staff:staff_add")).context["form"]
    assert list(add_form.fields["communities"].queryset) == [community]
    response = client.post(
        reverse("staff:staff_add"),
        {
            "mobile": "13700002222",
            "display_name": "钱多多",
            "position": position(CASHIER).pk,
            "communities": [community.pk, annex.pk],
            "employee_number": "",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["communities"]
    # Deactivating someone who also serves the annex is refused.
    client.post(reverse("staff:staff_deactivate", kwargs={"member_id": colleague.pk}))
    colleague.refresh_from_db()
    assert colleague.is_active


@pytest.mark.req("SUSR-2")
def test_a_manager_may_take_a_colleague_off_their_community_only(
    client_for, manager, community, annex
):
    shared = StaffMemberFactory(communities=[community, annex], position_name=TECHNICIAN)
    response = edit(client_for(manager), shared, {community: None})
    assert response.status_code == 302
    assert held(shared) == {annex.name: TECHNICIAN}
    # Someone who would serve nowhere is deactivated instead.
    alone = StaffMemberFactory(communities=[community], position_name=TECHNICIAN)
    response = edit(client_for(manager), alone, {community: None})
    assert response.status_code == 400
    assert "至少" in response.content.decode()
    assert held(alone) == {community.name: TECHNICIAN}


def test_team_list_shows_the_position_per_community(client_for, manager, community, annex):
    StaffMemberFactory(
        positions={community: FRONT_DESK, annex: MANAGER}, user__display_name="孙区域"
    )
    response = client_for(manager).get(reverse("staff:team"))
    row = next(r for r in response.context["table"].rows if r.record.user.display_name == "孙区域")
    assert row.get_cell("position") == FRONT_DESK
    assert f"{community.name}（{FRONT_DESK}）" in row.get_cell("communities")
    assert f"{annex.name}（{MANAGER}）" in row.get_cell("communities")


def test_the_header_shows_the_position_of_the_current_community(community, annex, positions):
    user = StaffMemberFactory(positions={community: MANAGER, annex: CASHIER}).user
    assert f"· {MANAGER}" in working_on(user, community).get(reverse("staff:home")).content.decode()
    assert f"· {CASHIER}" in working_on(user, annex).get(reverse("staff:home")).content.decode()


def test_managers_and_technicians_are_found_by_the_community_position(community, annex, positions):
    both = StaffMemberFactory(positions={community: MANAGER, annex: TECHNICIAN})
    assert list(staff_with_permission(community, ALERT_PERMISSION)) == [both.user]
    assert list(staff_with_permission(annex, ALERT_PERMISSION)) == []
    assert list(technicians_of(annex)) == [both]
    assert list(technicians_of(community)) == []


@pytest.mark.req("X-1")
def test_a_community_grant_to_a_position_applies_to_those_holding_it_there(
    community, annex, positions, room
):
    """django-guardian grants on a Community given to a position (group) reach the members
    who hold that position in that community, not those holding it elsewhere."""
    from guardian.shortcuts import assign_perm

    assign_perm("local_view_residency", position(TECHNICIAN), community)
    here = StaffMemberFactory(communities=[community], position_name=TECHNICIAN).user
    elsewhere = StaffMemberFactory(
        positions={community: CASHIER, annex: TECHNICIAN}, user__display_name="两头跑"
    ).user
    residents = reverse("staff_residents:residents")
    assert working_on(here, community).get(residents).status_code == 200
    assert has_perm_in_community(here, "accounts.view_residency", community)
    # A cashier here (who may see residents by position) and a technician in the annex,
    # where the grant does not apply.
    assert has_perm_in_community(elsewhere, "accounts.view_residency", community)
    assert not has_perm_in_community(elsewhere, "accounts.verify_residency", community)
    assert working_on(elsewhere, annex).get(residents).status_code == 403


def test_the_edit_page_costs_the_same_queries_for_a_colleague_serving_more_communities(
    client_for, manager, community, django_assert_max_num_queries
):
    client = client_for(manager)
    local = StaffMemberFactory(communities=[community], position_name=CASHIER)
    with django_assert_max_num_queries(40) as one:
        client.get(reverse("staff:staff_edit", kwargs={"member_id": local.pk}))
    others = [CommunityFactory(company=community.company) for _ in range(4)]
    regional = StaffMemberFactory(positions={community: CASHIER} | dict.fromkeys(others, MANAGER))
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse("staff:staff_edit", kwargs={"member_id": regional.pk}))
    assert all(c.name in page.content.decode() for c in others)

"""SUSR-2: a manager invites staff (tests/staff/test_invitations.py: the number's owner accepts),
sets their position and communities, deactivates them (their sessions end at once) and
reactivates them — within what the manager holds and serves."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from accounts.models import User
from kit.models import AuditEntry
from staff.models import StaffMember
from staff.positions import CASHIER, FRONT_DESK, MANAGER, TECHNICIAN

from ..factories import CommunityFactory, ResidencyFactory, StaffMemberFactory


def position(name: str) -> Group:
    return Group.objects.get(name=name)


def held(member: StaffMember) -> dict:
    """{community: position} of the member's assignments."""
    return {a.community: a.position for a in member.assignments.select_related("community")}


def assignment_formset(member: StaffMember, **changes) -> dict:
    """The admin's inline of the member's positions per community, as posted; `changes`:
    {"<community id>": position id}."""
    assignments = list(member.assignments.all())
    data = {
        "assignments-TOTAL_FORMS": str(len(assignments)),
        "assignments-INITIAL_FORMS": str(len(assignments)),
        "assignments-MIN_NUM_FORMS": "1",
        "assignments-MAX_NUM_FORMS": "1000",
    }
    for index, assignment in enumerate(assignments):
        data |= {
            f"assignments-{index}-id": assignment.pk,
            f"assignments-{index}-member": member.pk,
            f"assignments-{index}-community": assignment.community_id,
            f"assignments-{index}-position": changes.get(
                str(assignment.community_id), assignment.position_id
            ),
        }
    return data


@pytest.fixture
def annex(community):
    """A second community of the same company, which the community's manager does not serve."""
    return CommunityFactory(company=community.company, name="翠湖花园二期")


def add(client, **fields):
    data = {"employee_number": "", "display_name": ""} | fields
    return client.post(reverse("staff:staff_add"), data)


@pytest.mark.req("SUSR-2")
def test_a_manager_cannot_give_communities_they_do_not_serve(
    client_for, manager, community, annex, other_community
):
    client = client_for(manager)
    for foreign in (annex, other_community):
        response = add(
            client,
            mobile="13700001113",
            display_name="钱多多",
            position=position(CASHIER).pk,
            communities=[community.pk, foreign.pk],
        )
        assert response.status_code == 400
        assert response.context["form"].errors["communities"]
    assert not User.objects.filter(mobile="13700001113").exists()
    # The form offers only the communities served.
    form = client.get(reverse("staff:staff_add")).context["form"]
    assert list(form.fields["communities"].queryset) == [community]


@pytest.mark.req("SUSR-2")
def test_a_manager_cannot_give_permissions_they_do_not_have(client_for, manager, community):
    cashier = position(CASHIER)
    cashier.permissions.add(Permission.objects.get(codename="change_group"))
    client = client_for(manager)
    form = client.get(reverse("staff:staff_add")).context["form"]
    assert cashier not in form.fields["position"].queryset
    assert position(FRONT_DESK) in form.fields["position"].queryset
    response = add(
        client,
        mobile="13700001114",
        display_name="钱多多",
        position=cashier.pk,
        communities=[community.pk],
    )
    assert response.status_code == 400
    assert not StaffMember.objects.filter(user__mobile="13700001114").exists()


@pytest.mark.req("SUSR-2")
def test_edit_changes_the_position_in_the_managers_community_only(
    client_for, manager, community, annex
):
    """The colleague also serves the annex, which the manager does not manage: their position
    there is shown, and stays what it was (see test_positions_per_community.py)."""
    regional = StaffMemberFactory(communities=[community, annex], position_name=TECHNICIAN)
    client = client_for(manager)
    url = reverse("staff:staff_edit", kwargs={"member_id": regional.pk})
    page = client.get(url)
    assert page.status_code == 200 and annex.name in page.content.decode()
    response = client.post(url, {f"position_{community.pk}": "0", "employee_number": "X1"})
    assert response.status_code == 400  # not a position on offer
    response = client.post(
        url, {f"position_{community.pk}": position(CASHIER).pk, "employee_number": "X1"}
    )
    assert response.status_code == 302
    regional.refresh_from_db()
    assert regional.employee_number == "X1"
    assert held(regional) == {community: position(CASHIER), annex: position(TECHNICIAN)}
    assert not regional.user.groups.exists()
    entry = AuditEntry.objects.get(action="staff.member_changed", target_id=str(regional.pk))
    assert entry.data["positions"] == {community.name: [TECHNICIAN, CASHIER]}
    assert entry.community == community


@pytest.mark.req("SUSR-2")
def test_a_manager_cannot_change_themselves(client_for, manager, community):
    member = manager.staff_member
    client = client_for(manager)
    url = reverse("staff:staff_edit", kwargs={"member_id": member.pk})
    assert client.get(url).context["refusal"]
    client.post(url, {f"position_{community.pk}": position(TECHNICIAN).pk})
    client.post(reverse("staff:staff_deactivate", kwargs={"member_id": member.pk}))
    member.refresh_from_db()
    assert held(member) == {community: position(MANAGER)} and member.is_active


@pytest.mark.req("SUSR-2")
def test_deactivation_ends_every_session_and_staff_access(client_for, manager, community):
    colleague = StaffMemberFactory(communities=[community], position_name=FRONT_DESK)
    colleague_client = Client()
    colleague_client.force_login(colleague.user)
    assert colleague_client.get(reverse("staff:home")).status_code == 200

    url = reverse("staff:staff_deactivate", kwargs={"member_id": colleague.pk})
    assert client_for(manager).get(url).status_code == 405
    response = client_for(manager).post(url)
    assert response.status_code == 302

    # The colleague's next request is anonymous: sent to the login page.
    response = colleague_client.get(reverse("staff:home"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    colleague.refresh_from_db()
    assert not colleague.is_active and not colleague.user.groups.exists()
    # Logging in again gives no staff access.
    again = Client()
    again.force_login(colleague.user)
    assert again.get(reverse("staff:home")).status_code == 403
    entry = AuditEntry.objects.get(action="staff.member_deactivated")
    assert entry.actor == manager and entry.community == community

    # Reactivated: the position's permissions come back.
    assert (
        client_for(manager)
        .post(reverse("staff:staff_reactivate", kwargs={"member_id": colleague.pk}))
        .status_code
        == 302
    )
    colleague.refresh_from_db()
    assert colleague.is_active and held(colleague) == {community: position(FRONT_DESK)}
    assert again.get(reverse("staff_residents:residents")).status_code == 200
    assert AuditEntry.objects.filter(action="staff.member_reactivated").exists()


@pytest.mark.req("SUSR-2")
def test_a_colleague_who_also_serves_elsewhere_cannot_be_deactivated_here(
    client_for, manager, community, annex
):
    shared = StaffMemberFactory(communities=[community, annex], position_name=TECHNICIAN)
    response = client_for(manager).post(
        reverse("staff:staff_deactivate", kwargs={"member_id": shared.pk}), follow=True
    )
    shared.refresh_from_db()
    assert shared.is_active
    [message] = list(response.context["messages"])
    assert annex.name in str(message)


@pytest.mark.req("SUSR-2")
def test_a_community_manager_cannot_touch_a_position_above_their_own(
    client_for, manager, community
):
    boss = StaffMemberFactory(communities=[community], position_name=MANAGER)
    director = Group.objects.create(name="区域总监")
    director.permissions.add(Permission.objects.get(codename="change_group"))
    boss.assignments.update(position=director)
    client = client_for(manager)
    assert client.get(reverse("staff:staff_edit", kwargs={"member_id": boss.pk})).context["refusal"]
    client.post(reverse("staff:staff_deactivate", kwargs={"member_id": boss.pk}))
    boss.refresh_from_db()
    assert boss.is_active


def test_front_desk_sees_the_team_but_cannot_change_it(client_for, staff_user, manager):
    client = client_for(staff_user)
    body = client.get(reverse("staff:team")).content.decode()
    assert reverse("staff:staff_add") not in body
    edit = reverse("staff:staff_edit", kwargs={"member_id": manager.staff_member.pk})
    assert edit not in body
    assert client.get(edit).status_code == 403
    assert client.get(reverse("staff:staff_add")).status_code == 403


@pytest.mark.req("SUSR-2")
def test_team_page_uses_a_bounded_number_of_queries(
    client_for, manager, community, django_assert_max_num_queries
):
    client = client_for(manager)
    StaffMemberFactory(communities=[community], position_name=CASHIER)
    with django_assert_max_num_queries(20) as small:
        assert client.get(reverse("staff:team")).status_code == 200
    annex = CommunityFactory(company=community.company)
    for _ in range(15):
        StaffMemberFactory(communities=[community, annex], position_name=TECHNICIAN)
    ResidencyFactory(room__building__community=community)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("staff:team")).status_code == 200


@pytest.mark.req("SUSR-2")
def test_deactivation_in_the_admin_ends_sessions_too(client_for, operator, community, positions):
    colleague = StaffMemberFactory(communities=[community], position_name=FRONT_DESK)
    colleague_client = Client()
    colleague_client.force_login(colleague.user)
    response = client_for(operator).post(
        reverse("admin:staff_staffmember_change", args=[colleague.pk]),
        {
            "user": colleague.user.pk,
            "company": community.company.pk,
            "employee_number": "",
            "joined_at": "2026-01-05",
            # "is_active" left out: unticked
            **assignment_formset(colleague),
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    colleague.refresh_from_db()
    assert not colleague.is_active and not colleague.user.groups.exists()
    assert colleague_client.get(reverse("staff:home")).status_code == 302  # to the login page

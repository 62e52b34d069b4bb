import pytest
from django.contrib.auth.models import Group, Permission

from staff.positions import (
    ALL_POSITIONS,
    CASHIER,
    FRONT_DESK,
    MANAGER,
    TECHNICIAN,
    ensure_positions,
)
from staff.services import staff_member_create

from ..factories import UserFactory


def test_positions_exist_with_their_permissions(positions):
    assert set(Group.objects.values_list("name", flat=True)) >= set(ALL_POSITIONS)
    manager = Group.objects.get(name=MANAGER)
    assert manager.permissions.filter(codename="verify_residency").exists()
    technician = Group.objects.get(name=TECHNICIAN)
    assert not technician.permissions.filter(codename="verify_residency").exists()
    assert Group.objects.get(name=CASHIER).permissions.exists()
    assert Group.objects.get(name=FRONT_DESK).permissions.filter(codename="view_residency").exists()


def test_operator_changes_to_a_position_survive_migrations(positions):
    cashier = Group.objects.get(name=CASHIER)
    extra = Permission.objects.get(codename="verify_residency")
    cashier.permissions.add(extra)
    ensure_positions()
    assert cashier.permissions.filter(pk=extra.pk).exists()


def test_a_position_is_not_one_of_the_account_groups(positions, community):
    """A position applies in the communities it is held in (StaffAssignment), so it is never
    a group of the account: `user.has_perm` would grant it everywhere. Groups an operator
    gave the account stay."""
    user = UserFactory()
    operators = Group.objects.create(name="运营")
    user.groups.add(operators)
    staff_member_create(
        user=user,
        company=community.company,
        communities=[community],
        position=Group.objects.get(name=TECHNICIAN),
    )
    assert list(user.groups.all()) == [operators]
    assert not user.has_perm("repairs.work_repairorder")


def test_staff_member_must_serve_communities_of_their_company(
    positions, community, other_community
):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        staff_member_create(
            user=UserFactory(),
            company=community.company,
            communities=[other_community],
            position=Group.objects.get(name=MANAGER),
        )
    with pytest.raises(ValidationError):
        staff_member_create(
            user=UserFactory(),
            company=community.company,
            communities=[],
            position=Group.objects.get(name=MANAGER),
        )

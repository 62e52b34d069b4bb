import pytest
from django.contrib.auth.models import Group, Permission

from staff.positions import (
    ALL_POSITIONS,
    CASHIER,
    FRONT_DESK,
    MANAGER,
    TECHNICIAN,
    default_permissions,
    ensure_positions,
    register_position_defaults,
)
from staff.services import staff_member_create

from ..factories import UserFactory

# The central table each module used to edit, before each app registered its own defaults
# (issue 15): for the apps of that time, the registry must add up to exactly this.
APPS_OF_THE_TABLE = ("accounts.", "staff.", "notices.", "repairs.", "billing.", "kit.")
BEFORE_THE_REGISTRY: dict[str, list[str]] = {
    MANAGER: [
        "accounts.view_room",
        "accounts.add_room",
        "accounts.change_room",  # issue 19: rooms edited on a form
        "accounts.view_residency",
        "accounts.verify_residency",
        "accounts.add_residency",
        "accounts.change_residency",
        "accounts.change_user",
        "staff.view_staffmember",
        "staff.add_staffmember",
        "staff.change_staffmember",
        "kit.view_auditentry",
        "notices.view_notice",
        "notices.add_notice",
        "notices.change_notice",
        "notices.delete_notice",  # issue 19: deleting drafts (SNOT-2)
        "notices.approve_notice",  # issue 19: approving urgent SMS notices
        "repairs.view_repairorder",
        "repairs.dispatch_repairorder",
        "repairs.add_repaircategory",
        "repairs.change_repaircategory",
        "repairs.view_repair_performance",
        # Held so that a manager may take on and manage technicians (a position is handed out
        # only by someone holding all of it); dispatchers are not dispatched to themselves.
        "repairs.work_repairorder",
        "billing.view_bill",
        "billing.collect_payment",
        "billing.waive_bill",
        "billing.refund_bill",
        "billing.void_receipt",  # issue 19: voiding receipts of any day (红冲)
        "billing.run_bills",
        "billing.add_meterreading",
        "billing.add_feerule",
        "billing.change_feerule",
        "billing.view_billing_reports",
    ],
    FRONT_DESK: [
        "accounts.view_room",
        "accounts.view_residency",
        "accounts.verify_residency",
        "accounts.add_residency",
        "accounts.change_residency",
        "accounts.change_user",
        "staff.view_staffmember",
        "notices.view_notice",
        "notices.add_notice",
        "notices.change_notice",
        "notices.delete_notice",  # issue 19: deleting drafts (SNOT-2)
        "repairs.view_repairorder",
        "repairs.dispatch_repairorder",
        "billing.view_bill",
    ],
    CASHIER: [
        "accounts.view_room",
        "accounts.view_residency",
        "notices.view_notice",
        "billing.view_bill",
        "billing.collect_payment",
        "billing.run_bills",
        "billing.add_meterreading",
        "billing.view_billing_reports",
    ],
    TECHNICIAN: [
        "accounts.view_room",
        "repairs.work_repairorder",
    ],
}


def test_the_registered_defaults_add_up_to_the_former_table():
    registered = default_permissions()
    assert list(registered) == ALL_POSITIONS == list(BEFORE_THE_REGISTRY)
    for position, names in BEFORE_THE_REGISTRY.items():
        of_then = [name for name in registered[position] if name.startswith(APPS_OF_THE_TABLE)]
        assert sorted(of_then) == sorted(names), position


def test_positions_get_exactly_the_registered_permissions(positions):
    for position, names in default_permissions().items():
        granted = Group.objects.get(name=position).permissions.select_related("content_type")
        assert {f"{p.content_type.app_label}.{p.codename}" for p in granted} == set(names)


def test_an_unknown_position_cannot_be_given_defaults():
    with pytest.raises(ValueError, match="保安"):
        register_position_defaults({"保安": ["repairs.view_repairorder"]})


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

"""Positions are permission templates: Django groups created here with their first set of
permissions. Platform operators may change a group's permissions in the admin afterwards;
`ensure_positions` never takes back what they granted."""

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

MANAGER = "经理"
FRONT_DESK = "客服"
CASHIER = "收费员"
TECHNICIAN = "维修工"

# codename "app_label.codename" -> positions that get it when the position is first created.
# Each later module adds its own permissions here.
# In the staff portal: accounts.change_user edits a resident's contacts, change_residency
# ends a residency (move-out), add_residency / add_room import residents / rooms from Excel,
# add_staffmember / change_staffmember add, change and deactivate staff.
DEFAULT_PERMISSIONS: dict[str, list[str]] = {
    MANAGER: [
        "accounts.view_room",
        "accounts.add_room",
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

ALL_POSITIONS = list(DEFAULT_PERMISSIONS)


def _permissions(names: list[str]) -> list[Permission]:
    wanted = {tuple(name.split(".", 1)) for name in names}
    found = [
        p
        for p in Permission.objects.select_related("content_type").filter(
            codename__in=[codename for _, codename in wanted]
        )
        if (p.content_type.app_label, p.codename) in wanted
    ]
    return found


@transaction.atomic
def ensure_positions(**kwargs: Any) -> None:
    """Create missing position groups and add any default permission they lack."""
    for name, permission_names in DEFAULT_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(permission_names))

"""Positions are permission templates: Django groups created here with their first set of
permissions, which each app registers for itself (`register_position_defaults`). Platform
operators may change a group's permissions in the admin afterwards; `ensure_positions` never
takes back what they granted."""

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

MANAGER = "经理"
FRONT_DESK = "客服"
CASHIER = "收费员"
TECHNICIAN = "维修工"

# The positions every company starts with, in this order.
ALL_POSITIONS = [MANAGER, FRONT_DESK, CASHIER, TECHNICIAN]

# Each app registers, from its AppConfig.ready, the permissions ("app_label.codename") that each
# position gets when first created: register_position_defaults({MANAGER: [...], ...}).
_DEFAULTS: dict[str, list[str]] = {}


def register_position_defaults(defaults: dict[str, list[str]]) -> None:
    for position, names in defaults.items():
        if position not in ALL_POSITIONS:
            raise ValueError(f"Unknown position {position!r}")
        registered = _DEFAULTS.setdefault(position, [])
        registered.extend(name for name in names if name not in registered)


def default_permissions() -> dict[str, list[str]]:
    """Each position's registered permissions (every position, even one nobody added to)."""
    return {position: list(_DEFAULTS.get(position, [])) for position in ALL_POSITIONS}


# The staff portal's own defaults, registered by StaffConfig.ready (accounts cannot import
# staff, so its permissions are registered here, with the pages that use them).
# accounts.change_user edits a resident's contacts, change_residency ends a residency
# (move-out), add_residency / add_room import residents / rooms from Excel (add_room also adds
# one room on a form), change_room edits a room,
# add_staffmember / change_staffmember add, change and deactivate staff.
STAFF_PORTAL_DEFAULTS: dict[str, list[str]] = {
    MANAGER: [
        "accounts.view_room",
        "accounts.add_room",
        "accounts.change_room",
        "accounts.view_residency",
        "accounts.verify_residency",
        "accounts.add_residency",
        "accounts.change_residency",
        "accounts.change_user",
        "staff.view_staffmember",
        "staff.add_staffmember",
        "staff.change_staffmember",
        "kit.view_auditentry",
    ],
    FRONT_DESK: [
        "accounts.view_room",
        "accounts.view_residency",
        "accounts.verify_residency",
        "accounts.add_residency",
        "accounts.change_residency",
        "accounts.change_user",
        "staff.view_staffmember",
    ],
    CASHIER: [
        "accounts.view_room",
        "accounts.view_residency",
    ],
    TECHNICIAN: [
        "accounts.view_room",
    ],
}


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
    for name, permission_names in default_permissions().items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(permission_names))

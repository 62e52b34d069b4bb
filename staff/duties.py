"""Duties: what a property company calls the things a position allows (查看住户, 审核房屋绑定, 派单,
减免账单, 退款, 发布公告, 处理投诉 …), grouped by module, each mapped to the Django permissions
it needs. The 岗位 editor (the Position admin) and the operators' position templates show these
words, never raw permission names.

A position (a Django group) still holds permissions: a duty is "held" when the position holds
all of its permissions. A permission that belongs to no held duty is not lost: the editor lists
it under 其他权限 with a readable label and keeps it unless unticked.

The table is here, one page of the company's vocabulary, because staff is the lowest layer that
knows positions; the permissions are named as strings, so staff imports none of the apps.
Apps added later call `register_duties` from their AppConfig.ready."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

RESIDENTS = _("Residents and rooms")
STAFF = _("Staff")
REPAIRS = _("Repairs")
BILLING = _("Fees and payments")
NOTICES = _("Notices")
COMPLAINTS = _("Complaints and suggestions")
SERVICES = _("Community services")


@dataclass(frozen=True)
class Duty:
    code: str
    label: str | Promise
    module: str | Promise
    permissions: tuple[str, ...]  # "app_label.codename"


_DUTIES: dict[str, Duty] = {}


def register_duties(duties: Iterable[Duty]) -> None:
    for duty in duties:
        _DUTIES[duty.code] = duty


def all_duties() -> list[Duty]:
    return list(_DUTIES.values())


def duty(code: str) -> Duty:
    return _DUTIES[code]


def grouped_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """[(module, [(code, label), …]), …] in the order registered: form choices."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for item in _DUTIES.values():
        groups.setdefault(str(item.module), []).append((item.code, str(item.label)))
    return list(groups.items())


def duties_held(permission_names: Iterable[str]) -> list[Duty]:
    """The duties whose every permission is in `permission_names`."""
    held = set(permission_names)
    return [item for item in _DUTIES.values() if set(item.permissions) <= held]


def permissions_of(codes: Iterable[str]) -> set[str]:
    return {name for code in codes if code in _DUTIES for name in _DUTIES[code].permissions}


def split(permissions: Iterable[Permission]) -> tuple[list[str], list[Permission]]:
    """A position's permissions as (codes of the duties held, permissions outside them)."""
    permissions = list(permissions)
    codes = [d.code for d in duties_held(permission_name(p) for p in permissions)]
    covered = permissions_of(codes)
    return codes, [p for p in permissions if permission_name(p) not in covered]


def permission_name(permission: Permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


ACTIONS = {"add": _("add"), "change": _("change"), "delete": _("delete"), "view": _("view")}


def permission_label(permission: Permission) -> str:
    """A permission outside every duty, as an operator can read it: the model's name and the
    action in Chinese (Django stores "Can add email address" in English)."""
    model = permission.content_type.model_class()
    if model is None:
        return permission_name(permission)
    for codename, name in model._meta.permissions:
        if codename == permission.codename:
            return gettext(name)
    action = permission.codename.split("_", 1)[0]
    if action in ACTIONS:
        return f"{ACTIONS[action]}{model._meta.verbose_name}"
    return permission_name(permission)


def _d(code, label, module, *permissions) -> Duty:
    return Duty(code, label, module, tuple(permissions))


DUTIES = [
    _d("view_rooms", _("View rooms"), RESIDENTS, "accounts.view_room"),
    _d("view_residents", _("View residents"), RESIDENTS,
       "accounts.view_room", "accounts.view_residency"),
    _d("verify_residency", _("Review room bindings"), RESIDENTS,
       "accounts.view_residency", "accounts.verify_residency"),
    _d("manage_residents", _("Register, move out and edit residents"), RESIDENTS,
       "accounts.view_residency", "accounts.add_residency", "accounts.change_residency",
       "accounts.change_user"),
    _d("import_rooms", _("Import rooms"), RESIDENTS, "accounts.view_room", "accounts.add_room"),
    _d("edit_rooms", _("Edit rooms"), RESIDENTS, "accounts.view_room", "accounts.change_room"),
    _d("view_staff", _("View colleagues"), STAFF, "staff.view_staffmember"),
    _d("manage_staff", _("Add and change staff"), STAFF,
       "staff.view_staffmember", "staff.add_staffmember", "staff.change_staffmember"),
    _d("view_audit_log", _("View the audit log"), STAFF, "kit.view_auditentry"),
    _d("view_repairs", _("View repair orders"), REPAIRS, "repairs.view_repairorder"),
    _d("dispatch_repairs", _("Dispatch repair orders"), REPAIRS,
       "repairs.view_repairorder", "repairs.dispatch_repairorder"),
    _d("work_repairs", _("Take and carry out repairs (technician)"), REPAIRS,
       "repairs.work_repairorder"),
    _d("repair_performance", _("View repair ratings and performance"), REPAIRS,
       "repairs.view_repair_performance"),
    _d("repair_settings", _("Set repair categories"), REPAIRS,
       "repairs.add_repaircategory", "repairs.change_repaircategory"),
    _d("view_bills", _("View bills"), BILLING, "billing.view_bill"),
    _d("fee_rules", _("Set fee rules"), BILLING, "billing.add_feerule", "billing.change_feerule"),
    _d("meter_readings", _("Enter meter readings"), BILLING, "billing.add_meterreading"),
    _d("run_bills", _("Generate and publish bills"), BILLING, "billing.run_bills"),
    _d("collect_payments", _("Take payments at the desk"), BILLING, "billing.collect_payment"),
    _d("waive_bills", _("Waive bills"), BILLING, "billing.waive_bill"),
    _d("refund_bills", _("Refund"), BILLING, "billing.refund_bill"),
    _d("void_receipts", _("Void receipts of any day (supervisor)"), BILLING,
       "billing.void_receipt"),
    _d("billing_reports", _("View arrears and collection reports"), BILLING,
       "billing.view_billing_reports"),
    _d("view_notices", _("View notices"), NOTICES, "notices.view_notice"),
    _d("publish_notices", _("Publish notices"), NOTICES,
       "notices.view_notice", "notices.add_notice", "notices.change_notice"),
    _d("view_complaints", _("View complaints"), COMPLAINTS, "complaints.view_complaint"),
    _d("handle_complaints", _("Handle complaints"), COMPLAINTS,
       "complaints.view_complaint", "complaints.handle_complaint"),
    _d("log_complaints", _("Log complaints for residents"), COMPLAINTS,
       "complaints.log_complaint"),
    _d("merge_complaints", _("Merge duplicate complaints"), COMPLAINTS,
       "complaints.merge_complaint"),
    _d("complaint_figures", _("View complaint and suggestion figures"), COMPLAINTS,
       "complaints.view_complaint_figures"),
    _d("complaint_settings", _("Set complaint categories and departments"), COMPLAINTS,
       "complaints.manage_complaint_settings"),
    _d("view_suggestions", _("View suggestions"), COMPLAINTS, "complaints.view_suggestion"),
    _d("evaluate_suggestions", _("Evaluate and adopt suggestions"), COMPLAINTS,
       "complaints.view_suggestion", "complaints.evaluate_suggestion"),
    _d("parcels", _("Log and hand over parcels"), SERVICES,
       "services.view_parcel", "services.add_parcel", "services.hand_over_parcel"),
    _d("view_activities", _("View activities"), SERVICES, "services.view_activity"),
    _d("organise_activities", _("Organise activities"), SERVICES,
       "services.view_activity", "services.add_activity", "services.change_activity",
       "services.publish_activity", "services.change_activitysignup"),
    _d("activity_check_in", _("Check in at activities"), SERVICES, "services.check_in_activity"),
    _d("bookings", _("Handle service bookings"), SERVICES,
       "services.view_booking", "services.change_booking"),
    _d("service_reviews", _("Moderate service reviews"), SERVICES,
       "services.view_servicereview", "services.hide_servicereview"),
    _d("review_providers", _("Review service providers"), SERVICES,
       "services.view_providerlisting", "services.review_providerlisting",
       "services.add_provider"),
]  # fmt: skip

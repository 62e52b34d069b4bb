"""Permission templates in a property company's words (PSET-1): the 岗位 editor shows duties in
Chinese grouped by module, never raw permission names; existing positions keep what they hold;
operators keep position templates a new position starts from."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from kit.models import AuditEntry
from staff import duties
from staff.models import PositionTemplate
from staff.positions import default_permissions

pytestmark = [pytest.mark.req("PSET-1"), pytest.mark.django_db]


def names(group: Group) -> set[str]:
    return {duties.permission_name(p) for p in group.permissions.select_related("content_type")}


def test_every_default_permission_of_every_position_belongs_to_a_duty():
    covered = {name for duty in duties.all_duties() for name in duty.permissions}
    for position, permissions in default_permissions().items():
        assert set(permissions) <= covered, (position, set(permissions) - covered)


def test_every_duty_names_existing_permissions_and_reads_in_chinese():
    existing = {
        duties.permission_name(p) for p in Permission.objects.select_related("content_type")
    }
    for duty in duties.all_duties():
        assert set(duty.permissions) <= existing, duty.code
        assert re.search(r"[\u4e00-\u9fff]", str(duty.label)), duty.code
    labels = {str(d.label) for d in duties.all_duties()}
    for word in ("查看住户", "审核房屋绑定", "派单", "减免账单", "退款", "发布公告", "处理投诉"):
        assert word in labels, word


def test_the_position_editor_shows_duties_by_module_and_no_raw_permissions(
    client_for, operator, positions
):
    manager = Group.objects.get(name="经理")
    body = (
        client_for(operator)
        .get(reverse("admin:staff_position_change", args=[manager.pk]))
        .content.decode()
    )
    assert "Can add" not in body and "Can change" not in body
    assert "email address" not in body
    for module in ("住户与房屋", "报修", "缴费", "公告", "投诉建议", "社区服务", "员工"):
        assert module in body, module
    for duty in ("查看住户", "审核房屋绑定", "派单", "减免账单", "退款", "发布公告", "处理投诉"):
        assert duty in body, duty
    assert "其他权限" not in body  # the manager's defaults are all duties
    listing = client_for(operator).get(reverse("admin:staff_position_changelist"))
    assert "减免账单" in listing.content.decode()


def test_existing_positions_map_back_to_their_duties(client_for, operator, positions):
    technician = Group.objects.get(name="维修工")
    form = (
        client_for(operator)
        .get(reverse("admin:staff_position_change", args=[technician.pk]))
        .context["adminform"]
        .form
    )
    assert set(form.initial["duties"]) == {"view_rooms", "work_repairs"}


def test_a_permission_outside_every_duty_is_shown_labelled_and_kept(
    client_for, operator, positions
):
    cashier = Group.objects.get(name="收费员")
    stray = Permission.objects.get(codename="add_emailaddress")
    cashier.permissions.add(stray)
    before = names(cashier)
    url = reverse("admin:staff_position_change", args=[cashier.pk])
    client = client_for(operator)
    page = client.get(url)
    body = page.content.decode()
    assert "其他权限" in body and "Can add" not in body
    form = page.context["adminform"].form
    assert form.initial["other_permissions"] == [stray.pk]
    duty_codes = form.initial["duties"]
    response = client.post(
        url,
        {"name": "收费员", "duties": duty_codes, "other_permissions": [stray.pk]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert names(cashier) == before


def test_ticking_duties_sets_the_permissions_and_is_audited(client_for, operator, positions):
    cashier = Group.objects.get(name="收费员")
    form = (
        client_for(operator)
        .get(reverse("admin:staff_position_change", args=[cashier.pk]))
        .context["adminform"]
        .form
    )
    chosen = [*form.initial["duties"], "waive_bills", "refund_bills"]
    response = client_for(operator).post(
        reverse("admin:staff_position_change", args=[cashier.pk]),
        {"name": "收费员", "duties": chosen},
    )
    assert response.status_code == 302
    assert {"billing.waive_bill", "billing.refund_bill"} <= names(cashier)
    entry = AuditEntry.objects.filter(action="staff.position_changed").latest("pk")
    assert (
        "减免账单" in entry.data["duties_after"] and "减免账单" not in entry.data["duties_before"]
    )
    assert entry.data["added"] == ["billing.refund_bill", "billing.waive_bill"]

    untick = [code for code in chosen if code != "refund_bills"]
    client_for(operator).post(
        reverse("admin:staff_position_change", args=[cashier.pk]),
        {"name": "收费员", "duties": untick},
    )
    assert "billing.refund_bill" not in names(cashier)


def test_operators_keep_position_templates_a_new_position_starts_from(
    client_for, operator, positions
):
    client = client_for(operator)
    page = client.get(reverse("admin:staff_positiontemplate_add"))
    assert "派单" in page.content.decode() and "Can add" not in page.content.decode()
    response = client.post(
        reverse("admin:staff_positiontemplate_add"),
        {
            "name": "维修主管",
            "description": "派单并跟进维修",
            "duties": ["view_rooms", "view_repairs", "dispatch_repairs", "repair_performance"],
        },
    )
    assert response.status_code == 302
    template = PositionTemplate.objects.get(name="维修主管")
    assert "dispatch_repairs" in template.duties
    assert AuditEntry.objects.filter(action="staff.position_template_changed").exists()

    response = client.post(
        reverse("admin:staff_position_add"),
        {"name": "维修主管", "template": template.pk, "duties": ["view_notices"]},
    )
    assert response.status_code == 302
    position = Group.objects.get(name="维修主管")
    assert names(position) == {
        "accounts.view_room", "repairs.view_repairorder", "repairs.dispatch_repairorder",
        "repairs.view_repair_performance", "notices.view_notice",
    }  # fmt: skip


def test_the_staff_team_page_says_what_each_position_may_do_in_chinese(client_for, manager):
    body = client_for(manager).get(reverse("staff:team")).content.decode()
    assert "各岗位职责" in body
    assert "减免账单" in body and "接单维修（维修工）" in body
    assert "Can add" not in body and "Can view" not in body


def test_the_demo_position_templates_name_known_duties():
    from platform_admin.parameters.demo import seed_parameters

    assert seed_parameters() == 2
    assert seed_parameters() == 0
    known = {d.code for d in duties.all_duties()}
    for template in PositionTemplate.objects.all():
        assert set(template.duties) <= known, template.name

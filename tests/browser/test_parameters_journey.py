"""An operator sets a platform parameter, gives a company its own value, and edits a position as
duties in Chinese (PSET-1), in a real browser; screenshots in var/screenshots/ to look at."""

import pytest
from django.contrib.auth.models import Group, Permission

from kit import parameters

from ..factories import PropertyCompanyFactory
from .support import shot, submit

pytestmark = pytest.mark.req("PSET-1")


def test_operator_sets_parameters_and_edits_a_position_as_duties(
    open_page, live_server, transactional_db, operator, positions
):
    from staff.positions import ensure_positions

    ensure_positions()
    PropertyCompanyFactory(name="安居物业服务有限公司")
    PropertyCompanyFactory(name="绿城物业服务集团")
    base = live_server.url
    page = open_page("desk", user=operator)
    page.set_viewport_size({"width": 1366, "height": 900})

    page.goto(f"{base}/admin/platform/parameters/")
    assert page.locator("h1").inner_text() == "平台参数"
    shot(page, "parameters-index")

    page.click("a[href='/admin/platform/parameters/uploads.max_photos/']")
    page.fill("input[name=value]", "12")
    submit(page, "form.parameters-form button.default")
    assert "最多9张。" in page.content()
    shot(page, "parameters-refused")
    page.fill("input[name=value]", "6")
    submit(page, "form.parameters-form button.default")
    assert parameters.get("uploads.max_photos") == 6

    page.goto(f"{base}/admin/platform/parameters/repairs.accept_within_minutes/")
    page.select_option("select[name=override-company]", label="安居物业服务有限公司")
    page.fill("input[name=override-value]", "15")
    submit(page, "input[name=action][value=add_override] ~ button")
    assert "安居物业服务有限公司" in page.locator("table.parameters-table").inner_text()
    shot(page, "parameters-company-override")

    page.goto(f"{base}/admin/platform/parameters/")
    shot(page, "parameters-index-after")

    cashier = Group.objects.get(name="收费员")
    cashier.permissions.add(Permission.objects.get(codename="add_emailaddress"))
    page.goto(f"{base}/admin/staff/position/{cashier.pk}/change/")
    body = page.content()
    assert "减免账单" in body and "Can add" not in body and "其他权限" in body
    shot(page, "position-editor")
    page.goto(f"{base}/admin/staff/positiontemplate/add/")
    shot(page, "position-template")

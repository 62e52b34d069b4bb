"""The frame around every staff page: the side menu grouped by module with the current page
highlighted (sub-pages too), a 403 in the portal's layout, and the print button on lists."""

import pytest
from django.urls import reverse

from ..factories import RepairOrderFactory

pytestmark = pytest.mark.req("X-2")


def _menu(response):
    return response.context["staff_menu_groups"]


def test_the_menu_is_grouped_by_module(client_for, manager):
    groups = _menu(client_for(manager).get(reverse("staff:home")))
    keys = [g["key"] for g in groups]
    assert keys[0] == "work"
    assert {"residents", "repairs", "fees", "complaints", "settings"} <= set(keys)
    repairs = next(g for g in groups if g["key"] == "repairs")
    assert [i["url"] for i in repairs["items"]][0] == reverse("repairs_staff:queue")


def test_a_detail_page_highlights_its_list_and_opens_its_group(client_for, manager, room, resident):
    order = RepairOrderFactory(household__room=room)
    response = client_for(manager).get(reverse("repairs_staff:detail", args=[order.pk]))
    groups = _menu(response)
    current = [g for g in groups if g["current"]]
    assert [g["key"] for g in current] == ["repairs"]
    active = [i for g in groups for i in g["items"] if i["active"]]
    assert [i["url"] for i in active] == [reverse("repairs_staff:queue")]
    body = response.content.decode()
    assert 'class="menu-group current" open' in body


def test_a_page_outside_its_lists_address_highlights_it(client_for, manager):
    response = client_for(manager).get(reverse("billing_staff:settings"))
    active = [i for g in _menu(response) for i in g["items"] if i["active"]]
    assert [i["url"] for i in active] == [reverse("billing_staff:rules")]


def test_a_staff_member_refused_keeps_the_staff_layout(client_for, cashier):
    response = client_for(cashier).get(reverse("staff:audit_log"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "没有权限" in body
    assert 'class="sidebar"' in body
    assert "收费员" in body  # the position held here


def test_a_resident_refused_keeps_the_resident_layout(client_for, resident, family_member, room):
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory
    from django.views.defaults import permission_denied

    request = RequestFactory().get("/repairs/")
    request.user = family_member
    request.staff_member = None
    request.community = None
    response = permission_denied(request, PermissionDenied())
    body = response.content.decode()
    assert response.status_code == 403
    assert 'class="resident"' in body and 'class="sidebar"' not in body


def test_an_anonymous_refusal_is_the_plain_page():
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory
    from django.views.defaults import permission_denied

    request = RequestFactory().get("/provider/")
    request.user = AnonymousUser()
    request.staff_member = None
    request.community = None
    body = permission_denied(request, PermissionDenied()).content.decode()
    assert "login-page" in body


def test_lists_have_a_print_button_and_the_home_page_none(client_for, manager):
    client = client_for(manager)
    assert "data-print" in client.get(reverse("repairs_staff:queue")).content.decode()
    assert "data-print" in client.get(reverse("staff_residents:rooms")).content.decode()
    assert "data-print" not in client.get(reverse("staff:home")).content.decode()


def test_the_print_layout_hides_the_frame():
    from pathlib import Path

    css = Path("static/staff/staff.css").read_text()
    media = css[css.index("@media print") :]
    for selector in (".staff .sidebar", ".staff .topbar", ".staff .filter-bar", ".staff .btn"):
        assert selector in media
    assert "table-header-group" in media

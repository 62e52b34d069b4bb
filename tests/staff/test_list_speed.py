"""The staff lists stay quick on a large estate (bench/staff_lists.py): their cells are drawn
without the page's context processors, the filter bars' selects without a template per option,
and the long lists choose their page's ids first."""

import pytest
from django.urls import reverse

from accounts.models import Residency

from ..factories import (
    NoticeFactory,
    RepairOrderFactory,
    ResidencyFactory,
    RoomFactory,
)


@pytest.mark.parametrize(
    "url_name",
    [
        "staff_residents:residents",
        "staff_residents:rooms",
        "staff:team",
        "staff:audit_log",
        "repairs_staff:queue",
        "notices_staff:list",
    ],
)
def test_list_cells_do_not_run_the_context_processors(
    client_for, manager, community, resident, bound_templates, url_name
):
    pending = RoomFactory(building__community=community)
    ResidencyFactory(room=pending, status=Residency.Status.PENDING, verified_at=None)
    for _ in range(3):
        RepairOrderFactory(household=resident.residencies.get())
        NoticeFactory(community=community)
    response = client_for(manager).get(reverse(url_name))
    assert response.status_code == 200
    # The page and django-tables2's table template: no cell, whatever the number of rows.
    assert len(bound_templates) == 2, bound_templates
    assert bound_templates[1] == "django_tables2/bootstrap5.html"


def test_the_residents_page_shows_its_rows_in_order_with_their_links_and_forms(
    client_for, manager, community, resident
):
    rooms = [RoomFactory(building__community=community) for _ in range(3)]
    waiting = [
        ResidencyFactory(room=room, status=Residency.Status.PENDING, verified_at=None)
        for room in rooms
    ]
    page = client_for(manager).get(reverse("staff_residents:residents")).content.decode()
    # Pending first (newest first), then the others; each with its person and room links.
    positions = [page.index(f"/staff/residents/{r.user_id}/") for r in reversed(waiting)]
    assert positions == sorted(positions)
    assert positions[-1] < page.index(f"/staff/residents/{resident.pk}/")
    for residency in waiting:
        assert f"/staff/rooms/{residency.room_id}/" in page
        assert f"/staff/residencies/{residency.pk}/verify/" in page
    assert page.count('name="csrfmiddlewaretoken"') >= 2 * len(waiting)


def _all_tables() -> list[type]:
    import importlib

    import django_tables2 as tables

    for module in (
        "staff.tables",
        "repairs.tables",
        "repairs.views.performance",
        "billing.tables",
        "billing.views.reports",
        "billing.views.charges",
        "notices.tables",
        "complaints.handling.tables",
        "services.activities.tables",
        "services.bookings.views_staff",
    ):
        importlib.import_module(module)
    found, todo = [], [tables.Table]
    while todo:
        for subclass in todo.pop().__subclasses__():
            found.append(subclass)
            todo.append(subclass)
    return found


def test_no_table_parses_or_renders_a_template_per_cell_with_the_request():
    """django-tables2's TemplateColumn (and its DateColumn and DateTimeColumn, which a model's
    date field becomes when a table lists it undeclared) renders each cell with the page's
    context; the staff lists use staff.tables.PartialColumn and LocalTimeColumn instead."""
    from django_tables2 import TemplateColumn

    offenders = [
        f"{table.__module__}.{table.__name__}.{name}"
        for table in _all_tables()
        if table.__module__.split(".")[0] != "django_tables2"
        for name, column in table.base_columns.items()
        if isinstance(column, TemplateColumn)
    ]
    assert offenders == []


def test_the_filter_bars_select_is_drawn_as_djangos():
    from django import forms

    from staff.filtering import QuickSelect

    choices = [("", "全部"), ("a", 'A<b"'), ("楼", [("1", "1栋"), ("2", "2栋")])]
    attrs = {"class": "form-select", "required": True, "data-off": False}
    django_html = forms.Select(attrs=attrs, choices=choices).render("b", "2", {"id": "id_b"})
    ours = QuickSelect(attrs=attrs, choices=choices).render("b", "2", {"id": "id_b"})
    assert ours == django_html.replace("\n\n", "\n")

import django_tables2 as tables
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_tables2 import RequestConfig

from accounts.models import Residency, Room
from accounts.selectors import room_order
from kit.models import AuditEntry

from .models import StaffMember


def paginate(request: HttpRequest, table: tables.Table, per_page: int | None = None) -> None:
    """Sorting and paging from the query string, the same on every staff list."""
    per_page = per_page or settings.STAFF_LIST_PAGE_SIZE
    RequestConfig(request, paginate={"per_page": per_page}).configure(table)


class StaffTable(tables.Table):
    name = tables.TemplateColumn(
        template_name="staff/_staff_name.html",
        verbose_name=_("Name"),
        accessor="user__display_name",
        order_by=("user__display_name",),
    )
    mobile = tables.Column(verbose_name=_("Mobile"), accessor="user__mobile")
    # The position held in the community being worked on; each community's in the next column.
    position = tables.Column(
        verbose_name=_("Position"), accessor="position_name", order_by=("position_name",)
    )
    communities = tables.TemplateColumn(
        "{% for assignment in record.assignments.all %}{{ assignment.community.name }}"
        "（{{ assignment.position.name }}）{% if not forloop.last %}、{% endif %}{% endfor %}",
        verbose_name=_("Positions in the communities served"),
        orderable=False,
    )
    employee_number = tables.Column(verbose_name=_("Employee number"))
    joined_at = tables.DateColumn(verbose_name=_("Joined"), format="Y-m-d")
    is_active = tables.TemplateColumn(
        template_name="staff/_staff_status.html", verbose_name=_("Status")
    )

    class Meta:
        model = StaffMember
        fields = (
            "name",
            "mobile",
            "position",
            "communities",
            "employee_number",
            "joined_at",
            "is_active",
        )
        attrs = {"class": "table table-hover align-middle"}
        empty_text = _("No staff serve this community yet.")


class AuditTable(tables.Table):
    created_at = tables.DateTimeColumn(verbose_name=_("Time"), format="Y-m-d H:i:s")
    actor_label = tables.Column(verbose_name=_("By"), default=_("System"))
    action = tables.Column(verbose_name=_("Action"), accessor="action_label", orderable=False)
    target_label = tables.Column(verbose_name=_("Object"))
    data = tables.TemplateColumn(
        template_name="staff/_audit_data.html", verbose_name=_("Details"), orderable=False
    )

    class Meta:
        model = AuditEntry
        fields = ("created_at", "actor_label", "action", "target_label", "data")
        attrs = {"class": "table table-sm align-middle"}
        empty_text = _("Nothing has been recorded yet.")


# --- Residents and rooms -----------------------------------------------------------------------


class ResidencyTable(tables.Table):
    name = tables.TemplateColumn(
        template_name="staff/accounts/_resident_link.html",
        verbose_name=_("Name"),
        accessor="user__display_name",
        order_by=("user__display_name",),
    )
    mobile = tables.Column(verbose_name=_("Mobile"), accessor="user__mobile")
    room = tables.TemplateColumn(
        template_name="staff/accounts/_residency_room.html",
        verbose_name=_("Room"),
        order_by=("room__building__sort_order", "room__building__name", "room__number"),
    )
    relation = tables.Column(verbose_name=_("Relation"))
    status = tables.TemplateColumn(
        template_name="staff/accounts/_residency_status.html", verbose_name=_("Status")
    )
    created_at = tables.DateTimeColumn(verbose_name=_("Requested"), format="Y-m-d H:i")
    actions = tables.TemplateColumn(
        template_name="staff/accounts/_residency_actions.html",
        verbose_name=_("Actions"),
        orderable=False,
    )

    class Meta:
        model = Residency
        fields = ("name", "mobile", "room", "relation", "status", "created_at", "actions")
        attrs = {"class": "table table-hover align-middle"}
        empty_text = _("No residents match these filters.")


class RoomTable(tables.Table):
    label = tables.TemplateColumn(
        template_name="staff/accounts/_room_link.html",
        verbose_name=_("Room"),
        order_by=room_order(prefix=""),
        accessor="pk",
    )
    floor = tables.Column(verbose_name=_("Floor"))
    area = tables.Column(verbose_name=_("Floor area (m²)"))
    use = tables.Column(verbose_name=_("Use"))
    household_size = tables.Column(verbose_name=_("Household members"))
    pending_count = tables.TemplateColumn(
        "{% if value %}<span class='badge text-bg-warning'>{{ value }}</span>{% else %}—{% endif %}",
        verbose_name=_("Awaiting verification"),
    )

    class Meta:
        model = Room
        fields = ("label", "floor", "area", "use", "household_size", "pending_count")
        attrs = {"class": "table table-hover align-middle"}
        empty_text = _("No rooms match these filters.")

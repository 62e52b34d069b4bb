import django_tables2 as tables
from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
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
    """操作日志: when, and one sentence saying who did what to what (kit.audit.describe)."""

    created_at = tables.DateTimeColumn(verbose_name=_("Time"), format="Y-m-d H:i:s")
    action = tables.Column(verbose_name=_("Action"), accessor="action_label", orderable=False)
    sentence = tables.TemplateColumn(
        template_name="staff/_audit_data.html",
        verbose_name=pgettext_lazy("audit log", "What happened"),
        accessor="pk",
        orderable=False,
    )

    class Meta:
        model = AuditEntry
        fields = ("created_at", "action", "sentence")
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


class PartialColumn(tables.Column):
    """A cell drawn by a small template given only the row, the table, the request and the
    CSRF token. (django-tables2's TemplateColumn renders its template with the page's request,
    which runs every context processor again for every cell: 100 cells made the sign-up list
    of a 2,000-household activity miss its 100 ms.)"""

    def __init__(self, template_name: str, *, forms: bool = False, **kwargs):
        kwargs.setdefault("empty_values", ())
        super().__init__(**kwargs)
        self.template_name = template_name
        self.forms = forms

    def render(self, record, table, **kwargs):
        request = getattr(table, "request", None)
        context = {"record": record, "table": table, "request": request}
        if self.forms and request is not None:
            # One masked token for the page: masking it anew for each row's form is dear.
            if not hasattr(table, "csrf_token"):
                table.csrf_token = get_token(request)
            context["csrf_token"] = table.csrf_token
        return render_to_string(self.template_name, context)

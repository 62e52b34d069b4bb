import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from staff.tables import LocalTimeColumn, PartialColumn

from ..models import Complaint


class ComplaintTable(tables.Table):
    number = PartialColumn(
        "staff/complaints/handling/_number_link.html",
        verbose_name=_("Complaint number"),
    )
    created_at = LocalTimeColumn(
        verbose_name=_("Filed at"), format="m-d H:i", attrs={"td": {"class": "text-nowrap"}}
    )
    category = tables.Column(
        verbose_name=_("Category"),
        accessor="category__name",
        attrs={"td": {"class": "text-nowrap"}},
    )
    details = PartialColumn(
        "staff/complaints/handling/_details_cell.html",
        verbose_name=_("What happened"),
        orderable=False,
    )
    contact = PartialColumn(
        "staff/complaints/handling/_contact_cell.html",
        verbose_name=_("Contact"),
        accessor="contact_name",
    )
    status = PartialColumn(
        "staff/complaints/handling/_status_cell.html",
        verbose_name=_("Status"),
        attrs={"td": {"class": "text-nowrap"}},
    )
    due = PartialColumn(
        "staff/complaints/handling/_due_cell.html",
        verbose_name=_("Due"),
        accessor="reply_due_at",
        attrs={"td": {"class": "text-nowrap small"}},
    )
    department = tables.Column(
        verbose_name=_("Handled by"),
        empty_values=(),
        order_by=("department__sort_order", "handler__user__display_name"),
        attrs={"td": {"class": "text-nowrap"}},
    )

    class Meta:
        model = Complaint
        fields = (
            "number", "created_at", "category", "details", "contact", "status", "due",
            "department",
        )  # fmt: skip
        attrs = {"class": "table table-hover align-middle"}
        empty_text = _("No complaints match these filters.")

    def render_department(self, record) -> str:
        names = []
        if record.department_id:
            names.append(record.department.name)
        if record.handler_id:
            names.append(record.handler.user.get_full_name())
        return format_html("{}", " · ".join(names) or "—")

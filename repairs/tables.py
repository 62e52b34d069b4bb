import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from staff.tables import LocalTimeColumn, PartialColumn

from .models import RepairOrder


class RepairOrderTable(tables.Table):
    number = PartialColumn(
        template_name="staff/repairs/_number_link.html", verbose_name=_("Order number")
    )
    created_at = LocalTimeColumn(
        verbose_name=_("Reported at"), format="m-d H:i", attrs={"td": {"class": "text-nowrap"}}
    )
    category = tables.Column(
        verbose_name=_("Category"),
        accessor="category__name",
        attrs={"td": {"class": "text-nowrap"}},
    )
    place = PartialColumn(
        template_name="staff/repairs/_place.html",
        verbose_name=_("Place"),
        order_by=("room__building__sort_order", "room__building__name", "room__number"),
    )
    contact = PartialColumn(
        template_name="staff/repairs/_contact.html",
        verbose_name=_("Contact"),
        accessor="contact_name",
    )
    appointment = PartialColumn(
        template_name="staff/repairs/_appointment.html",
        verbose_name=_("Preferred time"),
        accessor="appointment_start",
    )
    status = PartialColumn(
        template_name="staff/repairs/_status_cell.html",
        verbose_name=_("Status"),
        attrs={"td": {"class": "text-nowrap"}},
    )
    technician = PartialColumn(
        template_code="{% if record.technician_id %}{{ record.technician.user.get_full_name }}{% else %}—"
        "{% endif %}",
        verbose_name=_("Technician"),
        order_by=("technician__user__display_name",),
    )
    actions = PartialColumn(
        template_name="staff/repairs/_row_actions.html",
        forms=True,
        verbose_name="",
        orderable=False,
        accessor="pk",
    )

    class Meta:
        model = RepairOrder
        fields = (
            "number",
            "created_at",
            "category",
            "place",
            "contact",
            "appointment",
            "status",
            "technician",
            "actions",
        )
        attrs = {"class": "table table-hover align-middle"}
        empty_text = _("No repair orders match these filters.")

    def __init__(self, *args, can_dispatch: bool = False, **kwargs):
        self.can_dispatch = can_dispatch
        super().__init__(*args, **kwargs)

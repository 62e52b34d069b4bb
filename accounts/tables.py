import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Residency, Room


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
        order_by=("building__sort_order", "building__name", "unit__sort_order", "floor", "number"),
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

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from accounts.models import Residency
from staff.tables import LocalTimeColumn, PartialColumn

from .models import Notice


class NoticeTable(tables.Table):
    title = PartialColumn(template_name="staff/notices/_title_link.html", verbose_name=_("Title"))
    category = tables.Column(verbose_name=_("Category"))
    importance = PartialColumn(
        template_name="staff/notices/_importance.html", verbose_name=_("Importance")
    )
    audience = PartialColumn(
        template_name="staff/notices/_audience.html",
        verbose_name=_("Audience"),
        accessor="pk",
        orderable=False,
    )
    status = PartialColumn(template_name="staff/notices/_status.html", verbose_name=_("Status"))
    published_at = LocalTimeColumn(
        verbose_name=_("Publishing time"), format="Y-m-d H:i", default="—"
    )
    read_count = tables.Column(verbose_name=_("Read"))
    actions = PartialColumn(
        template_name="staff/notices/_actions.html",
        forms=True,
        verbose_name=_("Actions"),
        orderable=False,
        accessor="pk",
    )

    class Meta:
        model = Notice
        fields = (
            "title",
            "category",
            "importance",
            "audience",
            "status",
            "published_at",
            "read_count",
            "actions",
        )
        attrs = {"class": "table table-hover align-middle"}
        empty_text = _("No notices match these filters.")

    def __init__(self, *args, can_change: bool = False, can_delete: bool = False, **kwargs):
        self.can_change = can_change
        self.can_delete = can_delete
        super().__init__(*args, **kwargs)


class UnreadTable(tables.Table):
    room = tables.Column(
        verbose_name=_("Room"),
        accessor="room__label",
        order_by=("room__building__sort_order", "room__building__name", "room__number"),
    )
    name = tables.Column(
        verbose_name=_("Name"), accessor="user__display_name", order_by=("user__display_name",)
    )
    relation = tables.Column(verbose_name=_("Relation"))

    class Meta:
        model = Residency
        fields = ("room", "name", "relation")
        attrs = {"class": "table table-sm align-middle mb-0"}
        empty_text = _("Everyone in the audience has read the notice.")

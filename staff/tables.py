import datetime

import django_tables2 as tables
from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template import engines
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_tables2 import RequestConfig

from accounts.models import Residency, Room
from accounts.selectors import room_order
from kit.models import AuditEntry

from .models import StaffMember


def paginate(
    request: HttpRequest,
    table: tables.Table,
    per_page: int | None = None,
    *,
    ids_first: bool = False,
) -> None:
    """Sorting and paging from the query string, the same on every staff list.

    `ids_first`: choose the page's ids in a narrow query (the filters and the sort only), then
    fetch those rows with their joins. On the residents list of a 20,000-room community the
    database sorted every residency with its person, room, building and unit to keep 25 of
    them (55 ms); sorting the ids alone takes a fraction of that."""
    per_page = per_page or settings.STAFF_LIST_PAGE_SIZE
    RequestConfig(request, paginate={"per_page": per_page}).configure(table)
    if ids_first:
        _fetch_page_by_ids(table)


def _fetch_page_by_ids(table: tables.Table) -> None:
    rows = table.page.object_list
    page = rows.data
    if not isinstance(page, QuerySet) or page.query.combinator:
        return
    ids = list(page.values_list("pk", flat=True))
    rest = page._chain()
    rest.query.clear_limits()
    rest.query.clear_ordering(force=True)
    records = {record.pk: record for record in rest.filter(pk__in=ids)} if ids else {}
    rows.data = [records[pk] for pk in ids if pk in records]


class PartialColumn(tables.Column):
    """A cell drawn by a small template (`template_name`, or `template_code` compiled once)
    given only the row (`record`), its `value`, the table, the request, the CSRF token and the
    page's variables named in `page_context` (e.g. ``can_verify``). django-tables2's
    TemplateColumn renders its template with the page's request, which runs every context
    processor again for every cell (102 times on the residents list), and its `template_code`
    is parsed again for every cell: 100 cells made the sign-up list of a 2,000-household
    activity miss its 100 ms."""

    def __init__(
        self,
        template_name: str | None = None,
        *,
        template_code: str | None = None,
        forms: bool = False,
        page_context: tuple[str, ...] = (),
        extra_context: dict | None = None,
        **kwargs,
    ):
        kwargs.setdefault("empty_values", ())
        super().__init__(**kwargs)
        if not template_name and not template_code:
            raise ValueError("A template must be provided")
        self.template_name = template_name
        self.template_code = template_code
        self.forms = forms
        self.page_context = page_context
        self.extra_context = extra_context or {}
        self._template = None

    def template(self):
        if self.template_name:
            # The template loaders keep it (and reload it when edited while developing).
            return engines["django"].get_template(self.template_name)
        if self._template is None:
            self._template = engines["django"].from_string(self.template_code)
        return self._template

    def render(self, record, table, value=None, **kwargs):
        request = getattr(table, "request", None)
        context = {"record": record, "value": value, "table": table, "request": request}
        context.update(self.extra_context)
        if self.page_context:
            # What the page gave the table's template (django-tables2's render_table hands it
            # over as `table.context`).
            page = getattr(table, "context", None)
            for name in self.page_context:
                context[name] = page.get(name) if page is not None else None
        if self.forms and request is not None:
            # One masked token for the page: masking it anew for each row's form is dear.
            if not hasattr(table, "csrf_token"):
                table.csrf_token = get_token(request)
            context["csrf_token"] = table.csrf_token
        return self.template().render(context)


class LocalTimeColumn(tables.Column):
    """A date or a time in the local time zone, in `format` (django.utils.dateformat).
    django-tables2's DateColumn and DateTimeColumn are TemplateColumns that parse a template
    again for every cell."""

    def __init__(self, *, format: str, **kwargs):  # noqa: A002 (django-tables2's own name)
        super().__init__(**kwargs)
        self.format = format

    def render(self, value):
        if isinstance(value, datetime.datetime):
            value = timezone.localtime(value)
        return date_format(value, self.format)


class StaffTable(tables.Table):
    name = PartialColumn(
        "staff/_staff_name.html",
        page_context=("can_change",),
        verbose_name=_("Name"),
        accessor="user__display_name",
        order_by=("user__display_name",),
    )
    mobile = tables.Column(verbose_name=_("Mobile"), accessor="user__mobile")
    # The position held in the community being worked on; each community's in the next column.
    position = tables.Column(
        verbose_name=_("Position"), accessor="position_name", order_by=("position_name",)
    )
    communities = tables.Column(
        verbose_name=_("Positions in the communities served"),
        orderable=False,
        accessor="pk",
    )
    employee_number = tables.Column(verbose_name=_("Employee number"))
    joined_at = LocalTimeColumn(verbose_name=_("Joined"), format="Y-m-d")
    is_active = PartialColumn("staff/_staff_status.html", verbose_name=_("Status"))

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

    def render_communities(self, record) -> str:
        return "、".join(
            f"{assignment.community.name}（{assignment.position.name}）"
            for assignment in record.assignments.all()
        )


class AuditTable(tables.Table):
    """操作日志: when, and one sentence saying who did what to what (kit.audit.describe)."""

    created_at = LocalTimeColumn(verbose_name=_("Time"), format="Y-m-d H:i:s")
    action = tables.Column(verbose_name=_("Action"), accessor="action_label", orderable=False)
    sentence = tables.Column(
        verbose_name=pgettext_lazy("audit log", "What happened"),
        accessor="pk",
        orderable=False,
    )

    class Meta:
        model = AuditEntry
        fields = ("created_at", "action", "sentence")
        attrs = {"class": "table table-sm align-middle"}
        empty_text = _("Nothing has been recorded yet.")

    def render_sentence(self, record) -> str:
        return record.sentence


# --- Residents and rooms -----------------------------------------------------------------------


class ResidencyTable(tables.Table):
    name = tables.Column(
        verbose_name=_("Name"),
        accessor="user__display_name",
        order_by=("user__display_name",),
        empty_values=(),
    )
    mobile = tables.Column(verbose_name=_("Mobile"), accessor="user__mobile")
    room = tables.Column(
        verbose_name=_("Room"),
        order_by=("room__building__sort_order", "room__building__name", "room__number"),
    )
    relation = tables.Column(verbose_name=_("Relation"))
    status = PartialColumn("staff/accounts/_residency_status.html", verbose_name=_("Status"))
    created_at = LocalTimeColumn(verbose_name=_("Requested"), format="Y-m-d H:i")
    actions = PartialColumn(
        "staff/accounts/_residency_actions.html",
        forms=True,
        page_context=("can_verify",),
        verbose_name=_("Actions"),
        orderable=False,
    )

    class Meta:
        model = Residency
        fields = ("name", "mobile", "room", "relation", "status", "created_at", "actions")
        attrs = {"class": "table table-hover align-middle"}
        empty_text = _("No residents match these filters.")

    def render_name(self, record) -> str:
        url = reverse("staff_residents:resident_detail", kwargs={"resident_id": record.user_id})
        return format_html('<a href="{}">{}</a>', url, record.user)

    def render_room(self, value) -> str:
        url = reverse("staff_residents:room_detail", kwargs={"room_id": value.pk})
        return format_html('<a href="{}">{}</a>', url, value.label)


class RoomTable(tables.Table):
    label = tables.Column(
        verbose_name=_("Room"),
        order_by=room_order(prefix=""),
        accessor="pk",
    )
    floor = tables.Column(verbose_name=_("Floor"))
    area = tables.Column(verbose_name=_("Floor area (m²)"))
    use = tables.Column(verbose_name=_("Use"))
    household_size = tables.Column(verbose_name=_("Household members"))
    pending_count = tables.Column(verbose_name=_("Awaiting verification"), empty_values=())

    class Meta:
        model = Room
        fields = ("label", "floor", "area", "use", "household_size", "pending_count")
        attrs = {"class": "table table-hover align-middle"}
        empty_text = _("No rooms match these filters.")

    def render_label(self, record) -> str:
        url = reverse("staff_residents:room_detail", kwargs={"room_id": record.pk})
        return format_html('<a href="{}">{}</a>', url, record.label)

    def render_pending_count(self, value) -> str:
        if value:
            return format_html("<span class='badge text-bg-warning'>{}</span>", value)
        return "—"

"""The staff lists of activities (django-tables2)."""

import django_tables2 as tables
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.selectors import room_order
from staff.tables import LocalTimeColumn, PartialColumn

from ..models import Activity, ActivitySignup


class ActivityTable(tables.Table):
    title = PartialColumn(
        template_name="staff/services/activities/_title_link.html", verbose_name=_("Title")
    )
    starts_at = LocalTimeColumn(
        verbose_name=_("Starts"), format="Y-m-d H:i", attrs={"td": {"class": "text-nowrap"}}
    )
    place = tables.Column(verbose_name=pgettext_lazy("activity", "Place"))
    places = PartialColumn(
        template_code="{{ record.places_taken }} / {{ record.capacity }}",
        verbose_name=_("Places taken"),
        order_by=("places_taken",),
    )
    status = PartialColumn(
        template_name="staff/services/activities/_activity_status.html",
        verbose_name=_("Status"),
    )

    class Meta:
        model = Activity
        fields = ("title", "starts_at", "place", "places", "status")
        attrs = {"class": "table table-hover align-middle"}
        empty_text = _("No activities yet.")


class SignupTable(tables.Table):
    # Not DateTimeColumn: a TemplateColumn that parses its template again for every cell.
    created_at = tables.Column(
        verbose_name=_("Signed up at"), attrs={"td": {"class": "text-nowrap"}}
    )
    room = tables.Column(
        verbose_name=_("Room"),
        accessor="household__room",
        order_by=room_order("household__room__"),
    )
    user = tables.Column(
        verbose_name=_("Signed up by"), order_by=("user__display_name",), empty_values=()
    )
    people = PartialColumn(
        "staff/services/activities/_participants.html",
        verbose_name=_("People"),
        order_by=("people",),
    )
    answers = PartialColumn(
        "staff/services/activities/_answers.html", verbose_name=_("Answers"), orderable=False
    )
    status = PartialColumn(
        "staff/services/activities/_signup_status.html", verbose_name=_("Status")
    )
    actions = PartialColumn(
        "staff/services/activities/_signup_actions.html",
        forms=True,
        verbose_name="",
        orderable=False,
        accessor="pk",
    )

    class Meta:
        model = ActivitySignup
        fields = ("created_at", "room", "user", "people", "answers", "status", "actions")
        attrs = {"class": "table table-hover align-middle"}
        empty_text = _("No sign-ups.")

    def render_created_at(self, value) -> str:
        return date_format(timezone.localtime(value), "m-d H:i")

    def render_room(self, value) -> str:
        return value.label

    def render_user(self, record) -> str:
        if record.user is None:
            return ""
        return format_html(
            '{}<div class="small text-secondary">{}</div>',
            record.user.get_full_name(),
            record.user.mobile,
        )

    def __init__(self, *args, can_decide: bool = False, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.can_decide = can_decide
        self.questions = list(questions)
        if not can_decide:
            self.columns.hide("actions")
        if not self.questions:
            self.columns.hide("answers")

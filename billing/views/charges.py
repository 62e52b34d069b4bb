"""Single charges for one room (SBIL-1): staff enter a one-off charge, review the drafts and
publish them (one or many); the household then sees and pays it like any bill."""

import django_tables2 as tables
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kit.forms import add_service_errors
from staff.access import staff_required
from staff.tables import LocalTimeColumn, PartialColumn, paginate

from .. import services
from ..forms.charges import ChargeForm
from ..models import Bill
from ..tables import MoneyColumn

RUN_BILLS = "billing.run_bills"
MAX_PUBLISH = 500  # charges per publishing request (a page holds far fewer)
DRAFTS, PUBLISHED = "draft", "published"


class ChargeTable(tables.Table):
    select = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "input": {"name": "bill", "form": "charges-form", "class": "form-check-input"},
            "th__input": {"id": "select-page", "class": "form-check-input",
                          "aria-label": gettext_lazy("Select all charges on this page")},
        },
    )  # fmt: skip
    room = tables.Column(
        verbose_name=gettext_lazy("Room"),
        accessor="room__number",
        order_by=("room__building__sort_order", "room__building__name", "room__number"),
    )
    title = PartialColumn(
        template_code="<a href=\"{% url 'billing_staff:bill_detail' bill_id=record.pk %}\">{{ record.title }}"
        '</a>{% if record.source_label %}<div class="small text-secondary">'
        "{{ record.source_label }}</div>{% endif %}",
        verbose_name=gettext_lazy("Title"),
    )
    kind = tables.Column(verbose_name=gettext_lazy("Fee kind"))
    amount = MoneyColumn(verbose_name=gettext_lazy("Amount"))
    due_date = LocalTimeColumn(verbose_name=gettext_lazy("Due date"), format="Y-m-d")
    created = PartialColumn(
        template_code="{{ record.created_at|date:'Y-m-d H:i' }}{% if record.created_by_id %}"
        '<div class="small text-secondary">{{ record.created_by.get_full_name }}</div>'
        "{% endif %}",
        verbose_name=gettext_lazy("Entered"),
        order_by=("created_at",),
        accessor="created_at",
    )
    status = PartialColumn(
        template_code='{% include "staff/billing/_work_bill_status.html" with bill=record %}',
        verbose_name=gettext_lazy("Status"),
    )

    class Meta:
        model = Bill
        fields = ("select", "room", "title", "kind", "amount", "due_date", "created", "status")
        attrs = {"class": "table table-hover align-middle"}
        empty_text = gettext_lazy("No single charges here.")

    def render_room(self, record):
        return record.room.label

    def render_kind(self, record):
        return record.get_kind_display()


def _charges(request: HttpRequest):
    return Bill.objects.filter(
        community=request.community, rule__isnull=True, run__isnull=True
    ).select_related("room__building", "room__unit", "created_by")


@staff_required(RUN_BILLS)
def charges(request: HttpRequest) -> HttpResponse:
    """The drafts to review (and publish), or the charges already published."""
    showing = PUBLISHED if request.GET.get("show") == PUBLISHED else DRAFTS
    rows = _charges(request)
    rows = (
        rows.filter(status=Bill.Status.DRAFT)
        if showing == DRAFTS
        else rows.exclude(status=Bill.Status.DRAFT)
    ).order_by("-created_at", "-pk")
    table = ChargeTable(rows, order_by=request.GET.get("sort") or None)
    if showing != DRAFTS:
        table.exclude = ("select",)
    paginate(request, table)
    return render(
        request,
        "staff/billing/charges.html",
        {"table": table, "showing": showing,
         "draft_count": _charges(request).filter(status=Bill.Status.DRAFT).count()},
    )  # fmt: skip


@staff_required(RUN_BILLS)
def charge_new(request: HttpRequest) -> HttpResponse:
    initial_room = request.GET.get("room", "")[:40]
    if request.method != "POST":
        form = ChargeForm(community=request.community)
        form.initial["room"] = initial_room
        return render(request, "staff/billing/charge_new.html", {"form": form})
    form = ChargeForm(request.POST, community=request.community)
    publish = "publish" in request.POST
    if form.is_valid():
        data = form.cleaned_data
        try:
            bill = services.charge_create(
                charge=services.ChargeInput(
                    room=data["room"], title=data["title"], kind=data["kind"],
                    lines=data["lines"], period_start=data["period_start"],
                    period_end=data["period_end"], due_date=data["due_date"],
                ),
                actor=request.user, publish=publish, request=request,
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if publish:
                messages.success(
                    request,
                    _("Charge %(number)s published; the household has been told.")
                    % {"number": bill.number},
                )
            else:
                messages.success(
                    request,
                    _("Charge %(number)s saved as a draft: review it, then publish it.")
                    % {"number": bill.number},
                )
            return redirect("billing_staff:charges")
    return render(request, "staff/billing/charge_new.html", {"form": form}, status=400)


@require_POST
@staff_required(RUN_BILLS)
def charges_publish(request: HttpRequest) -> HttpResponse:
    ids = [value for value in request.POST.getlist("bill") if value.isdigit()][:MAX_PUBLISH]
    chosen = list(_charges(request).filter(pk__in=ids, status=Bill.Status.DRAFT))
    if not chosen:
        messages.warning(request, _("Please choose at least one draft charge."))
        return redirect("billing_staff:charges")
    published = services.charges_publish(bills=chosen, actor=request.user, request=request)
    messages.success(
        request,
        _("Charges published: %(count)s. The households have been told.") % {"count": published},
    )
    return redirect("billing_staff:charges")


@require_POST
@staff_required(RUN_BILLS)
def charges_delete(request: HttpRequest) -> HttpResponse:
    """Delete chosen draft charges (entered by mistake); a published one is waived instead."""
    ids = [value for value in request.POST.getlist("bill") if value.isdigit()][:MAX_PUBLISH]
    chosen = list(_charges(request).filter(pk__in=ids, status=Bill.Status.DRAFT))
    if not chosen:
        messages.warning(request, _("Please choose at least one draft charge."))
        return redirect("billing_staff:charges")
    for bill in chosen:
        services.charge_delete(bill=bill, actor=request.user, request=request)
    messages.success(request, _("Draft charges deleted: %(count)s.") % {"count": len(chosen)})
    return redirect("billing_staff:charges")

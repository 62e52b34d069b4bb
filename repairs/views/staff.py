"""The service desk's repair pages: the queue, an order with accept / dispatch / cancel, the
monitoring board, and the community's categories and time slots."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kit import parameters
from kit.audit import entries_for
from kit.forms import add_service_errors, posted_data
from kit.pagecache import cache_page_per_visitor
from staff.access import safe_next, staff_has_perm, staff_required
from staff.scoping import get_scoped_or_404
from staff.tables import paginate

from .. import board as queries
from .. import selectors, services
from ..filters import RepairOrderFilter, with_default_status
from ..forms.staff import AssignForm, CancelForm, CategoryForm, SlotForm
from ..models import CATEGORY_ICONS, RepairCategory, RepairOrder, TimeSlot
from ..tables import RepairOrderTable
from .desk_context import desk_context

Status = RepairOrder.Status
VIEW = "repairs.view_repairorder"
DISPATCH = "repairs.dispatch_repairorder"
CHANGE_SETTINGS = "repairs.change_repaircategory"
ADD_SETTINGS = "repairs.add_repaircategory"


# --- Queue -----------------------------------------------------------------------------------------


@staff_required(VIEW)
@cache_page_per_visitor
def queue(request: HttpRequest) -> HttpResponse:
    orders = queries.queue_orders(request.community)
    filterset = RepairOrderFilter(
        with_default_status(request.GET), queryset=orders, request=request
    )
    can_dispatch = staff_has_perm(request, DISPATCH)
    table = RepairOrderTable(
        filterset.qs, can_dispatch=can_dispatch, order_by=request.GET.get("sort") or None
    )
    paginate(request, table, ids_first=True)
    return render(
        request,
        "staff/repairs/queue.html",
        {
            "filter": filterset,
            "table": table,
            "counts": queries.status_counts(request.community),
            "can_change_settings": staff_has_perm(request, CHANGE_SETTINGS),
            "can_dispatch": can_dispatch,
            "export_query": request.GET.urlencode(),
        },
    )


# --- One order -------------------------------------------------------------------------------------


def _order(request: HttpRequest, order_id: int) -> RepairOrder:
    return get_scoped_or_404(
        request,
        selectors.orders_for_community(request.community).select_related(
            "community", "household__user", "rating"
        ),
        order_id,
    )


def _technicians(request: HttpRequest):
    return queries.technicians_with_open_jobs(request.community)


def _rating_scores(order: RepairOrder) -> list[tuple[str, int]]:
    rating = getattr(order, "rating", None)
    if rating is None:
        return []
    return [
        (_("Speed"), rating.speed),
        (_("Quality"), rating.quality),
        (_("Attitude"), rating.attitude),
    ]


def _render_detail(
    request: HttpRequest,
    order: RepairOrder,
    *,
    assign_form: AssignForm | None = None,
    cancel_form: CancelForm | None = None,
    status: int = 200,
    **desk_forms,
) -> HttpResponse:
    may_act = staff_has_perm(request, DISPATCH) and order.is_open
    # A refusal on a form that is no longer offered (the order closed meanwhile) is shown on
    # top of the page instead.
    refusals = [
        error
        for form in (assign_form, cancel_form)
        if form is not None and not may_act
        for error in form.non_field_errors()
    ]
    if may_act:
        assign_form = assign_form or AssignForm(technicians=_technicians(request))
        cancel_form = cancel_form or CancelForm()
    now = timezone.now()
    return render(
        request,
        "staff/repairs/detail.html",
        {
            "order": order,
            "is_overdue": queries.is_overdue(order, now),
            "media": selectors.order_media(order),
            "timeline": selectors.timeline(order, include_internal=True),
            "rating": getattr(order, "rating", None),
            "escalations": list(order.escalations.order_by("created_at")),
            "audit_entries": entries_for(order)[:50],
            "can_accept": may_act and order.status == Status.PENDING,
            "assign_form": assign_form if may_act else None,
            "cancel_form": cancel_form if may_act else None,
            "refusals": refusals,
            "position": selectors.technician_position_for_display(order),
            "map_tiles": {
                "url": settings.MAP_TILE_URL,
                "subdomains": settings.MAP_TILE_SUBDOMAINS,
                "attribution": settings.MAP_TILE_ATTRIBUTION,
            },
            "rating_scores": _rating_scores(order),
            "stars": range(1, 6),
            **desk_context(request, order, **desk_forms),
        },
        status=status,
    )


@staff_required(VIEW)
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    return _render_detail(request, _order(request, order_id))


@require_POST
@staff_required(DISPATCH)
def order_accept(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    try:
        services.order_accept(order=order, actor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("Order %(number)s was accepted; the technicians may now take it.")
            % {"number": order.number},
        )
    return redirect(safe_next(request, "repairs_staff:queue"))


@require_POST
@staff_required(DISPATCH)
def order_assign(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    form = AssignForm(request.POST, technicians=_technicians(request))
    if form.is_valid():
        technician = form.cleaned_data["technician"]
        reassigning = order.technician_id is not None
        try:
            services.order_assign(
                order=order,
                technician=technician,
                actor=request.user,
                note=form.cleaned_data["note"].strip(),
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            name = technician.user.get_full_name()
            messages.success(
                request,
                _("The order was dispatched again, to %(name)s.") % {"name": name}
                if reassigning
                else _("The order was dispatched to %(name)s.") % {"name": name},
            )
            return redirect("repairs_staff:detail", order_id=order.pk)
    order = _order(request, order_id)  # as it is now, not as the refused change left it
    return _render_detail(request, order, assign_form=form, status=400)


@require_POST
@staff_required(DISPATCH)
def order_cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.order_cancel_by_staff(
                order=order,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The order was cancelled; the household was told why."))
            return redirect("repairs_staff:detail", order_id=order.pk)
    order = _order(request, order_id)
    return _render_detail(request, order, cancel_form=form, status=400)


# --- Monitoring board ------------------------------------------------------------------------------


@staff_required(VIEW)
def board(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    community = request.community
    counts = queries.status_counts(community, now)
    columns = [
        {
            "status": status,
            "label": Status(status).label,
            "count": counts[status],
            "orders": queries.board_column(community, status, now),
        }
        for status in queries.BOARD_COLUMNS
    ]
    template = (
        "staff/repairs/_board_body.html"
        if request.headers.get("HX-Request")
        else "staff/repairs/board.html"
    )
    return render(
        request,
        template,
        {
            "now": now,
            "counts": counts,
            "columns": columns,
            "column_limit": queries.BOARD_COLUMN_LIMIT,
            "technicians": list(queries.technician_workload(community, now)),
        },
    )


# --- Categories and time slots ---------------------------------------------------------------------


@staff_required(CHANGE_SETTINGS)
def categories(request: HttpRequest) -> HttpResponse:
    rows = (
        RepairCategory.objects.filter(community=request.community)
        .annotate(
            open_orders=Count("orders", filter=Q(orders__status__in=RepairOrder.OPEN_STATUSES))
        )
        .order_by("-is_active", "sort_order", "pk")
    )
    return render(
        request,
        "staff/repairs/categories.html",
        {
            "categories": list(rows),
            "icon_labels": dict(CATEGORY_ICONS),
            "can_add": staff_has_perm(request, ADD_SETTINGS),
        },
    )


def _category_form_page(
    request: HttpRequest, category: RepairCategory, created_message: str
) -> HttpResponse:
    heading_name = category.name  # before the form writes what was typed onto the instance
    form = CategoryForm(posted_data(request), instance=category)
    if form.is_valid():
        try:
            services.category_save(category=form.instance, actor=request.user, request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, created_message % {"name": category.name})
            return redirect("repairs_staff:categories")
    return render(
        request,
        "staff/repairs/category_form.html",
        {"form": form, "category": category if category.pk else None, "heading_name": heading_name},
        status=400 if form.errors else 200,
    )


@staff_required(ADD_SETTINGS)
def category_create(request: HttpRequest) -> HttpResponse:
    if not staff_has_perm(request, CHANGE_SETTINGS):
        raise PermissionDenied
    next_order = (
        RepairCategory.objects.filter(community=request.community)
        .order_by("-sort_order")
        .values_list("sort_order", flat=True)
        .first()
    )
    # New categories go to the end of the residents' list unless staff say otherwise.
    company = request.community.company_id
    category = RepairCategory(
        community=request.community,
        sort_order=0 if next_order is None else next_order + 10,
        accept_within_minutes=parameters.get("repairs.accept_within_minutes", company=company),
        finish_within_hours=parameters.get("repairs.finish_within_hours", company=company),
    )
    return _category_form_page(request, category, _("The category “%(name)s” was added."))


@staff_required(CHANGE_SETTINGS)
def category_edit(request: HttpRequest, category_id: int) -> HttpResponse:
    category = get_scoped_or_404(request, RepairCategory.objects.all(), category_id)
    return _category_form_page(request, category, _("The category “%(name)s” was saved."))


@staff_required(CHANGE_SETTINGS)
def slots(request: HttpRequest) -> HttpResponse:
    rows = TimeSlot.objects.filter(community=request.community).order_by("-is_active", "start")
    return render(
        request,
        "staff/repairs/slots.html",
        {"slots": list(rows), "can_add": staff_has_perm(request, ADD_SETTINGS)},
    )


def _slot_form_page(request: HttpRequest, slot: TimeSlot, done_message: str) -> HttpResponse:
    heading_name = str(slot) if slot.pk else ""
    form = SlotForm(posted_data(request), instance=slot)
    if form.is_valid():
        try:
            services.slot_save(slot=form.instance, actor=request.user, request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done_message % {"slot": str(slot)})
            return redirect("repairs_staff:slots")
    return render(
        request,
        "staff/repairs/slot_form.html",
        {"form": form, "slot": slot if slot.pk else None, "heading_name": heading_name},
        status=400 if form.errors else 200,
    )


@staff_required(ADD_SETTINGS)
def slot_create(request: HttpRequest) -> HttpResponse:
    if not staff_has_perm(request, CHANGE_SETTINGS):
        raise PermissionDenied
    slot = TimeSlot(community=request.community)
    return _slot_form_page(request, slot, _("The time slot %(slot)s was added."))


@staff_required(CHANGE_SETTINGS)
def slot_edit(request: HttpRequest, slot_id: int) -> HttpResponse:
    slot = get_scoped_or_404(request, TimeSlot.objects.all(), slot_id)
    return _slot_form_page(request, slot, _("The time slot %(slot)s was saved."))

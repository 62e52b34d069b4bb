"""The resident's 报修 pages: the household's orders, reporting a fault, following an order
(status, timeline, technician and their position), cancelling and rating it."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kit.forms import add_service_errors
from kit.pagecache import cache_page_per_visitor

from .. import selectors, services
from ..forms.resident import CancelForm, RatingForm, RepairReportForm
from ..models import RepairAttachment, RepairOrder, RepairRating

Status = RepairOrder.Status
PAGE_SIZE = 15
LIVE_INTERVAL_SECONDS = 15
# A position older than this is probably from a phone that went to sleep: say so.
STALE_POSITION_MINUTES = 5

LIST_TABS = [
    ("open", gettext_lazy("In progress"), RepairOrder.OPEN_STATUSES),
    ("done", gettext_lazy("Finished"), RepairOrder.CLOSED_STATUSES),
    ("all", gettext_lazy("All"), None),
]


def _order_or_404(request: HttpRequest, order_id: int) -> RepairOrder:
    order = selectors.get_order_for_user(request.user, order_id)
    if order is None:
        raise Http404
    return order


# --- 报修 list ---------------------------------------------------------------------------------


@login_required
@require_GET
@cache_page_per_visitor
def order_list(request: HttpRequest) -> HttpResponse:
    orders = selectors.orders_for_user(request.user)
    counts = orders.order_by().aggregate(
        open=Count("pk", filter=Q(status__in=RepairOrder.OPEN_STATUSES)),
        done=Count("pk", filter=Q(status__in=RepairOrder.CLOSED_STATUSES)),
        all=Count("pk"),
    )
    tab = request.GET.get("tab", "")
    if tab not in {key for key, _label, _statuses in LIST_TABS}:
        tab = "open" if counts["open"] else "all"
    statuses = next(statuses for key, _label, statuses in LIST_TABS if key == tab)
    if statuses is not None:
        orders = orders.filter(status__in=statuses)
    first_photo = RepairAttachment.objects.filter(
        order=OuterRef("pk"),
        stage=RepairAttachment.Stage.REPORT,
        kind=RepairAttachment.Kind.IMAGE,
    ).order_by("pk")
    orders = orders.annotate(first_photo_id=Subquery(first_photo.values("pk")[:1]))
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    has_room = counts["all"] > 0 or selectors.reportable_residencies(request.user).exists()
    return render(
        request,
        "resident/repairs/list.html",
        {
            "page": page,
            "tab": tab,
            "tabs": [(key, label, counts[key]) for key, label, _statuses in LIST_TABS],
            "counts": counts,
            "has_room": has_room,
            "query": f"tab={tab}",
        },
    )


# --- Reporting a fault -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def order_create(request: HttpRequest) -> HttpResponse:
    residencies = list(selectors.reportable_residencies(request.user))
    if not residencies:
        messages.info(request, _("Bind and verify your room first; then you can report repairs."))
        return redirect("repairs:list")
    # The form is for one community at a time: its categories, slots and the user's rooms there.
    communities = list(
        {r.room.building.community_id: r.room.building.community for r in residencies}.values()
    )
    community = next(
        (c for c in communities if str(c.pk) == request.GET.get("community")), communities[0]
    )
    here = [r for r in residencies if r.room.building.community_id == community.pk]
    form = RepairReportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        user=request.user,
        community=community,
        residencies=here,
    )
    if request.method == "POST" and form.is_valid():
        try:
            order = services.order_create(
                reporter=request.user, request=request, **form.order_arguments()
            )
        except ValidationError as error:
            add_service_errors(form, error, "photos")
        else:
            messages.success(
                request,
                _("Your repair order %(number)s has been sent. We will be in touch soon.")
                % {"number": order.number},
            )
            url = reverse("repairs:detail", args=[order.pk])
            if request.headers.get("X-Requested-With") == "XMLHttpRequest":
                # The upload script navigates itself (an XHR would follow a redirect and use
                # up the flash message on the way).
                return JsonResponse({"redirect": url})
            return redirect(url)
    return render(
        request,
        "resident/repairs/create.html",
        {
            "form": form,
            "community": community,
            "communities": communities,
            "today": timezone.localdate().isoformat(),
            "now_time": f"{timezone.localtime():%H:%M}",
        },
        status=400 if request.method == "POST" else 200,
    )


# --- Following an order -------------------------------------------------------------------------


def _steps(order: RepairOrder) -> list[dict]:
    """待受理 → 已受理/已派单 → 维修中 → 已完成, each done, current or still to come."""
    if order.technician_id is not None and order.assigned_at is not None:
        second = Status.ASSIGNED.label
    elif order.accepted_at is not None:
        second = Status.ACCEPTED.label
    else:
        second = _("Accepted / dispatched")
    steps = [
        (Status.PENDING.label, order.created_at),
        (second, order.assigned_at or order.accepted_at),
        (Status.IN_PROGRESS.label, order.started_at),
        (Status.COMPLETED.label, order.completed_at),
    ]
    reached = {
        Status.PENDING: 0,
        Status.ACCEPTED: 1,
        Status.ASSIGNED: 1,
        Status.IN_PROGRESS: 2,
        Status.COMPLETED: 3,
    }.get(order.status)
    if reached is None:  # cancelled: what had happened, then the cancellation
        reached = 2 if order.started_at else 1 if (order.accepted_at or order.assigned_at) else 0
        result = [{"label": label, "at": at, "state": "done"} for label, at in steps[: reached + 1]]
        result.append(
            {"label": Status.CANCELLED.label, "at": order.cancelled_at, "state": "cancelled"}
        )
        return result
    return [
        {
            "label": label,
            "at": at if i <= reached else None,
            "state": "done"
            if i < reached or order.status == Status.COMPLETED
            else ("current" if i == reached else "todo"),
        }
        for i, (label, at) in enumerate(steps)
    ]


def _position(order: RepairOrder) -> dict | None:
    position = selectors.technician_position_for_display(order)
    if position is None:
        return None
    age = timezone.now() - position["recorded_at"]
    minutes = max(0, int(age.total_seconds() // 60))
    return {
        **position,
        "minutes_ago": minutes,
        "is_stale": minutes >= STALE_POSITION_MINUTES,
        "recorded_at": position["recorded_at"].isoformat(),
    }


def _live_context(order: RepairOrder) -> dict:
    events = selectors.timeline(order)
    return {
        "order": order,
        "steps": _steps(order),
        "events": events,
        "position": _position(order),
        "show_technician": order.technician_id is not None
        and order.status in (Status.ASSIGNED, Status.IN_PROGRESS, Status.COMPLETED),
        "live_interval": LIVE_INTERVAL_SECONDS,
    }


def _render_detail(
    request: HttpRequest,
    order: RepairOrder,
    *,
    cancel_form: CancelForm | None = None,
    rating_form: RatingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    media = selectors.order_media(order)
    report = media[RepairAttachment.Stage.REPORT]
    rating = RepairRating.objects.filter(order=order).first()
    return render(
        request,
        "resident/repairs/detail.html",
        {
            "charge": selectors.charge_of(order),
            **_live_context(order),
            "report_photos": [a for a in report if a.kind == RepairAttachment.Kind.IMAGE],
            "report_videos": [a for a in report if a.kind == RepairAttachment.Kind.VIDEO],
            "rating": rating,
            "cancel_form": cancel_form or CancelForm(),
            "rating_form": rating_form or RatingForm(),
            "cancel_open": cancel_form is not None and cancel_form.errors,
            "map_settings": {
                "url": settings.MAP_TILE_URL,
                "subdomains": settings.MAP_TILE_SUBDOMAINS,
                "attribution": settings.MAP_TILE_ATTRIBUTION,
            },
        },
        status=status,
    )


@login_required
@require_GET
@cache_page_per_visitor
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    return _render_detail(request, _order_or_404(request, order_id))


@login_required
@require_GET
def order_live(request: HttpRequest, order_id: int) -> HttpResponse:
    """What changes while the order is open, for the page's poller (htmx): the poller itself
    (without a trigger once the order is closed, so polling stops) and out-of-band swaps of
    the status, the technician card, the timeline and the position. The actions (cancel,
    rate) are swapped only when the status moved, so a half-typed reason is not wiped."""
    order = _order_or_404(request, order_id)
    context = _live_context(order)
    status_changed = request.GET.get("status") != order.status
    if status_changed:
        context.update(
            cancel_form=CancelForm(),
            rating_form=RatingForm(),
            rating=RepairRating.objects.filter(order=order).first(),
        )
    context["status_changed"] = status_changed
    return render(request, "resident/repairs/_live.html", context)


# --- Cancelling and rating ----------------------------------------------------------------------


@login_required
@require_POST
def order_cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order_or_404(request, order_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.order_cancel_by_resident(
                order=order, user=request.user, reason=form.cleaned_data["reason"], request=request
            )
        except ValidationError as error:
            add_service_errors(form, error, "reason")
        else:
            messages.success(request, _("The repair order has been cancelled."))
            return redirect("repairs:detail", order.pk)
    order.refresh_from_db()
    return _render_detail(request, order, cancel_form=form, status=400)


@login_required
@require_POST
def order_rate(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order_or_404(request, order_id)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.order_rate(
                order=order, user=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you for your rating!"))
            return redirect("repairs:detail", order.pk)
    return _render_detail(request, order, rating_form=form, status=400)


@login_required
@require_POST
def order_charge_agree(request: HttpRequest, order_id: int) -> HttpResponse:
    """The household agrees to a paid repair's charges; billing raises the bill."""
    order = _order_or_404(request, order_id)
    try:
        charge = services.charge_agree(
            order=order, via="app", resident=request.user, request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Thank you. Bill %(bill)s was raised; you can pay it under bills.")
            % {"bill": charge.bill_number},
        )
    return redirect("repairs:detail", order_id=order.pk)

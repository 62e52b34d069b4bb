"""The technician's phone pages (维修工): my jobs, the pool to grab from, finished jobs, and one
job with its actions. Each action is a POST to its own URL that calls one service."""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Community
from kit.forms import add_service_errors
from kit.uploads import photo_limit
from staff.access import staff_required
from staff.models import StaffMember

from .. import selectors, services
from ..forms.desk import DeclineForm, charge_formset
from ..forms.technician import FinishForm, NoteForm, PositionForm, SharingForm, StartForm
from ..models import RepairAttachment, RepairOrder, RepairRating

Status = RepairOrder.Status
PERMISSION = "repairs.work_repairorder"
PAGE_SIZE = 20
TABS = ("mine", "pool", "done")


# --- Reads of these pages --------------------------------------------------------------------------


def _with_card_figures(orders: QuerySet[RepairOrder], now: dt.datetime) -> QuerySet[RepairOrder]:
    return orders.annotate(
        report_photo_count=Count(
            "attachments", filter=Q(attachments__stage=RepairAttachment.Stage.REPORT)
        ),
        is_overdue=selectors.overdue_annotation(now),
    )


def _completed_jobs(member: StaffMember, community: Community) -> QuerySet[RepairOrder]:
    return (
        selectors.orders_for_community(community)
        .filter(technician=member, status=Status.COMPLETED)
        .select_related("rating")
        .order_by("-completed_at", "-pk")
    )


def _day_groups(orders: list[RepairOrder], today: dt.date) -> list[tuple[str, list]]:
    """我的工单 by appointment day: in repair first, then earlier days, today, tomorrow, later."""
    names = {
        "working": _("Being repaired"),
        "earlier": _("Past appointment day"),
        "today": _("Today"),
        "tomorrow": _("Tomorrow"),
        "later": _("Later"),
    }
    groups: dict[str, list] = {key: [] for key in names}
    for order in orders:
        day = timezone.localdate(order.appointment_start)
        if order.status == Status.IN_PROGRESS:
            key = "working"
        elif day < today:
            key = "earlier"
        elif day == today:
            key = "today"
        elif day == today + dt.timedelta(days=1):
            key = "tomorrow"
        else:
            key = "later"
        groups[key].append(order)
    return [(names[key], items) for key, items in groups.items() if items]


def _day_label(when: dt.datetime, today: dt.date) -> str:
    day = timezone.localdate(when)
    if day == today:
        return _("Today")
    if day == today + dt.timedelta(days=1):
        return _("Tomorrow")
    if day == today - dt.timedelta(days=1):
        return _("Yesterday")
    return f"{day:%m-%d}"


def _label_days(orders, today: dt.date) -> None:
    for order in orders:
        order.appointment_day = _day_label(order.appointment_start, today)


# --- Pages -----------------------------------------------------------------------------------------


@staff_required(PERMISSION)
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    member, community = request.staff_member, request.community
    now = timezone.now()
    today = timezone.localdate(now)
    tab = request.GET.get("tab", "mine")
    if tab not in TABS:
        tab = "mine"
    mine = _with_card_figures(selectors.jobs_of_technician(member, community), now)
    pool = _with_card_figures(selectors.pool_for_technician(community), now)
    context: dict = {"active_tab": tab, "counts": {"mine": mine.count(), "pool": pool.count()}}
    if tab == "mine":
        orders = list(mine)
        _label_days(orders, today)
        context["groups"] = _day_groups(orders, today)
    elif tab == "pool":
        orders = list(pool)
        _label_days(orders, today)
        context["orders"] = orders
    else:
        page = Paginator(_completed_jobs(member, community), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        _label_days(page.object_list, today)
        context["page"] = page
    return render(request, "technician/job_list.html", context)


def _render_detail(
    request: HttpRequest,
    order: RepairOrder,
    *,
    note_form: NoteForm | None = None,
    finish_form: FinishForm | None = None,
    decline_form: DeclineForm | None = None,
    charge_forms=None,
    status: int = 200,
) -> HttpResponse:
    member = request.staff_member
    now = timezone.now()
    today = timezone.localdate(now)
    mine = order.technician_id == member.pk
    working = mine and order.status == Status.IN_PROGRESS
    order.appointment_day = _day_label(order.appointment_start, today)
    actions = {
        "grab": order.status == Status.ACCEPTED and not mine,
        "accept": mine and order.status == Status.ASSIGNED and order.technician_accepted_at is None,
        "start": mine and order.status == Status.ASSIGNED,
        "note": mine and order.status in (Status.ASSIGNED, Status.IN_PROGRESS),
        "finish": working,
        # Handing the job back: only before the work starts.
        "decline": mine and order.status == Status.ASSIGNED,
    }

    media = selectors.order_media(order)
    if actions["grab"]:
        active_tab = "pool"
    elif order.status == Status.COMPLETED:
        active_tab = "done"
    else:
        active_tab = "mine"
    context = {
        "active_tab": active_tab,
        "order": order,
        "mine": mine,
        "working": working,
        "actions": actions,
        "overdue": order.is_open and order.finish_due_at < now,
        "appointment_missed": order.status == Status.ASSIGNED and order.appointment_end < now,
        "report_media": media[RepairAttachment.Stage.REPORT],
        "result_media": media[RepairAttachment.Stage.RESULT],
        "events": selectors.timeline(order),
        "start_form": StartForm(),
        "note_form": note_form or NoteForm(),
        "finish_form": finish_form or FinishForm(),
        "decline_form": decline_form or DeclineForm(),
        **_charge_context(order, mine, charge_forms),
        "sharing": working and order.share_location,
        "rating": RepairRating.objects.filter(order=order).first()
        if order.status == Status.COMPLETED
        else None,
        "rating_scale": range(5),
        "position_interval": settings.REPAIR_POSITION_INTERVAL_SECONDS,
        "max_photos": (most := photo_limit()),
        "too_many_photos": _("At most %(count)d photos, please.") % {"count": most},
    }
    return render(request, "technician/job_detail.html", context, status=status)


def _charge_context(order: RepairOrder, mine: bool, charge_forms) -> dict:
    """A paid repair's charges, with the form to record or correct them while the job is the
    technician's and the household has not agreed yet."""
    charge = selectors.charge_of(order) if order.room_id else None
    may_charge = (
        mine
        and order.room_id is not None
        and order.status in (Status.ASSIGNED, Status.IN_PROGRESS, Status.COMPLETED)
        and (charge is None or not charge.is_agreed)
    )
    return {
        "charge": charge,
        "charge_forms": (charge_forms or charge_formset(charge)) if may_charge else None,
        "charge_open": charge_forms is not None,
    }


@staff_required(PERMISSION)
@require_GET
def job_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.get_job_for_technician(request, order_id)
    return _render_detail(request, order)


# --- Actions ---------------------------------------------------------------------------------------


def _to_detail(order: RepairOrder) -> HttpResponse:
    return redirect("repairs_tech:detail", order_id=order.pk)


def _refused(request: HttpRequest, order: RepairOrder, error: ValidationError) -> HttpResponse:
    messages.error(request, " ".join(error.messages))
    return _to_detail(order)


def _not_yours(request: HttpRequest, order: RepairOrder) -> HttpResponse:
    messages.error(request, _("This order is not yours. Take it from the pool first."))
    return _to_detail(order)


@staff_required(PERMISSION)
@require_POST
def job_grab(request: HttpRequest, order_id: int) -> HttpResponse:
    try:
        order = selectors.get_job_for_technician(request, order_id)
    except Http404:
        # Taken by a colleague a moment ago: say so rather than show a missing page.
        if RepairOrder.objects.filter(pk=order_id, community=request.community).exists():
            messages.error(request, _("Someone else has already taken this order."))
            return redirect(reverse("repairs_tech:list") + "?tab=pool")
        raise
    if order.technician_id == request.staff_member.pk:
        messages.info(request, _("This order is already yours."))
        return _to_detail(order)
    try:
        services.order_grab(order=order, technician=request.staff_member, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(reverse("repairs_tech:list") + "?tab=pool")
    except PermissionDenied:
        messages.error(request, _("You do not carry out repairs in this community."))
        return redirect(reverse("repairs_tech:list") + "?tab=pool")
    messages.success(request, _("The order is yours. Please contact the resident and go on time."))
    return _to_detail(order)


@staff_required(PERMISSION)
@require_POST
def job_accept(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.get_job_for_technician(request, order_id)
    try:
        services.order_technician_accept(
            order=order, technician=request.staff_member, request=request
        )
    except ValidationError as error:
        return _refused(request, order, error)
    except PermissionDenied:
        return _not_yours(request, order)
    messages.success(request, _("You confirmed the order."))
    return _to_detail(order)


@staff_required(PERMISSION)
@require_POST
def job_start(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.get_job_for_technician(request, order_id)
    form = StartForm(request.POST)
    form.is_valid()  # a single checkbox: anything but "on" means no consent
    share = bool(form.cleaned_data.get("share_location"))
    if order.status == Status.IN_PROGRESS and order.technician_id == request.staff_member.pk:
        messages.info(request, _("The repair has already started."))
        return _to_detail(order)
    try:
        services.order_start(
            order=order, technician=request.staff_member, share_location=share, request=request
        )
    except ValidationError as error:
        return _refused(request, order, error)
    except PermissionDenied:
        return _not_yours(request, order)
    if share:
        messages.success(
            request,
            _("Repair started. Your position is shared with the resident until you finish."),
        )
    else:
        messages.success(request, _("Repair started."))
    return _to_detail(order)


def _is_about_the_form(error: ValidationError) -> bool:
    """Keyed errors and refused files go back into the form; anything else (the order moved
    on meanwhile) is a refusal of the whole action."""
    return hasattr(error, "error_dict") or getattr(error, "code", None) not in (
        None,
        "illegal_transition",
    )


@staff_required(PERMISSION)
@require_POST
def job_note(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.get_job_for_technician(request, order_id)
    member = request.staff_member
    if order.technician_id != member.pk:
        return _not_yours(request, order)
    if order.status not in (Status.ASSIGNED, Status.IN_PROGRESS):
        messages.error(request, _("Notes can be added while the order is open."))
        return _to_detail(order)
    return _submit(
        request,
        order,
        NoteForm(request.POST, request.FILES),
        form_name="note_form",
        success=_("The note was added."),
        perform=lambda data: services.order_note(
            order=order, technician=member, note=data["note"], photos=data["photos"],
            request=request,
        ),
    )  # fmt: skip


def _submit(request, order, form, *, form_name: str, success: str, perform) -> HttpResponse:
    """Run `perform(cleaned_data)` for a valid form; the service's refusals go to the form's
    fields (400, the page again) or, when not about the form, to a message."""
    if form.is_valid():
        try:
            perform(form.cleaned_data)
        except ValidationError as error:
            if not _is_about_the_form(error):
                return _refused(request, order, error)
            add_service_errors(form, error, "photos")
        except PermissionDenied:
            return _not_yours(request, order)
        else:
            messages.success(request, success)
            return _to_detail(order)
    return _render_detail(request, order, **{form_name: form}, status=400)


@staff_required(PERMISSION)
@require_POST
def job_finish(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.get_job_for_technician(request, order_id)
    member = request.staff_member
    if order.technician_id != member.pk:
        return _not_yours(request, order)
    if order.status != Status.IN_PROGRESS:
        # The form is not on the page in any other state: refuse before looking at it.
        messages.error(
            request,
            _("A repair order that is “%(current)s” cannot become “%(target)s”.")
            % {"current": order.get_status_display(), "target": Status.COMPLETED.label},
        )
        return _to_detail(order)
    return _submit(
        request,
        order,
        FinishForm(request.POST, request.FILES),
        form_name="finish_form",
        success=_("Repair completed. Thank you!"),
        perform=lambda data: services.order_finish(
            order=order, technician=member, result_note=data["result_note"],
            photos=data["photos"], request=request,
        ),
    )  # fmt: skip


@staff_required(PERMISSION)
@require_POST
def job_decline(request: HttpRequest, order_id: int) -> HttpResponse:
    """Hand the job back with a reason, before starting: it returns to the queue."""
    order = selectors.get_job_for_technician(request, order_id)
    member = request.staff_member
    if order.technician_id != member.pk:
        return _not_yours(request, order)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.order_decline(
                order=order, technician=member, reason=form.cleaned_data["reason"],
                request=request,
            )  # fmt: skip
        except ValidationError as error:
            if not _is_about_the_form(error):
                return _refused(request, order, error)
            add_service_errors(form, error, "reason")
        except PermissionDenied:
            return _not_yours(request, order)
        else:
            messages.success(request, _("You declined the job; the service desk was told."))
            return redirect("repairs_tech:list")
    return _render_detail(request, order, decline_form=form, status=400)


@staff_required(PERMISSION)
@require_POST
def job_charge(request: HttpRequest, order_id: int) -> HttpResponse:
    """Record the materials and labour of a paid repair; the resident agrees on their phone."""
    order = selectors.get_job_for_technician(request, order_id)
    member = request.staff_member
    if order.technician_id != member.pk:
        return _not_yours(request, order)
    forms = charge_formset(selectors.charge_of(order), request.POST)
    if forms.is_valid():
        try:
            services.charge_propose(
                order=order, actor=request.user, technician=member, lines=forms.lines(),
                request=request,
            )  # fmt: skip
        except ValidationError as error:
            forms._non_form_errors = forms.error_class(error.messages)
        except PermissionDenied:
            return _not_yours(request, order)
        else:
            messages.success(request, _("The charges were sent to the resident to agree."))
            return _to_detail(order)
    return _render_detail(request, order, charge_forms=forms, status=400)


@staff_required(PERMISSION)
@require_POST
def job_sharing(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.get_job_for_technician(request, order_id)
    form = SharingForm(request.POST)
    form.is_valid()
    share = bool(form.cleaned_data.get("share"))
    try:
        services.location_sharing_set(order=order, technician=request.staff_member, share=share)
    except ValidationError as error:
        return _refused(request, order, error)
    except PermissionDenied:
        return _not_yours(request, order)
    if share:
        messages.success(request, _("Your position is shared with the resident again."))
    else:
        messages.success(request, _("Location sharing is off; your last position was deleted."))
    return _to_detail(order)


@staff_required(PERMISSION)
@require_POST
def job_position(request: HttpRequest, order_id: int) -> HttpResponse:
    """The page's periodic position report. {"stop": true} tells the page to stop sending."""
    order = selectors.get_job_for_technician(request, order_id)
    form = PositionForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"error": _("The position could not be read.")}, status=400)
    try:
        position = services.position_record(
            order=order,
            technician=request.staff_member,
            latitude=form.cleaned_data["latitude"],
            longitude=form.cleaned_data["longitude"],
            accuracy=form.cleaned_data["accuracy"],
        )
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    except PermissionDenied:
        return JsonResponse({"error": _("This order is not yours."), "stop": True}, status=403)
    if position is None:
        return JsonResponse({"stop": True})
    return JsonResponse({"ok": True, "recorded_at": position.recorded_at.isoformat()})

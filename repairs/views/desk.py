"""The desk's work on repair orders beyond dispatching: orders taken for residents who phone
or come in (代客报修), the charges of paid repairs, call-backs (回访), replies to ratings, the
printable 派工单 and the exports of the queue and the ratings."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kit import spreadsheets
from kit.forms import add_service_errors, posted_data
from staff.access import safe_next, staff_required

from .. import board as queries
from .. import performance as figures
from .. import selectors, services
from ..filters import RepairOrderFilter, with_default_status
from ..forms.desk import (
    CallbackForm,
    ChargeAgreeForm,
    RatingReplyForm,
    RoomFindForm,
    TakeOrderForm,
    charge_formset,
)
from ..forms.performance import RatingsFilterForm
from .staff import DISPATCH, VIEW, _order, _render_detail

PERFORMANCE = "repairs.view_repair_performance"
EXPORT_LIMIT = 20_000


# --- 代客报修 ---------------------------------------------------------------------------------------


@staff_required(DISPATCH)
@require_http_methods(["GET", "POST"])
def take_order(request: HttpRequest) -> HttpResponse:
    """Find the room, then take the order for one of its residents or a visitor."""
    community = request.community
    source = request.POST if request.method == "POST" else request.GET
    room = selectors.desk_room(community, source.get("room"))
    find_form = RoomFindForm(request.GET if room is None and "q" in request.GET else None)
    found = None
    if find_form.is_bound and find_form.is_valid():
        found = selectors.desk_rooms(community, find_form.cleaned_data["q"])
        if len(found) == 1:
            room = found[0]
    context = {"find_form": find_form, "found": found, "room": room}
    if room is None:
        return render(request, "staff/repairs/take.html", context,
                      status=400 if find_form.errors else 200)  # fmt: skip
    people = selectors.people_of_room(room)
    first = people[0].user if people else None
    form = TakeOrderForm(
        posted_data(request),
        request.FILES if request.method == "POST" else None,
        community=community,
        people=people,
        initial={
            "reporter": str(first.pk) if first else None,
            "contact_name": first.get_full_name() if first else "",
            "contact_phone": first.mobile if first else "",
        },
    )
    if form.is_bound and form.is_valid():
        try:
            order = services.order_take(
                actor=request.user, community=community, room=room, request=request,
                **form.order_arguments(),
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error, "photos")
        else:
            messages.success(
                request,
                _("Repair order %(number)s taken for %(room)s. The household has been told.")
                % {"number": order.number, "room": room.label},
            )
            return redirect("repairs_staff:detail", order_id=order.pk)
    context.update({"form": form, "people": people})
    return render(
        request,
        "staff/repairs/take.html",
        context,
        status=400 if form.is_bound and form.errors else 200,
    )


# --- Paid repairs ---------------------------------------------------------------------------------


@require_POST
@staff_required(DISPATCH)
def charge_save(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    forms = charge_formset(selectors.charge_of(order), request.POST)
    if forms.is_valid():
        try:
            services.charge_propose(
                order=order, actor=request.user, lines=forms.lines(), request=request
            )
        except ValidationError as error:
            forms._non_form_errors = forms.error_class(error.messages)
        else:
            messages.success(request, _("The charges were saved; the resident is asked to agree."))
            return redirect("repairs_staff:detail", order_id=order.pk)
    return _render_detail(request, _order(request, order_id), charge_forms=forms, status=400)


@require_POST
@staff_required(DISPATCH)
def charge_agree(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    form = ChargeAgreeForm(request.POST)
    if form.is_valid():
        try:
            charge = services.charge_agree(
                order=order, via=form.cleaned_data["via"], actor=request.user,
                agreed_by_name=form.cleaned_data["agreed_by_name"], request=request,
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The agreement was recorded and bill %(bill)s raised.")
                % {"bill": charge.bill_number},
            )
            return redirect("repairs_staff:detail", order_id=order.pk)
    return _render_detail(request, _order(request, order_id), agree_form=form, status=400)


# --- Call-backs and replies -----------------------------------------------------------------------


@require_POST
@staff_required(DISPATCH)
def callback(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    form = CallbackForm(request.POST)
    if form.is_valid():
        try:
            services.callback_record(
                order=order, actor=request.user, reached=form.cleaned_data["reached"],
                satisfaction=form.cleaned_data["satisfaction"], note=form.cleaned_data["note"],
                request=request,
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The call-back was recorded."))
            return redirect("repairs_staff:detail", order_id=order.pk)
    return _render_detail(request, _order(request, order_id), callback_form=form, status=400)


@require_POST
@staff_required(PERFORMANCE)
def rating_reply(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    form = RatingReplyForm(request.POST)
    if form.is_valid():
        try:
            services.rating_reply(
                order=order, actor=request.user, reply=form.cleaned_data["reply"], request=request
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your reply was sent to the household."))
    else:
        messages.error(request, " ".join(form.errors.get("reply", [])))
    return redirect(safe_next(request, "repairs_staff:ratings"))


# --- 派工单 ---------------------------------------------------------------------------------------


@staff_required(VIEW)
@require_GET
def dispatch_sheet(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    return render(
        request,
        "staff/repairs/dispatch_sheet.html",
        {
            "order": order,
            "charge": selectors.charge_of(order),
            "blank_lines": range(4),
            "printed_at": timezone.now(),
        },
    )


# --- Exports --------------------------------------------------------------------------------------


def _local(when: dt.datetime | None) -> str:
    return f"{timezone.localtime(when):%Y-%m-%d %H:%M}" if when else ""


@staff_required(VIEW)
@require_GET
def queue_export(request: HttpRequest) -> HttpResponse:
    """What the queue's filter shows, as a spreadsheet."""
    filterset = RepairOrderFilter(
        with_default_status(request.GET),
        queryset=queries.queue_orders(request.community),
        request=request,
    )
    orders = filterset.qs.select_related("taken_by")[:EXPORT_LIMIT]
    headers = [
        _("Order number"), _("Reported at"), _("Channel"), _("Category"), _("Place"),
        _("Contact"), _("Contact phone"), _("Description"), _("Preferred time"), _("Status"),
        _("Technician"), _("Overdue"), _("Completed at"), _("Repair result"), _("Taken by"),
    ]  # fmt: skip
    rows = (
        [
            o.number,
            _local(o.created_at),
            o.get_channel_display(),
            o.category.name,
            o.place,
            o.contact_name,
            o.contact_phone,
            o.description,
            _("As soon as possible")
            if o.appointment_flexible
            else f"{_local(o.appointment_start)}–{timezone.localtime(o.appointment_end):%H:%M}",
            o.get_status_display(),
            o.technician.user.get_full_name() if o.technician_id else "",
            _("Yes") if getattr(o, "is_overdue", 0) else "",
            _local(o.completed_at),
            o.result_note,
            o.taken_by.get_full_name() if o.taken_by_id else "",
        ]  # fmt: skip
        for o in orders
    )
    title = _("Repair orders")
    data = spreadsheets.dataset(rows, headers=headers, title=title)
    day = timezone.localdate().isoformat()
    return spreadsheets.file_response(
        spreadsheets.export(data, "xlsx"), file_name=f"{title}-{day}.xlsx"
    )


@staff_required(PERFORMANCE)
@require_GET
def ratings_export(request: HttpRequest) -> HttpResponse:
    """The ratings the ratings page's filter shows, as a spreadsheet (scores as numbers)."""
    form = RatingsFilterForm(
        request.GET or None, technicians=figures.rated_technicians(request.community)
    )
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    chosen = form.range if not form.is_bound or form.is_valid() else None
    start, end = chosen if chosen else (None, None)
    ratings = figures.ratings_of(
        request.community, start=start, end=end, technician=data.get("technician"),
        low_only=bool(data.get("low")),
    ).select_related("replied_by")[:EXPORT_LIMIT]  # fmt: skip
    headers = [
        _("Rated at"), _("Order number"), _("Technician"), _("Category"), _("Place"),
        _("Speed"), _("Quality"), _("Attitude"), _("Average"), _("Comment"), _("Reply"),
        _("Replied by"),
    ]  # fmt: skip
    rows = (
        [
            _local(r.created_at),
            r.order.number,
            r.order.technician.user.get_full_name() if r.order.technician_id else "",
            r.order.category.name,
            r.order.place,
            r.speed,
            r.quality,
            r.attitude,
            round(r.average_score, 1),
            r.comment,
            r.reply,
            r.replied_by.get_full_name() if r.replied_by_id else "",
        ]  # fmt: skip
        for r in ratings
    )
    title = _("Repair ratings")
    sheet = spreadsheets.dataset(rows, headers=headers, title=title)
    day = timezone.localdate().isoformat()
    return spreadsheets.file_response(
        spreadsheets.export(sheet, "xlsx"), file_name=f"{title}-{day}.xlsx"
    )

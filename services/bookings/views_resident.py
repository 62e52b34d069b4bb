"""The resident's pages of the bookings part: booking a slot from the provider page, 我的预约
(the household's bookings) and one booking, with cancelling."""

from collections import OrderedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kit.forms import add_service_errors

from ..models import Booking
from . import selectors, services
from .forms import BookingForm, ResidentCancelForm

PAGE_SIZE = 15


def _booking_or_404(request: HttpRequest, booking_id: int) -> Booking:
    booking = selectors.get_booking_for_user(request.user, booking_id)
    if booking is None:
        raise Http404
    return booking


def _days(slots: list[selectors.Slot], chosen: str) -> list[dict]:
    """The slots by day; the first two days with an open slot (and the chosen one's) unfolded."""
    days: OrderedDict = OrderedDict()
    for slot in slots:
        days.setdefault(slot.date, []).append(slot)
    result, unfolded = [], 0
    for date, day_slots in days.items():
        open_count = sum(1 for s in day_slots if not s.closed)
        unfold = (open_count and unfolded < 2) or chosen.startswith(date.isoformat())
        unfolded += 1 if open_count and unfolded < 2 else 0
        result.append({"date": date, "slots": day_slots, "open": open_count, "unfold": unfold})
    return result


@login_required
@require_http_methods(["GET", "POST"])
def booking_create(request: HttpRequest, item_id: int) -> HttpResponse:
    item = selectors.get_item_for_booking(item_id)
    if item is None:
        raise Http404
    provider = item.provider
    residencies = selectors.bookable_residencies(request.user, provider)
    if not residencies:
        # Not approved in any community the user lives in (or no verified room): not offered.
        raise Http404
    slots = selectors.provider_slots(provider)
    initial = {
        "residency": residencies[0].pk,
        "address": f"{residencies[0].room.building.community.name} {residencies[0].room.label}",
        "contact_phone": request.user.mobile,
    }
    form = BookingForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        residencies=residencies,
        slots=slots,
    )
    if request.method == "POST" and form.is_valid():
        try:
            booking = services.booking_create(
                user=request.user,
                residency=form.chosen_residency(),
                item=item,
                slot=form.cleaned_data["slot"],
                address=form.cleaned_data["address"],
                contact_phone=form.cleaned_data["contact_phone"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            add_service_errors(form, error)
            slots = selectors.provider_slots(provider)
        else:
            messages.success(
                request,
                _("Your booking %(number)s has been sent; the provider will confirm it.")
                % {"number": booking.number},
            )
            return redirect("services:booking_detail", booking_id=booking.pk)
    return render(
        request,
        "resident/services/bookings/create.html",
        {
            "item": item,
            "provider": provider,
            "form": form,
            "days": _days(slots, form["slot"].value() or ""),
            "chosen_slot": form["slot"].value() or "",
            "residencies": residencies,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def booking_list(request: HttpRequest) -> HttpResponse:
    bookings = selectors.bookings_for_user(request.user)
    page = Paginator(bookings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "resident/services/bookings/list.html", {"page": page})


def timeline(booking: Booking) -> list[tuple[str, object]]:
    Status = Booking.Status
    steps = [
        (_("Booked"), booking.created_at),
        (Status.CONFIRMED.label, booking.confirmed_at),
        (_("Service started"), booking.started_at),
        (Status.DONE.label, booking.finished_at),
    ]
    if booking.status in (Status.CANCELLED, Status.NO_SHOW):
        steps.append((booking.get_status_display(), booking.closed_at))
    return [(label, when) for label, when in steps if when]


@login_required
@require_GET
def booking_detail(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _booking_or_404(request, booking_id)
    return render(
        request,
        "resident/services/bookings/detail.html",
        {
            "booking": booking,
            "timeline": timeline(booking),
            "may_cancel": services.resident_may_cancel(booking),
            "cancel_deadline": services.cancel_deadline(booking),
            "cancel_form": ResidentCancelForm(),
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def booking_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _booking_or_404(request, booking_id)
    form = ResidentCancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.booking_cancel_by_resident(
            booking=booking, user=request.user, reason=reason, request=request
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The booking has been cancelled."))
    return redirect("services:booking_detail", booking_id=booking.pk)

"""The provider's pages of the bookings part (under /provider/): its own bookings, with
today's and the upcoming ones first, and the actions on one booking. A provider sees only what
a booking needs (room, address, contact phone, note)."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ..models import Booking
from ..providers.access import provider_required
from . import selectors, services
from .forms import ReasonForm
from .views_resident import timeline

Status = Booking.Status
PAGE_SIZE = 20

VIEWS = [
    ("upcoming", gettext_lazy("Today and upcoming")),
    ("requested", Status.REQUESTED.label),
    ("confirmed", Status.CONFIRMED.label),
    ("in_service", Status.IN_SERVICE.label),
    ("done", Status.DONE.label),
    ("closed", gettext_lazy("Cancelled or missed")),
]


def _booking_or_404(request: HttpRequest, booking_id: int) -> Booking:
    booking = selectors.get_booking_for_provider(request.provider, booking_id)
    if booking is None:
        raise Http404
    return booking


def _filtered(bookings, view: str):
    if view == "upcoming":
        return bookings.filter(
            status__in=Booking.OPEN_STATUSES, slot__date__gte=timezone.localdate()
        )
    if view == "closed":
        return bookings.filter(status__in=(Status.CANCELLED, Status.NO_SHOW)).order_by(
            "-slot__date", "-slot__start", "-pk"
        )
    if view == "done":
        return bookings.filter(status=Status.DONE).order_by("-slot__date", "-slot__start", "-pk")
    return bookings.filter(status=view)


@provider_required
@require_GET
def booking_list(request: HttpRequest) -> HttpResponse:
    view = request.GET.get("view", "upcoming")
    if view not in dict(VIEWS):
        view = "upcoming"
    bookings = _filtered(selectors.bookings_for_provider(request.provider), view)
    page = Paginator(bookings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "provider/bookings/list.html",
        {
            "page": page,
            "views": VIEWS,
            "view": view,
            "today": timezone.localdate(),
            "tomorrow": timezone.localdate() + dt.timedelta(days=1),
        },  # fmt: skip
    )


@provider_required
@require_GET
def booking_detail(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _booking_or_404(request, booking_id)
    started = timezone.now() >= services.slot_start(booking)
    return render(
        request,
        "provider/bookings/detail.html",
        {
            "booking": booking,
            "timeline": timeline(booking),
            "slot_started": started,
            "cancel_form": ReasonForm(),
        },
    )


ACTIONS = {
    "confirm": (services.booking_confirm, gettext_lazy("The booking is confirmed.")),
    "start": (services.booking_start, gettext_lazy("The service has started.")),
    "finish": (services.booking_finish, gettext_lazy("The service is finished.")),
    "no_show": (services.booking_no_show, gettext_lazy("Recorded as a no-show.")),
}


def _act(request: HttpRequest, booking_id: int, action: str) -> HttpResponse:
    booking = _booking_or_404(request, booking_id)
    service, done = ACTIONS[action]
    try:
        service(booking=booking, member=request.provider_member, request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, str(done))
    return redirect("services_provider:booking_detail", booking_id=booking.pk)


@provider_required
@require_POST
def booking_confirm(request: HttpRequest, booking_id: int) -> HttpResponse:
    return _act(request, booking_id, "confirm")


@provider_required
@require_POST
def booking_start(request: HttpRequest, booking_id: int) -> HttpResponse:
    return _act(request, booking_id, "start")


@provider_required
@require_POST
def booking_finish(request: HttpRequest, booking_id: int) -> HttpResponse:
    return _act(request, booking_id, "finish")


@provider_required
@require_POST
def booking_no_show(request: HttpRequest, booking_id: int) -> HttpResponse:
    return _act(request, booking_id, "no_show")


@provider_required
@require_POST
def booking_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _booking_or_404(request, booking_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.booking_cancel_by_provider(
                booking=booking,
                member=request.provider_member,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The booking has been cancelled."))
            return redirect("services_provider:booking_detail", booking_id=booking.pk)
    return render(
        request,
        "provider/bookings/detail.html",
        {
            "booking": booking,
            "timeline": timeline(booking),
            "slot_started": timezone.now() >= services.slot_start(booking),
            "cancel_form": form,
        },
        status=400,
    )

"""The staff's pages of the bookings part: the bookings of the community being worked on,
with filters, one booking, and cancelling it with a reason."""

import django_tables2 as tables
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kit.pagecache import cache_page_per_visitor
from staff.access import staff_has_perm, staff_required
from staff.scoping import get_scoped_or_404
from staff.tables import LocalTimeColumn, PartialColumn, paginate

from ..models import Booking
from . import selectors, services
from .forms import BookingFilter, ReasonForm
from .views_resident import timeline

CHANGE = "services.change_booking"


class BookingTable(tables.Table):
    number = PartialColumn(
        template_code="<a href=\"{% url 'services_staff:booking_detail' record.pk %}\">{{ record.number }}</a>",
        verbose_name=gettext_lazy("Booking number"),
    )
    created_at = LocalTimeColumn(verbose_name=gettext_lazy("Booked at"), format="m-d H:i")
    provider = tables.Column(verbose_name=gettext_lazy("Provider"), accessor="provider__name")
    item = tables.Column(verbose_name=gettext_lazy("Service"), accessor="item__name")
    slot = PartialColumn(
        template_code="{{ record.slot.date|date:'m-d' }} {{ record.slot.start|time:'H:i' }}–"
        "{{ record.slot.end|time:'H:i' }}",
        verbose_name=gettext_lazy("Time"),
        order_by=("slot__date", "slot__start"),
    )
    room = tables.Column(verbose_name=gettext_lazy("Room"), accessor="room__label", orderable=False)
    status = tables.Column(verbose_name=gettext_lazy("Status"))

    class Meta:
        model = Booking
        fields = ("number", "created_at", "provider", "item", "slot", "room", "status")
        attrs = {"class": "table table-hover align-middle"}
        empty_text = gettext_lazy("No bookings match these filters.")


def _booking(request: HttpRequest, booking_id: int) -> Booking:
    return get_scoped_or_404(
        request, selectors.bookings_for_community(request.community), booking_id
    )


@staff_required("services.view_booking")
@require_GET
@cache_page_per_visitor
def booking_list(request: HttpRequest) -> HttpResponse:
    filterset = BookingFilter(
        request.GET, queryset=selectors.bookings_for_community(request.community),
        request=request,
    )  # fmt: skip
    table = BookingTable(filterset.qs, order_by=request.GET.get("sort") or None)
    paginate(request, table, ids_first=True)
    return render(
        request, "staff/services/bookings/list.html", {"filter": filterset, "table": table}
    )


@staff_required("services.view_booking")
@require_GET
def booking_detail(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _booking(request, booking_id)
    return render(
        request,
        "staff/services/bookings/detail.html",
        {
            "booking": booking,
            "timeline": timeline(booking),
            "can_cancel": staff_has_perm(request, CHANGE)
            and booking.status in Booking.OPEN_STATUSES,
            "cancel_form": ReasonForm(),
        },
    )


@staff_required(CHANGE)
@require_POST
def booking_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _booking(request, booking_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.booking_cancel_by_staff(
                booking=booking,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The booking has been cancelled."))
        return redirect("services_staff:booking_detail", booking_id=booking.pk)
    return render(
        request,
        "staff/services/bookings/detail.html",
        {
            "booking": booking,
            "timeline": timeline(booking),
            "can_cancel": True,
            "cancel_form": form,
        },  # fmt: skip
        status=400,
    )

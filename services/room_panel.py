"""Services' part of the staff room page (一户一档), registered with staff.rooms from
ServicesConfig.ready: the room's latest service bookings and parcels, each for staff who see
that part (two queries each, on indexes that start with room_id)."""

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Room

from .models import Booking, Parcel

VIEW_BOOKING = "services.view_booking"
VIEW_PARCEL = "services.view_parcel"
RECENT = 4


def room_bookings(room: Room, limit: int = RECENT) -> tuple[dict, list[Booking]]:
    bookings = Booking.objects.filter(room=room)
    counts = bookings.aggregate(
        total=Count("pk"), open=Count("pk", filter=Q(status__in=Booking.OPEN_STATUSES))
    )
    recent = list(
        bookings.select_related("item", "provider", "slot").order_by("-created_at", "-pk")[:limit]
    )
    return counts, recent


def room_parcels(room: Room, limit: int = RECENT) -> tuple[dict, list[Parcel]]:
    parcels = Parcel.objects.filter(room=room)
    counts = parcels.aggregate(
        total=Count("pk"), waiting=Count("pk", filter=Q(status=Parcel.Status.WAITING))
    )
    return counts, list(parcels.order_by("-logged_at", "-pk")[:limit])


def room_panel_context(request: HttpRequest, room: Room) -> dict | None:
    from staff.access import staff_has_perm
    from staff.rooms import SummaryFigure

    data: dict = {"summary": []}
    if staff_has_perm(request, VIEW_BOOKING):
        counts, recent = room_bookings(room)
        data["bookings"] = {
            "counts": counts,
            "rows": recent,
            "all_url": f"{reverse('services_staff:booking_list')}?room_id={room.pk}",
        }
    if staff_has_perm(request, VIEW_PARCEL):
        counts, recent = room_parcels(room)
        parcels_url = reverse("services_staff:parcel_list")
        data["parcels"] = {
            "counts": counts,
            "rows": recent,
            # The shelf list finds a room by how it is written (it has no room filter).
            "all_url": f"{parcels_url}?{urlencode({'status': 'all', 'q': room.label})}",
        }
        if counts["waiting"]:
            data["summary"].append(
                SummaryFigure(
                    label=_("Parcels waiting"),
                    value=str(counts["waiting"]),
                    url=f"{parcels_url}?{urlencode({'q': room.label})}",
                    order=60,
                )
            )
    return data if len(data) > 1 else None


def register() -> None:
    from staff.rooms import RoomPanel, register_room_panel

    register_room_panel(
        RoomPanel("services", "staff/services/_room_panel.html", context=room_panel_context,
                  order=35)
    )  # fmt: skip

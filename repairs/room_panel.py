"""Repairs' part of the staff room page (一户一档), registered with staff.rooms from
RepairsConfig.ready: how many of the room's orders are still open and its latest orders (two
queries, both on the index that starts with room_id)."""

from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Room

from .models import RepairOrder

VIEW = "repairs.view_repairorder"
RECENT = 5


def room_repair_counts(room: Room) -> dict:
    return RepairOrder.objects.filter(room=room).aggregate(
        total=Count("pk"), open=Count("pk", filter=Q(status__in=RepairOrder.OPEN_STATUSES))
    )


def room_recent_repairs(room: Room, limit: int = RECENT) -> list[RepairOrder]:
    return list(
        RepairOrder.objects.filter(room=room)
        .select_related("category", "technician")
        .order_by("-created_at", "-pk")[:limit]
    )


def room_panel_context(request: HttpRequest, room: Room) -> dict | None:
    from staff.access import staff_has_perm
    from staff.rooms import SummaryFigure

    if not staff_has_perm(request, VIEW):
        return None
    counts = room_repair_counts(room)
    queue = reverse("repairs_staff:queue")
    return {
        "counts": counts,
        "orders": room_recent_repairs(room),
        "all_url": f"{queue}?status=all&room_id={room.pk}",
        "summary": [
            SummaryFigure(
                label=_("Open repairs"),
                value=str(counts["open"]),
                url=f"{queue}?status=open&room_id={room.pk}",
                tone="warning" if counts["open"] else "",
                order=50,
            )
        ],
    }


def register() -> None:
    from staff.rooms import RoomPanel, register_room_panel

    register_room_panel(
        RoomPanel("repairs", "staff/repairs/_room_panel.html", context=room_panel_context, order=30)
    )

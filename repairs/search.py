"""The repairs searcher of the staff portal's global search (staff.search): orders by number or
by the room as people type it."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Community
from staff.search import Hit, Searcher, SearchTerms, first

from .models import RepairOrder


def search_orders(community: Community, terms: SearchTerms) -> list[Hit]:
    """By number (exactly, or its beginning) or by room; a phone finds the resident instead."""
    match = terms.number_q()
    room = terms.rooms_in(community)
    if room is not None:
        match |= room
    orders = first(
        RepairOrder.objects.filter(match, community=community)
        .select_related("category", "room__building", "room__unit")
        .order_by("-created_at", "-pk")
    )
    return [
        Hit(
            title=f"{order.number} · {order.category}",
            subtitle=" · ".join(
                filter(
                    None,
                    [
                        str(order.room) if order.room_id else order.public_area,
                        order.get_status_display(),
                        f"{timezone.localtime(order.created_at):%Y-%m-%d}",
                    ],
                )
            ),  # fmt: skip
            url=reverse("repairs_staff:detail", args=[order.pk]),
            exact=order.number.lower() == terms.compact.lower(),
        )
        for order in orders
    ]


SEARCHER = Searcher(
    "repairs", _("Repair orders"), "tools", "repairs.view_repairorder", 30, search_orders
)

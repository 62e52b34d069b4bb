"""The complaints searcher of the staff portal's global search (staff.search): a complaint by
its number or its room."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Community
from staff.search import Hit, Searcher, SearchTerms, first

from ..models import Complaint
from ..setup import VIEW_COMPLAINT


def search_complaints(community: Community, terms: SearchTerms) -> list[Hit]:
    """By number (exactly, or its beginning) or by room; a phone finds the resident instead."""
    match = terms.number_q()
    room = terms.rooms_in(community)
    if room is not None:
        match |= room
    complaints = first(
        Complaint.objects.filter(match, community=community)
        .select_related("category")
        .order_by("-created_at", "-pk")
    )
    return [
        Hit(
            title=f"{complaint.number} · {complaint.category}",
            subtitle=f"{complaint.get_status_display()} · "
            f"{timezone.localtime(complaint.created_at):%Y-%m-%d}",
            url=reverse("complaints_staff:detail", args=[complaint.pk]),
            exact=complaint.number.lower() == terms.compact.lower(),
        )
        for complaint in complaints
    ]


SEARCHER = Searcher(
    "complaints", _("Complaints"), "megaphone", VIEW_COMPLAINT, 50, search_complaints
)

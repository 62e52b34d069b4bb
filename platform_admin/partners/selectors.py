"""Reads of the partners part: the expiry board (agreements ending soon and recently ended,
with what their end does or did to the partner)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone

from services.providers.selectors import listing_counts_for_agreements

from .models import Agreement, Partner

AHEAD_DAYS = 90
BEHIND_DAYS = 60


@dataclass
class BoardRow:
    agreement: Agreement
    days: int  # days left (negative: days since it ended)
    renewed: bool
    effect: str  # "suspend" | "suspended" | "alert" | "renewed" | "covered"
    listings: int  # listings concerned (to suspend, or suspended)

    @property
    def ago(self) -> int:
        return -self.days


def expiry_board(today: dt.date | None = None) -> dict:
    """Signed agreements ending in the next AHEAD_DAYS days and those that ended in the last
    BEHIND_DAYS, soonest first. Three queries whatever the number of agreements."""
    today = today or timezone.localdate()
    rows = list(
        Agreement.objects.filter(
            status=Agreement.Status.SIGNED,
            end__gte=today - dt.timedelta(days=BEHIND_DAYS),
            end__lte=today + dt.timedelta(days=AHEAD_DAYS),
        )
        .annotate(
            renewed=Exists(
                Agreement.objects.filter(supersedes=OuterRef("pk"), status=Agreement.Status.SIGNED)
            ),
            other_in_force=Exists(
                Agreement.objects.filter(
                    partner=OuterRef("partner"), status=Agreement.Status.SIGNED, start__lte=today
                )
                .exclude(pk=OuterRef("pk"))
                .exclude(end__lt=today)
            ),
        )
        .select_related("partner__provider")
        .order_by("end", "pk")
    )
    provider_ids = [
        a.partner.provider_id
        for a in rows
        if a.partner.kind == Partner.Kind.PROVIDER and a.partner.provider_id
    ]
    counts = listing_counts_for_agreements(provider_ids) if provider_ids else {}
    upcoming, ended = [], []
    for agreement in rows:
        row = _row(agreement, today, counts)
        (ended if row.days < 0 else upcoming).append(row)
    ended.reverse()  # the most recent first
    return {"today": today, "upcoming": upcoming, "ended": ended}


def _row(agreement: Agreement, today: dt.date, counts: dict) -> BoardRow:
    days = (agreement.end - today).days
    partner = agreement.partner
    listings = 0
    if agreement.renewed:
        effect = "renewed"
    elif partner.kind != Partner.Kind.PROVIDER or not partner.provider_id:
        effect = "alert"
    elif days >= 0:
        effect = "covered" if agreement.other_in_force else "suspend"
        listings = counts.get(partner.provider_id, {}).get("approved", 0)
    else:
        held = counts.get(partner.provider_id, {}).get("held", 0)
        effect = "suspended" if partner.provider.agreement_hold else "covered"
        listings = held
    return BoardRow(agreement, days, agreement.renewed, effect, listings)

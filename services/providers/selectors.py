"""Reads about providers and where they may work."""

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from ..models import Provider, ProviderListing, ProviderMember, ServiceItem


def approved_providers(community) -> QuerySet[Provider]:
    """Providers residents of `community` may see and book: approved there and active."""
    return Provider.objects.filter(
        is_active=True,
        listings__community=community,
        listings__status=ProviderListing.Status.APPROVED,
    )


def is_approved_in(provider_id: int, community_id: int) -> bool:
    return ProviderListing.objects.filter(
        provider_id=provider_id,
        community_id=community_id,
        status=ProviderListing.Status.APPROVED,
        provider__is_active=True,
    ).exists()


# --- Staff: one community's listings ---------------------------------------------------------------


def listings_for_community(community, *, status="", category=None, q="") -> QuerySet:
    """The staff list: one query for the page, whatever the number of rows (the categories are
    prefetched once for the page)."""
    listings = (
        ProviderListing.objects.filter(community=community)
        .select_related("provider")
        .prefetch_related("provider__categories")
        .order_by("-created_at", "-pk")
    )
    if status:
        listings = listings.filter(status=status)
    if category is not None:
        listings = listings.filter(provider__categories=category)
    if q:
        listings = listings.filter(provider__name__icontains=q)
    return listings


def status_counts(community) -> dict[str, int]:
    rows = (
        ProviderListing.objects.filter(community=community)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(ProviderListing.Status.values, 0)
    counts.update(dict(rows))
    return counts


def licence_state(provider: Provider, today: dt.date | None = None) -> str:
    """The badge: "expired", "expiring" (within 30 days) or ""."""
    today = today or timezone.localdate()
    if provider.licence_expires_on < today:
        return "expired"
    if provider.licence_expires_on <= today + dt.timedelta(days=30):
        return "expiring"
    return ""


def pending_count(community) -> int:
    return ProviderListing.objects.filter(
        community=community, status=ProviderListing.Status.PENDING
    ).count()


# --- The provider's own pages ----------------------------------------------------------------------


def listings_of_provider(provider: Provider) -> list[ProviderListing]:
    return list(provider.listings.select_related("community").order_by("community__name", "pk"))


def active_items(provider: Provider) -> QuerySet[ServiceItem]:
    return provider.items.filter(is_active=True).select_related("category")


def members_of(provider: Provider) -> QuerySet[ProviderMember]:
    return provider.members.filter(is_active=True).select_related("user").order_by("-role", "pk")


def get_member(provider: Provider, member_id: int) -> ProviderMember | None:
    return provider.members.filter(pk=member_id, is_active=True).select_related("user").first()


# --- The platform's agreements (read by platform_admin's partners part) ---------------------------


def listing_counts_for_agreements(provider_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per provider: approved listings (what an ended agreement would suspend) and those
    suspended for an ended agreement. One query whatever the number of providers."""
    counts = {pk: {"approved": 0, "held": 0} for pk in provider_ids}
    rows = (
        ProviderListing.objects.filter(provider_id__in=provider_ids)
        .order_by()
        .values_list("provider_id")
        .annotate(
            approved=Count("pk", filter=Q(status=ProviderListing.Status.APPROVED)),
            held=Count(
                "pk",
                filter=Q(status=ProviderListing.Status.SUSPENDED, suspended_for_agreement=True),
            ),
        )
    )
    for provider_id, approved, held in rows:
        counts[provider_id] = {"approved": approved, "held": held}
    return counts

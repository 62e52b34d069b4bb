"""Reads about providers and where they may work."""

from django.db.models import QuerySet

from ..models import Provider, ProviderListing


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

"""Reads of the catalogue: which providers a resident sees, a provider's page, reviews.

Sorting by rating uses a Bayesian average: every provider starts with PRIOR_WEIGHT phantom
ratings of PRIOR_MEAN stars, so one 5★ review does not put a newcomer above a provider with
fifty ratings averaging 4.6 (the page still shows the real average and count)."""

from dataclasses import dataclass

from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from accounts.models import Community, Residency, User
from accounts.selectors import household_ids_of_user, household_member_residencies

from ..models import (
    Booking,
    Provider,
    ProviderListing,
    ServiceCategory,
    ServiceItem,
    ServiceReview,
    ServiceReviewPhoto,
)

PRIOR_MEAN = 4.0
PRIOR_WEIGHT = 5
SORT_RATING = "rating"
SORT_USED = "used"
SORTS = (SORT_RATING, SORT_USED)


def communities_of_resident(user: User) -> list[Community]:
    """The communities where the user has a verified room, each once."""
    seen: dict[int, Community] = {}
    for residency in household_member_residencies(user):
        community = residency.room.building.community
        seen.setdefault(community.pk, community)
    return list(seen.values())


def bayesian_score() -> ExpressionWrapper:
    return ExpressionWrapper(
        (F("provider__rating_sum") + PRIOR_MEAN * PRIOR_WEIGHT)
        / (F("provider__rating_count") + float(PRIOR_WEIGHT)),
        output_field=FloatField(),
    )


def listings_for_residents(
    community: Community, *, category_id: int | None = None, sort: str = SORT_RATING
) -> QuerySet[ProviderListing]:
    """Approved listings of active providers in `community`, with what a row of the list
    shows (the provider, its categories, its lowest price) and no query per row."""
    lowest = (
        ServiceItem.objects.filter(
            provider=OuterRef("provider_id"), is_active=True, price__isnull=False
        )
        .order_by()
        .values("provider")
        .annotate(lowest=Min("price"))
        .values("lowest")
    )
    listings = (
        ProviderListing.objects.filter(
            community=community,
            status=ProviderListing.Status.APPROVED,
            provider__is_active=True,
        )
        .select_related("provider")
        .prefetch_related(
            Prefetch(
                "provider__categories",
                queryset=ServiceCategory.objects.order_by("sort_order", "pk"),
            )
        )
        .annotate(score=bayesian_score(), lowest_price=Subquery(lowest[:1]))
    )
    if category_id:
        listings = listings.filter(
            provider_id__in=Provider.categories.through.objects.filter(
                servicecategory_id=category_id
            ).values("provider_id")
        )
    if sort == SORT_USED:
        return listings.order_by("-bookings_done", "-score", "provider__name", "pk")
    return listings.order_by("-score", "-provider__rating_count", "provider__name", "pk")


def categories_in_use(community: Community) -> QuerySet[ServiceCategory]:
    """The chips: active categories of at least one provider approved in `community`."""
    approved = ProviderListing.objects.filter(
        community=community, status=ProviderListing.Status.APPROVED, provider__is_active=True
    ).values("provider_id")
    return ServiceCategory.objects.filter(
        is_active=True,
        pk__in=Provider.categories.through.objects.filter(provider_id__in=approved).values(
            "servicecategory_id"
        ),
    ).order_by("sort_order", "pk")


def provider_for_resident(user: User, provider_id: int) -> tuple[Provider, Community] | None:
    """The provider and the first of the user's communities where it is approved (None: it
    is approved in none of them, or the user has no verified room)."""
    communities = communities_of_resident(user)
    listing = (
        ProviderListing.objects.filter(
            provider_id=provider_id,
            community__in=[c.pk for c in communities],
            status=ProviderListing.Status.APPROVED,
            provider__is_active=True,
        )
        .select_related("provider")
        .order_by("pk")
        .first()
    )
    if listing is None:
        return None
    community = next(c for c in communities if c.pk == listing.community_id)
    return listing.provider, community


@dataclass
class RatingSummary:
    count: int
    average: object
    bars: list[dict]  # 5★ … 1★: {"stars", "count", "percent"}


def rating_summary(provider: Provider) -> RatingSummary:
    """Average and distribution of the visible reviews, in one query."""
    counts = ServiceReview.objects.filter(provider=provider, is_hidden=False).aggregate(
        **{f"s{n}": Count("pk", filter=Q(rating=n)) for n in range(1, 6)}
    )
    total = sum(counts.values())
    bars = [
        {
            "stars": n,
            "count": counts[f"s{n}"],
            "percent": round(100 * counts[f"s{n}"] / total) if total else 0,
        }
        for n in range(5, 0, -1)
    ]
    return RatingSummary(count=provider.rating_count, average=provider.rating_average, bars=bars)


def visible_reviews(provider: Provider) -> QuerySet[ServiceReview]:
    return (
        ServiceReview.objects.filter(provider=provider, is_hidden=False)
        .select_related("author", "booking__item")
        .prefetch_related(Prefetch("photos", queryset=ServiceReviewPhoto.objects.order_by("pk")))
        .order_by("-created_at", "-pk")
    )


def masked_licence(number: str) -> str:
    """91310115MA1K4XXXXX → 9131****XXXX: enough to recognise, not to copy."""
    if len(number) <= 8:
        return number[:2] + "*" * max(len(number) - 2, 0)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def licence_valid(provider: Provider) -> bool:
    return provider.licence_expires_on >= timezone.localdate()


# --- Reviews of one booking -----------------------------------------------------------------------


def household_may_review(user: User, booking: Booking) -> bool:
    """The head and the verified family members of the booking's household."""
    if not user.is_authenticated:
        return False
    return household_ids_of_user(user).filter(pk=booking.household_id).exists()


def get_booking_for_household(user: User, booking_id: int) -> Booking | None:
    return (
        Booking.objects.filter(pk=booking_id, household__in=household_ids_of_user(user))
        .select_related("provider", "item", "slot", "community")
        .first()
    )


def bookings_to_review(user: User, provider: Provider) -> list[Booking]:
    """The household's finished bookings with this provider that have no review yet (a few):
    the provider's page offers to review them."""
    return list(
        Booking.objects.filter(
            provider=provider,
            household__in=household_ids_of_user(user),
            status=Booking.Status.DONE,
            review__isnull=True,
        )
        .select_related("item", "provider")
        .order_by("-finished_at", "-pk")[:3]
    )


def review_of(booking: Booking) -> ServiceReview | None:
    return (
        ServiceReview.objects.filter(booking=booking)
        .prefetch_related(Prefetch("photos", queryset=ServiceReviewPhoto.objects.order_by("pk")))
        .first()
    )


def get_photo_for_resident(user: User, photo_id: int) -> ServiceReviewPhoto | None:
    """A photo of a review the user may see: a visible review of a provider approved in one of
    the user's communities, or any review of the user's own household."""
    photo = ServiceReviewPhoto.objects.select_related("review__booking").filter(pk=photo_id).first()
    if photo is None:
        return None
    review = photo.review
    if household_ids_of_user(user).filter(pk=review.booking.household_id).exists():
        return photo
    if review.is_hidden:
        return None
    if provider_for_resident(user, review.provider_id) is None:
        return None
    return photo


# --- Provider and staff ---------------------------------------------------------------------------


def reviews_of_provider(provider: Provider) -> QuerySet[ServiceReview]:
    return (
        ServiceReview.objects.filter(provider=provider)
        .select_related("author", "booking__item", "replied_by")
        .prefetch_related(Prefetch("photos", queryset=ServiceReviewPhoto.objects.order_by("pk")))
        .order_by("-created_at", "-pk")
    )


def reviews_for_community(community: Community) -> QuerySet[ServiceReview]:
    return (
        ServiceReview.objects.filter(community=community)
        .select_related("provider", "author", "booking__item", "hidden_by")
        .annotate(photo_count=Count("photos"))
        .order_by("-created_at", "-pk")
    )


def providers_reviewed_in(community: Community) -> QuerySet[Provider]:
    return Provider.objects.filter(
        pk__in=ServiceReview.objects.filter(community=community).values("provider_id")
    ).order_by("name", "pk")


def household_user_ids(booking: Booking) -> list[int]:
    return list(
        Residency.objects.filter(status=Residency.Status.VERIFIED)
        .filter(Q(pk=booking.household_id) | Q(head_id=booking.household_id))
        .values_list("user_id", flat=True)
        .distinct()
    )

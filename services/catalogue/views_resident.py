"""The resident's 便民服务 pages: the providers approved in their community, a provider's
page (items, prices, hours, licence, ratings, reviews and replies), writing a review of a
finished booking, and the review photos behind an access check."""

from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kit.downloads import private_file_response
from kit.forms import add_service_errors
from kit.images import thumbnail_from_photo
from kit.pagecache import cache_page_per_visitor

from ..models import Booking
from . import selectors, services
from .forms import ReviewForm

LIST_PAGE_SIZE = 20
REVIEWS_PAGE_SIZE = 10


def stars_of(average) -> int:
    return int(average.quantize(Decimal("1"), rounding=ROUND_HALF_UP)) if average else 0


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
@require_GET
@cache_page_per_visitor
def provider_list(request: HttpRequest) -> HttpResponse:
    communities = selectors.communities_of_resident(request.user)
    if not communities:
        return render(request, "resident/services/catalogue/list.html", {"communities": []})
    wanted = _int_or_none(request.GET.get("community"))
    community = next((c for c in communities if c.pk == wanted), communities[0])
    categories = list(selectors.categories_in_use(community))
    category_id = _int_or_none(request.GET.get("category"))
    category = next((c for c in categories if c.pk == category_id), None)
    sort = request.GET.get("sort")
    if sort not in selectors.SORTS:
        sort = selectors.SORT_RATING
    listings = selectors.listings_for_residents(
        community, category_id=category.pk if category else None, sort=sort
    )
    page = Paginator(listings, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    today = timezone.localdate()
    for listing in page.object_list:
        stars = stars_of(listing.provider.rating_average)
        listing.star_icons = "★" * stars + "☆" * (5 - stars)
        listing.licence_ok = listing.provider.licence_expires_on >= today
    base = {"community": community.pk}
    query = urlencode({**base, "sort": sort, **({"category": category.pk} if category else {})})
    return render(
        request,
        "resident/services/catalogue/list.html",
        {
            "communities": communities,
            "community": community,
            "categories": categories,
            "category": category,
            "sort": sort,
            "page": page,
            "query": query,
            "base_query": urlencode(base),
            "category_query": urlencode({**base, "sort": sort}),
        },
    )


@login_required
@require_GET
def provider_detail(request: HttpRequest, provider_id: int) -> HttpResponse:
    found = selectors.provider_for_resident(request.user, provider_id)
    if found is None:
        raise Http404
    provider, community = found
    reviews = Paginator(selectors.visible_reviews(provider), REVIEWS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "resident/services/catalogue/detail.html",
        {
            "provider": provider,
            "community": community,
            "items": provider.items.filter(is_active=True).select_related("category"),
            "hours": [
                {"day": WEEKDAYS[h.weekday], "start": h.start, "end": h.end}
                for h in provider.hours.all()
            ],
            "stars": stars_of(provider.rating_average),
            "categories": provider.categories.all(),
            "summary": selectors.rating_summary(provider),
            "to_review": selectors.bookings_to_review(request.user, provider),
            "licence_number": selectors.masked_licence(provider.licence_number),
            "licence_valid": selectors.licence_valid(provider),
            "page": reviews,
            "query": "",
        },
    )


def _after_review(booking: Booking) -> str:
    try:
        return reverse("services:booking_detail", args=[booking.pk])
    except NoReverseMatch:  # the bookings part is not in this build
        return reverse("services:provider_detail", args=[booking.provider_id])


@login_required
@require_POST
def review_create(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = selectors.get_booking_for_household(request.user, booking_id)
    if booking is None:
        raise Http404
    form = ReviewForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.review_create(
                booking=booking,
                user=request.user,
                rating=form.cleaned_data["rating"],
                text=form.cleaned_data["text"],
                photos=form.cleaned_data["photos"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you for your review!"))
            return redirect(_after_review(booking))
    return render(
        request,
        "resident/services/catalogue/review_form.html",
        {"booking": booking, "review_form": form, "back_url": _after_review(booking)},
        status=400,
    )


@login_required
@require_GET
def review_photo(request: HttpRequest, review_photo_id: int) -> HttpResponse:
    photo = selectors.get_photo_for_resident(request.user, review_photo_id)
    if photo is None:
        raise Http404
    return photo_response(request, photo, thumbnail="thumb" in request.GET)


THUMBNAIL_SIDE = 240


def photo_response(request: HttpRequest, photo, *, thumbnail: bool = False) -> HttpResponse:
    """The photo (re-encoded JPEG from private storage), or with `thumbnail` a small copy made
    on the fly for the lists (at most three a review, so no stored thumbnail)."""
    if thumbnail:
        with photo.image.open("rb") as handle:
            small = thumbnail_from_photo(handle, side=THUMBNAIL_SIDE)
        response = HttpResponse(small.read(), content_type="image/jpeg")
    else:
        return private_file_response(request, photo.image, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response

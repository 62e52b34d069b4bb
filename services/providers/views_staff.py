"""The staff pages of the providers part (under /staff/services/providers/): one community's
listings, a listing with its decisions, the licence photo, and entering a provider."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kit.audit import entries_for
from staff.access import staff_has_perm, staff_required
from staff.scoping import get_scoped_or_404

from ..models import ProviderListing
from . import selectors, services
from .forms import WEEKDAYS, ListingFilterForm, ProviderApplication, ReasonForm
from .views_provider import private_image

VIEW = "services.view_providerlisting"
REVIEW = "services.review_providerlisting"
ADD = "services.add_provider"
PAGE_SIZE = 25


@staff_required(VIEW)
def provider_listings(request: HttpRequest) -> HttpResponse:
    filters = ListingFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    listings = selectors.listings_for_community(
        request.community,
        status=criteria.get("status") or "",
        category=criteria.get("category"),
        q=(criteria.get("q") or "").strip(),
    )
    page = Paginator(listings, PAGE_SIZE).get_page(request.GET.get("page"))
    for listing in page.object_list:
        listing.licence_state = selectors.licence_state(listing.provider)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "staff/services/providers/list.html",
        {
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "counts": selectors.status_counts(request.community),
            "can_add": staff_has_perm(request, ADD),
        },
    )


def _listing(request: HttpRequest, listing_id: int) -> ProviderListing:
    return get_scoped_or_404(
        request, ProviderListing.objects.select_related("provider", "community"), listing_id
    )


def _render_detail(request, listing, *, reject_form=None, suspend_form=None, status=200):
    provider = listing.provider
    may_review = staff_has_perm(request, REVIEW)
    return render(
        request,
        "staff/services/providers/detail.html",
        {
            "listing": listing,
            "provider": provider,
            "categories": list(provider.categories.all()),
            "items": list(selectors.active_items(provider)),
            "hours": [(WEEKDAYS[h.weekday], h.start, h.end) for h in provider.hours.all()],
            "licence_state": selectors.licence_state(provider),
            "audit_entries": entries_for(listing)[:50],
            "may_review": may_review,
            "reject_form": reject_form or ReasonForm(prefix="reject"),
            "suspend_form": suspend_form or ReasonForm(prefix="suspend"),
        },
        status=status,
    )


@staff_required(VIEW)
def provider_listing(request: HttpRequest, listing_id: int) -> HttpResponse:
    return _render_detail(request, _listing(request, listing_id))


@staff_required(VIEW)
@require_GET
def provider_listing_licence(request: HttpRequest, listing_id: int) -> HttpResponse:
    return private_image(request, _listing(request, listing_id).provider.licence_image)


def _decided(request, listing, call, done: str, **kwargs) -> HttpResponse:
    try:
        call(listing=listing, actor=request.user, request=request, **kwargs)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, done)
    return redirect("services_staff:provider_listing", listing_id=listing.pk)


@require_POST
@staff_required(REVIEW)
def provider_listing_approve(request: HttpRequest, listing_id: int) -> HttpResponse:
    listing = _listing(request, listing_id)
    return _decided(request, listing, services.listing_approve, _("The provider was approved."))


@require_POST
@staff_required(REVIEW)
def provider_listing_reinstate(request: HttpRequest, listing_id: int) -> HttpResponse:
    listing = _listing(request, listing_id)
    return _decided(request, listing, services.listing_reinstate, _("The provider was reinstated."))


@require_POST
@staff_required(REVIEW)
def provider_listing_reject(request: HttpRequest, listing_id: int) -> HttpResponse:
    listing = _listing(request, listing_id)
    form = ReasonForm(request.POST, prefix="reject")
    if not form.is_valid():
        return _render_detail(request, listing, reject_form=form, status=400)
    return _decided(
        request,
        listing,
        services.listing_reject,
        _("The application was rejected."),
        reason=form.cleaned_data["reason"],
    )


@require_POST
@staff_required(REVIEW)
def provider_listing_suspend(request: HttpRequest, listing_id: int) -> HttpResponse:
    listing = _listing(request, listing_id)
    form = ReasonForm(request.POST, prefix="suspend")
    if not form.is_valid():
        return _render_detail(request, listing, suspend_form=form, status=400)
    return _decided(
        request,
        listing,
        services.listing_suspend,
        _("The provider was suspended."),
        reason=form.cleaned_data["reason"],
    )


@staff_required(ADD)
def provider_enter(request: HttpRequest) -> HttpResponse:
    application = ProviderApplication(request.POST or None, request.FILES or None, by_staff=True)
    if request.method == "POST" and application.is_valid():
        try:
            listing = services.provider_enter(
                actor=request.user,
                community=request.community,
                draft=application.draft(),
                owner_mobile=application.target.cleaned_data["owner_mobile"] or "",
                request=request,
            )
        except ValidationError as error:
            application.add_error(error)
        else:
            messages.success(request, _("The provider was entered and approved."))
            return redirect("services_staff:provider_listing", listing_id=listing.pk)
    return render(
        request,
        "staff/services/providers/enter.html",
        {"application": application},
        status=400 if request.method == "POST" else 200,
    )

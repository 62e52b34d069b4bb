"""服务评价 for the property staff: the reviews of their community's bookings, hiding an
abusive one with a reason (and showing it again). Staff never edit a review."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kit.audit import entries_for
from kit.forms import add_service_errors
from staff.access import staff_has_perm, staff_required
from staff.scoping import get_scoped_or_404

from ..models import ServiceReview, ServiceReviewPhoto
from . import selectors, services
from .forms import HideForm, ReviewFilterForm, UnhideForm
from .setup import HIDE_REVIEWS, VIEW_REVIEWS
from .views_resident import photo_response

PAGE_SIZE = 25


@staff_required(VIEW_REVIEWS)
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    community = request.community
    form = ReviewFilterForm(
        request.GET or None, providers=selectors.providers_reviewed_in(community)
    )
    reviews = form.apply(selectors.reviews_for_community(community))
    page = Paginator(reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "staff/services/catalogue/review_list.html",
        {"filter_form": form, "page": page, "query": urlencode(filters)},
    )


def _review(request: HttpRequest, review_id: int) -> ServiceReview:
    return get_scoped_or_404(
        request,
        ServiceReview.objects.select_related(
            "provider",
            "author",
            "booking__item",
            "booking__room__building",
            "booking__room__unit",
            "hidden_by",
        ),
        review_id,
    )


def _render_detail(request: HttpRequest, review: ServiceReview, *, hide_form=None,
                   unhide_form=None, status: int = 200) -> HttpResponse:  # fmt: skip
    return render(
        request,
        "staff/services/catalogue/review_detail.html",
        {
            "review": review,
            "photos": list(review.photos.order_by("pk")),
            "can_hide": staff_has_perm(request, HIDE_REVIEWS),
            "hide_form": hide_form or HideForm(),
            "unhide_form": unhide_form or UnhideForm(),
            "audit_entries": entries_for(review)[:50],
        },
        status=status,
    )


@staff_required(VIEW_REVIEWS)
@require_GET
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    return _render_detail(request, _review(request, review_id))


@staff_required(HIDE_REVIEWS)
@require_POST
def review_hide(request: HttpRequest, review_id: int) -> HttpResponse:
    review = _review(request, review_id)
    form = HideForm(request.POST)
    if form.is_valid():
        try:
            services.review_hide(
                review=review, actor=request.user, reason=form.cleaned_data["reason"],
                request=request,
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error, "reason")
        else:
            messages.success(request, _("The review has been hidden."))
            return redirect("services_staff:review_detail", review_id=review.pk)
    return _render_detail(request, review, hide_form=form, status=400)


@staff_required(HIDE_REVIEWS)
@require_POST
def review_unhide(request: HttpRequest, review_id: int) -> HttpResponse:
    review = _review(request, review_id)
    form = UnhideForm(request.POST)
    if form.is_valid():
        try:
            services.review_unhide(
                review=review, actor=request.user, reason=form.cleaned_data["reason"],
                request=request,
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The review is shown again."))
            return redirect("services_staff:review_detail", review_id=review.pk)
    return _render_detail(request, review, unhide_form=form, status=400)


@staff_required(VIEW_REVIEWS)
@require_GET
def review_photo(request: HttpRequest, review_id: int, review_photo_id: int) -> HttpResponse:
    review = _review(request, review_id)
    photo = ServiceReviewPhoto.objects.filter(review=review, pk=review_photo_id).first()
    if photo is None:
        raise Http404
    return photo_response(request, photo, thumbnail="thumb" in request.GET)

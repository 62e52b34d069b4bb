"""The provider's 评价 tab: its reviews, with a reply to each (once, correctable for a day)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kit.forms import add_service_errors

from ..models import ServiceReview, ServiceReviewPhoto
from ..providers.access import provider_required
from . import selectors, services
from .forms import ReplyForm
from .views_resident import photo_response, stars_of

PAGE_SIZE = 10


def _render_list(request: HttpRequest, *, failed: tuple[int, ReplyForm] | None = None,
                 status: int = 200) -> HttpResponse:  # fmt: skip
    page = Paginator(selectors.reviews_of_provider(request.provider), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for review in page.object_list:
        if failed and failed[0] == review.pk:
            review.reply_form = failed[1]
        else:
            review.reply_form = ReplyForm(initial={"reply": review.reply})
    return render(
        request,
        "provider/catalogue/reviews.html",
        {
            "page": page,
            "query": "",
            "summary": selectors.rating_summary(request.provider),
            "stars": stars_of(request.provider.rating_average),
            "editable_hours": int(services.REPLY_EDITABLE_FOR.total_seconds() // 3600),
        },
        status=status,
    )


@provider_required
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request)


def _review_of(request: HttpRequest, review_id: int) -> ServiceReview:
    review = ServiceReview.objects.filter(provider=request.provider, pk=review_id).first()
    if review is None:
        raise Http404
    return review


@provider_required
@require_POST
def review_reply(request: HttpRequest, review_id: int) -> HttpResponse:
    review = _review_of(request, review_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.review_reply(
                review=review,
                member=request.provider_member,
                reply=form.cleaned_data["reply"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error, "reply")
        else:
            messages.success(request, _("Your reply has been published."))
            return redirect("services_provider:review_list")
    return _render_list(request, failed=(review.pk, form), status=400)


@provider_required
@require_GET
def review_photo(request: HttpRequest, review_photo_id: int) -> HttpResponse:
    photo = ServiceReviewPhoto.objects.filter(
        pk=review_photo_id, review__provider=request.provider
    ).first()
    if photo is None:
        raise Http404
    return photo_response(request, photo, thumbnail="thumb" in request.GET)

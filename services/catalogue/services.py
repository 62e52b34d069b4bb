"""Writes of the catalogue: a household reviews a finished booking, the provider replies,
staff hide an abusive review (and show it again). `Provider.rating_count`/`rating_sum` move
in the same transaction, with F expressions, and count visible reviews only."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from kit.audit import log_action
from kit.images import photo_from_upload
from notices.notify import notify

from ..models import Booking, Provider, ProviderMember, ServiceReview, ServiceReviewPhoto
from . import selectors

MAX_PHOTOS = 3
PHOTO_MAX_SIDE = 1600
# A provider may correct its reply for this long after it first replied; then it stands.
REPLY_EDITABLE_FOR = dt.timedelta(hours=24)


def _count_in(provider_id: int, rating: int, sign: int) -> None:
    Provider.objects.filter(pk=provider_id).update(
        rating_count=F("rating_count") + sign, rating_sum=F("rating_sum") + sign * rating
    )


def _member_ids(provider_id: int) -> list[int]:
    return list(
        ProviderMember.objects.filter(
            provider_id=provider_id, is_active=True, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def review_photos(photos: list[UploadedFile]):
    """Check and re-encode every photo before anything is stored."""
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(
            _("At most %(count)d photos, please.") % {"count": MAX_PHOTOS}, code="too_many"
        )
    stored = []
    for upload in photos:
        try:
            stored.append(photo_from_upload(upload, max_side=PHOTO_MAX_SIDE, quality=85))
        except ValidationError as error:
            raise ValidationError(f"{upload.name}: {error.messages[0]}", code=error.code) from None
    return stored


@transaction.atomic
def review_create(
    *,
    booking: Booking,
    user: User,
    rating: int,
    text: str = "",
    photos: list[UploadedFile] | None = None,
    request: HttpRequest | None = None,
) -> ServiceReview:
    """The household reviews a finished booking, once."""
    if not selectors.household_may_review(user, booking):
        raise PermissionDenied
    booking = Booking.objects.select_for_update().select_related("provider").get(pk=booking.pk)
    if booking.status != Booking.Status.DONE:
        raise ValidationError(_("Only a finished booking can be reviewed."))
    if ServiceReview.objects.filter(booking=booking).exists():
        raise ValidationError(_("This booking has already been reviewed."))
    if rating not in range(1, 6):
        raise ValidationError(_("Please give 1 to 5 stars."))
    stored = review_photos(list(photos or []))
    try:
        with transaction.atomic():
            review = ServiceReview.objects.create(
                booking=booking, provider=booking.provider, community_id=booking.community_id,
                author=user, rating=rating, text=text.strip(),
            )  # fmt: skip
    except IntegrityError:
        raise ValidationError(_("This booking has already been reviewed.")) from None
    for content in stored:
        ServiceReviewPhoto.objects.create(review=review, image=content)
    _count_in(booking.provider_id, rating, +1)
    log_action(
        actor=user, action="service.reviewed", target=review, community=booking.community,
        data={"booking": booking.number, "rating": rating, "photos": len(stored)},
        request=request,
    )  # fmt: skip
    notify(
        "service.reviewed",
        _member_ids(booking.provider_id),
        obj=review,
        context={"review": review, "booking": booking},
        url=reverse("services_provider:review_list"),
    )
    return review


@transaction.atomic
def review_reply(
    *, review: ServiceReview, member: ProviderMember, reply: str, request: HttpRequest | None = None
) -> ServiceReview:
    """The provider answers a review once; the answer may be corrected for a day."""
    review = ServiceReview.objects.select_for_update().get(pk=review.pk)
    if review.provider_id != member.provider_id:
        raise PermissionDenied
    reply = reply.strip()
    if not reply:
        raise ValidationError(_("Please write your reply."))
    if review.is_hidden:
        raise ValidationError(_("The property staff have hidden this review; it takes no reply."))
    now = timezone.now()
    first = not review.reply
    if not first and review.replied_at and now - review.replied_at > REPLY_EDITABLE_FOR:
        raise ValidationError(_("A reply can be changed only within 24 hours of sending it."))
    previous = review.reply
    review.reply = reply
    review.replied_by = member.user
    if first:
        review.replied_at = now
    review.save(update_fields=["reply", "replied_by", "replied_at"])
    log_action(
        actor=member.user, action="service.review_replied", target=review,
        community=review.community, data={"reply": reply, "previous": previous},
        request=request,
    )  # fmt: skip
    if first:
        notify(
            "service.review_replied",
            [review.author_id],
            obj=review,
            context={"review": review},
            url=reverse("services:provider_detail", args=[review.provider_id]),
        )
    return review


@transaction.atomic
def review_hide(
    *, review: ServiceReview, actor: User, reason: str, request: HttpRequest | None = None
) -> ServiceReview:
    """Staff hide an abusive review (never edit it): it leaves the page and the rating."""
    review = ServiceReview.objects.select_for_update().get(pk=review.pk)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Please give the reason for hiding the review."))
    if review.is_hidden:
        raise ValidationError(_("This review is already hidden."))
    review.is_hidden = True
    review.hidden_reason = reason
    review.hidden_by = actor
    review.hidden_at = timezone.now()
    review.save(update_fields=["is_hidden", "hidden_reason", "hidden_by", "hidden_at"])
    _count_in(review.provider_id, review.rating, -1)
    log_action(
        actor=actor, action="service.review_hidden", target=review, community=review.community,
        data={"reason": reason, "rating": review.rating}, request=request,
    )  # fmt: skip
    notify("service.review_hidden", [review.author_id], obj=review, context={"review": review})
    return review


@transaction.atomic
def review_unhide(
    *, review: ServiceReview, actor: User, reason: str = "", request: HttpRequest | None = None
) -> ServiceReview:
    review = ServiceReview.objects.select_for_update().get(pk=review.pk)
    if not review.is_hidden:
        raise ValidationError(_("This review is not hidden."))
    previous = review.hidden_reason
    review.is_hidden = False
    review.hidden_reason = ""
    review.hidden_by = None
    review.hidden_at = None
    review.save(update_fields=["is_hidden", "hidden_reason", "hidden_by", "hidden_at"])
    _count_in(review.provider_id, review.rating, +1)
    log_action(
        actor=actor, action="service.review_unhidden", target=review,
        community=review.community,
        data={"reason": reason.strip(), "hidden_for": previous}, request=request,
    )  # fmt: skip
    notify("service.review_unhidden", [review.author_id], obj=review, context={"review": review})
    return review

"""Demo data of the catalogue part, called from services.demo.seed_services after the
providers and the bookings parts: a review of 张伟's first finished booking, a few finished bookings per approved provider (as rows, when the bookings part
has not made them) and their reviews, a couple with photos drawn with Pillow and a reply.
Idempotent: the bookings have numbers of their own, the reviews are one per booking, and the
providers' counters are recounted from the visible reviews at the end."""

import datetime as dt
import io

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import Residency

from ..models import (
    Booking,
    BookingSlot,
    Provider,
    ProviderListing,
    ServiceReview,
    ServiceReviewPhoto,
)
from ..providers.selectors import approved_providers

# (stars, text, photo colour or None, provider's reply)
REVIEWS = [
    (
        5,
        "师傅准时上门，打扫得非常干净，厨房油污都处理掉了。",
        "#8fd3c1",
        "感谢您的认可，欢迎再次预约！",
    ),
    (4, "整体不错，就是比约定时间晚了十分钟。", None, ""),
    (5, "态度很好，收费透明，推荐给邻居们。", "#f3c98b", ""),
    (
        3,
        "活干得还行，工具带得不全，又跑了一趟。",
        None,
        "抱歉给您添麻烦了，我们已提醒师傅出门前检查工具。",
    ),
]
PROVIDERS = 4


def _photo(colour: str, label: int) -> ContentFile:
    image = Image.new("RGB", (640, 480), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 120, 560, 400), outline="#ffffff", width=12)
    draw.ellipse((260, 180, 380, 300), fill="#ffffff")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return ContentFile(buffer.getvalue(), name=f"demo-{label}.jpg")


def _households(community) -> list[Residency]:
    return list(
        Residency.objects.filter(
            room__building__community=community,
            status=Residency.Status.VERIFIED,
            head__isnull=True,
        )
        .select_related("user", "room__building", "room__unit")
        .order_by("pk")[:8]
    )


def _finished_booking(community, provider, household, number: str, days_ago: int) -> Booking | None:
    booking = Booking.objects.filter(number=number).first()
    if booking is not None:
        return booking
    item = provider.items.filter(is_active=True).order_by("sort_order", "pk").first()
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    slot, _created = BookingSlot.objects.get_or_create(
        provider=provider, date=day, start=dt.time(9),
        defaults={"end": dt.time(11), "capacity": provider.slot_capacity},
    )  # fmt: skip
    if slot.booked >= slot.capacity:
        return None
    BookingSlot.objects.filter(pk=slot.pk).update(booked=F("booked") + 1)
    finished = timezone.make_aware(dt.datetime.combine(day, dt.time(11)))
    booking = Booking.objects.create(
        number=number, provider=provider, item=item, slot=slot, community=community,
        household=household, room=household.room, booked_by=household.user,
        address=household.room.label, contact_phone=household.user.mobile or "",
        price=item.price, unit=item.unit, status=Booking.Status.DONE,
        created_at=finished - dt.timedelta(days=2), confirmed_at=finished - dt.timedelta(days=1),
        started_at=finished - dt.timedelta(hours=2), finished_at=finished,
    )  # fmt: skip
    ProviderListing.objects.filter(provider=provider, community=community).update(
        bookings_done=F("bookings_done") + 1
    )
    return booking


def _review(booking: Booking, spec, at) -> None:
    if ServiceReview.objects.filter(booking=booking).exists():
        return
    stars, text, colour, reply = spec
    review = ServiceReview.objects.create(
        booking=booking, provider=booking.provider, community=booking.community,
        author=booking.booked_by, rating=stars, text=text, created_at=at,
    )  # fmt: skip
    if colour:
        ServiceReviewPhoto.objects.create(review=review, image=_photo(colour, review.pk))
    if reply:
        member = booking.provider.members.filter(is_active=True).order_by("pk").first()
        review.reply = reply
        review.replied_by = member.user if member else None
        review.replied_at = at + dt.timedelta(hours=3)
        review.save(update_fields=["reply", "replied_by", "replied_at"])


def _recount(provider_ids: list[int]) -> None:
    for provider in Provider.objects.filter(pk__in=provider_ids).annotate(
        visible=Count("reviews", filter=Q(reviews__is_hidden=False)),
        total=Sum("reviews__rating", filter=Q(reviews__is_hidden=False)),
    ):
        Provider.objects.filter(pk=provider.pk).update(
            rating_count=provider.visible, rating_sum=provider.total or 0
        )


@transaction.atomic
def seed(community) -> None:
    providers = list(
        approved_providers(community).filter(items__is_active=True).distinct().order_by("pk")
    )[:PROVIDERS]
    households = _households(community)
    if not providers or not households:
        return
    for p_index, provider in enumerate(providers):
        # A different number of reviews per provider, so the two sorts differ.
        for k, spec in enumerate(REVIEWS[: len(REVIEWS) - p_index % 3]):
            household = households[(p_index + k) % len(households)]
            days_ago = 3 + 4 * k + p_index
            number = f"DM{community.pk:03d}{provider.pk:05d}{k:02d}"
            booking = _finished_booking(community, provider, household, number, days_ago)
            if booking is not None:
                _review(booking, spec, booking.finished_at + dt.timedelta(hours=5))
    featured = _review_featured(community)
    _recount([p.pk for p in providers] + featured)


FEATURED_MOBILE = "13900000001"  # 张伟
FEATURED_REVIEW = (5, "师傅准时上门，做事细致，收费和预约时说的一样，下次还找他们。", "#c7b8f0", "")


def _review_featured(community) -> list[int]:
    """张伟's household (whose bookings the bookings part seeds, before this part) reviews its
    first finished booking and leaves the latest one to review, so 我的预约 shows both."""
    done = list(
        Booking.objects.filter(
            household__user__mobile=FEATURED_MOBILE,
            household__head__isnull=True,
            community=community,
            status=Booking.Status.DONE,
        )
        .select_related("provider", "community", "booked_by")
        .order_by("finished_at", "pk")
    )
    if len(done) < 2 or ServiceReview.objects.filter(booking__in=done).exists():
        return []
    booking = done[0]
    _review(
        booking, FEATURED_REVIEW, (booking.finished_at or timezone.now()) + dt.timedelta(hours=2)
    )
    return [booking.provider_id]

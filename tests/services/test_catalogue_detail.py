"""A provider's page for residents (SVC-2): items and prices, hours, licence, rating average
and distribution, visible reviews with photos and replies; 404 outside my communities."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from services.models import ProviderHours, ProviderListing, ServiceItem
from tests.factories import (
    catalogue_provider,
    done_booking,
    household_in,
    service_review,
)

pytestmark = pytest.mark.django_db


def url(provider) -> str:
    return reverse("services:provider_detail", args=[provider.pk])


@pytest.mark.req("SVC-2")
def test_items_prices_hours_and_licence(client_for, resident, provider):
    ServiceItem.objects.create(
        provider=provider, category=provider.categories.first(), name="深度保洁",
        unit="negotiable", price=None,
    )  # fmt: skip
    ServiceItem.objects.create(
        provider=provider, category=provider.categories.first(), name="下架项目",
        unit="hour", price=1, is_active=False,
    )  # fmt: skip
    ProviderHours.objects.create(provider=provider, weekday=0, start=dt.time(8), end=dt.time(18))
    response = client_for(resident).get(url(provider))
    assert response.status_code == 200
    html = response.content.decode()
    assert "日常保洁" in html and "¥80.00" in html and "每小时" in html
    assert "深度保洁" in html and "面议" in html
    assert "下架项目" not in html
    assert "星期一 08:00–18:00" in html
    assert "执照已认证" in html
    number = provider.licence_number
    assert number not in html and number[:4] in html and number[-4:] in html
    assert f"有效期至{provider.licence_expires_on:%Y-%m-%d}" in html


@pytest.mark.req("SVC-2")
def test_expired_licence_has_no_badge(client_for, resident, provider):
    provider.licence_expires_on = timezone.localdate() - dt.timedelta(days=1)
    provider.save()
    assert "执照已认证" not in client_for(resident).get(url(provider)).content.decode()


@pytest.mark.req("SVC-2")
def test_rating_distribution_and_reviews_newest_first(client_for, resident, household, provider):
    old = service_review(done_booking(household, provider, days_ago=5), rating=4, text="还不错")
    new = service_review(done_booking(household, provider, days_ago=1), rating=2, text="迟到了",
                         photos=1)  # fmt: skip
    new.reply = "抱歉，下次一定准时。"
    new.save()
    service_review(done_booking(household, provider, days_ago=3), rating=1, text="骂人的话",
                   hidden=True)  # fmt: skip
    type(old).objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=4))
    response = client_for(resident).get(url(provider))
    html = response.content.decode()
    assert [r.pk for r in response.context["page"].object_list] == [new.pk, old.pk]
    assert "骂人的话" not in html
    assert "抱歉，下次一定准时。" in html
    summary = response.context["summary"]
    assert summary.count == 2 and str(summary.average) == "3.0"
    assert [(b["stars"], b["count"]) for b in summary.bars] == [(5, 0), (4, 1), (3, 0), (2, 1),
                                                                (1, 0)]  # fmt: skip
    photo = new.photos.get()
    assert reverse("services:review_photo", args=[photo.pk]) in html
    # The author's name is masked: neighbours see a surname.
    assert resident.display_name not in html.split("reviews-heading")[1]


@pytest.mark.req("SVC-2")
def test_reviews_are_paginated_with_bounded_queries(
    client_for, resident, household, provider, django_assert_max_num_queries
):
    for n in range(25):
        service_review(done_booking(household, provider, days_ago=n + 1), rating=5, photos=0)
    client = client_for(resident)
    client.get(url(provider))
    with django_assert_max_num_queries(16):
        response = client.get(url(provider) + "?page=2")
    assert len(response.context["page"].object_list) == 10


@pytest.mark.req("SVC-2")
def test_not_approved_in_my_community_is_404(client_for, resident, community, other_community,
                                             outsider):  # fmt: skip
    elsewhere = catalogue_provider(other_community)
    pending = catalogue_provider(community, status=ProviderListing.Status.PENDING)
    client = client_for(resident)
    assert client.get(url(elsewhere)).status_code == 404
    assert client.get(url(pending)).status_code == 404
    here = catalogue_provider(community)
    assert client.get(url(here)).status_code == 200
    assert client_for(outsider).get(url(here)).status_code == 404


@pytest.mark.req("SVC-2")
def test_review_photos_behind_an_access_check(client_for, resident, household, provider,
                                              outsider, community):  # fmt: skip
    review = service_review(done_booking(household, provider), photos=1)
    photo = review.photos.get()
    photo_url = reverse("services:review_photo", args=[photo.pk])
    neighbour = household_in(community).user
    response = client_for(neighbour).get(photo_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert client_for(outsider).get(photo_url).status_code == 404
    review.is_hidden = True
    review.save()
    assert client_for(neighbour).get(photo_url).status_code == 404
    # The author's household still sees its own.
    assert client_for(resident).get(photo_url).status_code == 200


@pytest.mark.req("SVC-2")
def test_the_page_offers_to_review_a_finished_booking(client_for, resident, booking, provider):
    review_url = reverse("services:review_create", args=[booking.pk])
    client = client_for(resident)
    assert review_url in client.get(url(provider)).content.decode()
    client.post(review_url, {"rating": "5", "text": "很好"})
    html = client.get(url(provider)).content.decode()
    assert review_url not in html and "很好" in html


def test_thumbnails_are_small(client_for, resident, household, provider):
    from io import BytesIO

    from PIL import Image

    review = service_review(done_booking(household, provider), photos=0)
    from django.core.files.base import ContentFile

    from services.models import ServiceReviewPhoto
    from tests.factories import photo_upload

    upload = photo_upload("big.jpg", size=(1200, 900), with_exif=False)
    photo = ServiceReviewPhoto.objects.create(
        review=review, image=ContentFile(upload.read(), name="big.jpg")
    )
    photo_url = reverse("services:review_photo", args=[photo.pk])
    client = client_for(resident)
    thumb = Image.open(BytesIO(client.get(photo_url + "?thumb=1").content))
    assert max(thumb.size) == 240
    full = client.get(photo_url)
    assert Image.open(BytesIO(b"".join(full.streaming_content))).size == (1200, 900)

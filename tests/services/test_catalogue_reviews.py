"""Writing a review of a finished booking (SVC-1, SVC-2): once per booking, by the household,
1–5 stars with text and up to 3 photos; the provider's counters move with it."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from kit.models import AuditEntry
from notices.models import Message
from services.models import Booking, Provider, ServiceReview
from tests.factories import done_booking, household_in, photo_upload

pytestmark = pytest.mark.django_db


def url(booking) -> str:
    return reverse("services:review_create", args=[booking.pk])


@pytest.mark.req("SVC-1", "SVC-2")
def test_review_with_a_photo(client_for, resident, booking, provider, provider_user):
    response = client_for(resident).post(
        url(booking),
        {"rating": "4", "text": "打扫得很干净", "photos": [photo_upload("厨房.jpg")]},
    )
    assert response.status_code == 302
    review = ServiceReview.objects.get(booking=booking)
    assert (review.rating, review.text, review.author, review.community_id) == (
        4, "打扫得很干净", resident, booking.community_id,
    )  # fmt: skip
    photo = review.photos.get()
    assert photo.image.name.endswith(".jpg") and "厨房" not in photo.image.name
    provider.refresh_from_db()
    assert (provider.rating_count, provider.rating_sum) == (1, 4)
    assert AuditEntry.objects.filter(action="service.reviewed", target_id=str(review.pk)).exists()
    assert Message.objects.filter(recipient=provider_user, event="service.reviewed").exists()


@pytest.mark.req("SVC-1")
def test_a_family_member_may_review(client_for, family_member, booking):
    response = client_for(family_member).post(url(booking), {"rating": "5"})
    assert response.status_code == 302
    assert ServiceReview.objects.get(booking=booking).author == family_member


@pytest.mark.req("SVC-1")
def test_one_review_per_booking(client_for, resident, family_member, booking, provider):
    client_for(resident).post(url(booking), {"rating": "5"})
    response = client_for(family_member).post(url(booking), {"rating": "1", "text": "再评一次"})
    assert response.status_code == 400
    assert ServiceReview.objects.filter(booking=booking).count() == 1
    provider.refresh_from_db()
    assert (provider.rating_count, provider.rating_sum) == (1, 5)


@pytest.mark.req("SVC-1")
def test_only_a_finished_booking(client_for, resident, household, provider):
    booking = done_booking(household, provider, status=Booking.Status.CONFIRMED)
    response = client_for(resident).post(url(booking), {"rating": "5", "text": "提前评价"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "只有已完成的预约才能评价" in html
    assert not ServiceReview.objects.exists()


@pytest.mark.req("SVC-1")
def test_bad_input_in_chinese_and_nothing_typed_is_lost(client_for, resident, booking):
    photos = [photo_upload(f"{n}.jpg", size=(40, 30)) for n in range(4)]
    response = client_for(resident).post(url(booking), {"text": "我写了很多字", "photos": photos})
    assert response.status_code == 400
    html = response.content.decode()
    assert "请给 1 到 5 颗星" in html
    assert "最多 3 张照片" in html or "At most" not in html
    assert "我写了很多字" in html
    assert not ServiceReview.objects.exists()


@pytest.mark.req("SVC-1")
def test_another_household_gets_404(client_for, booking, community, outsider):
    neighbour = household_in(community).user
    assert client_for(neighbour).post(url(booking), {"rating": "5"}).status_code == 404
    assert client_for(outsider).post(url(booking), {"rating": "5"}).status_code == 404
    assert not ServiceReview.objects.exists()


def test_get_is_405(client_for, resident, booking):
    assert client_for(resident).get(url(booking)).status_code == 405


def test_moving_out_ends_the_right_to_review(client_for, resident, household, booking):
    household.status = "ended"
    household.save()
    assert client_for(resident).post(url(booking), {"rating": "5"}).status_code == 404


def _box(user, booking) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string(
        "resident/services/catalogue/_review_box.html", {"booking": booking}, request=request
    )


@pytest.mark.req("SVC-2")
def test_review_box_form_then_review(resident, booking, community):
    html = _box(resident, booking)
    assert url(booking) in html and 'type="file"' in html and 'name="rating"' in html
    assert html.count('type="radio"') == 5
    neighbour = household_in(community).user
    assert url(booking) not in _box(neighbour, booking)
    ServiceReview.objects.create(
        booking=booking, provider=booking.provider, community=booking.community,
        author=resident, rating=3, text="一般般", reply="谢谢反馈",
    )  # fmt: skip
    html = _box(resident, booking)
    assert url(booking) not in html and "一般般" in html and "谢谢反馈" in html


def test_review_box_empty_before_done(resident, household, provider):
    booking = done_booking(household, provider, status=Booking.Status.REQUESTED)
    assert "form" not in _box(resident, booking)


def test_counters_stay_in_step(client_for, resident, household, provider):
    for rating in (5, 3, 1):
        booking = done_booking(household, provider)
        client_for(resident).post(url(booking), {"rating": str(rating)})
    provider = Provider.objects.get(pk=provider.pk)
    assert (provider.rating_count, provider.rating_sum) == (3, 9)
    assert str(provider.rating_average) == "3.0"

"""The provider's 评价 tab (SVC-2): its reviews, one reply each (correctable for 24 hours),
audited; the author hears of it and sees it on the provider's page."""

import datetime as dt

import pytest
from django.urls import reverse

from kit.models import AuditEntry
from notices.models import Message
from services.models import ProviderMember
from tests.factories import UserFactory, catalogue_provider, done_booking, service_review

pytestmark = pytest.mark.django_db
LIST = "/provider/reviews/"


def reply_url(review) -> str:
    return reverse("services_provider:review_reply", args=[review.pk])


@pytest.fixture
def review(booking):
    return service_review(booking, rating=3, text="还行", photos=1)


@pytest.mark.req("SVC-2")
def test_lists_the_providers_reviews(client_for, provider_user, review, community, household):
    other = catalogue_provider(community, name="别家")
    service_review(done_booking(household, other), text="别家的评价")
    assert reverse("services_provider:review_list") == LIST
    response = client_for(provider_user).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "还行" in html and "别家的评价" not in html
    photo = review.photos.get()
    photo_url = reverse("services_provider:review_photo", args=[photo.pk])
    assert photo_url in html
    assert client_for(provider_user).get(photo_url).status_code == 200
    assert 'href="/provider/reviews/"' in html  # the 评价 tab


@pytest.mark.req("SVC-2")
def test_reply_once_then_the_author_sees_it(client_for, provider_user, review, resident):
    client = client_for(provider_user)
    response = client.post(reply_url(review), {"reply": "感谢您的反馈，我们会改进。"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.reply == "感谢您的反馈，我们会改进。" and review.replied_by == provider_user
    assert AuditEntry.objects.filter(action="service.review_replied").count() == 1
    assert Message.objects.filter(recipient=resident, event="service.review_replied").count() == 1
    page = client_for(resident).get(reverse("services:provider_detail", args=[review.provider_id]))
    assert "感谢您的反馈，我们会改进。" in page.content.decode()


def test_a_reply_may_be_corrected_for_a_day_only(client_for, provider_user, review, travel):
    client = client_for(provider_user)
    client.post(reply_url(review), {"reply": "第一版"})
    first_at = type(review).objects.get(pk=review.pk).replied_at
    assert client.post(reply_url(review), {"reply": "第二版"}).status_code == 302
    review.refresh_from_db()
    assert review.reply == "第二版" and review.replied_at == first_at
    travel(dt.timedelta(hours=25))
    response = client.post(reply_url(review), {"reply": "第三版"})
    assert response.status_code == 400
    assert "24 小时内修改" in response.content.decode()
    review.refresh_from_db()
    assert review.reply == "第二版"
    assert AuditEntry.objects.filter(action="service.review_replied").count() == 2


def test_empty_reply_refused_in_chinese(client_for, provider_user, review):
    response = client_for(provider_user).post(reply_url(review), {"reply": "  "})
    assert response.status_code == 400
    assert "请填写回复内容" in response.content.decode()


def test_no_reply_to_a_hidden_review(client_for, provider_user, review):
    review.is_hidden = True
    review.save()
    response = client_for(provider_user).post(reply_url(review), {"reply": "解释一下"})
    assert response.status_code == 400
    review.refresh_from_db()
    assert review.reply == ""


def test_another_providers_review_is_404(client_for, review, community):
    other = catalogue_provider(community, name="别家")
    member = UserFactory()
    ProviderMember.objects.create(provider=other, user=member)
    client = client_for(member)
    assert client.post(reply_url(review), {"reply": "冒充"}).status_code == 404
    photo = review.photos.get()
    assert client.get(reverse("services_provider:review_photo", args=[photo.pk])).status_code == 404


def test_residents_are_not_provider_members(client_for, resident, review):
    assert client_for(resident).get(LIST).status_code == 403


def test_get_reply_is_405(client_for, provider_user, review):
    assert client_for(provider_user).get(reply_url(review)).status_code == 405


def test_bounded_queries(client_for, provider_user, household, provider,
                         django_assert_max_num_queries):  # fmt: skip
    for n in range(12):
        service_review(done_booking(household, provider, days_ago=n + 1), photos=1)
    client = client_for(provider_user)
    client.get(LIST)
    with django_assert_max_num_queries(14):
        assert client.get(LIST).status_code == 200

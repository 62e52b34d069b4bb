"""服务评价 for staff (SSVC-1): the community's reviews with filters; hiding an abusive one
with a reason (audited, the author told, the rating recounted) and showing it again; never
editing; another community's review is a 404."""

import pytest
from django.urls import reverse

from kit.models import AuditEntry
from notices.models import Message
from services.models import Provider
from tests.factories import (
    StaffMemberFactory,
    catalogue_provider,
    done_booking,
    household_in,
    service_review,
)

pytestmark = pytest.mark.django_db
LIST = "/staff/services/reviews/"


@pytest.fixture
def review(booking):
    return service_review(booking, rating=1, text="骂人的话", photos=1)


def hide(review) -> str:
    return reverse("services_staff:review_hide", args=[review.pk])


def unhide(review) -> str:
    return reverse("services_staff:review_unhide", args=[review.pk])


@pytest.mark.req("SSVC-1")
def test_list_and_filters(client_for, manager, review, household, provider, community,
                          other_community, outsider):  # fmt: skip
    assert reverse("services_staff:review_list") == LIST
    other = catalogue_provider(community, name="别家")
    good = service_review(done_booking(household, other), rating=5, text="非常好")
    foreign_provider = catalogue_provider(other_community)
    foreign = service_review(
        done_booking(outsider.residencies.get(), foreign_provider), text="外区的评价"
    )
    client = client_for(manager)
    html = client.get(LIST).content.decode()
    assert "骂人的话" in html and "非常好" in html and "外区的评价" not in html
    assert "服务评价" in client.get("/staff/").content.decode()

    def shown(query):
        return [r.pk for r in client.get(LIST + query).context["page"].object_list]

    assert shown(f"?provider={other.pk}") == [good.pk]
    assert shown("?rating=1") == [review.pk]
    assert shown("?hidden=yes") == []
    assert foreign.pk not in shown("")


@pytest.mark.req("SSVC-1")
def test_hide_with_a_reason(client_for, manager, review, provider, resident):
    provider.refresh_from_db()
    assert (provider.rating_count, provider.rating_sum) == (1, 1)
    response = client_for(manager).post(hide(review), {"reason": "人身攻击"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.is_hidden and review.hidden_reason == "人身攻击" and review.hidden_by == manager
    assert review.text == "骂人的话"  # never edited
    provider = Provider.objects.get(pk=provider.pk)
    assert (provider.rating_count, provider.rating_sum) == (0, 0)
    entry = AuditEntry.objects.get(action="service.review_hidden")
    assert entry.data["reason"] == "人身攻击" and entry.actor == manager
    assert Message.objects.filter(recipient=resident, event="service.review_hidden").exists()
    page = client_for(resident).get(reverse("services:provider_detail", args=[provider.pk]))
    assert "骂人的话" not in page.content.decode()


@pytest.mark.req("SSVC-1")
def test_hide_needs_a_reason_and_happens_once(client_for, manager, review):
    client = client_for(manager)
    response = client.post(hide(review), {"reason": ""})
    assert response.status_code == 400
    assert "请填写隐藏这条评价的原因" in response.content.decode()
    client.post(hide(review), {"reason": "辱骂"})
    response = client.post(hide(review), {"reason": "再来一次"})
    assert response.status_code == 400
    provider = Provider.objects.get(pk=review.provider_id)
    assert provider.rating_count == 0  # not taken off twice


@pytest.mark.req("SSVC-1")
def test_unhide_puts_it_back(client_for, manager, review, resident):
    client = client_for(manager)
    client.post(hide(review), {"reason": "辱骂"})
    response = client.post(unhide(review), {"reason": "误判"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert not review.is_hidden and review.hidden_reason == ""
    provider = Provider.objects.get(pk=review.provider_id)
    assert (provider.rating_count, provider.rating_sum) == (1, 1)
    assert AuditEntry.objects.filter(action="service.review_unhidden").exists()
    assert Message.objects.filter(recipient=resident, event="service.review_unhidden").exists()


@pytest.mark.req("SSVC-1")
def test_detail_shows_photo_and_history(client_for, manager, review):
    client = client_for(manager)
    client.post(hide(review), {"reason": "辱骂"})
    response = client.get(reverse("services_staff:review_detail", args=[review.pk]))
    html = response.content.decode()
    photo = review.photos.get()
    photo_url = reverse("services_staff:review_photo", args=[review.pk, photo.pk])
    assert photo_url in html and "辱骂" in html and "服务评价已隐藏" in html
    assert client.get(photo_url).status_code == 200


@pytest.mark.req("SSVC-1")
def test_another_communitys_review_is_404(client_for, outsider_staff, review):
    client = client_for(outsider_staff)
    for url in (
        reverse("services_staff:review_detail", args=[review.pk]),
        reverse("services_staff:review_photo", args=[review.pk, review.photos.get().pk]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(hide(review), {"reason": "越权"}).status_code == 404
    review.refresh_from_db()
    assert not review.is_hidden


def test_permissions(client_for, cashier, technician, review):
    assert client_for(cashier).get(LIST).status_code == 403
    assert client_for(technician).post(hide(review), {"reason": "x"}).status_code == 403


def test_get_hide_is_405(client_for, manager, review):
    assert client_for(manager).get(hide(review)).status_code == 405


@pytest.mark.parametrize("count", [3, 40])
def test_bounded_queries(client_for, manager, household, provider, community, count,
                         django_assert_max_num_queries):  # fmt: skip
    for n in range(count):
        owner = household if n % 2 else household_in(community)
        service_review(done_booking(owner, provider, days_ago=n + 1), rating=n % 5 + 1)
    client = client_for(manager)
    client.get(LIST)
    with django_assert_max_num_queries(20):
        response = client.get(LIST + "?hidden=no")
    assert response.status_code == 200


def test_front_desk_may_hide(client_for, community, review, positions):
    desk = StaffMemberFactory(communities=[community], position_name="客服").user
    assert client_for(desk).post(hide(review), {"reason": "辱骂"}).status_code == 302

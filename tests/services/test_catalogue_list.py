"""The resident provider list (SVC-2): approved providers of my community, category chips,
sorting by rating (Bayesian) and by neighbours' use, bounded queries."""

import pytest
from django.urls import reverse

from accounts.models import Residency
from services.models import Provider, ProviderListing, ServiceCategory
from tests.factories import ResidencyFactory, RoomFactory, catalogue_provider

pytestmark = pytest.mark.django_db
URL = "/services/"


def names(response) -> list[str]:
    return [listing.provider.name for listing in response.context["page"].object_list]


def rated(provider, count: int, total: int) -> None:
    Provider.objects.filter(pk=provider.pk).update(rating_count=count, rating_sum=total)


@pytest.mark.req("SVC-2")
def test_url_and_entry_grid(client_for, resident):
    assert reverse("services:provider_list") == URL
    home = client_for(resident).get(reverse("accounts:home")).content.decode()
    assert URL in home and "bi-grid-3x3-gap" in home


@pytest.mark.req("SVC-2")
def test_without_a_verified_room_a_friendly_empty_state(client_for, outsider_room):
    pending = ResidencyFactory(
        room=outsider_room, status=Residency.Status.PENDING, verified_at=None
    )
    response = client_for(pending.user).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("accounts:room_bind") in html
    assert "绑定" in html


@pytest.mark.req("SVC-2")
def test_lists_only_providers_approved_here(client_for, resident, community, other_community):
    catalogue_provider(community, name="甲家政")
    catalogue_provider(community, name="乙待审", status=ProviderListing.Status.PENDING)
    catalogue_provider(community, name="丙暂停", status=ProviderListing.Status.SUSPENDED)
    catalogue_provider(other_community, name="丁外区")
    off = catalogue_provider(community, name="戊下架")
    Provider.objects.filter(pk=off.pk).update(is_active=False)
    response = client_for(resident).get(URL)
    assert names(response) == ["甲家政"]
    html = response.content.decode()
    assert "执照已认证" in html or "Licence verified" in html


@pytest.mark.req("SVC-2")
def test_rows_show_rating_neighbours_and_starting_price(client_for, resident, community):
    provider = catalogue_provider(community, name="甲家政", price="80.00")
    rated(provider, 4, 18)
    ProviderListing.objects.filter(provider=provider).update(bookings_done=7)
    catalogue_provider(community, name="乙面议", price=None)
    html = client_for(resident).get(URL).content.decode()
    assert "4.5" in html and "4个评分" in html
    assert "7位邻居用过" in html
    assert "¥80.00" in html
    assert "面议" in html


@pytest.mark.req("SVC-2")
def test_one_five_star_does_not_top_fifty_good_ratings(client_for, resident, community):
    newcomer = catalogue_provider(community, name="新来的")
    rated(newcomer, 1, 5)
    steady = catalogue_provider(community, name="老字号")
    rated(steady, 50, 230)  # 4.6
    unrated = catalogue_provider(community, name="没人评")
    poor = catalogue_provider(community, name="差评多")
    rated(poor, 20, 40)
    assert names(client_for(resident).get(URL)) == ["老字号", "新来的", "没人评", "差评多"]
    assert unrated.rating_average is None


@pytest.mark.req("SVC-2")
def test_sort_by_neighbours_use(client_for, resident, community):
    for name, done in [("少", 1), ("多", 30), ("中", 5)]:
        provider = catalogue_provider(community, name=name)
        ProviderListing.objects.filter(provider=provider).update(bookings_done=done)
    assert names(client_for(resident).get(URL + "?sort=used")) == ["多", "中", "少"]


@pytest.mark.req("SVC-2")
def test_category_chips_filter(client_for, resident, community):
    cleaning, locks = ServiceCategory.objects.order_by("sort_order")[:2]
    catalogue_provider(community, name="保洁", categories=[cleaning])
    catalogue_provider(community, name="开锁", categories=[locks])
    catalogue_provider(community, name="都做", categories=[cleaning, locks])
    response = client_for(resident).get(URL + f"?category={locks.pk}")
    assert sorted(names(response)) == sorted(["开锁", "都做"])
    chips = response.context["categories"]
    assert {c.pk for c in chips} == {cleaning.pk, locks.pk}
    # A category id that is not offered here shows everything rather than an error.
    assert len(names(client_for(resident).get(URL + "?category=99999"))) == 3


@pytest.mark.req("SVC-2")
def test_a_resident_of_two_communities_switches(client_for, resident, community, other_community):
    ResidencyFactory(room=RoomFactory(building__community=other_community), user=resident)
    catalogue_provider(community, name="这里的")
    catalogue_provider(other_community, name="那里的")
    client = client_for(resident)
    first = client.get(URL)
    assert len(first.context["communities"]) == 2
    shown = {c.pk: n for c in first.context["communities"] for n in [None]}
    assert set(shown) == {community.pk, other_community.pk}
    here = client.get(URL + f"?community={community.pk}")
    there = client.get(URL + f"?community={other_community.pk}")
    assert names(here) == ["这里的"] and names(there) == ["那里的"]


@pytest.mark.req("SVC-2")
@pytest.mark.parametrize("count", [3, 60])
def test_bounded_queries(client_for, resident, community, count, django_assert_max_num_queries):
    categories = list(ServiceCategory.objects.all()[:3])
    for n in range(count):
        provider = catalogue_provider(community, name=f"服务商{n:02d}", categories=categories)
        rated(provider, n, n * 4)
    client = client_for(resident)
    client.get(URL)  # sessions, caches
    for query in ("", "?sort=used", f"?category={categories[0].pk}"):
        with django_assert_max_num_queries(14):
            response = client.get(URL + query)
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == min(count, 20)

"""The shelf list (filters, the daily list printable and in Excel, bounded queries) and the
residents' 快递 page (their household's parcels only, the code and its QR code) (SVC-1)."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Residency
from services.models import Parcel
from services.parcels import services
from tests.factories import BuildingFactory, ParcelFactory, ResidencyFactory, RoomFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("SVC-1")]

LIST = reverse("services_staff:parcel_list")
EXPORT = reverse("services_staff:parcel_export")
MINE = reverse("services:parcel_list")


def many_parcels(community, count: int) -> None:
    """`count` parcels each in a room, building and household of its own, some collected."""
    for n in range(count):
        room = RoomFactory(building=BuildingFactory(community=community))
        parcel = ParcelFactory(household=ResidencyFactory(room=room), shelf=f"S{n % 4}")
        if n % 3 == 0:
            parcel.status = Parcel.Status.PICKED_UP
            parcel.picked_up_at = timezone.now()
            parcel.picked_up_by = parcel.household.user
            parcel.save()


@pytest.fixture
def home(resident):
    return Residency.objects.get(user=resident)


def test_the_shelf_list_groups_waiting_parcels_by_shelf(client_for, staff_user, home, outsider):
    b = ParcelFactory(household=home, shelf="B1", carrier="jd")
    a = ParcelFactory(household=home, shelf="A1")
    done = ParcelFactory(household=home, shelf="A1", status=Parcel.Status.PICKED_UP)
    ParcelFactory(household=Residency.objects.get(user=outsider), shelf="A1")
    response = client_for(staff_user).get(LIST)
    assert [(shelf, [p.pk for p in parcels]) for shelf, parcels in response.context["shelves"]] == [
        ("A1", [a.pk]),
        ("B1", [b.pk]),
    ]
    text = response.content.decode()
    assert "京东" in text and a.pickup_code in text and done.pickup_code not in text
    assert "data-print" in text and "services-parcels.css" in text


def test_the_filters(client_for, staff_user, home, travel):
    old = ParcelFactory(household=home, carrier="sf", tracking_number="SF9999000011")
    old.logged_at = timezone.now() - dt.timedelta(days=4)
    old.save()
    new = ParcelFactory(household=home, carrier="zto", recipient_mobile="13912345678")
    done = ParcelFactory(household=home, status=Parcel.Status.PICKED_UP)
    client = client_for(staff_user)

    def listed(**query):
        return {p.pk for p in client.get(LIST, query).context["rows"]}

    assert listed() == {old.pk, new.pk}
    assert listed(status="picked_up") == {done.pk}
    assert listed(status="all") == {old.pk, new.pk, done.pk}
    assert listed(carrier="zto") == {new.pk}
    assert listed(days=3) == {old.pk}
    assert listed(q=new.pickup_code) == {new.pk}
    assert listed(q="9000011") == {old.pk}
    assert listed(q="5678") == {new.pk}
    assert listed(q="3栋-1201") == {old.pk, new.pk}
    assert listed(q="9栋") == set()


@pytest.mark.parametrize("count", [3, 30])
def test_the_shelf_list_runs_a_fixed_number_of_queries(
    client_for, staff_user, community, count, django_assert_max_num_queries
):
    many_parcels(community, count)
    client = client_for(staff_user)
    for query in ({}, {"status": "all"}, {"q": "1"}):
        with django_assert_max_num_queries(16):
            response = client.get(LIST, query)
        assert response.status_code == 200


def test_the_daily_list_in_excel(client_for, staff_user, home, outsider):
    parcel = ParcelFactory(household=home, shelf="C2", carrier="yto", recipient_name="张伟")
    ParcelFactory(household=home, status=Parcel.Status.PICKED_UP)
    ParcelFactory(household=Residency.objects.get(user=outsider))
    response = client_for(staff_user).get(EXPORT)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("货架", "取件码", "房屋", "收件人")
    assert len(rows) == 2
    assert rows[1][:4] == ("C2", parcel.pickup_code, "3栋1201", "张伟")
    assert rows[1][5] == "圆通"


# --- Residents ------------------------------------------------------------------------------------


@pytest.fixture
def logged(home, staff_user):
    return services.parcel_log(room=home.room, actor=staff_user, carrier="sf", shelf="A3")


def test_the_household_sees_its_parcel_with_the_code_and_a_qr_code(
    client_for, resident, family_member, logged
):
    for user in (resident, family_member):
        response = client_for(user).get(MINE)
        text = response.content.decode()
        assert [item["parcel"] for item in response.context["waiting"]] == [logged]
        assert logged.pickup_code in text and "<svg" in text and "A3" in text and "顺丰" in text


def test_collected_parcels_move_to_the_history(client_for, resident, logged, staff_user):
    services.parcel_hand_over(parcel=logged, actor=staff_user, collector=resident)
    response = client_for(resident).get(MINE)
    assert response.context["waiting"] == []
    assert response.context["history"] == [logged]
    assert "已取件" in response.content.decode()


def test_nobody_else_sees_the_parcel(client_for, logged, outsider, room, community):
    tenant_next_door = ResidencyFactory(
        room=RoomFactory(building=room.building, number="1202", floor=12)
    ).user
    for user in (outsider, tenant_next_door):
        response = client_for(user).get(MINE)
        assert response.context["waiting"] == [] and response.context["history"] == []
        assert logged.pickup_code not in response.content.decode()


def test_a_member_who_moved_out_sees_none_of_the_new_ones(
    client_for, family_member, home, staff_user
):
    residency = Residency.objects.get(user=family_member)
    residency.status = Residency.Status.ENDED
    residency.save()
    parcel = services.parcel_log(room=home.room, actor=staff_user, carrier="sf", shelf="A3")
    response = client_for(family_member).get(MINE)
    assert response.context["waiting"] == []
    assert parcel.pickup_code not in response.content.decode()


def test_the_entry_grid_counts_the_waiting_parcels(client_for, resident, logged, home):
    ParcelFactory(household=home)
    ParcelFactory(household=home, status=Parcel.Status.PICKED_UP)
    response = client_for(resident).get(reverse("accounts:home"))
    entry = next(e for e in response.context["entries"] if e["url"] == MINE)
    assert entry["badge"] == 2


@pytest.mark.parametrize("count", [2, 20])
def test_the_residents_page_runs_a_fixed_number_of_queries(
    client_for, resident, home, count, django_assert_max_num_queries
):
    for n in range(count):
        ParcelFactory(household=home, status="waiting" if n % 2 else "picked_up")
    client = client_for(resident)
    with django_assert_max_num_queries(12):
        assert client.get(MINE).status_code == 200


@pytest.mark.req("SVC-1")
def test_the_pickup_qr_code_is_a_full_qr_code_the_desk_scanner_reads():
    """Six digits fit a Micro QR symbol, which segno picks by itself and neither the desk's
    scanner (zxing) nor WeChat reads: the pickup code is always a full QR code (21×21 and up)."""
    import re

    from services.parcels.views_resident import code_qr_svg

    svg = code_qr_svg("252928")
    width = int(re.search(r'viewBox="0 0 (\d+)', svg).group(1))
    # scale 6 with a 4-module quiet zone on each side: a full QR code is at least (21 + 8) × 6.
    assert width >= (21 + 8) * 6, width

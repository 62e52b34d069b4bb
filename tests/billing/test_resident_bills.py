"""The 缴费 tab (BIL-1) and the bill page: the household's unpaid bills by room and fee kind,
with their lines, late fees and total due, seen by family members and nobody else."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Residency
from billing import services
from billing.models import Bill, BillLine, FeeRule, new_number

from ..factories import ResidencyFactory, RoomFactory, fee_rule


def make_bill(room, *, kind="property", month=None, amount="100.00", status="published",
              due_date=None, paid_amount="0.00", lines=None, published_at=None):  # fmt: skip
    """A bill of `room` for `month` (default last month) with one line per (description,
    quantity, unit price, amount) in `lines`, or one line for the whole amount."""
    community = room.building.community
    rule = FeeRule.objects.filter(community=community, kind=kind).first() or fee_rule(
        community, kind=kind
    )
    today = timezone.localdate()
    month = month or (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    bill = Bill.objects.create(
        number=new_number("ZD"), community=community, room=room, rule=rule, kind=kind,
        title=f"{rule.name} {month:%Y-%m}", period_start=month, period_end=end,
        due_date=due_date or today + dt.timedelta(days=20), amount=Decimal(amount),
        paid_amount=Decimal(paid_amount), status=status,
        late_fee_daily_rate=rule.late_fee_daily_rate, late_fee_cap_rate=rule.late_fee_cap_rate,
        published_at=published_at or timezone.now(),
    )  # fmt: skip
    for sort, (description, quantity, unit_price, line_amount) in enumerate(
        lines or [(f"{rule.name}", "1", amount, amount)]
    ):
        BillLine.objects.create(
            bill=bill, description=description, quantity=Decimal(quantity), unit="",
            unit_price=Decimal(unit_price), amount=Decimal(line_amount), sort=sort,
        )  # fmt: skip
    return bill


def page(client, name="billing:bills", *args, **params):
    response = client.get(reverse(name, args=args), params)
    assert response.status_code == 200, response.status_code
    return response


def listed(response) -> set[int]:
    return {
        bill.pk
        for entry in response.context["rooms"]
        for group in entry["kinds"]
        for bill in group["bills"]
    }


@pytest.mark.req("BIL-1")
def test_bills_are_grouped_by_kind_with_lines_and_total(client_for, resident, room):
    water = make_bill(
        room, kind="water", amount="26.90",
        lines=[("第一阶梯", "10", "2.1500", "21.50"), ("第二阶梯", "2", "2.7000", "5.40")],
    )  # fmt: skip
    prop = make_bill(room, kind="property", amount="275.80")
    response = page(client_for(resident))
    body = response.content.decode()
    (entry,) = response.context["rooms"]
    assert [group["kind"] for group in entry["kinds"]] == ["property", "water"]
    assert response.context["total_due"] == Decimal("302.70")
    assert "¥302.70" in body and "¥275.80" in body and "¥26.90" in body
    assert water.title in body and prop.title in body
    assert "第一阶梯" in body and "10 × ¥2.15" in body and "¥21.50" in body
    assert reverse("billing:bill", args=[water.pk]) in body
    assert reverse("billing:history") in body and reverse("billing:trend") in body


@pytest.mark.req("BIL-1")
def test_overdue_bill_shows_badge_and_late_fee_in_the_total(client_for, resident, room):
    today = timezone.localdate()
    make_bill(room, kind="property", amount="300.00")
    overdue = make_bill(
        room, kind="parking", amount="1000.00", due_date=today - dt.timedelta(days=10)
    )
    response = page(client_for(resident))
    body = response.content.decode()
    # 1000.00 × 0.0005 × 10 days = 5.00; the overdue kind comes first
    listed = next(b for g in response.context["rooms"][0]["kinds"] for b in g["bills"])
    assert listed.pk == overdue.pk and listed.late_fee == Decimal("5.00")
    assert listed.overdue_days == 10
    assert response.context["total_due"] == Decimal("1305.00")
    assert response.context["late_fee_total"] == Decimal("5.00")
    assert response.context["overdue_count"] == 1
    assert "bill-badge-overdue" in body and "is-overdue" in body
    assert "¥1,005.00" in body and "¥1,305.00" in body and "¥5.00" in body


@pytest.mark.req("BIL-1")
def test_totals_are_exact_decimals(client_for, resident, room):
    for month, amount in ((1, "0.10"), (2, "0.20"), (3, "1234.56")):
        make_bill(room, month=dt.date(2025, month, 1), amount=amount)
    response = page(client_for(resident))
    total = response.context["total_due"]
    assert isinstance(total, Decimal) and total == Decimal("1234.86")
    assert "¥1,234.86" in response.content.decode()


def test_partially_paid_bill_shows_what_is_left(client_for, resident, room):
    make_bill(room, amount="200.00", paid_amount="50.00", status="partially_paid")
    response = page(client_for(resident))
    assert response.context["total_due"] == Decimal("150.00")
    assert "¥150.00" in response.content.decode()


@pytest.mark.req("BIL-1")
def test_family_member_sees_the_households_bills(client_for, family_member, room):
    bill = make_bill(room)
    response = page(client_for(family_member))
    assert bill.title in response.content.decode()
    assert response.context["bill_count"] == 1


@pytest.mark.req("BIL-1")
def test_others_bills_stay_hidden(client_for, resident, room, outsider, outsider_room):
    neighbour_room = RoomFactory(building=room.building, number="1202", floor=12)
    tenant = ResidencyFactory(room=neighbour_room, relation=Residency.Relation.TENANT).user
    mine = make_bill(room)
    neighbours = make_bill(neighbour_room, amount="999.00")
    theirs = make_bill(outsider_room, amount="888.00")
    make_bill(room, kind="gas", status="draft", amount="777.00")
    make_bill(room, kind="parking", status="paid", amount="666.00", paid_amount="666.00")
    assert listed(page(client_for(resident))) == {mine.pk}
    assert listed(page(client_for(tenant))) == {neighbours.pk}
    assert listed(page(client_for(outsider))) == {theirs.pk}


def test_several_rooms_are_grouped_by_room(client_for, resident, room, community):
    second = RoomFactory(building__community=community, building__name="5栋", number="302", floor=3)
    ResidencyFactory(room=second, user=resident)
    make_bill(room, amount="10.00")
    make_bill(second, amount="20.00")
    response = page(client_for(resident))
    rooms = response.context["rooms"]
    assert {entry["room"].pk: entry["total"] for entry in rooms} == {
        room.pk: Decimal("10.00"),
        second.pk: Decimal("20.00"),
    }
    body = response.content.decode()
    assert room.label in body and second.label in body


def test_no_bills_shows_the_all_paid_state(client_for, resident, room):
    response = page(client_for(resident))
    body = response.content.decode()
    assert response.context["rooms"] == []
    assert "bi-check-circle-fill" in body and reverse("billing:history") in body


def test_without_a_verified_room_the_page_explains_binding(client_for, outsider, outsider_room):
    Residency.objects.filter(user=outsider).update(status=Residency.Status.PENDING)
    make_bill(outsider_room)
    response = page(client_for(outsider))
    assert response.context["bill_count"] == 0
    assert reverse("accounts:room_bind") in response.content.decode()


@pytest.mark.req("BIL-3")
def test_pay_button_and_the_service_phone(client_for, resident, room, community):
    community.service_phone = "0571-88886666"
    community.save()
    bill = make_bill(room)
    body = page(client_for(resident)).content.decode()
    assert "去缴费" in body
    assert f'name="bills" value="{bill.pk}"' in body
    assert 'href="tel:0571-88886666"' in body


def test_login_required(client, db):
    response = client.get(reverse("billing:bills"))
    assert response.status_code == 302


@pytest.mark.req("BIL-1")
def test_bills_page_runs_a_bounded_number_of_queries(client_for, resident, room, community):
    client = client_for(resident)
    page(client)  # the tab bar's badges are cached from now on (kit.cache)
    month = dt.date(2023, 1, 1)
    counts = []
    for total in (3, 30):
        Bill.objects.all().delete()
        for index in range(total):
            year, month_index = divmod(index, 12)
            make_bill(
                room, kind=("property", "water", "parking")[index % 3],
                month=month.replace(year=2023 + year, month=month_index + 1),
            )  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            response = page(client)
        assert response.context["bill_count"] == total
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 6, counts  # with the household ids looked up first (_payments_of)


# --- The bill page -------------------------------------------------------------------------------


@pytest.mark.req("BIL-1")
def test_bill_page_shows_lines_status_and_payments(client_for, resident, published_bill, cashier):
    client = client_for(resident)
    response = page(client, "billing:bill", published_bill.pk)
    body = response.content.decode()
    assert published_bill.title in body and "¥275.80" in body
    for line in published_bill.lines.all():
        assert line.description in body
    assert f"{published_bill.due_date:%Y.%m.%d}" in body
    assert "暂无缴费记录" in body

    payment = services.counter_payment(bills=[published_bill], method="cash", cashier=cashier)
    response = page(client, "billing:bill", published_bill.pk)
    body = response.content.decode()
    assert reverse("billing:receipt", args=[payment.receipt.pk]) in body
    assert "bill-badge-paid" in body
    assert response.context["bill"].total_due == Decimal("0.00")


def test_family_member_opens_the_bill(client_for, family_member, published_bill):
    page(client_for(family_member), "billing:bill", published_bill.pk)


@pytest.mark.req("BIL-1")
def test_other_households_bill_is_404(client_for, outsider, resident, room, published_bill):
    neighbour_room = RoomFactory(building=room.building, number="1203", floor=12)
    neighbour = ResidencyFactory(room=neighbour_room).user
    for user in (outsider, neighbour):
        response = client_for(user).get(reverse("billing:bill", args=[published_bill.pk]))
        assert response.status_code == 404
    draft = make_bill(room, kind="gas", status="draft")
    assert client_for(resident).get(reverse("billing:bill", args=[draft.pk])).status_code == 404


def test_bill_page_runs_a_bounded_number_of_queries(client_for, resident, room, cashier):
    client = client_for(resident)
    counts = []
    for month, line_count in ((1, 2), (2, 20)):
        lines = [(f"第{i}项", "1", "1.00", "1.00") for i in range(line_count)]
        bill = make_bill(room, month=dt.date(2024, month, 1), amount=str(line_count), lines=lines)
        services.counter_payment(bills=[bill], method="cash", cashier=cashier)
        with CaptureQueriesContext(connection) as queries:
            page(client, "billing:bill", bill.pk)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_bill_page_is_get_only(client_for, resident, published_bill):
    response = client_for(resident).post(reverse("billing:bill", args=[published_bill.pk]))
    assert response.status_code == 405


@pytest.mark.req("BIL-1")
def test_overdue_bill_page_says_overdue_once(client_for, resident, room):
    """One overdue badge on the bill page, not the days-overdue badge plus the status badge
    that says the same; a partly paid overdue bill still says that it is partly paid."""
    today = timezone.localdate()
    overdue = make_bill(room, status="overdue", due_date=today - dt.timedelta(days=22))
    partly = make_bill(
        room, kind="parking", status="partially_paid", amount="200.00", paid_amount="50.00",
        due_date=today - dt.timedelta(days=3),
    )  # fmt: skip
    client = client_for(resident)
    body = client.get(reverse("billing:bill", args=[overdue.pk])).content.decode()
    assert body.count('class="bill-badge ') == 1 and "bill-badge-overdue" in body
    body = client.get(reverse("billing:bill", args=[partly.pk])).content.decode()
    assert body.count('class="bill-badge ') == 2 and "bill-badge-partially_paid" in body

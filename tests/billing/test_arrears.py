"""SBIL-2: the staff bills list (payment status, arrears) and dunning."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing import rules, services
from billing.models import Bill, BillReminder
from notices.models import Message
from tests.factories import RoomFactory, fee_rule

pytestmark = pytest.mark.req("SBIL-2")

BILLS = reverse("billing_staff:bills")
DUN = reverse("billing_staff:dun")


def months_ago(count: int) -> dt.date:
    month = timezone.localdate().replace(day=1)
    for _ in range(count):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


def publish(community, fee_rules, month, actor) -> list[Bill]:
    run = services.run_create(community=community, fee_rules=fee_rules, month=month, actor=actor)
    services.run_publish(run=run, actor=actor)
    return list(run.bills.select_related("room__building").order_by("pk"))


@pytest.fixture
def world(community, room, resident, property_rule, manager, cashier):
    """3栋1201 (98.50 m², 张伟) and 5栋501 (80 m²): two months ago (overdue) and this month
    (not yet due) property bills; 5栋501's old bill is paid, and a parking-free fixed fee of
    20.00 this month for both, 5栋501's waived."""
    other = RoomFactory(building__community=community, building__name="5栋", number="501",
                        area=Decimal("80.00"))  # fmt: skip
    fixed = fee_rule(community, kind="fixed", name="垃圾清运费", unit_price="20.00")
    old = publish(community, [property_rule], months_ago(2), manager)
    current = publish(community, [property_rule, fixed], months_ago(0), manager)
    by = {(bill.room_id, bill.rule_id, bill.period_start): bill for bill in old + current}
    bills = {
        "old": by[(room.pk, property_rule.pk, months_ago(2))],
        "old_paid": by[(other.pk, property_rule.pk, months_ago(2))],
        "current": by[(room.pk, property_rule.pk, months_ago(0))],
        "current_other": by[(other.pk, property_rule.pk, months_ago(0))],
        "fixed": by[(room.pk, fixed.pk, months_ago(0))],
        "fixed_waived": by[(other.pk, fixed.pk, months_ago(0))],
    }
    services.counter_payment(bills=[bills["old_paid"]], method="cash", cashier=cashier)
    services.bill_waive(bill=bills["fixed_waived"], actor=manager, reason="困难户减免")
    services.mark_overdue()
    for key, bill in bills.items():
        bills[key] = Bill.objects.get(pk=bill.pk)
    return {"other_room": other, "fixed_rule": fixed, **bills}


@pytest.fixture
def outsider_bill(other_community, outsider_room, outsider, positions):
    from tests.factories import billing_actor

    actor = billing_actor(other_community)
    rule = fee_rule(other_community, name="物业服务费")
    return publish(other_community, [rule], months_ago(2), actor)[0]


def shown_ids(response) -> set[int]:
    table = response.context["table"]
    return {row.record.pk for row in table.page.object_list}


def test_default_list_shows_what_is_owed(client_for, cashier, world, outsider_bill):
    response = client_for(cashier).get(BILLS)
    assert response.status_code == 200
    assert shown_ids(response) == {world["old"].pk, world["current"].pk,
                                   world["current_other"].pk, world["fixed"].pk}  # fmt: skip
    assert outsider_bill.pk not in shown_ids(response)
    html = response.content.decode()
    assert world["old"].number in html
    assert reverse("billing_staff:bill_detail", args=[world["old"].pk]) in html
    assert reverse("billing_staff:dunning_pdf") in html


def test_row_figures_and_summary(client_for, cashier, world):
    today = timezone.localdate()
    old = world["old"]
    response = client_for(cashier).get(BILLS)
    rows = [row.record for row in response.context["table"].page.object_list]
    row = next(bill for bill in rows if bill.pk == old.pk)
    expected_fee = rules.late_fee(old.amount, old.due_date, today, Decimal("0.0005"),
                                  Decimal("0.1"))  # fmt: skip
    assert row.days_overdue == (today - old.due_date).days > 0
    assert row.late_fee_to_date == expected_fee
    html = response.content.decode()
    assert f"¥{expected_fee:,.2f}" in html
    summary = response.context["summary"]
    assert summary.bills == 4
    # 275.80 (old) + 275.80 (current) + 224.00 (5栋501 current) + 20.00 (fixed)
    assert summary.outstanding == Decimal("795.60")
    assert summary.overdue == 1
    assert summary.late_fees == expected_fee
    assert "¥795.60" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "overdue"}, ["old"]),
        ({"status": "unpaid"}, ["current", "current_other", "fixed"]),
        ({"status": "paid"}, ["old_paid"]),
        ({"status": "waived"}, ["fixed_waived"]),
        (
            {"status": "all"},
            ["old", "old_paid", "current", "current_other", "fixed", "fixed_waived"],
        ),  # fmt: skip
        ({"overdue_days": "1"}, ["old"]),
        ({"overdue_days": "3650"}, []),
        ({"kind": "fixed", "status": "all"}, ["fixed", "fixed_waived"]),
        ({"room": "3栋1201"}, ["old", "current", "fixed"]),
        ({"room": "501", "status": "all"}, ["old_paid", "current_other", "fixed_waived"]),
    ],
)
def test_filters(client_for, cashier, world, query, expected):
    response = client_for(cashier).get(BILLS, query)
    assert response.status_code == 200
    assert shown_ids(response) == {world[key].pk for key in expected}


def test_building_and_period_filters(client_for, cashier, world, room):
    client = client_for(cashier)
    response = client.get(BILLS, {"building": room.building_id, "status": "all"})
    assert shown_ids(response) == {world[k].pk for k in ("old", "current", "fixed")}
    month = f"{months_ago(2):%Y-%m}"
    response = client.get(BILLS, {"period_from": month, "period_until": month, "status": "all"})
    assert shown_ids(response) == {world["old"].pk, world["old_paid"].pk}
    response = client.get(BILLS, {"period_from": f"{months_ago(1):%Y-%m}"})
    assert shown_ids(response) == {world[k].pk for k in ("current", "current_other", "fixed")}


def test_bad_filter_is_400_and_keeps_input(client_for, cashier, world):
    response = client_for(cashier).get(BILLS, {"period_from": "2026-13", "room": "3栋"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="3栋"' in html
    assert "table" not in response.context or response.context.get("table") is None


def test_another_communitys_building_is_not_a_choice(client_for, cashier, world, outsider_room):
    response = client_for(cashier).get(BILLS, {"building": outsider_room.building_id})
    assert response.status_code == 400


def test_outsider_staff_sees_only_their_own(client_for, outsider_staff, world, outsider_bill):
    response = client_for(outsider_staff).get(BILLS)
    assert shown_ids(response) == {outsider_bill.pk}


# --- Dunning --------------------------------------------------------------------------------------


def dunning_messages(bill):
    return Message.objects.filter(event="bill.overdue", object_id=str(bill.pk),
                                  key__startswith="dunning")  # fmt: skip


def test_dun_sends_once_per_bill_and_day(
    client_for, cashier, world, resident, django_capture_on_commit_callbacks
):
    client = client_for(cashier)
    chosen = [world["old"].pk, world["current"].pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DUN, {"bill": chosen, "next": BILLS + "?status=all"}, follow=True)
    assert response.redirect_chain[-1][0] == BILLS + "?status=all"
    texts = [str(message) for message in response.context["messages"]]
    assert any("2" in text for text in texts)
    for key in ("old", "current"):
        assert dunning_messages(world[key]).filter(recipient=resident).count() == 1
    assert BillReminder.objects.filter(kind=BillReminder.Kind.DUNNING).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DUN, {"bill": chosen}, follow=True)
    assert BillReminder.objects.filter(kind=BillReminder.Kind.DUNNING).count() == 2
    assert Message.objects.filter(key__startswith="dunning").count() == 2
    texts = [str(message) for message in response.context["messages"]]
    assert not any(m.level_tag == "success" for m in response.context["messages"])
    assert texts  # tells what was skipped


def test_dun_skips_paid_and_waived(client_for, cashier, world):
    response = client_for(cashier).post(
        DUN, {"bill": [world["old_paid"].pk, world["fixed_waived"].pk]}
    )
    assert response.status_code == 302
    assert not BillReminder.objects.exists()


def test_dun_ignores_another_communitys_bills(client_for, cashier, world, outsider_bill):
    client = client_for(cashier)
    response = client.post(DUN, {"bill": [outsider_bill.pk]}, follow=True)
    assert response.status_code == 200
    assert not BillReminder.objects.exists()
    client.post(DUN, {"bill": [outsider_bill.pk, world["old"].pk, "x"]})
    assert list(BillReminder.objects.values_list("bill_id", flat=True)) == [world["old"].pk]


def test_dun_redirect_stays_on_site(client_for, cashier, world):
    response = client_for(cashier).post(
        DUN, {"bill": [world["old"].pk], "next": "https://evil.example/"}
    )
    assert response["Location"] == BILLS


def test_dun_is_post_only(client_for, cashier):
    assert client_for(cashier).get(DUN).status_code == 405


def test_front_desk_sees_bills_but_cannot_dun(client_for, staff_user, world):
    client = client_for(staff_user)
    response = client.get(BILLS)
    assert response.status_code == 200
    assert DUN.encode() not in response.content
    assert client.post(DUN, {"bill": [world["old"].pk]}).status_code == 403
    assert not BillReminder.objects.exists()


def test_residents_and_outsiders_cannot_enter(client_for, resident, outsider):
    assert client_for(resident).get(BILLS).status_code == 403


# --- Bounded queries ---------------------------------------------------------------------------------


def test_queries_do_not_grow_with_bills(client_for, community, manager, property_rule):
    client = client_for(manager)

    def bills_page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(BILLS, {"status": "all"})
        assert response.status_code == 200
        return len(queries)

    for number in range(5):
        RoomFactory(building__community=community, number=f"{number + 1}01")
    publish(community, [property_rule], months_ago(2), manager)
    bills_page_queries()  # the first request fills the cached badges (kit/cache.py)
    few = bills_page_queries()
    for number in range(50):  # and the first five rooms' second month: 60 bills
        RoomFactory(building__community=community, number=f"{number + 1}02")
    publish(community, [property_rule], months_ago(1), manager)
    assert Bill.objects.count() == 60
    many = bills_page_queries()
    assert many == few
    assert few <= 16

"""The counter (收银台, SBIL-2): find a room, take payment of its chosen bills, and the receipt
that is issued at once with the company's next number, without gaps (BIL-4)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import selectors, services
from billing.models import Bill, Payment, Receipt
from notices.models import Message
from tests.factories import ResidencyFactory, RoomFactory

pytestmark = pytest.mark.django_db

COUNTER = reverse("billing_staff:counter")


def counter_room(room) -> str:
    return reverse("billing_staff:counter_room", args=[room.pk])


def publish(community, rule, month, actor):
    run = services.run_create(community=community, fee_rules=[rule], month=month, actor=actor)
    services.run_publish(run=run, actor=actor)
    return run


@pytest.fixture
def two_bills(community, room, property_rule, manager, last_month):
    """Two unpaid property bills of `room`: the month before last (overdue) and last month."""
    before = (last_month - dt.timedelta(days=1)).replace(day=1)
    publish(community, property_rule, before, manager)
    publish(community, property_rule, last_month, manager)
    services.mark_overdue()
    return list(Bill.objects.filter(room=room).order_by("period_start"))


def test_a_room_is_found_by_building_and_number_or_by_a_residents_phone(
    client_for, cashier, room, resident, two_bills
):
    client = client_for(cashier)
    found = client.get(COUNTER, {"building": room.building.pk, "number": "1201"})
    assert found.status_code == 302 and found["Location"] == counter_room(room)
    assert client.get(COUNTER, {"number": "3栋1201"})["Location"] == counter_room(room)
    assert client.get(COUNTER, {"phone": "0001"})["Location"] == counter_room(room)
    RoomFactory(building=room.building, number="1202", floor=12)
    several = client.get(COUNTER, {"building": room.building.pk})
    assert several.status_code == 200
    rows = {row["room"].pk: row for row in several.context["rooms"]}
    assert rows[room.pk]["room"].open_bills == 2
    assert rows[room.pk]["room"].outstanding == D("551.60")
    assert "张伟" in several.content.decode()
    nothing = client.get(COUNTER, {"number": "9999"})
    assert nothing.status_code == 200 and nothing.context["rooms"] == []
    assert client.get(COUNTER, {"phone": "12"}).status_code == 400


def test_the_counter_never_finds_another_communitys_room(
    client_for, cashier, outsider_room, outsider
):
    client = client_for(cashier)
    response = client.get(COUNTER, {"number": outsider_room.number})
    assert response.status_code == 200 and response.context["rooms"] == []
    assert client.get(COUNTER, {"phone": outsider.mobile}).context["rooms"] == []
    assert client.get(counter_room(outsider_room)).status_code == 404
    assert client.post(counter_room(outsider_room), {"method": "cash"}).status_code == 404


@pytest.mark.req("SBIL-2")
def test_the_room_page_lists_unpaid_bills_with_late_fees_all_chosen(
    client_for, cashier, room, two_bills
):
    response = client_for(cashier).get(counter_room(room))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["bill"].pk for row in rows] == [bill.pk for bill in two_bills]
    assert all(row["checked"] for row in rows)
    overdue = rows[0]  # due on the 15th of last month
    assert overdue["bill"].status == Bill.Status.OVERDUE
    assert overdue["late_fee"] == selectors.late_fee_of(overdue["bill"], timezone.localdate()) > 0
    assert overdue["to_pay"] == overdue["bill"].amount + overdue["late_fee"]
    assert response.context["chosen_total"] == sum(row["to_pay"] for row in rows)
    page = response.content.decode()
    assert f"¥{response.context['chosen_total']:,.2f}" in page


@pytest.mark.req("SBIL-2", "BIL-4")
def test_a_counter_payment_pays_the_bills_and_issues_the_receipt_at_once(
    client_for, cashier, room, resident, family_member, two_bills
):
    client = client_for(cashier)
    first, second = two_bills
    page = client.get(counter_room(room))
    expected = page.context["rows"][0]["to_pay"]
    response = client.post(
        counter_room(room),
        {"bills": [first.pk], "method": "pos", "payer_name": "张伟", "reference": "POS-8812"},
    )
    payment = Payment.objects.get()
    detail_url = reverse("billing_staff:payment_detail", args=[payment.pk])
    assert response.status_code == 302 and response["Location"] == f"{detail_url}?done=1"
    assert (payment.amount, payment.method, payment.cashier) == (expected, "pos", cashier)
    assert (payment.payer_name, payment.reference) == ("张伟", "POS-8812")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Bill.Status.PAID and second.status in Bill.UNPAID_STATUSES
    receipt = Receipt.objects.get(payment=payment)
    assert receipt.number == 1
    done = client.get(response["Location"])
    page = done.content.decode()
    assert done.context["just_paid"]
    assert receipt.display_number in page
    assert reverse("billing_staff:receipt_pdf", args=[receipt.pk]) in page
    for person in (resident, family_member):
        assert Message.objects.filter(event="payment.receipt", recipient=person).exists()


@pytest.mark.req("BIL-4")
def test_receipt_numbers_run_without_gaps_when_a_payment_is_refused_between(
    client_for, cashier, community, room, property_rule, manager, last_month
):
    rooms = [room] + [
        RoomFactory(building=room.building, number=f"130{n}", floor=13) for n in (1, 2)
    ]
    for place in rooms[1:]:
        ResidencyFactory(room=place)
    publish(community, property_rule, last_month, manager)
    client = client_for(cashier)

    def pay(place, **data):
        bills = [b.pk for b in Bill.objects.filter(room=place, status__in=Bill.UNPAID_STATUSES)]
        return client.post(counter_room(place), {"bills": bills, "method": "cash", **data})

    assert pay(rooms[0]).status_code == 302
    stale = Bill.objects.get(room=rooms[0])
    # A second click on the first room's page: the bill is paid already.
    refused = client.post(counter_room(rooms[0]), {"bills": [stale.pk], "method": "cash"})
    assert refused.status_code == 400
    assert refused.context["form"].errors["bills"]
    # A transfer without its reference number.
    missing = pay(rooms[1], method="transfer")
    assert missing.status_code == 400
    assert missing.context["form"].errors["reference"] == [
        _("Enter the bank transfer's reference number.")
    ]
    assert missing.context["form"]["method"].value() == "transfer"  # kept for the correction
    assert pay(rooms[1], method="transfer", reference="TRX-1").status_code == 302
    assert pay(rooms[2]).status_code == 302
    numbers = list(
        Receipt.objects.filter(company=community.company).order_by("number")
        .values_list("number", flat=True)
    )  # fmt: skip
    assert numbers == [1, 2, 3]
    assert Payment.objects.count() == 3


def test_a_bill_paid_meanwhile_is_refused_by_the_service_with_a_message(
    client_for, cashier, room, two_bills, monkeypatch
):
    """The form saw the bill open; it was paid elsewhere before the payment was taken."""
    first, second = two_bills
    services.counter_payment(bills=[first], method="cash", cashier=cashier)
    from billing.forms import work as forms

    monkeypatch.setattr(
        forms.CounterPaymentForm, "clean_bills", lambda self: [first, second], raising=False
    )
    response = client_for(cashier).post(
        counter_room(room), {"bills": [second.pk], "method": "cash"}
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        _("Some of these bills are not open for payment any more.")
    ]
    assert Payment.objects.count() == 1


def test_nothing_chosen_or_a_wrong_method_is_refused(client_for, cashier, room, two_bills):
    client = client_for(cashier)
    empty = client.post(counter_room(room), {"method": "cash", "payer_name": "张伟"})
    assert empty.status_code == 400
    assert empty.context["form"].errors["bills"] == [_("Choose at least one bill.")]
    assert "张伟" in empty.content.decode()  # what was typed is kept
    online = client.post(counter_room(room), {"bills": [two_bills[0].pk], "method": "wechat"})
    assert online.status_code == 400 and "method" in online.context["form"].errors
    assert not Payment.objects.exists()


def test_only_cashiers_and_managers_take_payments(client_for, staff_user, manager, room, two_bills):
    assert client_for(staff_user).get(COUNTER).status_code == 403  # 客服
    assert client_for(staff_user).get(counter_room(room)).status_code == 403
    assert client_for(manager).get(counter_room(room)).status_code == 200

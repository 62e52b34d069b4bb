"""The receipt on the phone (BIL-4): company, community, room, payer, items with periods,
the total in figures and in 大写, method, time and number, with the PDF one tap away."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.online import services as online
from kit.templatetags.periods import period_label

from ..factories import ResidencyFactory, RoomFactory
from .test_resident_bills import make_bill


@pytest.fixture
def receipt(room, cashier):
    """A payment of 1,234.50 for two bills, one of them 10 days overdue (late fee 2.50)."""
    today = timezone.localdate()
    late = make_bill(room, kind="property", amount="500.00", due_date=today - dt.timedelta(days=10))
    water = make_bill(room, kind="water", amount="732.00")
    payment = services.counter_payment(
        bills=[late, water], method="transfer", cashier=cashier, payer_name="张伟"
    )
    return payment.receipt


@pytest.mark.req("BIL-4")
def test_receipt_page_shows_everything_on_the_receipt(client_for, resident, room, receipt):
    response = client_for(resident).get(reverse("billing:receipt", args=[receipt.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    payment = receipt.payment
    assert payment.amount.to_eng_string() == "1234.50"
    assert "¥1,234.50" in body
    assert "壹仟贰佰叁拾肆元伍角整" in body
    assert receipt.display_number in body
    assert receipt.company.name in body
    assert room.building.community.name in body and room.label in body
    assert "张伟" in body
    assert payment.get_method_display() in body
    assert f"{timezone.localtime(payment.paid_at):%Y.%m.%d %H:%M}" in body
    for item in payment.items.all():
        assert item.bill.title in body
        assert period_label(item.bill.period_start, item.bill.period_end) in body
    assert "¥2.50" in body  # the late fee, on its own line
    assert reverse("billing:receipt_pdf", args=[receipt.pk]) in body


@pytest.mark.req("BIL-4")
def test_family_member_sees_the_receipt(client_for, family_member, receipt):
    response = client_for(family_member).get(reverse("billing:receipt", args=[receipt.pk]))
    assert response.status_code == 200


@pytest.mark.req("BIL-4")
def test_other_households_receipt_is_404(client_for, outsider, room, receipt):
    neighbour_room = RoomFactory(building=room.building, number="1204", floor=12)
    neighbour = ResidencyFactory(room=neighbour_room).user
    for user in (outsider, neighbour):
        response = client_for(user).get(reverse("billing:receipt", args=[receipt.pk]))
        assert response.status_code == 404
    assert client_for(outsider).get(reverse("billing:receipt", args=[999999])).status_code == 404


def test_refunded_receipt_says_so(client_for, resident, receipt, manager):
    online.refund_payment(payment=receipt.payment, actor=manager, reason="重复缴费")
    body = client_for(resident).get(reverse("billing:receipt", args=[receipt.pk])).content
    assert b'class="receipt-stamp"' in body and b'class="receipt-stamp is-paid"' not in body

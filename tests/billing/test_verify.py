"""The public page a receipt's QR code opens (BIL-4): is this receipt genuine? It shows the
company, number, amount, date and a masked room, and nothing personal."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from billing import services
from billing.models import Bill
from billing.online import services as online


@pytest.fixture
def receipt(published_bill, cashier):
    Bill.objects.filter(pk=published_bill.pk).update(
        due_date=timezone.localdate() + dt.timedelta(days=10)
    )
    payment = services.counter_payment(
        bills=[published_bill], method="cash", cashier=cashier, payer_name="张伟"
    )
    return payment.receipt


def verify(client, receipt):
    return client.get(reverse("billing:verify", args=[receipt.token]))


@pytest.mark.req("BIL-4")
def test_anyone_can_check_a_genuine_receipt(client, receipt, community):
    response = verify(client, receipt)
    assert response.status_code == 200
    content = response.content.decode()
    assert _("Genuine receipt") in content
    assert pgettext("billing document", "Valid") in content
    assert community.company.name in content
    assert receipt.display_number in content
    assert "¥275.80" in content
    assert f"{timezone.localtime(receipt.payment.paid_at):%Y-%m-%d %H:%M}" in content
    assert "翠湖花园" in content and "3栋12**" in content
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.req("BIL-4")
def test_the_page_shows_no_names_phones_or_full_room(client, receipt, resident, cashier):
    content = verify(client, receipt).content.decode()
    for secret in ("1201", "张伟", "周收费", resident.mobile, receipt.payment.number):
        assert secret not in content


@pytest.mark.req("BIL-4")
def test_a_refunded_payment_is_shown_as_refunded(client, receipt, manager):
    online.refund_payment(payment=receipt.payment, actor=manager, reason="重复缴费")
    content = verify(client, receipt).content.decode()
    assert _("This payment was refunded") in content
    assert _("Refunded") in content
    assert _("Genuine receipt") not in content
    assert "重复缴费" not in content


def test_an_unknown_token_is_404(client, receipt):
    response = client.get(reverse("billing:verify", args=["0" * 32]))
    assert response.status_code == 404
    assert client.get(reverse("billing:verify", args=["not-a-token"])).status_code == 404


def test_the_page_is_get_only(client, receipt):
    assert client.post(reverse("billing:verify", args=[receipt.token])).status_code == 405


def test_a_logged_in_resident_sees_the_same_page(client_for, receipt, outsider):
    # Even someone of another community: the token is what grants a look.
    response = verify(client_for(outsider), receipt)
    assert response.status_code == 200
    assert receipt.display_number in response.content.decode()

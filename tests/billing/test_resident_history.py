"""缴费记录 (BIL-6): every payment of the household with its items, method and receipt,
filtered by year, paged, in a bounded number of queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import Payment
from billing.online import services as online

from .test_resident_bills import make_bill


def pay(room, cashier, *, year=None, count=1, amount="100.00"):
    """`count` paid bills of `room`, one payment each, dated in `year` if given."""
    payments = []
    for _index in range(count):
        bill = make_bill(room, month=dt.date(2000 + Payment.objects.count() % 20, 1, 1),
                         amount=amount)  # fmt: skip
        payment = services.counter_payment(bills=[bill], method="cash", cashier=cashier)
        if year is not None:
            paid_at = timezone.make_aware(dt.datetime(year, 6, 1, 10, 0))
            Payment.objects.filter(pk=payment.pk).update(paid_at=paid_at, created_at=paid_at)
        payments.append(payment)
    return payments


@pytest.mark.req("BIL-6")
def test_history_lists_payments_with_items_method_and_receipt(
    client_for, resident, published_bill, cashier
):
    payment = services.counter_payment(bills=[published_bill], method="pos", cashier=cashier)
    response = client_for(resident).get(reverse("billing:history"))
    assert response.status_code == 200
    body = response.content.decode()
    assert [p.pk for p in response.context["page"].object_list] == [payment.pk]
    assert published_bill.title in body and "¥275.80" in body
    assert payment.get_method_display() in body
    assert reverse("billing:receipt", args=[payment.receipt.pk]) in body
    assert reverse("billing:bill", args=[published_bill.pk]) in body
    assert f"{timezone.localtime(payment.paid_at):%Y.%m.%d %H:%M}" in body


@pytest.mark.req("BIL-6")
def test_family_sees_the_history_and_others_do_not(
    client_for, resident, family_member, outsider, room, outsider_room, cashier, outsider_staff
):
    (mine,) = pay(room, cashier)
    (theirs,) = pay(outsider_room, outsider_staff)
    for user in (resident, family_member):
        page = client_for(user).get(reverse("billing:history")).context["page"]
        assert [p.pk for p in page.object_list] == [mine.pk]
    page = client_for(outsider).get(reverse("billing:history")).context["page"]
    assert [p.pk for p in page.object_list] == [theirs.pk]


@pytest.mark.req("BIL-6")
def test_year_filter(client_for, resident, room, cashier):
    old = pay(room, cashier, year=2023, count=2)
    new = pay(room, cashier, year=2024, count=1)
    client = client_for(resident)
    response = client.get(reverse("billing:history"))
    assert response.context["years"] == [2024, 2023]
    assert response.context["summary_total"] == Decimal("300.00")
    body = response.content.decode()
    assert '<option value="2023"' in body and '<option value="2024"' in body

    response = client.get(reverse("billing:history"), {"year": "2023"})
    assert {p.pk for p in response.context["page"].object_list} == {p.pk for p in old}
    assert response.context["summary_count"] == 2
    assert response.context["summary_total"] == Decimal("200.00")
    assert '<option value="2023" selected' in response.content.decode()

    response = client.get(reverse("billing:history"), {"year": "2024"})
    assert [p.pk for p in response.context["page"].object_list] == [new[0].pk]
    # a year without payments, or nonsense, shows everything
    for value in ("1999", "abc"):
        response = client.get(reverse("billing:history"), {"year": value})
        assert response.context["year"] is None
        assert len(response.context["page"].object_list) == 3


def test_refunded_payment_is_marked_and_not_counted(client_for, resident, room, cashier, manager):
    (payment,) = pay(room, cashier)
    online.refund_payment(payment=payment, actor=manager, reason="重复缴费")
    response = client_for(resident).get(reverse("billing:history"))
    assert response.context["summary_total"] == Decimal("0.00")
    assert "bill-badge-refunded" in response.content.decode()


@pytest.mark.req("BIL-3")
def test_a_partial_refund_is_shown_and_taken_off(client_for, resident, room, cashier, manager):
    (payment,) = pay(room, cashier)
    online.refund_payment(payment=payment, actor=manager, reason="多收", amount=Decimal("10.00"))
    response = client_for(resident).get(reverse("billing:history"))
    assert response.context["summary_total"] == payment.amount - Decimal("10.00")
    assert "已退款¥10.00" in response.content.decode()


def test_empty_history(client_for, resident):
    response = client_for(resident).get(reverse("billing:history"))
    assert response.status_code == 200
    assert "empty-state" in response.content.decode()


@pytest.mark.req("BIL-6")
def test_history_pages_with_a_bounded_number_of_queries(client_for, resident, room, cashier):
    client = client_for(resident)
    counts = []
    for total in (2, 20):
        pay(room, cashier, count=total - Payment.objects.count())
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("billing:history"))
        assert response.context["page"].paginator.count == total
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 11, counts  # with the household ids looked up first (_payments_of)
    response = client.get(reverse("billing:history"), {"page": 2})
    assert len(response.context["page"].object_list) == 5

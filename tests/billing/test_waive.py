"""A bill on the staff portal: its lines, payments, reminders and history, and waiving it, which
only those with the duty may do (a 客服 may not; a 经理 may)."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from billing import services
from billing.models import Bill, BillReminder
from kit.models import AuditEntry

pytestmark = pytest.mark.django_db


def detail(bill) -> str:
    return reverse("billing_staff:bill_detail", args=[bill.pk])


def waive_url(bill) -> str:
    return reverse("billing_staff:waive", args=[bill.pk])


@pytest.mark.req("SBIL-2")
def test_the_bill_page_shows_lines_payments_reminders_and_history(
    client_for, staff_user, published_bill, cashier
):
    services.remind(bill_id=published_bill.pk, kind=BillReminder.Kind.DUNNING, offset=3)
    services.counter_payment(bills=[published_bill], method="cash", cashier=cashier)
    response = client_for(staff_user).get(detail(published_bill))
    assert response.status_code == 200
    page = response.content.decode()
    assert [line.amount for line in response.context["lines"]] == [published_bill.amount]
    assert "98.50 m²·月" in page and "¥2.80" in page and "¥275.80" in page
    assert len(response.context["payment_items"]) == 1
    assert len(response.context["reminders"]) == 1
    assert response.context["waive_form"] is None  # 客服 cannot waive, and it is paid


def test_a_front_desk_clerk_cannot_waive(client_for, staff_user, published_bill):
    client = client_for(staff_user)
    assert client.get(detail(published_bill)).context["waive_form"] is None
    assert client.post(waive_url(published_bill), {"reason": "减免"}).status_code == 403
    published_bill.refresh_from_db()
    assert published_bill.status == Bill.Status.PUBLISHED


@pytest.mark.req("SBIL-2")
def test_a_manager_waives_an_unpaid_bill_with_a_reason(client_for, manager, published_bill):
    client = client_for(manager)
    assert client.get(detail(published_bill)).context["waive_form"] is not None
    assert client.get(waive_url(published_bill)).status_code == 405
    no_reason = client.post(waive_url(published_bill), {"reason": ""})
    assert no_reason.status_code == 400
    assert no_reason.context["waive_form"].errors["reason"] == [
        _("Please give a reason for waiving.")
    ]
    response = client.post(waive_url(published_bill), {"reason": "困难家庭减免"})
    assert response.status_code == 302 and response["Location"] == detail(published_bill)
    published_bill.refresh_from_db()
    assert published_bill.status == Bill.Status.WAIVED
    assert (published_bill.waived_reason, published_bill.waived_by) == ("困难家庭减免", manager)
    assert AuditEntry.objects.filter(action="billing.waived", actor=manager).exists()
    page = client.get(detail(published_bill)).content.decode()
    assert "困难家庭减免" in page


def test_waiving_a_paid_bill_is_refused_with_a_message(
    client_for, manager, cashier, published_bill
):
    client = client_for(manager)
    page = client.get(detail(published_bill))  # the form is on the page...
    assert page.context["waive_form"] is not None
    services.counter_payment(bills=[published_bill], method="cash", cashier=cashier)
    response = client.post(waive_url(published_bill), {"reason": "减免"})  # ...then it was paid
    assert response.status_code == 400
    assert response.context["refusals"] == [_("Only an unpaid bill can be waived.")]
    published_bill.refresh_from_db()
    assert published_bill.status == Bill.Status.PAID


def test_another_communitys_bill_is_not_found(client_for, outsider_staff, published_bill):
    client = client_for(outsider_staff)
    assert client.get(detail(published_bill)).status_code == 404
    assert client.post(waive_url(published_bill), {"reason": "减免"}).status_code == 404
    published_bill.refresh_from_db()
    assert published_bill.status == Bill.Status.PUBLISHED

"""Payments on the staff portal (SBIL-2): the list with filters and totals, one payment with its
items, receipt and history, and refunds for those allowed to give them."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Building
from billing import services
from billing.models import Bill, Payment
from billing.online import services as online
from tests.factories import (
    BuildingFactory,
    ResidencyFactory,
    RoomFactory,
    StaffMemberFactory,
    fee_rule,
)

pytestmark = pytest.mark.django_db

PAYMENTS = reverse("billing_staff:payments")


def detail(payment) -> str:
    return reverse("billing_staff:payment_detail", args=[payment.pk])


def refund_url(payment) -> str:
    return reverse("billing_staff:refund", args=[payment.pk])


def listed(response) -> list[Payment]:
    return [row.record for row in response.context["table"].paginated_rows]


@pytest.fixture
def paid(published_bill, cashier):
    return services.counter_payment(
        bills=[published_bill], method="cash", cashier=cashier, payer_name="张伟"
    )


def pay_new_rooms(community, actor, count: int, method="cash") -> list[Payment]:
    """`count` rooms, each with a published fixed bill paid at the counter by its own cashier."""
    rule = fee_rule(community, kind="fixed", name=f"垃圾清运费{Payment.objects.count()}",
                    unit_price="20")  # fmt: skip
    building = BuildingFactory(community=community, name=f"{Building.objects.count() + 10}号楼")
    rooms = [RoomFactory(building=building) for _ in range(count)]
    for room in rooms:
        ResidencyFactory(room=room)
    run = services.run_create(community=community, fee_rules=[rule], month=dt.date(2025, 3, 1),
                              actor=actor)  # fmt: skip
    services.run_publish(run=run, actor=actor)
    payments = []
    for room in rooms:
        cashier = StaffMemberFactory(communities=[community], position_name="收费员").user
        bill = Bill.objects.get(room=room, rule=rule)
        payments.append(services.counter_payment(bills=[bill], method=method, cashier=cashier))
    return payments


@pytest.mark.req("SBIL-2")
def test_the_list_shows_the_communitys_payments_with_totals_and_filters(
    client_for, staff_user, community, paid, cashier, manager, outsider_room, other_community
):
    transfers = pay_new_rooms(community, manager, 2, method="transfer")
    online.refund_payment(payment=transfers[0], actor=manager, reason="重复缴费")
    theirs = pay_new_rooms(other_community, manager, 1)[0]
    client = client_for(staff_user)  # 客服 may look (view_bill)
    response = client.get(PAYMENTS)
    assert response.status_code == 200
    assert {p.pk for p in listed(response)} == {paid.pk, *(p.pk for p in transfers)}
    assert theirs.number not in response.content.decode()
    totals = response.context["totals"]
    assert totals["count"] == 3
    assert totals["received"] == paid.amount + transfers[1].amount
    assert totals["refunded"] == transfers[0].amount
    assert f"¥{paid.amount + transfers[1].amount:,.2f}" in response.content.decode()

    def only(**query):
        return {p.pk for p in listed(client.get(PAYMENTS, query))}

    assert only(method="cash") == {paid.pk}
    assert only(cashier=cashier.pk) == {paid.pk}
    assert only(status="refunded") == {transfers[0].pk}
    assert only(q=paid.number) == {paid.pk}
    assert only(q="3栋1201") == {paid.pk}
    assert only(q=paid.receipt.display_number) == {paid.pk}
    today = timezone.localdate()
    assert only(paid_from=today.isoformat(), paid_until=today.isoformat()) == {
        paid.pk, *(p.pk for p in transfers)
    }  # fmt: skip
    assert only(paid_until=(today - dt.timedelta(days=1)).isoformat()) == set()
    # A cashier of another community is not offered as a filter.
    assert theirs.cashier not in list(response.context["filter"].form.fields["cashier"].queryset)


def test_the_payments_list_runs_a_fixed_number_of_queries(client_for, manager, community):
    client = client_for(manager)

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(PAYMENTS)
        assert response.status_code == 200
        return len(queries)

    pay_new_rooms(community, manager, 2)
    count_queries()  # the first request fills the cached badges (kit/cache.py)
    few = count_queries()
    pay_new_rooms(community, manager, 6, method="pos")
    assert count_queries() == few
    assert len(listed(client.get(PAYMENTS))) == 8


@pytest.mark.req("SBIL-2", "BIL-4")
def test_a_payment_shows_its_bills_receipt_and_history(
    client_for, staff_user, paid, published_bill
):
    response = client_for(staff_user).get(detail(paid))
    assert response.status_code == 200
    page = response.content.decode()
    assert published_bill.number in page
    assert paid.receipt.display_number in page
    assert reverse("billing_staff:receipt_pdf", args=[paid.receipt.pk]) in page
    assert reverse("billing_staff:bill_detail", args=[published_bill.pk]) in page
    assert [e.action for e in response.context["audit_entries"]] == ["billing.paid"]
    assert response.context["refund_form"] is None  # 客服 cannot refund
    assert not response.context["just_paid"]


@pytest.mark.req("SBIL-2")
def test_a_manager_refunds_a_payment_with_a_reason_and_its_bills_are_refunded(
    client_for, manager, paid, published_bill
):
    client = client_for(manager)
    assert client.get(detail(paid)).context["refund_form"] is not None
    assert client.get(refund_url(paid)).status_code == 405
    no_reason = client.post(refund_url(paid), {"reason": "  "})
    assert no_reason.status_code == 400
    assert no_reason.context["refund_form"].errors["reason"]
    response = client.post(
        refund_url(paid), {"amount": f"{paid.amount}", "reason": "重复缴费，现金退回"}
    )
    assert response.status_code == 302 and response["Location"] == detail(paid)
    paid.refresh_from_db()
    published_bill.refresh_from_db()
    assert paid.status == Payment.Status.REFUNDED and paid.refund_reason == "重复缴费，现金退回"
    assert published_bill.status == Bill.Status.REFUNDED
    assert published_bill.paid_amount == D("0.00")
    # Twice: a message on the page, not an error page.
    again = client.post(refund_url(paid), {"amount": "1.00", "reason": "again"})
    assert again.status_code == 400
    assert again.context["refusals"] == [_("Only a completed payment can be refunded.")]
    assert _("Only a completed payment can be refunded.") in again.content.decode()


def test_refunds_need_the_permission_and_stay_in_the_community(
    client_for, cashier, staff_user, outsider_staff, paid
):
    assert client_for(cashier).post(refund_url(paid), {"reason": "x"}).status_code == 403
    assert client_for(staff_user).post(refund_url(paid), {"reason": "x"}).status_code == 403
    outsider = client_for(outsider_staff)
    assert outsider.get(detail(paid)).status_code == 404
    assert outsider.post(refund_url(paid), {"reason": "x"}).status_code == 404
    paid.refresh_from_db()
    assert paid.status == Payment.Status.SUCCEEDED

"""Bills stay with the room (arrears follow the flat), but payments, receipts and the fee trend
belong to the household that lived there (issue 14, finding 7): after a move-out, the next
household of the room sees none of the previous one's, and the previous one's messages about
its payments do not reach the next."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Residency
from accounts.services import residency_end
from billing import services
from billing.models import Bill
from billing.online import services as online
from billing.reports import fee_trend as charts
from notices.models import Message
from tests.factories import ResidencyFactory, UserFactory

from .test_resident_bills import make_bill

pytestmark = [pytest.mark.django_db, pytest.mark.dates, pytest.mark.req("BIL-6")]

HOUR = 3600


def months_ago(count: int) -> dt.date:
    from django.utils import timezone

    return charts.month_window(count + 1, timezone.localdate())[0]


@pytest.fixture
def two_households(travel, room, resident, family_member, cashier, manager):
    """Household A (`resident` and `family_member`) pays a bill, leaves an unpaid one and
    moves out; household B (an owner and a family member) moves in and pays its own bill."""
    paid_by_a = make_bill(room, month=months_ago(4), amount="111.00")
    arrears = make_bill(room, month=months_ago(3), amount="222.00")
    travel(HOUR)
    payment_a = services.counter_payment(bills=[paid_by_a], method="cash", cashier=cashier)
    travel(HOUR)
    head_a = Residency.objects.get(user=resident, room=room)
    residency_end(residency=head_a, actor=manager, reason="moved out")
    travel(HOUR)
    head_b = ResidencyFactory(room=room, user__display_name="王芳", user__mobile="13900000031")
    member_b = ResidencyFactory(
        room=room,
        relation=Residency.Relation.FAMILY,
        head=head_b,
        user=UserFactory(display_name="王小明", mobile="13900000032"),
    )
    travel(HOUR)
    billed_to_b = make_bill(room, month=months_ago(1), amount="333.00")
    payment_b = services.counter_payment(bills=[billed_to_b], method="pos", cashier=cashier)
    return {
        "a": [resident, family_member],
        "b": [head_b.user, member_b.user],
        "payment_a": payment_a,
        "payment_b": payment_b,
        "paid_by_a": paid_by_a,
        "arrears": arrears,
        "billed_to_b": billed_to_b,
    }


def test_the_next_household_sees_only_its_own_payment_history(client_for, two_households):
    for user in two_households["b"]:
        response = client_for(user).get(reverse("billing:history"))
        assert [p.pk for p in response.context["page"].object_list] == [
            two_households["payment_b"].pk
        ]
        assert response.context["summary_total"] == Decimal("333.00")


def test_the_previous_households_receipts_are_404_page_and_pdf(client_for, two_households):
    theirs = two_households["payment_a"].receipt
    mine = two_households["payment_b"].receipt
    for user in two_households["b"]:
        client = client_for(user)
        for name in ("billing:receipt", "billing:receipt_pdf"):
            assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
            assert client.get(reverse(name, args=[mine.pk])).status_code == 200


def test_the_trend_is_the_households_own(client_for, two_households):
    for user in two_households["b"]:
        response = client_for(user).get(reverse("billing:trend"), {"months": 12})
        assert response.context["total"] == Decimal("333.00")
        svg = client_for(user).get(reverse("billing:trend_chart"), {"months": 12})
        assert svg.status_code == 200


def test_arrears_follow_the_flat_but_the_previous_paid_bills_do_not(client_for, two_households):
    arrears, paid_by_a = two_households["arrears"], two_households["paid_by_a"]
    for user in two_households["b"]:
        client = client_for(user)
        unpaid = client.get(reverse("billing:bills")).context["rooms"][0]["kinds"][0]["bills"]
        assert [bill.pk for bill in unpaid] == [arrears.pk]
        assert client.get(reverse("billing:bill", args=[arrears.pk])).status_code == 200
        assert client.get(reverse("billing:bill", args=[paid_by_a.pk])).status_code == 404
        page = client.get(reverse("billing:bill", args=[two_households["billed_to_b"].pk]))
        assert page.status_code == 200


def test_paying_the_arrears_makes_them_the_next_households(client_for, two_households, cashier):
    arrears = Bill.objects.get(pk=two_households["arrears"].pk)
    paid = services.counter_payment(bills=[arrears], method="cash", cashier=cashier)
    head_b = two_households["b"][0]
    response = client_for(head_b).get(reverse("billing:history"))
    assert {p.pk for p in response.context["page"].object_list} == {
        paid.pk,
        two_households["payment_b"].pk,
    }
    assert client_for(head_b).get(reverse("billing:bill", args=[arrears.pk])).status_code == 200
    trend = client_for(head_b).get(reverse("billing:trend"), {"months": 12})
    assert trend.context["total"] == Decimal("555.00")


def test_the_previous_households_online_payment_page_is_404(
    client_for, two_households, travel, room
):
    # An online payment household A started before leaving: its page is not B's.
    payment_a = two_households["payment_a"]
    for user in two_households["b"]:
        url = reverse("billing:payment", args=[payment_a.number])
        assert client_for(user).get(url).status_code == 404
        url = reverse("billing:payment", args=[two_households["payment_b"].number])
        assert client_for(user).get(url).status_code == 200


def test_a_refund_of_the_previous_households_payment_is_not_told_to_the_next(
    two_households, manager
):
    online.refund_payment(
        payment=two_households["payment_a"], actor=manager, reason="多收", amount=Decimal("1.00")
    )
    told = set(Message.objects.filter(event="payment.refunded").values_list("recipient", flat=True))
    assert not told & {user.pk for user in two_households["b"]}


def test_the_next_households_receipt_message_reaches_it(two_households):
    told = set(
        Message.objects.filter(
            event="payment.receipt", object_id=two_households["payment_b"].pk
        ).values_list("recipient", flat=True)
    )
    assert told == {user.pk for user in two_households["b"]}


def test_a_household_without_a_predecessor_sees_the_rooms_whole_history(
    client_for, travel, room, resident, family_member, cashier
):
    # The first household (or one whose binding came after earlier counter payments) loses
    # nothing: only a move-out draws the line.
    old = services.counter_payment(
        bills=[make_bill(room, month=months_ago(6))], method="cash", cashier=cashier
    )
    for user in (resident, family_member):
        page = client_for(user).get(reverse("billing:history")).context["page"]
        assert [p.pk for p in page.object_list] == [old.pk]


def test_an_owner_and_a_tenant_living_there_together_do_not_see_each_others_payments(
    client_for, room, resident, family_member
):
    """The owner's household (`resident`, `family_member`) and a tenant's household share the
    room at the same time: a payment one of them starts online is that household's only (its
    page, cancelling it, the history, the receipt message); one at the counter is the room's."""
    from billing.online.providers import get_provider
    from tests.billing.test_resident_open_payments import start

    tenant = ResidencyFactory(
        room=room, relation=Residency.Relation.TENANT, user=UserFactory(mobile="13900000041")
    ).user
    owners_bill = make_bill(room, month=months_ago(2), amount="120.00")
    tenants_bill = make_bill(room, month=months_ago(1), amount="80.00")
    by_owner = start([owners_bill], family_member)
    by_tenant = start([tenants_bill], tenant)
    for payment, ours, theirs in (
        (by_owner, [resident, family_member], [tenant]),
        (by_tenant, [tenant], [resident, family_member]),
    ):
        for name in ("billing:payment", "billing:payment_cancel"):
            url = reverse(name, args=[payment.number])
            for user in theirs:
                assert client_for(user).post(url).status_code == 404
        url = reverse("billing:payment", args=[payment.number])
        for user in ours:
            assert client_for(user).get(url).status_code == 200
        payment.refresh_from_db()
        assert payment.status == payment.Status.PENDING  # nobody else cancelled it
    headers, body = get_provider("wechat").pay(by_tenant.number)
    online.notification_receive("wechat", headers, body)
    history = client_for(resident).get(reverse("billing:history")).context["page"].object_list
    assert by_tenant.pk not in [p.pk for p in history]
    told = set(
        Message.objects.filter(event="payment.succeeded", object_id=by_tenant.pk).values_list(
            "recipient", flat=True
        )
    )
    assert told == {tenant.pk}

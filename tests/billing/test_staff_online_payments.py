"""Online payments and refunds on the staff portal (BIL-3, SBIL-2): the payments list with
pending online payments, partial refunds and payments that need attention; one online payment
with its channel, trade number, refunds and the provider's notifications; refunds of any amount
that succeed at once, later or not at all; the counter's warning about an online payment in
progress; and the receipt (PDF, phone page, verification page) after a partial refund."""

import datetime as dt
import io
from decimal import Decimal as D

import pypdf
import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import services
from billing.models import Bill, Payment, PaymentNotification, PaymentRefund
from billing.online import services as online
from billing.online.providers import get_provider
from billing.online.providers.base import RefundResult
from billing.online.providers.sandbox import SandboxProvider
from tests.factories import build_billing_world

pytestmark = pytest.mark.django_db

PAYMENTS = reverse("billing_staff:payments")


def detail(payment) -> str:
    return reverse("billing_staff:payment_detail", args=[payment.pk])


def refund_url(payment) -> str:
    return reverse("billing_staff:refund", args=[payment.pk])


def listed(response) -> list[Payment]:
    return [row.record for row in response.context["table"].paginated_rows]


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def not_yet_due(bill: Bill) -> Bill:
    """No late fee, whatever the day the suite runs: the bill falls due in ten days."""
    Bill.objects.filter(pk=bill.pk).update(due_date=timezone.localdate() + dt.timedelta(days=10))
    bill.refresh_from_db()
    return bill


def start(bill, payer, method="alipay") -> Payment:
    payment, _checkout = online.payment_start(
        bills=[bill], method=method, payer=payer, client=online.Client()
    )
    return payment


def pay_online(bill, payer, method="alipay") -> Payment:
    """Started, paid at the sandbox and settled by its signed notification."""
    payment = start(bill, payer, method)
    headers, body = get_provider(method).pay(payment.number)
    online.notification_receive(method, headers, body)
    payment.refresh_from_db()
    return payment


def provider_answers(monkeypatch, state: str, message: str = "") -> None:
    """The sandbox's refund API answers `state` (and books nothing)."""

    def refund(self, payment, refund):
        return RefundResult(state, message=message)

    monkeypatch.setattr(SandboxProvider, "refund", refund)


@pytest.fixture
def bill(published_bill):
    return not_yet_due(published_bill)


@pytest.fixture
def paid(bill, resident):
    """275.80 paid with Alipay (sandbox)."""
    return pay_online(bill, resident)


@pytest.fixture
def unapplied(bill, resident, cashier, monkeypatch, django_capture_on_commit_callbacks):
    """Paid online after the cashier took the money for the same bill, and the automatic
    refund could not be queued: the money waits for staff."""
    from billing.tasks import refund_unapplied_task

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(refund_unapplied_task.__class__, "apply_async", broker_down)
    payment = start(bill, resident)
    services.counter_payment(bills=[bill], method="cash", cashier=cashier)
    with django_capture_on_commit_callbacks(execute=True):
        online.notification_receive("alipay", *get_provider("alipay").pay(payment.number))
    payment.refresh_from_db()
    assert payment.unapplied and payment.attention
    return payment


# --- The list -------------------------------------------------------------------------------------


@pytest.mark.req("BIL-3", "SBIL-2")
def test_the_list_shows_pending_online_payments_partial_refunds_and_totals(
    client_for, manager, room, resident, bill, property_rule, last_month
):
    paid = pay_online(bill, resident)
    online.refund_payment(payment=paid, actor=manager, reason="多收", amount=D("75.80"))
    # Next month's bill: an online payment the resident has not finished, and one never sent.
    run = services.run_create(
        community=room.building.community, fee_rules=[property_rule],
        month=(last_month + dt.timedelta(days=40)).replace(day=1), actor=manager,
    )  # fmt: skip
    services.run_publish(run=run, actor=manager)
    waiting = start(run.bills.get(room=room), resident, method="wechat")
    never_sent = start(run.bills.get(room=room), resident)
    Payment.objects.filter(pk=never_sent.pk).update(status=Payment.Status.CREATED)

    client = client_for(manager)
    response = client.get(PAYMENTS)
    assert response.status_code == 200
    assert {p.pk for p in listed(response)} == {paid.pk, waiting.pk}
    page = response.content.decode()
    assert _("Partially refunded") in page
    assert _("Sandbox (test)") in page  # the channel, beside the method
    assert str(Payment.Status.PENDING.label) in page
    totals = response.context["totals"]
    assert totals["count"] == 2
    assert totals["received"] == D("275.80")  # settled on bills
    assert totals["refunded"] == D("75.80")
    assert "¥75.80" in page

    def only(**query):
        return {p.pk for p in listed(client.get(PAYMENTS, query))}

    assert only(status="pending") == {waiting.pk}
    assert only(status="partially_refunded") == {paid.pk}
    assert only(status="succeeded") == {paid.pk}
    assert only(method="wechat") == {waiting.pk}
    # Created payments are not a choice: they never reached a provider.
    choices = dict(response.context["filter"].form.fields["status"].choices)
    assert Payment.Status.CREATED not in choices and Payment.Status.PENDING in choices


@pytest.mark.req("BIL-3", "SBIL-2")
def test_payments_needing_attention_are_marked_counted_and_filtered(
    client_for, manager, unapplied, bill
):
    counter = Payment.objects.get(method="cash", items__bill=bill)
    client = client_for(manager)
    response = client.get(PAYMENTS)
    page = response.content.decode()
    assert response.context["attention_count"] == 1
    assert 'id="attention-banner"' in page
    assert page.count("payment-attention") == 1  # the marker on the unapplied payment only
    assert unapplied.attention in page  # as the marker's tooltip
    # Money not applied to the bills is not "received".
    assert response.context["totals"]["received"] == counter.amount
    flagged = client.get(PAYMENTS, {"attention": "true"})
    assert {p.pk for p in listed(flagged)} == {unapplied.pk}
    assert 'id="attention-banner"' not in flagged.content.decode()
    # Refunded in full: nothing left to do.
    online.refund_payment(payment=unapplied, actor=manager, reason="已重复缴费")
    unapplied.refresh_from_db()
    assert unapplied.status == Payment.Status.REFUNDED and unapplied.attention == ""
    response = client.get(PAYMENTS)
    assert response.context["attention_count"] == 0
    assert "payment-attention" not in response.content.decode()
    assert listed(client.get(PAYMENTS, {"attention": "true"})) == []


@pytest.mark.req("SBIL-2", "BIL-3")
def test_the_list_stays_within_a_fixed_number_of_queries(
    client_for, manager, bill, resident, django_assert_max_num_queries
):
    from .test_payments import pay_new_rooms

    client = client_for(manager)
    pay_new_rooms(bill.community, manager, 2)
    with django_assert_max_num_queries(20) as few:
        assert client.get(PAYMENTS).status_code == 200
    pay_online(bill, resident)
    paid = pay_new_rooms(bill.community, manager, 6, method="pos")
    online.refund_payment(payment=paid[0], actor=manager, reason="多收", amount=D("5.00"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(PAYMENTS)
    assert len(listed(response)) == 9


# --- One payment ----------------------------------------------------------------------------------


@pytest.mark.req("BIL-3")
def test_an_online_payment_shows_channel_trade_number_and_notifications(
    client_for, staff_user, paid
):
    response = client_for(staff_user).get(detail(paid))
    assert response.status_code == 200
    page = response.content.decode()
    assert paid.trade_no and paid.trade_no in page
    assert _("Sandbox (test)") in page
    assert f"{timezone.localtime(paid.paid_at):%Y-%m-%d %H:%M:%S}" in page
    notifications = response.context["notifications"]
    assert [n.outcome for n in notifications] == [PaymentNotification.Outcome.SETTLED]
    assert str(PaymentNotification.Outcome.SETTLED.label) in page
    assert _("Provider's notification") in page
    assert response.context["refund_form"] is None  # 客服 cannot refund
    assert not response.context["needs_attention"]
    assert 'id="payment-refunds"' not in page  # nothing refunded yet


@pytest.mark.req("BIL-3")
def test_notifications_are_the_latest_twenty_of_this_payment(client_for, manager, paid, bill):
    for index in range(25):
        PaymentNotification.objects.create(
            method="alipay", payment=paid, number=paid.number, outcome="duplicate",
            reason=f"again {index}",
        )  # fmt: skip
    PaymentNotification.objects.create(method="alipay", number="other", outcome="refused")
    notifications = client_for(manager).get(detail(paid)).context["notifications"]
    assert len(notifications) == 20
    assert notifications[0].reason == "again 24"
    assert {n.payment_id for n in notifications} == {paid.pk}


@pytest.mark.req("BIL-3")
def test_a_closed_online_payment_shows_when_it_was_closed(client_for, staff_user, bill, resident):
    payment = start(bill, resident)
    Payment.objects.filter(pk=payment.pk).update(
        status=Payment.Status.CLOSED, closed_at=timezone.now()
    )
    payment.refresh_from_db()
    response = client_for(staff_user).get(detail(payment))
    page = response.content.decode()
    assert str(Payment.Status.CLOSED.label) in page
    assert f"{timezone.localtime(payment.closed_at):%Y-%m-%d %H:%M:%S}" in page
    assert _("The trade was closed without payment.") in page


@pytest.mark.req("BIL-3")
def test_an_unapplied_payment_shows_an_attention_box_and_can_be_refunded(
    client_for, manager, unapplied
):
    client = client_for(manager)
    response = client.get(detail(unapplied))
    page = response.content.decode()
    assert response.context["needs_attention"]
    assert 'id="payment-attention"' in page and unapplied.attention in page
    form = response.context["refund_form"]
    assert form is not None and form["amount"].value() == unapplied.amount
    outcomes = [n.outcome for n in response.context["notifications"]]
    assert outcomes == [PaymentNotification.Outcome.UNAPPLIED]
    response = client.post(
        refund_url(unapplied), {"amount": f"{unapplied.amount}", "reason": "账单已在前台缴清"}
    )
    assert response.status_code == 302
    unapplied.refresh_from_db()
    assert unapplied.status == Payment.Status.REFUNDED
    page = client.get(detail(unapplied)).content.decode()
    assert 'id="payment-attention"' not in page


# --- Refunds --------------------------------------------------------------------------------------


@pytest.mark.req("BIL-3")
def test_a_partial_online_refund_succeeds_and_is_listed(client_for, manager, paid, bill):
    client = client_for(manager)
    response = client.get(detail(paid))
    form = response.context["refund_form"]
    assert form["amount"].value() == D("275.80")  # everything that is left
    page = response.content.decode()
    # The confirmation names the amount the cashier typed.
    question = _("Refund ¥%(amount)s of payment %(number)s? This cannot be undone.") % {
        "amount": "__AMOUNT__", "number": paid.number,
    }  # fmt: skip
    assert f'data-refund-confirm="{question}"' in page
    assert "staff/refund-form.js" in page  # puts the amount in (no inline script: CSP)

    response = client.post(refund_url(paid), {"amount": "75.80", "reason": "多收了"})
    assert response.status_code == 302 and response["Location"] == detail(paid)
    assert flashed(response) == [_("Refunded %(amount)s.") % {"amount": "¥75.80"}]
    paid.refresh_from_db()
    bill.refresh_from_db()
    assert paid.status == Payment.Status.SUCCEEDED and paid.refunded_amount == D("75.80")
    assert bill.status == Bill.Status.PAID and bill.paid_amount == D("200.00")

    response = client.get(detail(paid))
    page = response.content.decode()
    refund = paid.refunds.get()
    assert [r.pk for r in response.context["refunds"]] == [refund.pk]
    assert 'id="payment-refunds"' in page and refund.number in page and "多收了" in page
    assert str(PaymentRefund.Status.SUCCEEDED.label) in page
    assert manager.get_full_name() in page
    assert response.context["any_refunded"]  # the bills table has a "Refunded" column
    assert response.context["items_refunded"] == D("75.80")
    assert _("Partially refunded") in page
    # The rest is still offered.
    assert response.context["refund_form"]["amount"].value() == D("200.00")


@pytest.mark.req("BIL-3")
def test_a_pending_refund_is_reported_and_blocks_another(client_for, manager, paid, monkeypatch):
    provider_answers(monkeypatch, RefundResult.PENDING)
    client = client_for(manager)
    response = client.post(refund_url(paid), {"amount": "100", "reason": "多收"})
    assert response.status_code == 302
    assert flashed(response) == [
        _(
            "A refund of %(amount)s was sent to the payment provider; "
            "the result will be updated later."
        )
        % {"amount": "¥100.00"}
    ]
    paid.refresh_from_db()
    assert paid.refunded_amount == 0  # not before the provider says so
    response = client.get(detail(paid))
    assert response.context["refund_form"] is None
    assert 'id="refund-pending"' in response.content.decode()
    assert str(PaymentRefund.Status.PENDING.label) in response.content.decode()
    again = client.post(refund_url(paid), {"amount": "10", "reason": "再退"})
    assert again.status_code == 400
    assert again.context["refusals"] == [
        _("A refund of this payment is still being processed; wait for its result.")
    ]
    assert paid.refunds.count() == 1


@pytest.mark.req("BIL-3")
def test_a_failed_refund_keeps_the_typed_values_and_says_why(
    client_for, manager, paid, bill, monkeypatch
):
    provider_answers(monkeypatch, RefundResult.FAILED, message="余额不足")
    response = client_for(manager).post(refund_url(paid), {"amount": "12.30", "reason": "多收"})
    assert response.status_code == 400
    form = response.context["refund_form"]
    assert form.non_field_errors() == [
        _("The refund of %(amount)s failed: %(message)s")
        % {"amount": "¥12.30", "message": "余额不足"}
    ]
    assert form["amount"].value() == "12.30" and form["reason"].value() == "多收"
    page = response.content.decode()
    assert "余额不足" in page and 'value="12.30"' in page
    paid.refresh_from_db()
    bill.refresh_from_db()
    assert paid.refunded_amount == 0 and bill.status == Bill.Status.PAID
    assert "余额不足" in paid.attention  # the list marks it
    assert str(PaymentRefund.Status.FAILED.label) in page


@pytest.mark.req("BIL-3")
@pytest.mark.parametrize(
    ("amount", "field_error"),
    [
        ("0", _("The refund must be more than ¥0.00.")),
        ("1.234", _("Enter the amount in yuan with at most 2 decimals.")),
        ("abc", _("Enter an amount such as 100.00.")),
        ("", _("Enter the amount to refund.")),
        ("275.81", _("At most %(amount)s can be refunded.") % {"amount": "¥275.80"}),
    ],
)
def test_a_wrong_amount_is_refused_with_the_typed_values(
    client_for, manager, paid, amount, field_error
):
    response = client_for(manager).post(refund_url(paid), {"amount": amount, "reason": "多收"})
    assert response.status_code == 400
    form = response.context["refund_form"]
    assert form.errors["amount"] == [field_error]
    assert form["reason"].value() == "多收"
    paid.refresh_from_db()
    assert paid.refunded_amount == 0 and not paid.refunds.exists()


@pytest.mark.req("BIL-3")
def test_a_counter_payment_is_refunded_in_part_at_once(client_for, manager, bill, cashier):
    payment = services.counter_payment(bills=[bill], method="cash", cashier=cashier)
    response = client_for(manager).post(refund_url(payment), {"amount": "0.80", "reason": "找零"})
    assert response.status_code == 302
    assert flashed(response) == [_("Refunded %(amount)s.") % {"amount": "¥0.80"}]
    payment.refresh_from_db()
    assert payment.refunded_amount == D("0.80") and payment.status == Payment.Status.SUCCEEDED
    assert payment.refunds.get().status == PaymentRefund.Status.SUCCEEDED


@pytest.mark.req("BIL-3")
def test_refunds_of_another_communitys_online_payment_are_404(
    client_for, manager, other_community, outsider_room, outsider
):
    theirs = pay_online(
        not_yet_due(build_billing_world(other_community, outsider_room)["bill"]), outsider
    )
    client = client_for(manager)
    assert client.get(detail(theirs)).status_code == 404
    assert client.post(refund_url(theirs), {"amount": "1", "reason": "x"}).status_code == 404
    assert client.get(refund_url(theirs)).status_code == 405
    theirs.refresh_from_db()
    assert theirs.refunded_amount == 0
    assert theirs.number not in client.get(PAYMENTS).content.decode()


# --- The counter ----------------------------------------------------------------------------------


@pytest.mark.req("BIL-3")
def test_the_counter_warns_of_an_online_payment_in_progress(
    client_for, cashier, bill, resident, room
):
    url = reverse("billing_staff:counter_room", args=[room.pk])
    client = client_for(cashier)
    assert 'id="online-payment-warning"' not in client.get(url).content.decode()
    payment = start(bill, resident, method="wechat")
    response = client.get(url)
    page = response.content.decode()
    assert [p.pk for p in response.context["open_online_payments"]] == [payment.pk]
    assert 'id="online-payment-warning"' in page and payment.number in page
    assert str(Payment.Method.WECHAT.label) in page
    assert f"{timezone.localtime(payment.created_at):%Y-%m-%d %H:%M}" in page
    # The open payment is in the warning, not among the room's payments.
    assert payment not in response.context["recent_payments"]
    # Once the trade is closed unpaid there is nothing to warn about.
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.CLOSED)
    assert 'id="online-payment-warning"' not in client.get(url).content.decode()


# --- The receipt ----------------------------------------------------------------------------------


def pdf_text(response) -> str:
    assert response.status_code == 200
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.req("BIL-3", "BIL-4")
def test_a_partly_refunded_receipt_says_how_much_was_refunded(
    client, client_for, resident, manager, paid
):
    online.refund_payment(payment=paid, actor=manager, reason="多收", amount=D("75.80"))
    receipt = paid.receipt
    note = _("Refunded %(refunded)s; net amount received %(net)s.") % {
        "refunded": "¥75.80", "net": "¥200.00",
    }  # fmt: skip
    staff_text = pdf_text(
        client_for(manager).get(reverse("billing_staff:receipt_pdf", args=[receipt.pk]))
    )
    assert "".join(note.split()) in "".join(staff_text.split())
    assert "REFUNDED" not in staff_text  # still valid: no void stamp

    resident_client = client_for(resident)
    page = resident_client.get(reverse("billing:receipt", args=[receipt.pk])).content.decode()
    assert (_("%(amount)s refunded") % {"amount": "¥75.80"}) in page
    assert 'class="receipt-stamp is-paid"' in page

    resident_client.logout()
    page = client.get(reverse("billing:verify", args=[receipt.token])).content.decode()
    assert _("Genuine receipt") in page
    assert (_("%(amount)s refunded") % {"amount": "¥75.80"}) in page
    assert "多收" not in page


@pytest.mark.req("BIL-3", "BIL-4")
def test_a_fully_refunded_online_receipt_is_void(client_for, resident, manager, paid):
    online.refund_payment(payment=paid, actor=manager, reason="重复缴费")
    receipt = paid.receipt
    page = client_for(resident).get(reverse("billing:receipt", args=[receipt.pk])).content
    assert b'class="receipt-stamp"' in page and b"receipt-refunded" not in page
    text = pdf_text(
        client_for(manager).get(reverse("billing_staff:receipt_pdf", args=[receipt.pk]))
    )
    assert "REFUNDED" in text


@pytest.mark.req("BIL-3", "SBIL-2")
def test_the_menu_leads_to_payments_and_counts_those_needing_attention(
    client_for, staff_user, manager, unapplied, outsider_staff
):
    # The front desk (view only) reaches the payments from the menu too.
    page = client_for(staff_user).get(reverse("staff:home"), follow=True).content.decode()
    assert f'href="{PAYMENTS}"' in page
    menu = client_for(manager).get(PAYMENTS).context["staff_menu"]
    (entry,) = [item for item in menu if item["url"] == PAYMENTS]
    assert entry["badge"] == 1
    other = client_for(outsider_staff).get(reverse("billing_staff:payments")).context["staff_menu"]
    assert [item["badge"] for item in other if item["url"] == PAYMENTS] == [0]


@pytest.mark.req("BIL-3")
def test_a_successful_refund_after_a_failed_one_clears_the_attention(
    client_for, manager, paid, monkeypatch
):
    with monkeypatch.context() as patched:
        provider_answers(patched, RefundResult.FAILED, message="余额不足")
        client_for(manager).post(refund_url(paid), {"amount": "12.30", "reason": "多收"})
    paid.refresh_from_db()
    assert paid.attention
    client_for(manager).post(refund_url(paid), {"amount": "12.30", "reason": "多收"})
    paid.refresh_from_db()
    assert paid.refunded_amount == D("12.30")
    assert paid.attention == ""

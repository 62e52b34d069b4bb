"""The counter as cashiers work it (SBIL-2, BIL-4, X-3): prepaid balances (预存) and paying
from them, part payments, cash tendered and change, the reference POS and transfer payments
need, one rule for a payer left unnamed, and voiding a receipt (红冲)."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from billing import rules, services
from billing.models import Bill, Payment, PrepaymentAccount, PrepaymentEntry, Receipt
from kit.models import AuditEntry
from tests.billing.test_documents import pdf_text
from tests.factories import RoomFactory, StaffMemberFactory, billing_actor, fee_rule
from tests.races import at_once, postgres_only

pytestmark = pytest.mark.django_db


def counter_room(room) -> str:
    return reverse("billing_staff:counter_room", args=[room.pk])


def prepay_url(room) -> str:
    return reverse("billing_staff:prepay", args=[room.pk])


def due_days_ago(bill: Bill, days: int) -> Bill:
    """The bill fell due `days` ago (0.05 % a day late fee, at most 10 %)."""
    status = Bill.Status.OVERDUE if days > 0 else Bill.Status.PUBLISHED
    Bill.objects.filter(pk=bill.pk).update(
        due_date=timezone.localdate() - dt.timedelta(days=days), status=status
    )
    bill.refresh_from_db()
    return bill


@pytest.fixture
def bill(published_bill):
    """275.80 owed, due in ten days: no late fee."""
    return due_days_ago(published_bill, -10)


def balance_of(room) -> D:
    return PrepaymentAccount.objects.get(room=room).balance


# --- Prepayment (预存) ------------------------------------------------------------------------------


@pytest.mark.req("SBIL-2", "BIL-4")
def test_a_prepayment_raises_the_balance_with_a_receipt_tendered_and_change(
    client_for, cashier, room, resident
):
    response = client_for(cashier).post(
        prepay_url(room),
        {"amount": "500", "method": "cash", "tendered": "600", "payer_name": "张伟"},
    )
    payment = Payment.objects.get(purpose=Payment.Purpose.PREPAYMENT)
    assert response.status_code == 302
    assert payment.amount == D("500.00") and payment.change == D("100.00")
    assert payment.receipt.number == 1
    assert balance_of(room) == D("500.00")
    entry = PrepaymentEntry.objects.get()
    assert (entry.kind, entry.amount, entry.balance_after) == ("deposit", D("500.00"), D("500.00"))
    page = client_for(cashier).get(counter_room(room)).content.decode()
    assert "¥500.00" in page and "预存" in page


def test_a_prepayment_refuses_bad_input_in_chinese_and_keeps_it(client_for, cashier, room):
    client = client_for(cashier)
    response = client.post(prepay_url(room), {"amount": "-3", "method": "pos", "payer_name": "张"})
    assert response.status_code == 400
    form = response.context["prepay_form"]
    assert "金额" in form.errors["amount"][0]
    assert "刷卡凭证号" in form.errors["reference"][0]
    assert 'value="张"' in response.content.decode()
    assert not Payment.objects.exists()
    short = client.post(prepay_url(room), {"amount": "100", "method": "cash", "tendered": "50"})
    assert short.status_code == 400 and "实收" in str(short.context["prepay_form"].errors)


@pytest.mark.req("SBIL-2")
def test_bills_are_paid_from_the_balance_fully_or_partly(client_for, cashier, room, bill):
    services.prepayment_deposit(room=room, amount=D("100"), method="cash", cashier=cashier)
    client = client_for(cashier)
    too_much = client.post(counter_room(room), {"bills": [bill.pk], "method": "prepaid"})
    assert too_much.status_code == 400
    assert "预存余额" in str(too_much.context["form"].errors)
    partly = client.post(
        counter_room(room), {"bills": [bill.pk], "method": "prepaid", "amount": "100"}
    )
    assert partly.status_code == 302
    bill.refresh_from_db()
    assert bill.status == Bill.Status.PARTIALLY_PAID and bill.outstanding == D("175.80")
    assert balance_of(room) == D("0.00")
    deduction = PrepaymentEntry.objects.get(kind="deduction")
    assert deduction.amount == D("-100.00") and deduction.payment.method == "prepaid"
    # The money was received once, as the prepayment.
    listed = client.get(reverse("billing_staff:payments"))
    assert listed.context["totals"]["received"] == D("100.00")


@pytest.mark.django_db(transaction=True)
@postgres_only
@pytest.mark.req("SBIL-2")
def test_two_deductions_at_once_cannot_overdraw_the_balance(community, positions):
    """Two cashiers pay two bills of one room from its ¥300 balance at the same moment: the
    account row is locked, so one pays and the other is refused; the balance never goes
    below zero."""
    room = RoomFactory(building__community=community, area=D("98.50"))
    cashier = billing_actor(community)
    rule = fee_rule(community, kind="fixed", name="垃圾清运费", unit_price="200.00")
    other = fee_rule(community, kind="fixed", name="电梯费", unit_price="200.00")
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    run = services.run_create(community=community, fee_rules=[rule, other], month=month,
                              actor=cashier)  # fmt: skip
    services.run_publish(run=run, actor=cashier)
    Bill.objects.filter(run=run).update(due_date=timezone.localdate() + dt.timedelta(days=5))
    services.prepayment_deposit(room=room, amount=D("300"), method="cash", cashier=cashier)
    bills = list(Bill.objects.filter(run=run))

    def pay(bill):
        try:
            return services.counter_payment(bills=[bill], method="prepaid", cashier=cashier).pk
        except Exception as error:  # noqa: BLE001 - the refusal is the result
            return type(error).__name__

    results = at_once([lambda bill=bill: pay(bill) for bill in bills])
    assert sorted(map(str, results))[-1] == "ValidationError"
    assert balance_of(room) == D("100.00")
    assert Bill.objects.filter(status=Bill.Status.PAID).count() == 1
    assert PrepaymentEntry.objects.filter(kind="deduction").count() == 1


# --- Part payment, tendered and change, references ------------------------------------------------


@pytest.mark.req("SBIL-2", "BIL-4")
def test_a_part_payment_with_cash_tendered_prints_the_change(client_for, cashier, room, bill):
    client = client_for(cashier)
    response = client.post(
        counter_room(room),
        {"bills": [bill.pk], "method": "cash", "amount": "100", "tendered": "200",
         "payer_name": "张伟"},
    )  # fmt: skip
    payment = Payment.objects.get()
    assert response.status_code == 302
    assert (payment.amount, payment.tendered, payment.change) == (
        D("100.00"), D("200.00"), D("100.00"),
    )  # fmt: skip
    bill.refresh_from_db()
    assert bill.status == Bill.Status.PARTIALLY_PAID and bill.paid_amount == D("100.00")
    page = client.get(response["Location"]).content.decode()
    assert 'id="change">¥100.00' in page
    pdf = pdf_text(client.get(reverse("billing_staff:receipt_pdf", args=[payment.receipt.pk])))
    assert "实收" in pdf and "找零" in pdf and "¥200.00" in pdf
    # The rest is still owed and is paid the same way.
    rest = client.post(counter_room(room), {"bills": [bill.pk], "method": "cash"})
    assert rest.status_code == 302
    bill.refresh_from_db()
    assert bill.status == Bill.Status.PAID and bill.paid_amount == D("275.80")


@pytest.mark.req("SBIL-2")
def test_a_part_payment_carries_the_late_fee_of_the_part_paid(cashier, room, published_bill):
    """20 days overdue at 0.05 %/day: each yuan paid carries 1 % — the same as paying in full
    online (late fee of the outstanding amount) — and the rest keeps accruing from the due
    date, so no day is charged twice."""
    bill = due_days_ago(published_bill, 20)
    payment = services.counter_payment(
        bills=[bill], method="cash", cashier=cashier, amount=D("101.00")
    )
    item = payment.items.get()
    assert (item.amount, item.late_fee) == (D("100.00"), D("1.00"))
    bill.refresh_from_db()
    today = timezone.localdate()
    assert services.selectors.late_fee_of(bill, today) == rules.late_fee(
        D("175.80"), bill.due_date, today, bill.late_fee_daily_rate, bill.late_fee_cap_rate
    )


def test_more_than_the_bills_cost_and_too_little_cash_are_refused(client_for, cashier, room, bill):
    client = client_for(cashier)
    over = client.post(counter_room(room), {"bills": [bill.pk], "method": "cash", "amount": "999"})
    assert over.status_code == 400 and "¥275.80" in str(over.context["form"].errors)
    short = client.post(
        counter_room(room), {"bills": [bill.pk], "method": "cash", "tendered": "100"}
    )
    assert short.status_code == 400 and "实收" in str(short.context["form"].errors)
    assert 'value="100"' in short.content.decode()
    assert not Payment.objects.exists()


@pytest.mark.req("SBIL-2")
@pytest.mark.parametrize(("method", "words"), [("pos", "刷卡凭证号"), ("transfer", "转账")])
def test_pos_and_transfer_payments_need_their_reference(client_for, cashier, room, bill, method,
                                                       words):  # fmt: skip
    client = client_for(cashier)
    refused = client.post(counter_room(room), {"bills": [bill.pk], "method": method})
    assert refused.status_code == 400
    assert words in refused.context["form"].errors["reference"][0]
    paid = client.post(
        counter_room(room), {"bills": [bill.pk], "method": method, "reference": "8800123"}
    )
    assert paid.status_code == 302 and Payment.objects.get().reference == "8800123"


# --- A payer left unnamed ----------------------------------------------------------------------


@pytest.mark.req("SBIL-2", "BIL-4")
def test_a_payer_left_empty_is_the_same_dash_on_the_list_page_pdf_and_search(
    client_for, cashier, manager, room, resident, bill
):
    client = client_for(cashier)
    client.post(counter_room(room), {"bills": [bill.pk], "method": "cash", "payer_name": ""})
    payment = Payment.objects.get()
    assert payment.payer_name == "" and payment.payer_display == "—"
    manager_client = client_for(manager)
    payments = reverse("billing_staff:payments")
    listed = manager_client.get(payments)
    row = [r for r in listed.context["table"].rows if r.record.pk == payment.pk][0]
    assert row.get_cell("payer_name") == "—"
    detail = manager_client.get(reverse("billing_staff:payment_detail", args=[payment.pk]))
    assert '<dd class="col-sm-9" id="payer">—</dd>' in detail.content.decode()
    pdf = pdf_text(manager_client.get(reverse("billing_staff:receipt_pdf",
                                              args=[payment.receipt.pk])))  # fmt: skip
    assert "交款人\n—" in pdf and "张伟" not in pdf.split("交款人")[1].split("收款时间")[0]
    # The search finds what the pages show: not by the owner's name, which is not shown.
    found = manager_client.get(payments, {"q": "张伟"})
    assert payment not in [r.record for r in found.context["table"].rows]
    Payment.objects.filter(pk=payment.pk).update(payer_name="李四")
    found = manager_client.get(payments, {"q": "李四"})
    assert [r.record.pk for r in found.context["table"].rows] == [payment.pk]


# --- Voiding a receipt (红冲) -----------------------------------------------------------------------


def void(client, payment, reason="收错房间"):
    return client.post(reverse("billing_staff:void", args=[payment.pk]), {"reason": reason})


@pytest.mark.req("SBIL-2", "X-3")
def test_a_cashier_voids_todays_receipt_and_the_number_is_never_reused(
    client_for, cashier, room, bill
):
    payment = services.counter_payment(bills=[bill], method="cash", cashier=cashier)
    number = payment.receipt.number
    client = client_for(cashier)
    assert client.get(reverse("billing_staff:void", args=[payment.pk])).status_code == 405
    assert void(client, payment, reason="").status_code == 400
    response = void(client, payment)
    assert response.status_code == 302
    payment.refresh_from_db()
    bill.refresh_from_db()
    assert payment.status == Payment.Status.VOIDED and payment.void_reason == "收错房间"
    assert bill.status == Bill.Status.PUBLISHED and bill.paid_amount == 0
    assert Receipt.objects.get(payment=payment).number == number
    entry = AuditEntry.objects.get(action="billing.voided")
    assert entry.actor == cashier and entry.data["reason"] == "收错房间"
    page = client.get(response["Location"]).content.decode()
    assert "已作废" in page and "红冲" in page
    pdf = pdf_text(client.get(reverse("billing_staff:receipt_pdf", args=[payment.receipt.pk])))
    assert "作废" in pdf
    verify = client.get(reverse("billing:verify", args=[payment.receipt.token])).content.decode()
    assert 'id="verify-voided"' in verify and "真实有效" not in verify
    again = services.counter_payment(bills=[bill], method="cash", cashier=cashier)
    assert again.receipt.number == number + 1
    assert void(client, payment).status_code == 400  # once


@pytest.mark.req("SBIL-2")
def test_a_cashier_cannot_void_after_handing_over_nor_anothers_but_the_manager_can(
    client_for, cashier, manager, community, room, bill
):
    payment = services.counter_payment(bills=[bill], method="cash", cashier=cashier)
    colleague = StaffMemberFactory(communities=[community], position_name="收费员").user
    assert void(client_for(colleague), payment).status_code == 400
    services.cashier_day_close(community=community, cashier=cashier,
                               day=timezone.localdate(), actor=cashier)  # fmt: skip
    refused = void(client_for(cashier), payment)
    assert refused.status_code == 400 and "交班" in refused.content.decode()
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        assert void(client_for(manager), payment).status_code == 302
    payment.refresh_from_db()
    assert payment.status == Payment.Status.VOIDED and payment.voided_by == manager


@pytest.mark.req("SBIL-2")
def test_voiding_puts_prepaid_money_back_and_takes_a_prepayment_off(cashier, room, bill):
    deposit = services.prepayment_deposit(room=room, amount=D("300"), method="cash",
                                          cashier=cashier)  # fmt: skip
    paid = services.counter_payment(bills=[bill], method="prepaid", cashier=cashier)
    assert balance_of(room) == D("24.20")
    with pytest.raises(services.ValidationError):  # the balance was spent
        services.payment_void(payment=deposit, actor=cashier, reason="退预存", any_day=False)
    services.payment_void(payment=paid, actor=cashier, reason="错扣", any_day=False)
    assert balance_of(room) == D("300.00")
    services.payment_void(payment=deposit, actor=cashier, reason="退预存", any_day=False)
    assert balance_of(room) == D("0.00")
    kinds = list(PrepaymentEntry.objects.order_by("pk").values_list("kind", "amount"))
    assert kinds == [("deposit", D("300.00")), ("deduction", D("-275.80")),
                     ("void", D("275.80")), ("void", D("-300.00"))]  # fmt: skip


@pytest.mark.req("SBIL-2")
def test_prepaid_money_is_given_back_only_by_who_may_refund(client_for, cashier, manager, room):
    services.prepayment_deposit(room=room, amount=D("80"), method="cash", cashier=cashier)
    url = reverse("billing_staff:prepay_refund", args=[room.pk])
    assert client_for(cashier).post(url, {"amount": "10", "reason": "搬走"}).status_code == 403
    too_much = client_for(manager).post(url, {"amount": "90", "reason": "搬走"})
    assert too_much.status_code == 400 and "¥80.00" in too_much.content.decode()
    assert client_for(manager).post(url, {"amount": "80", "reason": "搬走"}).status_code == 302
    assert balance_of(room) == D("0.00")
    assert AuditEntry.objects.filter(action="billing.prepayment_refunded").exists()


def test_another_communitys_room_and_payment_are_404(
    client_for, cashier, manager, outsider_room, outsider_staff
):
    outsider_payment = services.prepayment_deposit(
        room=outsider_room, amount=D("50"), method="cash", cashier=outsider_staff
    )
    client = client_for(manager)
    assert (
        client.post(prepay_url(outsider_room), {"amount": "5", "method": "cash"}).status_code == 404
    )
    refund = reverse("billing_staff:prepay_refund", args=[outsider_room.pk])
    assert client.post(refund, {"amount": "5", "reason": "x"}).status_code == 404
    assert void(client, outsider_payment).status_code == 404
    outsider_payment.refresh_from_db()
    assert outsider_payment.status == Payment.Status.SUCCEEDED
    assert client.get(prepay_url(outsider_room)).status_code == 405

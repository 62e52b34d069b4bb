"""Online payments (BIL-3): start a payment at a provider, believe only verified
notifications, settle each payment exactly once, reconcile what the notifications missed, and
refund (whole or in part, online or at the counter).

The money is right whatever the network does:
- the amount is computed here from the bills (`services.quote`), never taken from the browser;
- a notification is believed only after the provider's signature checks out
  (`Provider.verify_notification`), and only if its amount is exactly the payment's;
- settlement locks the payment row, so the same notification 20 times at once settles once;
- money for bills that another payment has already paid is not applied but refunded;
- everything a message needs is in the database before the reply, so a broker that is down
  delays messages but never a settlement (the spine's sweep sends them later);
- the browser's return page is never proof of anything: it shows what the database says.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from kit.audit import log_action
from kit.cache import invalidate
from notices.notify import notify
from staff.selectors import staff_with_permission

from .. import selectors, services
from ..models import Bill, Payment, PaymentItem, PaymentNotification, PaymentRefund, new_number
from .providers import get_provider
from .providers.base import (
    Checkout,
    InvalidNotification,
    Notice,
    PaymentRef,
    ProviderError,
    RefundRef,
    RefundResult,
)

logger = logging.getLogger(__name__)
ZERO = Decimal("0.00")
CLOSE_MARGIN_MINUTES = 5
RECHECK_CLOSED = dt.timedelta(minutes=30)
Outcome = PaymentNotification.Outcome


def fen(amount: Decimal) -> int:
    return int((Decimal(amount).quantize(Decimal("0.01")) * 100).to_integral_value())


def _stamp(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y%m%d%H%M%S")


def site_url(path: str) -> str:
    return settings.LINLI_SITE_URL + path


def payment_ref(payment: Payment, *, client_ip: str = "127.0.0.1", openid: str = "") -> PaymentRef:
    count = payment.items.count() if payment.pk else 0
    subject = ngettext(
        "%(community)s %(room)s: %(count)d bill",
        "%(community)s %(room)s: %(count)d bills",
        count,
    ) % {"community": payment.community.name, "room": payment.room.label, "count": count}
    return PaymentRef(
        number=payment.number,
        amount_fen=fen(payment.amount),
        subject=subject,
        created_at_text=_stamp(payment.created_at),
        trade_no=payment.trade_no,
        client_ip=client_ip,
        openid=openid,
        return_url=site_url(reverse("billing:payment", args=[payment.number])),
        notify_url=site_url(reverse("billing:payment_notify", args=[payment.method])),
    )


def refund_ref(refund: PaymentRefund) -> RefundRef:
    return RefundRef(
        number=refund.number,
        amount_fen=fen(refund.amount),
        reason=refund.reason,
        created_at_text=_stamp(refund.created_at),
    )


# --- Starting a payment ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    """What the provider needs to know about the payer's browser."""

    mobile: bool = True
    in_wechat: bool = False
    openid: str = ""
    ip: str = "127.0.0.1"


# An open payment for exactly the same bills, by the same payer and method, started this
# recently, is handed out again instead of a second one (a double tap, the back button, a
# retry): the provider's order still has most of its PAYMENT_EXPIRE_MINUTES to run.
REUSE_MINUTES = 10


def payment_start(
    *, bills: list[Bill], method: str, payer: User, client: Client
) -> tuple[Payment, Checkout]:
    """Create a payment for `bills` (the caller has checked they are the payer's) and ask the
    provider how the browser pays it. The amount is what the bills cost today.

    Starting the same bills twice gives one payment: the bills are locked (in id order) before
    we look for an open payment of the payer covering exactly them, so a second request, even
    one arriving at the same moment, waits for the first to commit and then finds its payment."""
    provider = get_provider(method)
    if provider is None:
        raise ValidationError({"method": _("This payment method is not available.")})
    channel = provider.channel_for(
        mobile=client.mobile, in_wechat=client.in_wechat, has_openid=bool(client.openid)
    )
    with transaction.atomic():
        locked, items, total = services.quote(bills)
        if total <= 0:
            raise ValidationError(
                _(
                    "These bills come to ¥0.00: nothing to pay online. The property office closes them."
                )
            )
        payment = _reusable_payment(payer=payer, method=method, channel=channel, items=items,
                                    total=total)  # fmt: skip
        fresh = payment is None
        if fresh:
            room = locked[0].room
            payment = Payment.objects.create(
                number=new_number("ZF"), community=room.building.community, room=room,
                payer=payer, payer_name=payer.display_name, method=method, amount=total,
                status=Payment.Status.CREATED,
            )  # fmt: skip
            PaymentItem.objects.bulk_create(
                PaymentItem(payment=payment, bill=bill, amount=amount, late_fee=fee)
                for bill, amount, fee in items
            )
    return payment, _checkout(provider, payment, channel, client, fresh=fresh)


def _reusable_payment(*, payer: User, method: str, channel: str, items, total) -> Payment | None:
    """The payer's open payment for exactly these bills at these amounts, if one was started a
    moment ago through the same channel (an order cannot change its channel at the provider)."""
    since = timezone.now() - dt.timedelta(minutes=REUSE_MINUTES)
    wanted = {bill.pk: (amount, fee) for bill, amount, fee in items}
    candidates = (
        Payment.objects.filter(
            payer=payer,
            method=method,
            status__in=Payment.OPEN_STATUSES,
            amount=total,
            room_id=items[0][0].room_id,
            channel__in=[channel, ""],
            created_at__gte=since,
            attention="",
        )
        .prefetch_related("items")
        .order_by("-created_at")
    )
    for payment in candidates:
        if {item.bill_id: (item.amount, item.late_fee) for item in payment.items.all()} == wanted:
            return payment
    return None


def payment_resume(*, payment: Payment, client: Client) -> Checkout:
    """The payer goes back to the provider with an open payment (继续支付): the same order,
    through the channel it was started with."""
    provider = get_provider(payment.method)
    if provider is None or payment.status not in Payment.OPEN_STATUSES:
        raise ValidationError(_("This payment is no longer waiting to be paid."))
    channel = payment.channel or provider.channel_for(
        mobile=client.mobile, in_wechat=client.in_wechat, has_openid=bool(client.openid)
    )
    return _checkout(provider, payment, channel, client, fresh=False)


def _checkout(provider, payment: Payment, channel: str, client: Client, *, fresh: bool) -> Checkout:
    try:
        checkout = provider.checkout(
            payment_ref(payment, client_ip=client.ip, openid=client.openid), channel
        )
    except ProviderError as error:
        logger.warning("Checkout of %s at %s failed: %s", payment.number, payment.method, error)
        if fresh:
            # The provider never had this order: it is over. An order handed out again may be
            # in the payer's hands elsewhere, so it stays open for reconciliation to settle.
            Payment.objects.filter(pk=payment.pk, status=Payment.Status.CREATED).update(
                status=Payment.Status.FAILED
            )
        _log(payment.method, Outcome.REFUSED, payment=payment, number=payment.number,
             reason=str(error), source="checkout")  # fmt: skip
        raise ValidationError(
            _("The payment service could not be reached. Nothing was charged; please try again.")
        ) from error
    Payment.objects.filter(pk=payment.pk, status=Payment.Status.CREATED).update(
        status=Payment.Status.PENDING, channel=channel
    )
    payment.refresh_from_db()
    return checkout


def payment_cancel(*, payment: Payment, actor: User, request=None) -> Payment:
    """The payer gives up an open payment (取消). The provider is asked first: money that
    arrived with its notification lost settles the payment instead. Otherwise the trade is
    closed at the provider, then here. Raises ValidationError when the provider cannot be
    reached, so nothing is closed here that the payer might still pay there."""
    payment = Payment.objects.select_related("community", "room__building", "room__unit").get(
        pk=payment.pk
    )
    if payment.status not in Payment.OPEN_STATUSES:
        raise ValidationError(_("This payment is no longer waiting to be paid."))
    provider = get_provider(payment.method)
    if provider is not None:  # a method switched off has nobody to ask
        reference = payment_ref(payment)
        try:
            notice = provider.query(reference)
            if notice.paid:
                _settle_queried(payment, notice)
                payment.refresh_from_db()
                return payment
            if not notice.closed:
                # UnionPay cannot close an order: it expires there (payTimeout); money that
                # still comes settles the closed payment, like any late notification.
                provider.close(reference)
        except ProviderError as error:
            logger.warning("Cancelling %s failed: %s", payment.number, error)
            raise ValidationError(
                _(
                    "The payment service could not be reached, so the payment was not cancelled. "
                    "Please try again."
                )
            ) from error
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status in Payment.OPEN_STATUSES:
            _close(locked)
            log_action(actor=actor, action="billing.payment_cancelled", target=locked,
                       community=locked.community,
                       data={"method": locked.method, "amount": str(locked.amount)},
                       request=request)  # fmt: skip
    return locked


def open_payments_for_bills(bill_ids) -> list[Payment]:
    """Online payments still waiting for money that cover any of these bills."""
    return list(
        Payment.objects.filter(
            status__in=Payment.OPEN_STATUSES, items__bill_id__in=list(bill_ids)
        ).distinct()
    )


# --- Notifications and settlement ------------------------------------------------------------


class Refused(Exception):
    def __init__(self, reason: str, *, payment: Payment | None = None, alert: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.payment = payment
        self.alert = alert


# What is kept of a notification whose signature does not check out: anyone can send one.
UNVERIFIED_BODY_KEPT = 256


def notification_receive(
    method: str,
    headers: dict,
    body: bytes,
    remote_addr: str | None = None,
    *,
    may_record_unverified: Callable[[], bool] = lambda: True,
) -> HttpResponse:
    """What the notify endpoint does with a provider's POST: verify, settle, log, reply.

    A notification that cannot be verified is anyone's text: it is recorded only while
    `may_record_unverified()` allows (the endpoint counts them per address), and only its
    first UNVERIFIED_BODY_KEPT characters."""
    provider = get_provider(method)
    if provider is None:
        raise Http404
    try:
        notice = provider.verify_notification(headers, body)
    except InvalidNotification as error:
        logger.warning("Refused a %s notification from %s: %s", method, remote_addr, error)
        if may_record_unverified():
            _log(method, Outcome.REFUSED, reason=str(error), remote_addr=remote_addr,
                 body=body[:UNVERIFIED_BODY_KEPT])  # fmt: skip
        return provider.ack(False)
    try:
        outcome, payment = settle(method, notice)
    except Refused as error:
        logger.warning("Refused a %s notification for %s: %s", method, notice.number, error)
        _log(method, Outcome.REFUSED, payment=error.payment, number=notice.number,
             reason=error.reason, remote_addr=remote_addr, body=body)  # fmt: skip
        if error.alert and error.payment is not None:
            _alert_staff(error.payment, error.reason)
        return provider.ack(False)
    _log(method, outcome, payment=payment, number=notice.number, remote_addr=remote_addr, body=body)
    return provider.ack(True)


def settle(method: str, notice: Notice, *, source: str = "notify") -> tuple[str, Payment]:
    """Apply a verified notice to our payment, exactly once: the payment row is locked, and a
    payment that is already settled answers "duplicate" without changing anything."""
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("community__company", "room")
            .filter(number=notice.number, method=method)
            .first()
        )
        if payment is None:
            if notice.paid:
                raise Refused("unknown order")
            # Not about a payment of ours: a refund's notification (UnionPay sends those to the
            # same address) is followed up by asking the provider about that refund.
            refund_id = (
                PaymentRefund.objects.filter(
                    number=notice.number, status=PaymentRefund.Status.PENDING
                )
                .values_list("pk", flat=True)
                .first()
            )
            if refund_id is not None:
                transaction.on_commit(lambda: refund_check(PaymentRefund.objects.get(pk=refund_id)))
            return Outcome.IGNORED, None
        if not notice.paid:
            if notice.closed and payment.status in Payment.OPEN_STATUSES:
                _close(payment)
                return Outcome.CLOSED, payment
            return Outcome.IGNORED, payment
        if notice.amount_fen != fen(payment.amount):
            raise Refused(
                _("A notification said ¥%(paid)s was paid instead of ¥%(amount)s; it was refused.")
                % {"paid": f"{Decimal(notice.amount_fen) / 100:.2f}", "amount": payment.amount},
                payment=payment,
                alert=True,
            )
        if payment.status in (Payment.Status.SUCCEEDED, Payment.Status.REFUNDED):
            return Outcome.DUPLICATE, payment
        # Created, pending, failed or closed here: the provider has the money, so it is ours.
        now = timezone.now()
        payment.status = Payment.Status.SUCCEEDED
        payment.paid_at = now
        payment.closed_at = None  # closed here first, but the money came after all
        payment.trade_no = notice.trade_no[:64]
        payment.notification = {"source": source, **notice.raw}
        items = list(payment.items.order_by("bill_id"))
        bills = {
            bill.pk: bill
            for bill in Bill.objects.select_for_update()
            .filter(pk__in=[item.bill_id for item in items])
            .order_by("pk")
        }
        conflict = any(
            bills[item.bill_id].status not in Bill.UNPAID_STATUSES
            or bills[item.bill_id].outstanding != item.amount
            for item in items
        )
        if conflict:
            payment.unapplied = True
            payment.attention = _("The bills were already paid by another payment: refund it.")
            payment.save()
            log_action(actor=None, action="billing.paid_unapplied", target=payment,
                       community=payment.community,
                       data={"method": method, "amount": str(payment.amount)})  # fmt: skip
            transaction.on_commit(lambda: _queue_refund_unapplied(payment.pk))
            return Outcome.UNAPPLIED, payment
        payment.save()
        ordered = [bills[item.bill_id] for item in items]
        services.apply_to_bills(
            [(bills[item.bill_id], item.amount, item.late_fee) for item in items], now
        )
        services.settled(payment, bills=ordered, event="payment.succeeded", actor=payment.payer)
        return Outcome.SETTLED, payment


def _close(payment: Payment, now: dt.datetime | None = None) -> None:
    payment.status = Payment.Status.CLOSED
    payment.closed_at = now or timezone.now()
    payment.save(update_fields=["status", "closed_at"])


def _log(method, outcome, *, payment=None, number="", reason="", remote_addr=None, body=b"",
         source="notify") -> None:  # fmt: skip
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    PaymentNotification.objects.create(
        method=method, source=source, payment=payment, number=number[:64], outcome=outcome,
        reason=reason[:200], remote_addr=remote_addr or None, body=text[:4000],
    )  # fmt: skip


def _alert_staff(payment: Payment, reason: str) -> None:
    """Those who may refund the community's payments (the manager's position by default) look
    into it; chosen by permission, since operators may rename positions."""
    recipients = staff_with_permission(payment.community, "billing.refund_bill")
    notify("payment.alert", recipients, obj=payment,
           context={"payment": payment, "reason": reason},
           url=reverse("billing_staff:payment_detail", args=[payment.pk]))  # fmt: skip


# --- Reconciliation ------------------------------------------------------------------------------


def refresh(payment: Payment) -> str | None:
    """Ask the provider about one open payment now (the payer says "I have paid") and settle
    it if the provider has the money. Returns the outcome, or None when nothing was learnt."""
    provider = get_provider(payment.method)
    if provider is None or payment.status not in Payment.OPEN_STATUSES:
        return None
    try:
        notice = provider.query(payment_ref(payment))
    except ProviderError as error:
        logger.warning("Query of %s failed: %s", payment.number, error)
        return None
    if not notice.paid:
        return None
    return _settle_queried(payment, notice)


def _settle_queried(payment: Payment, notice: Notice) -> str | None:
    try:
        outcome, _payment = settle(payment.method, notice, source="query")
    except Refused as error:
        _log(payment.method, Outcome.REFUSED, payment=payment, number=payment.number,
             reason=error.reason, source="query")  # fmt: skip
        if error.alert:
            # The provider's own answer disagrees with us: staff look into it, and
            # reconciliation stops asking.
            Payment.objects.filter(pk=payment.pk).update(attention=error.reason[:200])
            _alert_staff(payment, error.reason)
        return None
    _log(payment.method, outcome, payment=payment, number=payment.number, source="query")
    return outcome


def reconcile(now: dt.datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Celery beat: ask the providers about payments pending for a few minutes (a notification
    may be lost), settle the paid ones, close the ones that expired; look again at payments
    closed recently (a payer may have finished at the last second); finish pending refunds and
    refund money that could not be applied. One payment's trouble never stops the others."""
    now = now or timezone.now()
    counts = {"settled": 0, "closed": 0, "refunds": 0, "unapplied": 0}
    waited = now - dt.timedelta(minutes=settings.PAYMENT_RECONCILE_AFTER_MINUTES)
    # Closed a little after the provider's own expiry, so a payment finishing at the last
    # moment is not closed under the payer.
    expired = now - dt.timedelta(minutes=settings.PAYMENT_EXPIRE_MINUTES + CLOSE_MARGIN_MINUTES)
    waiting = (
        Payment.objects.filter(
            Q(status__in=Payment.OPEN_STATUSES)
            | Q(status=Payment.Status.CLOSED, closed_at__gte=now - RECHECK_CLOSED),
            method__in=Payment.ONLINE_METHODS,
            created_at__lt=waited,
            attention="",  # a refused answer (wrong amount) waits for staff, not for us
        )
        .select_related("community", "room__building", "room__unit")
        .order_by("created_at")
    )
    for payment in waiting[:limit]:
        try:
            _reconcile_payment(payment, now, expired, counts)
        except Exception:
            logger.exception("Reconciliation of payment %s failed", payment.number)
    stale = now - dt.timedelta(minutes=1)
    pending = PaymentRefund.objects.filter(
        status=PaymentRefund.Status.PENDING, created_at__lt=stale
    ).select_related("payment")
    for refund in pending.order_by("created_at")[:limit]:
        try:
            if refund_check(refund) != PaymentRefund.Status.PENDING:
                counts["refunds"] += 1
        except Exception:
            logger.exception("Reconciliation of refund %s failed", refund.number)
    # Money kept off the bills whose automatic refund never got going (the broker was down).
    # A refund the provider refused is left to staff: sending it again would be refused again.
    unapplied = Payment.objects.filter(status=Payment.Status.SUCCEEDED, unapplied=True).exclude(
        refunds__status__in=[PaymentRefund.Status.PENDING, PaymentRefund.Status.FAILED]
    )
    for payment in unapplied.order_by("paid_at")[:limit]:
        if payment.refunded_amount < payment.amount:
            refund_unapplied(payment.pk)
            counts["unapplied"] += 1
    return counts


def _reconcile_payment(payment: Payment, now, expired: dt.datetime, counts: dict) -> None:
    provider = get_provider(payment.method)
    if provider is None:  # the method was switched off: nothing to ask, close it when due
        if payment.status in Payment.OPEN_STATUSES and payment.created_at < expired:
            counts["closed"] += _close_if_open(payment, now)
        return
    reference = payment_ref(payment)
    try:
        notice = provider.query(reference)
    except ProviderError as error:
        logger.warning("Query of %s failed: %s", payment.number, error)
        return
    if notice.paid:
        counts["settled"] += _settle_queried(payment, notice) == Outcome.SETTLED
    elif payment.status == Payment.Status.CLOSED:
        return
    elif notice.closed or payment.created_at < expired:
        if not notice.closed:
            try:
                provider.close(reference)
            except ProviderError as error:
                logger.warning("Close of %s failed: %s", payment.number, error)
                return
        counts["closed"] += _close_if_open(payment, now)


def _close_if_open(payment: Payment, now: dt.datetime) -> int:
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status in Payment.OPEN_STATUSES:
            _close(locked, now)
            return 1
    return 0


# --- Refunds -------------------------------------------------------------------------------------


def _queue_refund_unapplied(payment_id: int) -> None:
    from ..tasks import refund_unapplied_task

    try:
        refund_unapplied_task.delay(payment_id)
    except Exception:  # the broker is down: reconciliation refunds it later
        logger.warning("Broker unavailable: payment %s is refunded by reconciliation", payment_id)


def refund_unapplied(payment_id: int) -> PaymentRefund | None:
    payment = Payment.objects.get(pk=payment_id)
    if not payment.unapplied or payment.refundable <= 0:
        return None
    try:
        return refund_payment(
            payment=payment, actor=None, amount=payment.refundable,
            reason=_("The bills were already paid by another payment."),
        )  # fmt: skip
    except ValidationError as error:
        logger.warning("Automatic refund of %s failed: %s", payment.number, error)
        return None


def _allocate(payment: Payment, amount: Decimal) -> list[dict]:
    """Which bills a refund of `amount` gives back: late fees first (the usual reason for a
    partial refund), then bill amounts from the last bill backwards."""
    if payment.unapplied:
        return []
    items = list(payment.items.order_by("-pk"))
    allocation = {item.pk: {"item": item.pk, "bill": item.bill_id, "amount": ZERO, "late_fee": ZERO}
                  for item in items}  # fmt: skip
    left = amount
    for item in items:
        take = min(left, item.late_fee - item.refunded_late_fee)
        allocation[item.pk]["late_fee"] += take
        left -= take
    for item in items:
        take = min(left, item.amount - item.refunded_amount)
        allocation[item.pk]["amount"] += take
        left -= take
    if left > 0:
        raise ValidationError({"amount": _("That is more than can be refunded.")})
    return [
        {**entry, "amount": str(entry["amount"]), "late_fee": str(entry["late_fee"])}
        for entry in allocation.values()
        if entry["amount"] or entry["late_fee"]
    ]


def refund_payment(
    *, payment: Payment, actor: User | None, reason: str, amount: Decimal | None = None,
    request=None,
) -> PaymentRefund:  # fmt: skip
    """Give back `amount` (all that is left when None) of a settled payment. Counter payments
    are refunded at once; online ones through the provider, and their bills change when the
    provider says the refund succeeded (now, or later through reconciliation)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please give a reason for the refund.")})
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status != Payment.Status.SUCCEEDED:
            raise ValidationError(_("Only a completed payment can be refunded."))
        if (
            payment.method == Payment.Method.PREPAID
            or payment.purpose == Payment.Purpose.PREPAYMENT
        ):
            # The money is in (or came from) the room's prepaid balance: voiding puts it back.
            raise ValidationError(
                _("A prepayment, or a payment from the prepaid balance, is voided, not refunded.")
            )
        if payment.refunds.filter(status=PaymentRefund.Status.PENDING).exists():
            # Its allocation is not booked yet: a second one would give the same fees back.
            raise ValidationError(
                _("A refund of this payment is still being processed; wait for its result.")
            )
        available = payment.refundable
        amount = available if amount is None else Decimal(amount).quantize(Decimal("0.01"))
        if amount <= 0:
            raise ValidationError({"amount": _("The refund must be more than ¥0.00.")})
        if amount > available:
            raise ValidationError(
                {"amount": _("At most %(amount)s can be refunded.") % {"amount": f"¥{available}"}}
            )
        refund = PaymentRefund.objects.create(
            number=new_number("TK"), payment=payment, amount=amount, reason=reason[:200],
            allocation=_allocate(payment, amount), requested_by=actor,
        )  # fmt: skip
        log_action(actor=actor, action="billing.refund_requested", target=payment,
                   community=payment.community,
                   data={"refund": refund.number, "amount": str(amount), "reason": reason},
                   request=request)  # fmt: skip
        if not payment.is_online:
            _finish_refund(refund, RefundResult(RefundResult.SUCCEEDED))
            return refund
    provider = get_provider(payment.method)
    try:
        if provider is None:
            raise ProviderError("payment method not configured")
        result = provider.refund(payment_ref(payment), refund_ref(refund))
    except ProviderError as error:
        logger.warning("Refund %s of %s failed: %s", refund.number, payment.number, error)
        # Unknown whether the provider took it: ask again later (reconciliation).
        PaymentRefund.objects.filter(pk=refund.pk).update(message=str(error)[:200])
        refund.refresh_from_db()
        return refund
    with transaction.atomic():
        refund = PaymentRefund.objects.select_for_update().get(pk=refund.pk)
        _finish_refund(refund, result)
    return refund


def refund_check(refund: PaymentRefund) -> str:
    """Ask the provider how a pending refund went, and finish it."""
    payment = refund.payment
    provider = get_provider(payment.method)
    if provider is None:
        return refund.status
    try:
        result = provider.query_refund(payment_ref(payment), refund_ref(refund))
        if result.state == RefundResult.PENDING and provider.refund_resend_safe:
            # Still not done: the request may never have arrived (it failed on the way, or the
            # provider was busy). Sending it again is safe where the provider refunds a refund
            # number once and answers a repeat with that refund's state.
            result = provider.refund(payment_ref(payment), refund_ref(refund))
    except ProviderError as error:
        logger.warning("Refund query %s failed: %s", refund.number, error)
        PaymentRefund.objects.filter(pk=refund.pk).update(message=str(error)[:200])
        return refund.status
    with transaction.atomic():
        locked = PaymentRefund.objects.select_for_update().get(pk=refund.pk)
        _finish_refund(locked, result)
        return locked.status


def _finish_refund(refund: PaymentRefund, result: RefundResult) -> None:
    """Record the provider's answer on a locked pending refund; on success give the money back
    on the bills and the payment."""
    if refund.status != PaymentRefund.Status.PENDING or result.state == RefundResult.PENDING:
        if refund.status == PaymentRefund.Status.PENDING:
            refund.provider_refund_no = refund.provider_refund_no or result.refund_no[:64]
            refund.message = result.message[:200]
            refund.save(update_fields=["provider_refund_no", "message"])
        return
    now = timezone.now()
    refund.provider_refund_no = result.refund_no[:64]
    refund.message = result.message[:200]
    refund.finished_at = now
    if result.state == RefundResult.FAILED:
        refund.status = PaymentRefund.Status.FAILED
        refund.save(update_fields=["status", "provider_refund_no", "message", "finished_at"])
        attention = _("Refund %(number)s failed: %(message)s") % {
            "number": refund.number,
            "message": result.message or "—",
        }
        Payment.objects.filter(pk=refund.payment_id).update(attention=attention[:200])
        if refund.requested_by_id is None:  # an automatic refund: nobody is watching it
            _alert_staff(refund.payment, attention)
        return
    refund.status = PaymentRefund.Status.SUCCEEDED
    refund.save(update_fields=["status", "provider_refund_no", "message", "finished_at"])
    payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
    # Bills in id order, as every payment locks them: no deadlock with a settlement.
    for entry in sorted(refund.allocation, key=lambda entry: entry["bill"]):
        principal, late_fee = Decimal(entry["amount"]), Decimal(entry["late_fee"])
        item = PaymentItem.objects.select_for_update().get(pk=entry["item"])
        item.refunded_amount += principal
        item.refunded_late_fee += late_fee
        item.save(update_fields=["refunded_amount", "refunded_late_fee"])
        bill = Bill.objects.select_for_update().get(pk=entry["bill"])
        bill.paid_amount -= principal
        bill.late_fee_paid -= late_fee
        if bill.paid_amount <= 0 and bill.late_fee_paid <= 0:
            bill.status = Bill.Status.REFUNDED
            bill.paid_at = None
        # A partial refund (an overcharge, a late fee let off) gives money back without
        # reopening the bill: the household does not owe it again, nor late fees on it.
        bill.save(update_fields=["paid_amount", "late_fee_paid", "status", "paid_at"])
        invalidate(f"household:{bill.room_id}")
    payment.refunded_amount += refund.amount
    payment.refund_reason = refund.reason
    payment.refunded_at = now
    if payment.refunded_amount >= payment.amount:
        payment.status = Payment.Status.REFUNDED
    if not (payment.unapplied and payment.refunded_amount < payment.amount):
        payment.attention = ""  # an earlier failed refund is behind us
    payment.save(
        update_fields=["refunded_amount", "refund_reason", "refunded_at", "status", "attention"]
    )
    log_action(actor=refund.requested_by, action="billing.refunded", target=payment,
               community=payment.community,
               data={"refund": refund.number, "amount": str(refund.amount),
                     "reason": refund.reason})  # fmt: skip
    notify("payment.refunded", selectors.residents_of_payment(payment), obj=refund,
           context={"payment": payment, "refund": refund},
           url=reverse("billing:history"))  # fmt: skip

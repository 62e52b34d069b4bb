"""The counter as cashiers work it, beside the payment pages of billing.views.work: prepaid
balances (预存: money in, refunds), voiding a receipt (红冲) and the cashier's day (日结/交班),
which is printable and exported through the shared Excel pipeline. Money records change only
through billing.services."""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from accounts.models import Room, User
from kit import spreadsheets
from kit.forms import add_service_errors
from staff.access import staff_has_perm, staff_required
from staff.scoping import get_scoped_or_404

from .. import selectors, services
from ..forms.counter import CashierDaysForm, PrepaymentForm, PrepaymentRefundForm, VoidForm
from ..models import CashierDay
from .work import COLLECT, REFUND, VOID, _payment, _render_payment, render_counter_room

# The list of days shows the last fortnight unless a range is asked for.
DAYS_SHOWN = 14


def _room(request: HttpRequest, room_id: int) -> Room:
    return get_scoped_or_404(request, Room.objects.select_related("building", "unit"), room_id)


@require_POST
@staff_required(COLLECT)
def prepay(request: HttpRequest, room_id: int) -> HttpResponse:
    room = _room(request, room_id)
    form = PrepaymentForm(request.POST)
    if form.is_valid():
        try:
            payment = services.prepayment_deposit(
                room=room, cashier=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            url = reverse("billing_staff:payment_detail", kwargs={"payment_id": payment.pk})
            return redirect(f"{url}?done=1")
    return render_counter_room(request, room, prepay_form=form, status=400)


@require_POST
@staff_required(REFUND)
def prepay_refund(request: HttpRequest, room_id: int) -> HttpResponse:
    room = _room(request, room_id)
    form = PrepaymentRefundForm(request.POST)
    if form.is_valid():
        try:
            entry = services.prepayment_refund(
                room=room, actor=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(amount)s given back from the prepaid balance; %(balance)s left.")
                % {"amount": f"¥{-entry.amount}", "balance": f"¥{entry.balance_after}"},
            )
            return redirect("billing_staff:counter_room", room_id=room.pk)
    return render_counter_room(request, room, prepay_refund_form=form, status=400)


@require_POST
@staff_required(COLLECT)
def payment_void(request: HttpRequest, payment_id: int) -> HttpResponse:
    """Void a receipt (红冲). Cashiers void their own receipts of today before handing over;
    a holder of billing.void_receipt (the manager) any counter receipt."""
    payment = _payment(request, payment_id)
    form = VoidForm(request.POST)
    if form.is_valid():
        try:
            services.payment_void(
                payment=payment, actor=request.user, reason=form.cleaned_data["reason"],
                any_day=staff_has_perm(request, VOID), request=request,
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The receipt is voided; its bills are owed again."))
            return redirect("billing_staff:payment_detail", payment_id=payment.pk)
    return _render_payment(request, payment, void_form=form, status=400)


# --- The cashier's day -----------------------------------------------------------------------------


def _sees_every_cashier(request: HttpRequest) -> bool:
    return staff_has_perm(request, VOID)


@staff_required(COLLECT)
def cashier_days(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = CashierDaysForm(request.GET or None)
    since, until = today - dt.timedelta(days=DAYS_SHOWN - 1), today
    if form.is_bound and form.is_valid():
        since = form.cleaned_data["since"] or since
        until = form.cleaned_data["until"] or until
    every = _sees_every_cashier(request)
    rows = selectors.cashier_days(
        request.community, cashier_id=None if every else request.user.pk, since=since, until=until
    )
    mine_today = any(row["cashier_id"] == request.user.pk and row["day"] == today for row in rows)
    return render(
        request,
        "staff/billing/cashier_days.html",
        {
            "form": form,
            "rows": rows,
            "since": since,
            "until": until,
            "every": every,
            "today": today,
            "mine_today": mine_today,
        },
        status=400 if form.errors else 200,
    )


def day_query(cashier_id: int, day: dt.date) -> str:
    return urlencode({"cashier": cashier_id, "day": day.isoformat()})


def _cashier_day(request: HttpRequest) -> tuple[User, dt.date]:
    """The cashier (someone who works in this community) and the day of `?cashier=&day=`
    (one's own, today, when not given); a cashier sees only their own days."""
    params = request.POST if request.method == "POST" else request.GET
    try:
        cashier_id = int(params.get("cashier") or request.user.pk)
        date = dt.date.fromisoformat(params.get("day") or timezone.localdate().isoformat())
    except ValueError:
        raise Http404 from None
    if cashier_id != request.user.pk and not _sees_every_cashier(request):
        raise Http404
    cashier = User.objects.filter(
        pk=cashier_id, staff_member__assignments__community=request.community
    ).first()
    if cashier is None:
        raise Http404
    return cashier, date


@staff_required(COLLECT)
def cashier_day(request: HttpRequest) -> HttpResponse:
    cashier, date = _cashier_day(request)
    summary = selectors.cashier_day_summary(request.community, cashier, date)
    closed = CashierDay.objects.filter(
        community=request.community, cashier=cashier, day=date
    ).first()
    payments = (
        selectors.payments_of_cashier_day(request.community, cashier.pk, date)
        .select_related("room__building", "room__unit", "receipt", "payer")
        .order_by("paid_at", "pk")
    )
    return render(
        request,
        "staff/billing/cashier_day.html",
        {
            "cashier": cashier,
            "day": date,
            "summary": summary,
            "closed": closed,
            "payments": payments,
            "query": day_query(cashier.pk, date),
            "may_close": closed is None
            and cashier.pk == request.user.pk
            and date <= timezone.localdate(),
        },
    )


@require_POST
@staff_required(COLLECT)
def cashier_day_close(request: HttpRequest) -> HttpResponse:
    """A cashier hands over their own day."""
    cashier, date = _cashier_day(request)
    if cashier.pk != request.user.pk:
        raise Http404
    try:
        services.cashier_day_close(
            community=request.community, cashier=cashier, day=date, actor=request.user,
            request=request,
        )  # fmt: skip
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Your day is handed over."))
    return redirect(f"{reverse('billing_staff:cashier_day')}?{day_query(cashier.pk, date)}")


@staff_required(COLLECT)
def cashier_day_export(request: HttpRequest) -> HttpResponse:
    cashier, date = _cashier_day(request)
    summary = selectors.cashier_day_summary(request.community, cashier, date)
    payments = (
        selectors.payments_of_cashier_day(request.community, cashier.pk, date)
        .select_related("room__building", "room__unit", "receipt", "payer")
        .order_by("paid_at", "pk")
    )
    title = _("Cashier's day")
    book = spreadsheets.workbook(title)
    sheet = book.active
    spreadsheets.append(sheet, [f"{title} · {cashier.get_full_name()} · {date:%Y-%m-%d}"])
    spreadsheets.style([sheet["A1"]], bold=True, size=14)
    spreadsheets.append(sheet, [])
    spreadsheets.append(sheet, [_("Method"), _("Payments"), _("Amount")])
    spreadsheets.style(sheet[sheet.max_row], bold=True, fill="EEF2F7")
    for row in summary.by_method:
        spreadsheets.append(sheet, [str(row["label"]), row["count"], row["total"]])
    for label, value in [
        (_("Received (money)"), summary.received),
        (_("Receipts issued"), summary.receipts),
        (_("Voided receipts"), summary.voided),
        (_("Amount voided"), summary.voided_total),
        (_("Prepaid in"), summary.prepaid_in),
        (_("Deducted from prepaid balances"), summary.prepaid_deducted),
        (_("Prepaid money given back"), summary.prepaid_refunded),
        (_("Cash refunded"), summary.cash_refunded),
        (_("Cash expected in the drawer"), summary.cash_expected),
    ]:
        spreadsheets.append(sheet, [label, value])
    spreadsheets.widths(sheet, {1: 26, 2: 16, 3: 16})
    detail = book.create_sheet(_("Payments")[:31])
    spreadsheets.append(
        detail,
        [_("Paid at"), _("Receipt"), _("Payment"), _("Building"), _("Unit"), _("Room number"),
         _("Payer"), _("Method"), _("Reference"), _("Amount"), _("Cash tendered"),
         pgettext("cash", "Change"), _("Status")],
    )  # fmt: skip
    spreadsheets.style(detail[1], bold=True, fill="EEF2F7")
    for payment in payments:
        receipt = getattr(payment, "receipt", None)
        room = payment.room
        spreadsheets.append(
            detail,
            [timezone.localtime(payment.paid_at).strftime("%H:%M:%S"),
             receipt.display_number if receipt else "", payment.number, room.building.name,
             room.unit.name if room.unit_id else "", room.number, payment.payer_display,
             payment.get_method_display(), payment.reference, payment.amount, payment.tendered,
             payment.change, payment.get_status_display()],
        )  # fmt: skip
    spreadsheets.widths(detail, {1: 10, 2: 14, 3: 22, 4: 12, 5: 10, 6: 10, 7: 12, 8: 16, 9: 18})
    name = f"{title}-{cashier.get_full_name()}-{date:%Y%m%d}.xlsx"
    return spreadsheets.file_response(spreadsheets.save(book), file_name=name)

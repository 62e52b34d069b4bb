"""The billing work of the property office: bill runs (preview, create, publish), the counter
(收银台), payments (at the counter and online) with refunds, and a bill with its waiver. Money
records change only through billing.services and billing.online.services."""

from collections import Counter
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Building, Residency, Room
from accounts.selectors import household_of_room, households_for_rooms, room_order, room_place
from kit.audit import entries_for
from kit.forms import add_service_errors
from kit.pagecache import cache_page_per_visitor
from staff.access import staff_has_perm, staff_required
from staff.scoping import get_scoped_or_404
from staff.tables import paginate

from .. import selectors, services
from ..filters import BillRunFilter, PaymentFilter
from ..forms.counter import PrepaymentForm, PrepaymentRefundForm, VoidForm
from ..forms.work import CounterPaymentForm, CounterSearchForm, RefundForm, RunForm, WaiveForm
from ..models import (
    Bill,
    BillLine,
    BillRun,
    FeeRule,
    Payment,
    PaymentRefund,
)
from ..online import services as online
from ..tables import BillRunTable, PaymentTable, channel_label, plain_number, yuan

RUN_BILLS = "billing.run_bills"
COLLECT = "billing.collect_payment"
VIEW = "billing.view_bill"
REFUND = "billing.refund_bill"
WAIVE = "billing.waive_bill"
VOID = "billing.void_receipt"

EXCEPTIONS_PER_PAGE = 25
SAMPLE_BILLS = 8
COUNTER_RESULTS = 30
# billing.services.run_create keeps this many exceptions on the run.
EXCEPTIONS_KEPT = 500
WAIVABLE = (*Bill.UNPAID_STATUSES, Bill.Status.DRAFT)
# The payment page lists this many of the provider's notifications, newest first.
NOTIFICATIONS_SHOWN = 20


# --- Bill runs -------------------------------------------------------------------------------------


@staff_required(RUN_BILLS)
def runs(request: HttpRequest) -> HttpResponse:
    rows = (
        BillRun.objects.filter(community=request.community)
        .select_related("created_by")
        .prefetch_related(Prefetch("rules", queryset=FeeRule.objects.order_by("kind", "name")))
        .order_by("-created_at", "-pk")
    )
    filterset = BillRunFilter(request.GET, queryset=rows, request=request)
    table = BillRunTable(filterset.qs, order_by=request.GET.get("sort") or None)
    paginate(request, table)
    drafts = BillRun.objects.filter(
        community=request.community, status=BillRun.Status.CREATED
    ).aggregate(runs=Count("pk"), bills=Coalesce(Sum("bill_count"), 0))
    return render(
        request,
        "staff/billing/runs.html",
        {"filter": filterset, "table": table, "drafts": drafts},
    )


def _active_rules(request: HttpRequest) -> QuerySet[FeeRule]:
    return FeeRule.objects.filter(community=request.community, is_active=True).order_by(
        "kind", "name"
    )


def _preview(request: HttpRequest, form: RunForm, plan: services.RunPlan) -> dict:
    """What the preview shows of a plan: per fee, the exceptions a page at a time."""
    chosen = list(form.cleaned_data["rules"])
    by_rule = {rule.pk: (count, total) for rule, count, total in plan.totals_by_rule()}
    exceptions_by_rule = Counter(name for name, _room, _reason in plan.exceptions)
    rows = []
    for rule in chosen:
        count, total = by_rule.get(rule.pk, (0, Decimal("0.00")))
        start, end = plan.periods.get(rule.pk, (None, None))
        rows.append(
            {"rule": rule, "start": start, "end": end, "count": count, "total": total,
             "exceptions": exceptions_by_rule[rule.name]}
        )  # fmt: skip
    reasons = Counter((name, reason) for name, _room, reason in plan.exceptions)
    return {
        "plan": plan,
        "rule_rows": rows,
        "bill_count": len(plan.bills),
        "reasons": [
            {"rule": name, "reason": reason, "count": count}
            for (name, reason), count in reasons.most_common()
        ],
        "exceptions_page": Paginator(plan.exceptions, EXCEPTIONS_PER_PAGE).get_page(
            request.GET.get("page")
        ),
        "samples": plan.bills[:SAMPLE_BILLS],
    }


@staff_required(RUN_BILLS)
def run_new(request: HttpRequest) -> HttpResponse:
    """GET: choose fees and a month, and preview the run (nothing is written). POST: create
    the bills as drafts."""
    fee_rules = _active_rules(request)
    context: dict = {"has_rules": fee_rules.exists()}
    if request.method == "POST":
        form = RunForm(request.POST, fee_rules=fee_rules)
    elif "month" in request.GET or "rules" in request.GET:
        form = RunForm(request.GET, fee_rules=fee_rules)
    else:
        form = RunForm(
            initial={"month": timezone.localdate().replace(day=1), "rules": list(fee_rules)},
            fee_rules=fee_rules,
        )
    context["form"] = form
    if not form.is_bound:
        return render(request, "staff/billing/run_new.html", context)
    if not form.is_valid():
        return render(request, "staff/billing/run_new.html", context, status=400)
    chosen = list(form.cleaned_data["rules"])
    month = form.cleaned_data["month"]
    plan = services.run_plan(request.community, chosen, month)
    if request.method == "POST":
        if plan.bills:
            run = services.run_create(
                community=request.community, fee_rules=chosen, month=month, actor=request.user,
                request=request, plan=plan,
            )  # fmt: skip
            messages.success(
                request,
                _("Draft bills created: %(count)s. Check them, then publish the run.")
                % {"count": run.bill_count},
            )
            return redirect("billing_staff:run_detail", run_id=run.pk)
        form.add_error(
            None,
            _("There is nothing to create: every room already has these bills or is an exception."),
        )
    context.update(_preview(request, form, plan))
    return render(
        request, "staff/billing/run_new.html", context, status=400 if form.errors else 200
    )


def _run(request: HttpRequest, run_id: int) -> BillRun:
    return get_scoped_or_404(
        request,
        BillRun.objects.select_related("created_by").prefetch_related(
            Prefetch("rules", queryset=FeeRule.objects.order_by("kind", "name"))
        ),
        run_id,
    )


@staff_required(RUN_BILLS)
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(request, run_id)
    bills = Bill.objects.filter(run=run)
    by_kind = list(
        bills.values("kind").annotate(count=Count("pk"), total=Sum("amount")).order_by("kind")
    )
    kind_labels = dict(Bill._meta.get_field("kind").choices)
    for row in by_kind:
        row["label"] = kind_labels.get(row["kind"], row["kind"])
    by_building = list(
        bills.values("room__building__name", "room__building__sort_order")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by("room__building__sort_order", "room__building__name")
    )
    by_status = {
        row["status"]: row["count"]
        for row in bills.values("status").annotate(count=Count("pk")).order_by()
    }
    samples = (
        bills.select_related("room__building", "room__unit")
        .prefetch_related(Prefetch("lines", queryset=BillLine.objects.order_by("sort", "pk")))
        .order_by(
            *room_order(),
            "kind",
        )[:SAMPLE_BILLS]
    )
    return render(
        request,
        "staff/billing/run_detail.html",
        {
            "run": run,
            "notification": selectors.run_notification_progress(run)
            if run.status == BillRun.Status.PUBLISHED
            else None,
            "exceptions_count": f"{len(run.skipped)}+"
            if len(run.skipped) >= EXCEPTIONS_KEPT
            else len(run.skipped),
            "by_kind": by_kind,
            "by_building": by_building,
            "paid_count": by_status.get(Bill.Status.PAID, 0),
            "samples": list(samples),
            "exceptions_page": Paginator(run.skipped, EXCEPTIONS_PER_PAGE).get_page(
                request.GET.get("page")
            ),
            "exceptions_capped": len(run.skipped) >= EXCEPTIONS_KEPT,
        },
    )


@require_POST
@staff_required(RUN_BILLS)
def run_publish(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(request, run_id)
    try:
        published = services.run_publish(run=run, actor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("Bills published: %(count)s. The households are being notified.")
            % {"count": published},
        )
    return redirect("billing_staff:run_detail", run_id=run.pk)


@require_POST
@staff_required(RUN_BILLS)
def run_discard(request: HttpRequest, run_id: int) -> HttpResponse:
    """Delete a draft run and its bills (a wrong draft never has to be published)."""
    run = _run(request, run_id)
    try:
        deleted = services.run_discard(run=run, actor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("billing_staff:run_detail", run_id=run.pk)
    messages.success(
        request,
        _("The draft run was discarded: %(count)s draft bills deleted.") % {"count": deleted},
    )
    return redirect("billing_staff:runs")


@require_POST
@staff_required(RUN_BILLS)
def run_regenerate(request: HttpRequest, run_id: int) -> HttpResponse:
    """Compute a draft run again from the current rules, prices, readings and rooms."""
    run = _run(request, run_id)
    try:
        run = services.run_regenerate(run=run, actor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("The draft run was computed again: %(count)s bills, %(exceptions)s exceptions.")
            % {"count": run.bill_count, "exceptions": len(run.skipped)},
        )
    return redirect("billing_staff:run_detail", run_id=run.pk)


# --- Counter ---------------------------------------------------------------------------------------


def _counter_rooms(request: HttpRequest, form: CounterSearchForm) -> QuerySet[Room]:
    """Rooms of the community matching the search, with what each still owes."""
    data = form.cleaned_data
    rooms = Room.objects.filter(building__community=request.community)
    if data.get("building"):
        rooms = rooms.filter(building=data["building"])
    if data.get("number"):
        number = data["number"]
        rooms = rooms.annotate(place=room_place(prefix="")).filter(
            Q(number__iexact=number) | Q(place__icontains=number)
        )
    if data.get("phone"):
        with_phone = Residency.objects.filter(
            user__mobile__endswith=data["phone"],
            status__in=(Residency.Status.VERIFIED, Residency.Status.PENDING),
        ).values("room_id")
        rooms = rooms.filter(pk__in=with_phone)
    open_bill = Q(bills__status__in=Bill.UNPAID_STATUSES)
    return (
        rooms.select_related("building", "unit")
        .annotate(
            open_bills=Count("bills", filter=open_bill),
            outstanding=Sum(F("bills__amount") - F("bills__paid_amount"), filter=open_bill),
        )
        .order_by(*room_order(prefix=""))
    )


@staff_required(COLLECT)
def counter(request: HttpRequest) -> HttpResponse:
    buildings = Building.objects.filter(community=request.community).order_by("sort_order", "name")
    searched = any(request.GET.get(name) for name in ("building", "number", "phone"))
    form = CounterSearchForm(request.GET if searched else None, buildings=buildings)
    rooms = None
    households: dict[int, list[Residency]] = {}
    if form.is_bound and form.is_valid():
        rooms = list(_counter_rooms(request, form)[: COUNTER_RESULTS + 1])
        if len(rooms) == 1:
            return redirect("billing_staff:counter_room", room_id=rooms[0].pk)
        households = households_for_rooms([room.pk for room in rooms[:COUNTER_RESULTS]])
    today = timezone.localdate()
    mine_today = Payment.objects.filter(
        community=request.community,
        cashier=request.user,
        status=Payment.Status.SUCCEEDED,
        paid_at__date=today,
    ).aggregate(count=Count("pk"), total=Sum("amount"))
    return render(
        request,
        "staff/billing/counter.html",
        {
            "form": form,
            "rooms": [
                {"room": room, "household": households.get(room.pk, [])}
                for room in (rooms or [])[:COUNTER_RESULTS]
            ],
            "searched": rooms is not None,
            "more_rooms": rooms is not None and len(rooms) > COUNTER_RESULTS,
            "mine_today": mine_today,
        },
        status=400 if form.errors else 200,
    )


@staff_required(COLLECT)
def counter_room(request: HttpRequest, room_id: int) -> HttpResponse:
    room = get_scoped_or_404(request, Room.objects.select_related("building", "unit"), room_id)
    return render_counter_room(request, room)


def render_counter_room(
    request: HttpRequest, room: Room, *, prepay_form: PrepaymentForm | None = None,
    prepay_refund_form: PrepaymentRefundForm | None = None, status: int = 200,
) -> HttpResponse:  # fmt: skip
    """The counter page of a room; the prepaid forms of billing.views.counter come back here
    with their errors."""
    open_bills = selectors.open_bills_of_room(room)
    household = household_of_room(room)
    if request.method == "POST" and prepay_form is None and prepay_refund_form is None:
        form = CounterPaymentForm(request.POST, open_bills=open_bills)
        payment = _counter_payment(request, form)
        if payment is not None:
            url = reverse("billing_staff:payment_detail", kwargs={"payment_id": payment.pk})
            return redirect(f"{url}?done=1")
    else:
        form = CounterPaymentForm(
            open_bills=open_bills,
            initial={"bills": list(open_bills), "payer_name": _owner_name(household)},
        )
    chosen = {str(value) for value in (form["bills"].value() or [])} if form.is_bound else None
    today = timezone.localdate()
    sheet = selectors.counter_sheet(room, open_bills, chosen=chosen, today=today)
    balance, ledger = selectors.prepayment_of_room(room)
    # Paying at the counter while the household pays the same bills online makes one of the
    # two payments money to give back: warn the cashier.
    bill_ids = [row["bill"].pk for row in sheet.rows]
    return render(
        request,
        "staff/billing/counter_room.html",
        {
            "room": room,
            "household": household,
            "form": form,
            "rows": sheet.rows,
            "chosen_total": sheet.chosen_total,
            "chosen_count": sheet.chosen_count,
            "recent_payments": sheet.recent_payments,
            "open_online_payments": online.open_payments_for_bills(bill_ids) if bill_ids else [],
            "today": today,
            "balance": balance,
            "ledger": ledger,
            "prepay_form": prepay_form
            or PrepaymentForm(initial={"payer_name": _owner_name(household)}),
            "prepay_refund_form": prepay_refund_form
            or (PrepaymentRefundForm() if staff_has_perm(request, REFUND) and balance else None),
        },
        status=400 if form.errors or status == 400 else 200,
    )


def _owner_name(household: list[Residency]) -> str:
    head = next((r for r in household if r.relation == Residency.Relation.OWNER), None)
    return head.user.get_full_name() if head else ""


def _counter_payment(request: HttpRequest, form: CounterPaymentForm) -> Payment | None:
    """The payment of a valid form; None if the form or the service refused (the reason is
    on the form)."""
    if not form.is_valid():
        return None
    try:
        return services.counter_payment(
            bills=list(form.cleaned_data["bills"]),
            method=form.cleaned_data["method"],
            cashier=request.user,
            payer_name=form.cleaned_data["payer_name"],
            reference=form.cleaned_data["reference"],
            amount=form.cleaned_data["amount"],
            tendered=form.cleaned_data["tendered"],
            request=request,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return None


# --- Payments --------------------------------------------------------------------------------------


@staff_required(VIEW)
@cache_page_per_visitor
def payments(request: HttpRequest) -> HttpResponse:
    # Online payments waiting for the payer are listed too; one never sent to a provider is not.
    rows = (
        Payment.objects.filter(community=request.community)
        .exclude(status=Payment.Status.CREATED)
        .select_related("room__building", "room__unit", "cashier", "payer", "receipt")
        .order_by(Coalesce("paid_at", "created_at").desc(), "-pk")
    )
    filterset = PaymentFilter(request.GET, queryset=rows, request=request)
    table = PaymentTable(filterset.qs, order_by=request.GET.get("sort") or None)
    paginate(request, table, ids_first=True)
    listed = filterset.qs.order_by()
    # Received: settled on bills (money not applied to any bill is on its way back).
    settled = Q(status=Payment.Status.SUCCEEDED, unapplied=False)
    totals = listed.aggregate(
        count=Count("pk"),
        # Money received: a payment from the prepaid balance was received as the prepayment.
        received=Sum("amount", filter=settled & ~Q(method=Payment.Method.PREPAID)),
        refunded=Sum("refunded_amount"),
    )
    method_labels = dict(Payment.Method.choices)
    by_method = [
        {"label": method_labels.get(row["method"], row["method"]), **row}
        for row in listed.filter(settled)
        .values("method")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by("-total")
    ]
    attention_count = selectors.payments_needing_attention(request.community).count()
    return render(
        request,
        "staff/billing/payments.html",
        {
            "filter": filterset,
            "table": table,
            "totals": totals,
            "by_method": by_method,
            "attention_count": attention_count,
            "attention_filtered": request.GET.get("attention") == "true",
            "can_collect": staff_has_perm(request, COLLECT),
        },
    )


def _payment(request: HttpRequest, payment_id: int) -> Payment:
    return get_scoped_or_404(
        request,
        Payment.objects.select_related(
            "room__building", "room__unit", "cashier", "payer", "community"
        ),
        payment_id,
    )


def _render_payment(
    request: HttpRequest, payment: Payment, *, refund_form: RefundForm | None = None,
    void_form: VoidForm | None = None, status: int = 200,
) -> HttpResponse:  # fmt: skip
    sheet = selectors.payment_sheet(payment, notifications_shown=NOTIFICATIONS_SHOWN)
    may_void = (
        staff_has_perm(request, COLLECT) or staff_has_perm(request, VOID)
    ) and services.may_void(
        payment, request.user, any_day=staff_has_perm(request, VOID),
        today=timezone.localdate(),
    )  # fmt: skip
    may_refund = (
        staff_has_perm(request, REFUND)
        and sheet.refundable_now
        and payment.purpose == Payment.Purpose.BILLS
        and payment.method != Payment.Method.PREPAID
    )
    # A refusal on a form no longer offered (refunded meanwhile) is shown on top of the page.
    refusals = list(refund_form.non_field_errors()) if refund_form and not may_refund else []
    if may_refund:
        refund_form = refund_form or RefundForm(payment=payment)
    return render(
        request,
        "staff/billing/payment_detail.html",
        {
            "payment": payment,
            "channel": channel_label(payment.channel) if payment.channel else "",
            "receipt": sheet.receipt,
            "items": sheet.items,
            "items_amount": sheet.items_amount,
            "items_late_fee": sheet.items_late_fee,
            "items_refunded": sheet.items_refunded,
            "any_refunded": sheet.any_refunded,
            "just_paid": request.GET.get("done") == "1"
            and payment.status == Payment.Status.SUCCEEDED,
            "needs_attention": sheet.needs_attention,
            "refunds": sheet.refunds,
            "pending_refunds": sheet.pending_refunds,
            "notifications": sheet.notifications,
            "refund_form": refund_form if may_refund else None,
            "refusals": refusals,
            "audit_entries": entries_for(payment)[:50],
            "can_collect": staff_has_perm(request, COLLECT),
            "void_form": (void_form or VoidForm()) if may_void else None,
            "void_refusals": list(void_form.non_field_errors())
            if void_form and not may_void
            else [],
        },
        status=status,
    )


@staff_required(VIEW)
def payment_detail(request: HttpRequest, payment_id: int) -> HttpResponse:
    return _render_payment(request, _payment(request, payment_id))


@require_POST
@staff_required(REFUND)
def payment_refund(request: HttpRequest, payment_id: int) -> HttpResponse:
    """Refund all or part of a payment: at once for counter payments, through the provider for
    online ones (which may answer later)."""
    payment = _payment(request, payment_id)
    form = RefundForm(request.POST, payment=payment)
    if form.is_valid():
        if payment.refunds.filter(status=PaymentRefund.Status.PENDING).exists():
            form.add_error(
                None,
                _("A refund of this payment is still being processed; wait for its result."),
            )
        else:
            try:
                refund = online.refund_payment(
                    payment=payment, actor=request.user, reason=form.cleaned_data["reason"],
                    amount=form.cleaned_data["amount"], request=request,
                )  # fmt: skip
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                amount = yuan(refund.amount)
                if refund.status == PaymentRefund.Status.SUCCEEDED:
                    messages.success(request, _("Refunded %(amount)s.") % {"amount": amount})
                    return redirect("billing_staff:payment_detail", payment_id=payment.pk)
                if refund.status == PaymentRefund.Status.PENDING:
                    messages.info(
                        request,
                        _(
                            "A refund of %(amount)s was sent to the payment provider; "
                            "the result will be updated later."
                        )
                        % {"amount": amount},
                    )
                    return redirect("billing_staff:payment_detail", payment_id=payment.pk)
                form.add_error(
                    None,
                    _("The refund of %(amount)s failed: %(message)s")
                    % {"amount": amount, "message": refund.message or "—"},
                )
    payment = _payment(request, payment_id)  # as it is now
    return _render_payment(request, payment, refund_form=form, status=400)


# --- One bill --------------------------------------------------------------------------------------


def _bill(request: HttpRequest, bill_id: int) -> Bill:
    return get_scoped_or_404(
        request,
        Bill.objects.select_related("room__building", "room__unit", "rule", "run", "waived_by"),
        bill_id,
    )


def _render_bill(
    request: HttpRequest, bill: Bill, *, waive_form: WaiveForm | None = None, status: int = 200
) -> HttpResponse:
    may_waive = staff_has_perm(request, WAIVE) and bill.status in WAIVABLE and bill.paid_amount == 0
    refusals = list(waive_form.non_field_errors()) if waive_form and not may_waive else []
    if may_waive:
        waive_form = waive_form or WaiveForm()
    today = timezone.localdate()
    late_fee = selectors.late_fee_of(bill, today)
    lines = list(bill.lines.order_by("sort", "pk"))
    for line in lines:
        line.quantity_text = plain_number(line.quantity, 2 if line.quantity % 1 else 0)
    return render(
        request,
        "staff/billing/bill_detail.html",
        {
            "bill": bill,
            "lines": lines,
            "late_fee": late_fee,
            "to_pay": bill.outstanding + late_fee if bill.status in Bill.UNPAID_STATUSES else None,
            "is_open": bill.status in Bill.UNPAID_STATUSES,
            "payment_items": list(
                bill.payment_items.select_related("payment__cashier", "payment__receipt").order_by(
                    "payment__paid_at", "pk"
                )
            ),
            "reminders": list(bill.reminders.order_by("sent_at", "pk")),
            "audit_entries": entries_for(bill)[:50],
            "waive_form": waive_form if may_waive else None,
            "refusals": refusals,
            "can_collect": staff_has_perm(request, COLLECT),
            "can_see_runs": staff_has_perm(request, RUN_BILLS),
        },
        status=status,
    )


@staff_required(VIEW)
def bill_detail(request: HttpRequest, bill_id: int) -> HttpResponse:
    return _render_bill(request, _bill(request, bill_id))


@require_POST
@staff_required(WAIVE)
def bill_waive(request: HttpRequest, bill_id: int) -> HttpResponse:
    bill = _bill(request, bill_id)
    form = WaiveForm(request.POST)
    if form.is_valid():
        try:
            services.bill_waive(
                bill=bill, actor=request.user, reason=form.cleaned_data["reason"], request=request
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Bill %(number)s was waived; the household no longer owes it.")
                % {"number": bill.number},
            )
            return redirect("billing_staff:bill_detail", bill_id=bill.pk)
    bill = _bill(request, bill_id)
    return _render_bill(request, bill, waive_form=form, status=400)

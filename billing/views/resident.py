"""The resident's 缴费 pages: what the household owes (BIL-1), one bill with its arithmetic,
the fee trend chart (BIL-2), the payment history (BIL-6) and receipts (BIL-4).

Every page shows the bills of the user's verified rooms only (family members included), and of
those rooms' payments, receipts and fee trend only what belongs to the user's household
(billing.selectors: its own time in the room); anything else is a 404."""

import hashlib
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET

from accounts.selectors import verified_rooms_of_user
from kit.pagecache import cache_page_per_visitor
from kit.wechat import in_wechat

from .. import rules, selectors
from ..models import Bill, Payment
from ..online.providers import offered_methods
from ..reports import fee_trend

HISTORY_PAGE_SIZE = 15
HISTORY_ITEMS_SHOWN = 3
ZERO = selectors.ZERO


def _months(request: HttpRequest) -> int:
    try:
        months = int(request.GET.get("months", ""))
    except ValueError:
        return fee_trend.TREND_MONTHS[0]
    return months if months in fee_trend.TREND_MONTHS else fee_trend.TREND_MONTHS[0]


def _with_dues(bill: Bill, today) -> Bill:
    """The bill with its dues today (`selectors.with_dues`) and its lines' figures as shown."""
    return _show_lines(selectors.with_dues(bill, today))


def _show_lines(bill: Bill) -> Bill:
    for line in bill.lines.all():  # prefetched by the selectors
        line.quantity_display = f"{line.quantity.normalize():f}"
    return bill


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


# --- 缴费 tab --------------------------------------------------------------------------------------


@login_required
@require_GET
@cache_page_per_visitor
def bills(request: HttpRequest) -> HttpResponse:
    dues = selectors.household_dues(request.user, timezone.localdate())
    for bill in dues.bills:
        _show_lines(bill)
    return render(
        request,
        "resident/billing/bills.html",
        {
            "rooms": dues.rooms,
            "bill_count": len(dues.bills),
            "total_due": dues.total_due,
            "late_fee_total": dues.late_fee_total,
            "overdue_count": dues.overdue_count,
            "service_phones": dues.communities_with_phone,
            "has_room": bool(dues.bills) or verified_rooms_of_user(request.user).exists(),
            "selected_room": dues.selected_room,
            "selected_count": len(dues.selected_bills),
            "selected_total": dues.selected_total,
            "payments_in_progress": selectors.open_payments_for_user(request.user)
            if dues.bills
            else [],
        },
    )


# --- One bill ---------------------------------------------------------------------------------


@login_required
@require_GET
@cache_page_per_visitor
def bill_detail(request: HttpRequest, bill_id: int) -> HttpResponse:
    bill = selectors.get_bill_for_user(request.user, bill_id)
    if bill is None:
        raise Http404
    _with_dues(bill, timezone.localdate())
    bill.daily_rate_percent = _percent(bill.late_fee_daily_rate)
    bill.cap_rate_percent = _percent(bill.late_fee_cap_rate)
    items = selectors.bill_payment_items_for_user(request.user, bill)
    return render(
        request,
        "resident/billing/bill.html",
        {
            "bill": bill,
            "payment_items": items,
            "community": bill.community,
            # Paid online on the confirm page, like bills chosen on the 缴费 tab; at the
            # counter where no method is offered (or the bill comes to nothing today).
            "pay_online": bill.total_due > 0
            and bool(offered_methods(in_wechat=in_wechat(request))),
        },
    )


# --- Trend ------------------------------------------------------------------------------------


@login_required
@require_GET
@cache_page_per_visitor
def trend(request: HttpRequest) -> HttpResponse:
    months = _months(request)
    scope = selectors.trend_scope_for_user(request.user)
    data = fee_trend.monthly_amounts(scope, months, timezone.localdate())
    billed_months = len(data.billed_months)
    return render(
        request,
        "resident/billing/trend.html",
        {
            "months": months,
            "month_choices": fee_trend.TREND_MONTHS,
            "trend": data,
            "rows": data.rows(),
            "total": data.total,
            "average": rules.to_fen(data.total / billed_months) if billed_months else ZERO,
            "has_room": not scope.empty,
        },
    )


@login_required
@require_GET
def trend_chart(request: HttpRequest) -> HttpResponse:
    """The chart as SVG. The browser revalidates with the data's version as ETag, so an
    unchanged chart costs two small queries and no drawing."""
    months = _months(request)
    scope = selectors.trend_scope_for_user(request.user)
    version = fee_trend.data_version(scope)
    # The scope's own name too: two households of one room see different bills.
    etag = (
        f'"{version}-{months}-{request.LANGUAGE_CODE}-{timezone.localdate():%Y%m}'
        f'-{fee_trend.CHART_STYLE}-{hashlib.sha256(scope.key.encode()).hexdigest()[:8]}"'
    )
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        svg = fee_trend.trend_svg(scope, months, timezone.localdate(), version=version)
        response = HttpResponse(svg, content_type="image/svg+xml")
    response["ETag"] = etag
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response


# --- History ----------------------------------------------------------------------------------


@login_required
@require_GET
@cache_page_per_visitor
def history(request: HttpRequest) -> HttpResponse:
    payments = selectors.payments_for_user(request.user)
    years = [day.year for day in payments.datetimes("paid_at", "year", order="DESC")]
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and int(year) in years else None
    if year is not None:
        payments = payments.filter(paid_at__year=year)
    summary = payments.order_by().aggregate(
        count=Count("pk"),
        # What the household paid and kept: partial refunds are taken off.
        total=Sum(
            F("amount") - F("refunded_amount"),
            filter=Q(status=Payment.Status.SUCCEEDED, unapplied=False),
        ),
    )
    page = Paginator(payments, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    for payment in page.object_list:
        # A long payment shows its first items; the rest open on a tap.
        items = list(payment.items.all())
        cut = len(items) if len(items) <= HISTORY_ITEMS_SHOWN + 1 else HISTORY_ITEMS_SHOWN
        payment.items_shown, payment.items_more = items[:cut], items[cut:]
    return render(
        request,
        "resident/billing/history.html",
        {
            "page": page,
            "years": years,
            "year": year,
            "summary_count": summary["count"],
            "summary_total": summary["total"] or ZERO,
            "query": f"year={year}" if year else "",
            "several_rooms": len({payment.room_id for payment in page.object_list}) > 1,
        },
    )


# --- Receipt ----------------------------------------------------------------------------------


def _refund_facts(payment: Payment) -> dict:
    """What the receipt says about refunds: a whole refund voids it (the stamp); a partial one
    leaves it valid and names the amount given back."""
    partly = payment.status == Payment.Status.SUCCEEDED and payment.refunded_amount > 0
    return {"partly_refunded": partly}


@login_required
@require_GET
def receipt(request: HttpRequest, receipt_id: int) -> HttpResponse:
    found = selectors.get_receipt_for_user(request.user, receipt_id)
    if found is None:
        raise Http404
    receipt = selectors.receipt_with_details(found)
    payment = receipt.payment
    return render(
        request,
        "resident/billing/receipt.html",
        {
            "receipt": receipt,
            "payment": payment,
            "room": payment.room,
            "community": payment.room.building.community,
            "items": list(payment.items.all()),
            "amount_in_words": rules.to_chinese_capitals(payment.amount),
            **_refund_facts(payment),
        },
    )

"""Paying online (BIL-3): choose bills → confirm and choose a method → the provider's page →
back to our status page, which shows what the database says (a verified notification or the
reconciliation settles the payment, never the browser's return). Also the provider's
notification endpoint and the sandbox's cashier page."""

import logging

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import get_usage

from accounts import limits
from kit.forms import add_service_errors
from kit.net import client_ip
from kit.wechat import in_wechat, mp_openid

from .. import selectors
from ..forms.pay import PayForm
from ..models import Payment, PaymentItem
from ..online import services as online
from ..online.providers import get_provider
from ..online.providers.sandbox import SandboxProvider
from .resident import ZERO, _with_dues

MOBILE_MARKERS = ("Mobile", "Android", "iPhone", "iPad", "MicroMessenger")
NOTIFY_GROUP = "billing.notify"
UNVERIFIED_GROUP = "billing.notify.unverified"
logger = logging.getLogger(__name__)


def _client(request: HttpRequest) -> online.Client:
    agent = request.headers.get("User-Agent", "")
    openid = ""
    wechat = in_wechat(request)
    if wechat:
        openid = mp_openid(request.user.pk) or ""
    return online.Client(
        mobile=any(marker in agent for marker in MOBILE_MARKERS),
        in_wechat=wechat,
        openid=openid,
        ip=client_ip(request),  # behind the proxies: WeChat H5 checks the payer's address
    )


def _payment_for_user(request: HttpRequest, number: str) -> Payment:
    payment = selectors.get_payment_for_user(request.user, number)
    if payment is None:
        raise Http404
    return payment


@login_required
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest) -> HttpResponse:
    open_bills = selectors.unpaid_bills_for_user(request.user)
    data = request.POST if request.method == "POST" else request.GET
    form = PayForm(
        data or None,
        bills_queryset=open_bills,
        in_wechat=in_wechat(request),
    )
    chosen_ids = data.getlist("bills")
    if request.method == "POST" and form.is_valid():
        try:
            limits.throttle_request("payment_start", request)
            payment, checkout = online.payment_start(
                bills=list(form.cleaned_data["bills"]),
                method=form.cleaned_data["method"],
                payer=request.user,
                client=_client(request),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _checkout_response(request, payment, checkout)
    today = timezone.localdate()
    chosen = [_with_dues(bill, today) for bill in open_bills if str(bill.pk) in chosen_ids]
    if request.method == "GET":
        form.errors.pop("method", None)  # the method is chosen on this page
    status = 400 if request.method == "POST" or (chosen_ids and not chosen) else 200
    return render(
        request,
        "resident/billing/pay.html",
        {
            "form": form,
            "bills": chosen,
            "total": sum((bill.total_due for bill in chosen), ZERO),
            "providers": form.providers,
            "in_progress": online.open_payments_for_bills([bill.pk for bill in chosen]),
        },
        status=status,
    )


def _checkout_response(request: HttpRequest, payment: Payment, checkout) -> HttpResponse:
    if checkout.kind == "redirect":
        return HttpResponseRedirect(checkout.url)
    context = {"payment": payment, "checkout": checkout}
    if checkout.kind == "qr":
        context["qr_svg"] = segno.make(checkout.qr_text, error="m").svg_inline(
            scale=6, dark="#111", omitsize=True
        )
    template = {
        "form": "resident/billing/pay_form_post.html",
        "qr": "resident/billing/pay_qr.html",
        "jsapi": "resident/billing/pay_jsapi.html",
    }[checkout.kind]
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def payment(request: HttpRequest, number: str) -> HttpResponse:
    """Where every provider sends the browser back: what the database says about the payment.
    While it waits, the page asks again every few seconds; "I have paid" asks the provider."""
    payment = _payment_for_user(request, number)
    if request.method == "POST" and payment.status in Payment.OPEN_STATUSES:
        online.refresh(payment)
        payment = _payment_for_user(request, number)
    items = list(PaymentItem.objects.filter(payment=payment).select_related("bill").order_by("pk"))
    provider = get_provider(payment.method)
    context = {
        "payment": payment,
        "items": items,
        "sandbox": isinstance(provider, SandboxProvider),
        "waiting": payment.status in Payment.OPEN_STATUSES,
    }
    if request.htmx:
        return render(request, "resident/billing/_payment_status.html", context)
    return render(request, "resident/billing/payment.html", context)


@login_required
@require_POST
def payment_continue(request: HttpRequest, number: str) -> HttpResponse:
    """继续支付: back to the provider with the same open order."""
    payment = _payment_for_user(request, number)
    try:
        checkout = online.payment_resume(payment=payment, client=_client(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("billing:payment", number=payment.number)
    return _checkout_response(request, payment, checkout)


@login_required
@require_POST
def payment_cancel(request: HttpRequest, number: str) -> HttpResponse:
    """取消: the payer gives up an open payment; it is closed at the provider, then here."""
    payment = _payment_for_user(request, number)
    try:
        payment = online.payment_cancel(payment=payment, actor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("billing:bills")
    if payment.status == Payment.Status.CLOSED:
        messages.success(request, _("The payment was cancelled. Nothing was charged."))
        return redirect("billing:bills")
    # Paid after all (its notification was lost on the way): the status page says so.
    return redirect("billing:payment", number=payment.number)


def _over_rate(request: HttpRequest, group: str, rate: str, *, increment: bool) -> bool:
    """django-ratelimit's count for the client's address (kit.net.client_ip, through
    RATELIMIT_IP_META_KEY). A cache that cannot count lets the request through: the signature,
    not the limit, is what keeps forged notifications out."""
    try:
        usage = get_usage(request, group=group, key="ip", rate=rate, increment=increment)
    except Exception:  # noqa: BLE001 - the cache is down
        logger.warning("Notification rate limit %s not counted: the cache is unavailable", group)
        return False
    if not usage or usage["time_left"] < 0:
        return False
    return usage["should_limit"] if increment else usage["count"] >= usage["limit"]


@csrf_exempt
@require_POST
def notify(request: HttpRequest, method: str) -> HttpResponse:
    """The provider's asynchronous notification. Its reply is what the provider expects.

    Anyone can post here, so before anything is read: each address has a rate
    (PAYMENT_NOTIFY_RATE) and a smaller one for notifications that do not verify
    (PAYMENT_NOTIFY_UNVERIFIED_RATE; only those are counted against it), and a body over
    PAYMENT_NOTIFY_MAX_BYTES is refused (413) by its declared length or after reading one byte
    more than the limit, never more."""
    unverified_rate = settings.PAYMENT_NOTIFY_UNVERIFIED_RATE
    forger = _over_rate(request, UNVERIFIED_GROUP, unverified_rate, increment=False)
    if forger or _over_rate(request, NOTIFY_GROUP, settings.PAYMENT_NOTIFY_RATE, increment=True):
        return HttpResponse("Too many requests", status=429, content_type="text/plain")
    limit = settings.PAYMENT_NOTIFY_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return HttpResponse("Bad Content-Length", status=400, content_type="text/plain")
    if declared > limit:
        return HttpResponse("Request body too large", status=413, content_type="text/plain")
    body = request.read(limit + 1)
    if len(body) > limit:
        return HttpResponse("Request body too large", status=413, content_type="text/plain")
    headers = {
        key: value
        for key, value in request.META.items()
        if key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH")
    }
    return online.notification_receive(
        method,
        headers,
        body,
        remote_addr=client_ip(request),
        may_record_unverified=lambda: (
            not _over_rate(request, UNVERIFIED_GROUP, unverified_rate, increment=True)
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def sandbox_pay(request: HttpRequest, number: str) -> HttpResponse:
    """The sandbox's cashier page (沙箱支付): it plays the provider, so no real money moves."""
    payment = _payment_for_user(request, number)
    provider = get_provider(payment.method)
    if not isinstance(provider, SandboxProvider):
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "cancel":
            headers, body = provider.cancel(payment.number)
            online.notification_receive(payment.method, headers, body)
        elif action in ("pay", "pay_lost"):
            headers, body = provider.pay(payment.number)
            if action == "pay":
                online.notification_receive(payment.method, headers, body)
        return redirect("billing:payment", number=payment.number)
    return render(
        request,
        "resident/billing/sandbox_pay.html",
        {"payment": payment, "open": payment.status in Payment.OPEN_STATUSES},
    )

"""Receipts as PDF (for the household and for staff) and as an image of the PDF (for the household
in Android WeChat, which cannot show a PDF), the dunning notice for chosen bills, and
the public page a receipt's QR code leads to."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kit.pdf_images import pdf_to_png
from staff.access import staff_required
from staff.scoping import get_scoped_or_404

from .. import selectors
from ..models import Payment, Receipt
from ..reports.filters import matching_unpaid_bills

# A page of the staff list can choose this many bills at most; more is not a real request.
MAX_DUNNING_BILLS = 5000


def _pdf_response(request: HttpRequest, content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        request.GET.get("download") == "1", filename
    )
    return _private(response)


def _private(response: HttpResponse) -> HttpResponse:
    # A refund changes the receipt: never serve a stale copy, and never from a shared cache.
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _receipt_response(request: HttpRequest, receipt: Receipt) -> HttpResponse:
    from ..documents import receipts  # reportlab: only where a document is drawn

    receipt = selectors.receipt_with_details(receipt)
    return _pdf_response(
        request, receipts.receipt_pdf(receipt), f"receipt-{receipt.display_number}.pdf"
    )


@login_required
@require_GET
def resident_receipt_pdf(request: HttpRequest, receipt_id: int) -> HttpResponse:
    receipt = selectors.get_receipt_for_user(request.user, receipt_id)
    if receipt is None:
        raise Http404
    return _receipt_response(request, receipt)


@login_required
@require_GET
def resident_receipt_png(request: HttpRequest, receipt_id: int) -> HttpResponse:
    """The receipt's PDF as an image (its pages one below the other), with the PDF's checks: the
    household's own receipts only."""
    receipt = selectors.get_receipt_for_user(request.user, receipt_id)
    if receipt is None:
        raise Http404
    from ..documents import receipts  # reportlab: only where a document is drawn

    receipt = selectors.receipt_with_details(receipt)
    image = pdf_to_png(receipts.receipt_pdf(receipt))
    response = HttpResponse(image, content_type="image/png")
    response["Content-Disposition"] = content_disposition_header(
        False, f"receipt-{receipt.display_number}.png"
    )
    return _private(response)


@staff_required("billing.view_bill")
@require_GET
def staff_receipt_pdf(request: HttpRequest, receipt_id: int) -> HttpResponse:
    receipt = get_scoped_or_404(request, Receipt.objects.all(), receipt_id)
    return _receipt_response(request, receipt)


@staff_required("billing.view_bill")
@require_GET
def dunning_pdf(request: HttpRequest) -> HttpResponse:
    """?bill=<id>&bill=<id>…: the chosen bills that are unpaid and of this community, one page
    per room. Others are left out; none left is a 404. ?all=1 with the bills list's filters:
    every unpaid bill they match."""
    if request.GET.get("all") == "1":
        # Every unpaid bill the bills list's filters match, not only the page shown.
        found = matching_unpaid_bills(request, request.GET)
        if found is None:
            raise Http404
        bill_ids = set(found.values_list("pk", flat=True)[: MAX_DUNNING_BILLS + 1])
        if len(bill_ids) > MAX_DUNNING_BILLS:
            return HttpResponse(
                _("More than %(count)s bills match: narrow the filters (a building, say) and "
                  "print again.") % {"count": MAX_DUNNING_BILLS},
                status=400, content_type="text/plain; charset=utf-8",
            )  # fmt: skip
    else:
        bill_ids = {int(value) for value in request.GET.getlist("bill") if value.isdigit()}
    if not bill_ids or len(bill_ids) > MAX_DUNNING_BILLS:
        raise Http404
    bills = list(selectors.dunning_bills(request.community, bill_ids))
    if not bills:
        raise Http404
    from ..documents import dunning  # reportlab: only where a document is drawn

    today = timezone.localdate()
    content = dunning.dunning_pdf(bills, community=request.community, today=today)
    return _pdf_response(request, content, f"dunning-notice-{today:%Y%m%d}.pdf")


@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Public: anyone holding a printed receipt can check it. No names, no phone numbers."""
    from ..documents import receipts

    receipt = (
        Receipt.objects.filter(token=token)
        .select_related("company", "payment__room__building__community", "payment__room__unit")
        .first()
    )
    if receipt is None or receipt.payment.status not in (
        Payment.Status.SUCCEEDED,
        Payment.Status.REFUNDED,
        Payment.Status.VOIDED,
    ):
        raise Http404
    payment = receipt.payment
    response = render(
        request,
        "billing/verify.html",
        {
            "receipt": receipt,
            "payment": payment,
            "refunded": payment.status == Payment.Status.REFUNDED,
            "voided": payment.status == Payment.Status.VOIDED,
            # Part given back: the receipt is still valid, for the rest.
            "partly_refunded": payment.status == Payment.Status.SUCCEEDED
            and payment.refunded_amount > 0,
            "community": payment.room.building.community,
            "room": receipts.masked_room(payment.room),
        },
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response

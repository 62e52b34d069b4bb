"""The billing searcher of the staff portal's global search (staff.search): a bill, payment
or receipt by its number (a receipt as printed, 001-00000012, or by its sequence number)."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Community
from kit.templatetags.money import yuan
from staff.search import LIMIT, Hit, Searcher, SearchTerms, first

from .models import Bill, Payment, Receipt


def _numbers(terms: SearchTerms) -> list[str]:
    return list({terms.compact, terms.compact.upper()})


def search_bills(community: Community, terms: SearchTerms) -> list[Hit]:
    bills = first(
        Bill.objects.filter(community=community, number__in=_numbers(terms))
        .exclude(status=Bill.Status.DRAFT)
        .select_related("room__building", "room__unit")
    )
    return [
        Hit(
            title=f"{bill.number} · {bill.title}",
            subtitle=f"{bill.room} · {yuan(bill.amount)} · {bill.get_status_display()}",
            url=reverse("billing_staff:bill_detail", args=[bill.pk]),
            exact=True,
        )
        for bill in bills
    ]


def _receipt_number(terms: SearchTerms) -> int | None:
    """001-00000012 (this company's prefix, or none) → 12."""
    prefix, _sep, number = terms.compact.rpartition("-")
    if not number.isdigit() or len(number) > 12 or (prefix and not prefix.isdigit()):
        return None
    return int(number)


def search_payments(community: Community, terms: SearchTerms) -> list[Hit]:
    match = Q(number__in=_numbers(terms))
    receipt = _receipt_number(terms)
    receipts = None
    if receipt is not None and "-" in terms.compact:
        receipts = Receipt.objects.filter(
            number=receipt, company_id=int(terms.compact.split("-")[0])
        )
    elif receipt is not None and len(terms.compact) >= 6:
        receipts = Receipt.objects.filter(number=receipt, company_id=community.company_id)
    if receipts is not None:
        # The receipts' payments by id (the receipts' unique index), not a join over every
        # payment walked in date order.
        paid = list(receipts.values_list("payment_id", flat=True)[:LIMIT])
        if paid:
            match |= Q(pk__in=paid)
    payments = first(
        Payment.objects.filter(match, community=community)
        .exclude(status=Payment.Status.CREATED)
        .select_related("room__building", "room__unit", "receipt")
        .order_by("-created_at", "-pk")
    )
    hits = []
    for payment in payments:
        receipt_row = getattr(payment, "receipt", None)
        title = payment.number
        if receipt_row is not None:
            title += " · " + _("Receipt %(number)s") % {"number": receipt_row.display_number}
        hits.append(
            Hit(
                title=title,
                subtitle=f"{payment.room} · {yuan(payment.amount)} · "
                f"{payment.get_status_display()}",
                url=reverse("billing_staff:payment_detail", args=[payment.pk]),
                exact=True,
            )
        )
    return hits


SEARCHERS = (
    Searcher("bills", pgettext_lazy("search kind", "Bills"), "receipt", "billing.view_bill", 40, search_bills),
    Searcher(
        "payments", _("Payments and receipts"), "credit-card", "billing.view_bill", 41,
        search_payments,
    ),
)  # fmt: skip

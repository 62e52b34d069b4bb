import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import room_place
from staff.filtering import StaffFilterSet

from .models import BillRun, Payment, PaymentRefund
from .selectors import NEEDS_ATTENTION

# Not a stored status: paid, and part of it given back.
PARTIALLY_REFUNDED = "partially_refunded"


def _cashiers(request):
    """Everyone who has taken a payment in this community, including staff who have left."""
    took_payments = (
        Payment.objects.filter(community=request.community, cashier__isnull=False)
        .order_by()
        .values("cashier_id")
        .distinct()
    )
    return User.objects.filter(pk__in=took_payments).order_by("display_name", "pk")


class _CashierField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return user.get_full_name()


class CashierFilter(django_filters.ModelChoiceFilter):
    field_class = _CashierField


class BillRunFilter(StaffFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=BillRun.Status.choices)

    class Meta:
        model = BillRun
        fields = ["status"]


class PaymentFilter(StaffFilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(
            attrs={"placeholder": _("Payment or receipt number, room, payer"), "type": "search"}
        ),
    )
    paid_from = django_filters.DateFilter(
        label=_("Paid from"),
        field_name="paid_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    paid_until = django_filters.DateFilter(
        label=_("Paid until"),
        field_name="paid_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    method = django_filters.ChoiceFilter(label=_("Method"), choices=Payment.Method.choices)
    # Payments with money given back on that day (the home page's "refunded today" links here).
    refunded_on = django_filters.DateFilter(
        label=_("Refunded on"),
        method="filter_refunded_on",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    cashier = CashierFilter(label=_("Cashier"), queryset=_cashiers)
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        method="filter_status",
        # A payment only created (the provider was never reached) is not listed at all.
        choices=[
            *((s.value, s.label) for s in Payment.Status if s != Payment.Status.CREATED),
            (PARTIALLY_REFUNDED, _("Partially refunded")),
        ],
    )
    attention = django_filters.BooleanFilter(
        label=_("Needs attention"),
        method="filter_attention",
        widget=forms.Select(choices=[("", _("All")), ("true", _("Needs attention only"))]),
    )

    class Meta:
        model = Payment
        fields = [
            "q", "paid_from", "paid_until", "method", "cashier", "status", "attention",
            "refunded_on",
        ]  # fmt: skip

    def filter_status(self, queryset, name, value):
        if value == PARTIALLY_REFUNDED:
            return queryset.filter(status=Payment.Status.SUCCEEDED, refunded_amount__gt=0)
        return queryset.filter(status=value)

    def filter_refunded_on(self, queryset, name, value):
        if not value:
            return queryset
        refunded = PaymentRefund.objects.filter(
            payment=OuterRef("pk"),
            status=PaymentRefund.Status.SUCCEEDED,
            finished_at__date=value,
        )
        return queryset.filter(Exists(refunded))

    def filter_attention(self, queryset, name, value):
        return queryset.filter(NEEDS_ATTENTION) if value else queryset

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        place = room_place()
        matches = (
            Q(number__icontains=value)
            | Q(searched_place__icontains=value)
            | Q(payer_name__icontains=value)
            # As `Payment.payer_display` shows it: the typed name, else the online payer's.
            | Q(payer_name="", payer__display_name__icontains=value)
            | Q(payer_name="", payer__display_name="", payer__mobile__icontains=value)
            | Q(reference__icontains=value)
        )
        # A receipt number as printed (001-00000012) or just its sequence number.
        receipt_number = value.rsplit("-", 1)[-1]
        if receipt_number.isdigit() and len(receipt_number) <= 12:
            matches |= Q(receipt__number=int(receipt_number))
        return queryset.annotate(searched_place=place).filter(matches)

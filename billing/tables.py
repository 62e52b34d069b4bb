from decimal import Decimal

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from staff.tables import PartialColumn

from .models import BillRun, Payment
from .rules import yuan

# How the payer's browser reached the provider (`Payment.channel`).
CHANNEL_LABELS = {
    "jsapi": _("In WeChat"),
    "h5": _("Mobile browser"),
    "native": _("QR code"),
    "wap": _("Mobile browser"),
    "page": _("Computer browser"),
    "mobile": _("Mobile browser"),
    "pc": _("Computer browser"),
    "sandbox": _("Sandbox (test)"),
}


def channel_label(channel: str) -> str:
    return str(CHANNEL_LABELS.get(channel, channel))


def plain_number(value: Decimal, places: int = 0) -> str:
    """A quantity or price without trailing zeros, but with at least `places` decimals:
    98.5000 → 98.5, 2.8000 → 2.80 (places=2), 0.5380 → 0.538."""
    value = Decimal(value).normalize()
    if -value.as_tuple().exponent < places:
        value = value.quantize(Decimal(1).scaleb(-places))
    return f"{value:f}"


class MoneyColumn(tables.Column):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "text-end text-nowrap font-monospace"},
                                    "th": {"class": "text-end"}})  # fmt: skip
        super().__init__(*args, **kwargs)

    def render(self, value) -> str:
        return yuan(value)


class BillRunTable(tables.Table):
    period = PartialColumn(
        template_name="staff/billing/_work_run_period.html",
        verbose_name=_("Billing period"),
        order_by=("period_start", "period_end"),
    )
    fee_rules = PartialColumn(
        template_code="{% for rule in record.rules.all %}{{ rule.name }}{% if not forloop.last %}、{% endif %}"
        "{% endfor %}",
        verbose_name=_("Fee items"),
        orderable=False,
        accessor="pk",
    )
    bill_count = tables.Column(
        verbose_name=_("Number of bills"),
        attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}},
    )
    total = MoneyColumn(verbose_name=_("Total"))
    exceptions = PartialColumn(
        template_name="staff/billing/_work_run_exceptions.html",
        verbose_name=_("Exceptions"),
        orderable=False,
        accessor="pk",
        attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}},
    )
    status = PartialColumn(
        template_name="staff/billing/_work_run_status.html", verbose_name=_("Status")
    )
    created = PartialColumn(
        template_name="staff/billing/_work_run_created.html",
        verbose_name=_("Created"),
        order_by=("created_at",),
        accessor="created_at",
    )

    class Meta:
        model = BillRun
        fields = ("period", "fee_rules", "bill_count", "total", "exceptions", "status", "created")
        attrs = {"class": "table table-hover align-middle"}
        empty_text = _("No bill runs yet: start one to create this month's bills.")


class MethodColumn(tables.Column):
    """The method, and for online payments the channel the payer used."""

    def render(self, value, record) -> str:
        if record.is_online and record.channel:
            return format_html(
                '{} <span class="small text-secondary">· {}</span>',
                record.get_method_display(),
                channel_label(record.channel),
            )
        return record.get_method_display()


class PaymentTable(tables.Table):
    number = PartialColumn(
        template_code='<a class="fw-semibold text-decoration-none font-monospace" '
        "href=\"{% url 'billing_staff:payment_detail' payment_id=record.pk %}\">"
        "{{ record.number }}</a>",
        verbose_name=_("Payment number"),
    )
    paid_at = PartialColumn(
        # An online payment not (yet) paid shows when it was started instead.
        template_code='{% if record.paid_at %}{{ record.paid_at|date:"Y-m-d H:i" }}{% else %}'
        '<span class="text-secondary" title="{{ started_label }}">'
        '{{ record.created_at|date:"Y-m-d H:i" }}</span>{% endif %}',
        verbose_name=_("Paid at"),
        attrs={"td": {"class": "text-nowrap"}},
        extra_context={"started_label": _("Started; not paid")},
    )
    room = tables.Column(
        verbose_name=_("Room"),
        accessor="room__label",
        order_by=("room__building__sort_order", "room__building__name", "room__number"),
    )
    payer_name = PartialColumn(
        template_code="{{ record.payer_display }}",
        verbose_name=_("Payer"),
    )
    method = MethodColumn(verbose_name=_("Method"), accessor="method")
    amount = MoneyColumn(verbose_name=_("Amount"))
    status = PartialColumn(
        template_name="staff/billing/_work_payment_status.html", verbose_name=_("Status")
    )
    cashier = PartialColumn(
        template_code="{% if record.cashier_id %}{{ record.cashier.get_full_name }}{% else %}"
        '<span class="text-secondary">{{ online_label }}</span>{% endif %}',
        verbose_name=_("Cashier"),
        order_by=("cashier__display_name",),
        extra_context={"online_label": _("Online")},
    )
    receipt = PartialColumn(
        template_code='{% if record.receipt %}<span class="font-monospace">'
        "{{ record.receipt.display_number }}</span>{% else %}—{% endif %}",
        verbose_name=_("Receipt"),
        order_by=("receipt__number",),
    )

    class Meta:
        model = Payment
        fields = ("number", "paid_at", "room", "payer_name", "method", "amount", "status",
                  "cashier", "receipt")  # fmt: skip
        attrs = {"class": "table table-hover align-middle"}
        empty_text = _("No payments match these filters.")

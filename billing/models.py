"""Fees and what is owed: fee rules with dated prices, meters and readings, bills with line
items that show their arithmetic, payments (at the counter and online) and receipts.

Money is Decimal everywhere, rounded to the fen with ROUND_HALF_UP (`billing.rules`). A bill
stores its computed lines and amount, so a later price change never alters it."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MONEY = {"max_digits": 12, "decimal_places": 2}
PRICE = {"max_digits": 12, "decimal_places": 4}


class FeeKind(models.TextChoices):
    PROPERTY = "property", _("Property management fee")
    WATER = "water", pgettext_lazy("fee", "Water")
    ELECTRICITY = "electricity", pgettext_lazy("fee", "Electricity")
    GAS = "gas", pgettext_lazy("fee", "Gas")
    PARKING = "parking", pgettext_lazy("fee", "Parking")
    FIXED = "fixed", _("Fixed charge")
    # Single charges only (SBIL-1): never a fee rule's kind.
    REPAIR = "repair", _("Repair charge")
    OTHER = "other", _("Other charge")


METERED_KINDS = (FeeKind.WATER, FeeKind.ELECTRICITY, FeeKind.GAS)
# What a community's fee rule may be (single charges may also be a repair or another charge).
RULE_KINDS = [(k.value, k.label) for k in FeeKind if k not in (FeeKind.REPAIR, FeeKind.OTHER)]


class Cycle(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


CYCLE_MONTHS = {Cycle.MONTHLY: 1, Cycle.QUARTERLY: 3, Cycle.YEARLY: 12}


class FeeRuleFields(models.Model):
    """What a template and a community's rule share."""

    name = models.CharField(_("name"), max_length=40)
    kind = models.CharField(_("fee kind"), max_length=20, choices=RULE_KINDS)
    cycle = models.CharField(
        _("billing cycle"), max_length=10, choices=Cycle, default=Cycle.MONTHLY
    )
    due_day = models.PositiveSmallIntegerField(
        _("due day"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("Day of the month after the period on which the bill falls due (1–28)."),
    )
    late_fee_daily_rate = models.DecimalField(
        _("late fee per day"),
        max_digits=6,
        decimal_places=5,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Share of the unpaid amount per day overdue, e.g. 0.0005 for 0.05 %."),
    )
    late_fee_cap_rate = models.DecimalField(
        _("late fee cap"),
        max_digits=5,
        decimal_places=4,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("The late fee never exceeds this share of the amount, e.g. 0.1 for 10 %."),
    )

    class Meta:
        abstract = True


class FeeRuleTemplate(FeeRuleFields):
    """A rule platform operators offer; communities adopt a copy and adjust it."""

    unit_price = models.DecimalField(_("unit price"), **PRICE, validators=[MinValueValidator(0)])
    tiers = models.JSONField(
        _("tiered prices"),
        default=list,
        blank=True,
        help_text=_(
            'For meters: [["up to", "price"], …] in ascending order, the last "up to" empty, '
            'e.g. [["200", "0.538"], ["400", "0.588"], ["", "0.838"]].'
        ),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("fee rule template")
        verbose_name_plural = _("fee rule templates")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class FeeRule(FeeRuleFields):
    """A community's fee: how bills of one kind are computed there. Prices live in
    `FeePrice`, each from a date."""

    community = models.ForeignKey(
        "accounts.Community",
        verbose_name=_("community"),
        on_delete=models.CASCADE,
        related_name="fee_rules",
    )
    template = models.ForeignKey(
        FeeRuleTemplate,
        verbose_name=_("adopted from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rules",
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("fee rule")
        verbose_name_plural = _("fee rules")
        ordering = ["community_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"], name="fee_rule_name_per_community"
            )
        ]

    def __str__(self) -> str:
        return self.name


class FeePrice(models.Model):
    """The rule's price from `valid_from` on (until the next price's date)."""

    rule = models.ForeignKey(
        FeeRule, verbose_name=_("fee rule"), on_delete=models.CASCADE, related_name="prices"
    )
    valid_from = models.DateField(_("valid from"))
    unit_price = models.DecimalField(_("unit price"), **PRICE, validators=[MinValueValidator(0)])
    tiers = models.JSONField(_("tiered prices"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        ordering = ["rule_id", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "valid_from"], name="one_price_per_rule_and_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}@{self.valid_from}: {self.unit_price}"


class BillingSettings(models.Model):
    """A community's reminder days."""

    community = models.OneToOneField(
        "accounts.Community", verbose_name=_("community"), on_delete=models.CASCADE,
        related_name="billing_settings",
    )  # fmt: skip
    remind_days_before = models.CharField(
        _("remind days before the due date"),
        max_length=40,
        default="7,3",
        help_text=_("Comma separated, e.g. 7,3."),
    )
    remind_days_after = models.CharField(
        _("overdue reminders, days after the due date"),
        max_length=40,
        default="1,15",
        help_text=_("Comma separated, e.g. 1,15."),
    )

    class Meta:
        verbose_name = _("billing settings")
        verbose_name_plural = _("billing settings")

    def __str__(self) -> str:
        return str(self.community_id)

    @staticmethod
    def parse_days(text: str) -> list[int]:
        days = set()
        for part in (text or "").replace("，", ",").split(","):
            part = part.strip()
            if part.isdigit() and 0 < int(part) <= 90:
                days.add(int(part))
        return sorted(days, reverse=True)


class ParkingSpace(models.Model):
    community = models.ForeignKey(
        "accounts.Community", verbose_name=_("community"), on_delete=models.CASCADE,
        related_name="parking_spaces",
    )  # fmt: skip
    code = models.CharField(_("space number"), max_length=20)
    room = models.ForeignKey(
        "accounts.Room",
        verbose_name=_("rented by room"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="parking_spaces",
    )

    class Meta:
        verbose_name = _("parking space")
        verbose_name_plural = _("parking spaces")
        ordering = ["community_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="parking_code_per_community")
        ]

    def __str__(self) -> str:
        return self.code


class Meter(models.Model):
    room = models.ForeignKey(
        "accounts.Room", verbose_name=_("room"), on_delete=models.CASCADE, related_name="meters"
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=[(k.value, k.label) for k in METERED_KINDS]
    )
    number = models.CharField(_("meter number"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("meter")
        verbose_name_plural = _("meters")
        constraints = [models.UniqueConstraint(fields=["room", "kind"], name="one_meter_per_kind")]

    def __str__(self) -> str:
        return f"{self.room_id}:{self.kind}"


class MeterReading(models.Model):
    """The reading for a month. `previous` is fixed when the reading is entered (the month
    before's reading, or the new meter's start after a meter change), so the consumption a
    bill was computed from never moves."""

    meter = models.ForeignKey(
        Meter, verbose_name=_("meter"), on_delete=models.CASCADE, related_name="readings"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month read."))
    previous = models.DecimalField(_("previous reading"), max_digits=12, decimal_places=2)
    current = models.DecimalField(_("current reading"), max_digits=12, decimal_places=2)
    is_meter_change = models.BooleanField(
        _("meter changed"),
        default=False,
        help_text=_("The meter was replaced: the previous reading is the new meter's start."),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)

    class Meta:
        verbose_name = _("meter reading")
        verbose_name_plural = _("meter readings")
        ordering = ["meter_id", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["meter", "month"], name="one_reading_per_month"),
            models.CheckConstraint(
                condition=Q(current__gte=models.F("previous")), name="reading_not_below_previous"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meter_id}@{self.month:%Y-%m}: {self.current}"

    @property
    def consumption(self):
        return self.current - self.previous


class BillRun(models.Model):
    class Status(models.TextChoices):
        CREATED = "created", _("Bills created (draft)")
        PUBLISHED = "published", _("Published")

    community = models.ForeignKey(
        "accounts.Community", verbose_name=_("community"), on_delete=models.CASCADE,
        related_name="bill_runs",
    )  # fmt: skip
    rules = models.ManyToManyField(FeeRule, verbose_name=_("fee rules"), related_name="runs")
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    # The month chosen when the run was made (regenerating a draft bills the same month).
    month = models.DateField(_("billing month"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.CREATED)
    bill_count = models.PositiveIntegerField(_("number of bills"), default=0)
    total = models.DecimalField(_("total"), **MONEY, default=0)
    skipped = models.JSONField(_("exceptions"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL,
        null=True, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("bill run")
        verbose_name_plural = _("bill runs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.community_id} {self.period_start}–{self.period_end}"


class Bill(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("bill status", "Draft")
        PUBLISHED = "published", pgettext_lazy("bill status", "Unpaid")
        PARTIALLY_PAID = "partially_paid", pgettext_lazy("bill status", "Partially paid")
        OVERDUE = "overdue", pgettext_lazy("bill status", "Overdue")
        PAID = "paid", pgettext_lazy("bill status", "Paid")
        WAIVED = "waived", pgettext_lazy("bill status", "Waived")
        REFUNDED = "refunded", pgettext_lazy("bill status", "Refunded")

    # What a resident still owes.
    UNPAID_STATUSES = (Status.PUBLISHED, Status.PARTIALLY_PAID, Status.OVERDUE)
    # Unpaid and not yet overdue: what becomes 逾期 after its due date.
    FALLING_DUE_STATUSES = (Status.PUBLISHED, Status.PARTIALLY_PAID)

    number = models.CharField(_("bill number"), max_length=24, unique=True, editable=False)
    # Indexed as the first column of the indexes below, not on its own: every index costs
    # the bill run's inserts.
    community = models.ForeignKey(
        "accounts.Community", verbose_name=_("community"), on_delete=models.PROTECT,
        related_name="bills", db_index=False,
    )  # fmt: skip
    room = models.ForeignKey(
        "accounts.Room", verbose_name=_("room"), on_delete=models.PROTECT, related_name="bills",
        db_index=False,
    )  # fmt: skip
    # Empty on a single charge (SBIL-1), which no fee rule computed.
    rule = models.ForeignKey(
        FeeRule,
        verbose_name=_("fee rule"),
        on_delete=models.PROTECT,
        related_name="bills",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("fee kind"), max_length=20, choices=FeeKind)
    title = models.CharField(_("title"), max_length=60)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    due_date = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_amount = models.DecimalField(_("paid"), **MONEY, default=0)
    late_fee_paid = models.DecimalField(_("late fee paid"), **MONEY, default=0)
    late_fee_daily_rate = models.DecimalField(
        _("late fee per day (rate)"), max_digits=6, decimal_places=5, default=0
    )
    late_fee_cap_rate = models.DecimalField(
        _("late fee cap (rate)"), max_digits=5, decimal_places=4, default=0
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.DRAFT)
    run = models.ForeignKey(
        BillRun, verbose_name=_("bill run"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="bills",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    waived_reason = models.CharField(_("reason for waiving"), max_length=200, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("waived by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+", db_index=False,
    )  # fmt: skip
    # A single charge (SBIL-1): who entered it, and what it is for (a repair order, say) as
    # the module that raised it names it ("报修单 BX2612070001") and a key it finds it by.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    source_label = models.CharField(_("charged for"), max_length=100, blank=True)
    # Not indexed: nothing looks bills up by it, and every bill of a run would add a '' entry.
    source_key = models.CharField(_("source reference"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        ordering = ["-period_start", "kind", "pk"]
        permissions = [
            ("waive_bill", _("Can waive bills")),
            ("refund_bill", _("Can refund payments")),
            ("collect_payment", _("Can take payments at the counter")),
            ("void_receipt", _("Can void receipts of any day")),
            ("run_bills", _("Can create and publish bill runs")),
            ("view_billing_reports", _("Can see arrears and collection reports")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["room", "rule", "period_start"], name="one_bill_per_room_rule_period"
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status", "due_date"], name="bill_status_idx"),
            models.Index(fields=["room", "status"], name="bill_room_idx"),
            models.Index(fields=["community", "period_start", "kind"], name="bill_period_idx"),
            # The staff bills list and its arrears summary: the unpaid bills of a community by
            # due date, with what they owe (an index-only scan on PostgreSQL).
            models.Index(
                fields=["community", "due_date"],
                name="bill_unpaid_due_idx",
                condition=models.Q(status__in=["published", "partially_paid", "overdue"]),
                include=["amount", "paid_amount"],
            ),
            # The daily move to 逾期 (services.mark_overdue), across communities. Partial: a
            # bill run's drafts and the paid bills are not in it.
            models.Index(
                fields=["due_date"],
                name="bill_falling_due_idx",
                condition=models.Q(status__in=["published", "partially_paid"]),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def outstanding(self):
        return self.amount - self.paid_amount

    @property
    def is_single_charge(self) -> bool:
        return self.rule_id is None and self.run_id is None


def new_number(prefix: str) -> str:
    """Prefix, date and 12 random hex digits: unguessable, and with 48 random bits two bills of
    an 80,000-bill run share a number about once in 10^5 runs (and the unique index says so)."""
    return new_numbers(prefix, 1)[0]


def new_numbers(prefix: str, count: int) -> list[str]:
    """`count` numbers of `new_number`'s form, the date and the randomness taken once (a bill
    run makes 80,000)."""
    start = f"{prefix}{timezone.localtime():%y%m%d}"
    random = secrets.token_hex(6 * count).upper()
    return [start + random[n : n + 12] for n in range(0, 12 * count, 12)]


class BillLine(models.Model):
    """One step of a bill's arithmetic: 建筑面积 89.50 m² × 2.80 元/m²·月 × 3 个月."""

    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(_("item"), max_length=80)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    unit_price = models.DecimalField(_("unit price"), **PRICE)
    amount = models.DecimalField(_("amount"), **MONEY)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("bill line")
        verbose_name_plural = _("bill lines")
        ordering = ["bill_id", "sort", "pk"]

    def __str__(self) -> str:
        return self.description


class Payment(models.Model):
    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        POS = "pos", _("Card at the counter (POS)")
        TRANSFER = "transfer", _("Bank transfer")
        WECHAT = "wechat", _("WeChat Pay")
        ALIPAY = "alipay", _("Alipay")
        CARD = "card", _("Bank card online")
        PREPAID = "prepaid", _("From the prepaid balance")

    COUNTER_METHODS = (Method.CASH, Method.POS, Method.TRANSFER)
    # Counter payments the cashier may take for bills: money, or the room's prepaid balance.
    BILL_COUNTER_METHODS = (*COUNTER_METHODS, Method.PREPAID)
    # Without their POS voucher or transfer number these cannot be reconciled with the bank.
    NEEDS_REFERENCE = (Method.POS, Method.TRANSFER)

    ONLINE_METHODS = (Method.WECHAT, Method.ALIPAY, Method.CARD)

    class Status(models.TextChoices):
        CREATED = "created", pgettext_lazy("payment status", "Created")
        PENDING = "pending", _("Waiting for payment")
        SUCCEEDED = "succeeded", _("Paid")
        FAILED = "failed", _("Failed")
        CLOSED = "closed", _("Closed")
        REFUNDED = "refunded", _("Refunded")
        VOIDED = "voided", _("Voided")

    class Purpose(models.TextChoices):
        BILLS = "bills", pgettext_lazy("paid for", "Bills")
        PREPAYMENT = "prepayment", pgettext_lazy("paid for", "Prepayment")

    OPEN_STATUSES = (Status.CREATED, Status.PENDING)
    SETTLED_STATUSES = (Status.SUCCEEDED, Status.REFUNDED)

    number = models.CharField(_("payment number"), max_length=24, unique=True, editable=False)
    community = models.ForeignKey(
        "accounts.Community", verbose_name=_("community"), on_delete=models.PROTECT,
        related_name="payments",
    )  # fmt: skip
    room = models.ForeignKey(
        "accounts.Room", verbose_name=_("room"), on_delete=models.PROTECT, related_name="payments"
    )
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("payer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
    )
    payer_name = models.CharField(_("payer's name"), max_length=50, blank=True)
    method = models.CharField(_("method"), max_length=10, choices=Method)
    amount = models.DecimalField(_("amount"), **MONEY)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.PENDING, db_index=True
    )
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    purpose = models.CharField(_("paid for"), max_length=10, choices=Purpose, default=Purpose.BILLS)
    # Cash at the counter: what the payer handed over and the change given back.
    tendered = models.DecimalField(_("amount tendered"), **MONEY, null=True, blank=True)
    change = models.DecimalField(_("change"), **MONEY, null=True, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("voided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    void_reason = models.CharField(_("reason for voiding"), max_length=200, blank=True)
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cashier"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True, db_index=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    refund_reason = models.CharField(_("reason for refund"), max_length=200, blank=True)
    refunded_amount = models.DecimalField(_("refunded"), **MONEY, default=0)
    # Online payments: how the browser paid, the provider's trade number, the verified
    # notification (or query answer) that settled it, and when the trade was closed unpaid.
    channel = models.CharField(_("channel"), max_length=10, blank=True)
    trade_no = models.CharField(_("provider trade number"), max_length=64, blank=True)
    notification = models.JSONField(_("verified notification"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Money received for bills that another payment had already paid: not applied to any bill,
    # refunded automatically (or by staff when the provider refuses).
    unapplied = models.BooleanField(_("not applied to the bills"), default=False)
    attention = models.CharField(_("needs attention"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "paid_at"], name="payment_paid_idx"),
            models.Index(fields=["status", "created_at"], name="payment_open_idx"),
            # The few payments staff must look at (the menu badge counts them on every page).
            models.Index(
                fields=["community"],
                condition=Q(unapplied=True) | ~Q(attention=""),
                name="payment_attention_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_online(self) -> bool:
        return self.method in self.ONLINE_METHODS

    @property
    def refundable(self) -> Decimal:
        return self.amount - self.refunded_amount

    @property
    def payer_display(self) -> str:
        """Who paid, the same on the page, the receipt and in the search: the name the cashier
        typed, else the online payer's name, else "—" (never guessed from the room)."""
        if self.payer_name:
            return self.payer_name
        if self.payer_id:
            return self.payer.get_full_name()
        return "—"


class PaymentItem(models.Model):
    """How much of a payment went to one bill (and to its late fee)."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="items")
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="payment_items")
    amount = models.DecimalField(_("amount"), **MONEY)
    late_fee = models.DecimalField(_("late fee"), **MONEY, default=0)
    refunded_amount = models.DecimalField(_("refunded"), **MONEY, default=0)
    refunded_late_fee = models.DecimalField(_("late fee refunded"), **MONEY, default=0)

    class Meta:
        verbose_name = _("payment item")
        verbose_name_plural = _("payment items")
        ordering = ["payment_id", "pk"]

    def __str__(self) -> str:
        return f"{self.payment_id}:{self.bill_id}"


class ReceiptSequence(models.Model):
    """The next receipt number of a company: taken under a row lock, inside the payment's
    transaction, so numbers have no gaps and no repeats."""

    company = models.OneToOneField(
        "accounts.PropertyCompany", on_delete=models.CASCADE, related_name="receipt_sequence"
    )
    next_number = models.PositiveBigIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.company_id}: {self.next_number}"


class Receipt(models.Model):
    company = models.ForeignKey(
        "accounts.PropertyCompany", verbose_name=_("property company"), on_delete=models.PROTECT,
        related_name="receipts",
    )  # fmt: skip
    number = models.PositiveBigIntegerField(_("receipt number"))
    payment = models.OneToOneField(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="receipt"
    )
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    token = models.CharField(_("access token"), max_length=32, unique=True, editable=False)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["company_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="receipt_number_per_company")
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"{self.company_id:03d}-{self.number:08d}"


class PrepaymentAccount(models.Model):
    """A room's prepaid balance (预存). Changed only by billing.services under a row lock, each
    change written to the ledger (`PrepaymentEntry`) with the balance after it."""

    room = models.OneToOneField(
        "accounts.Room", verbose_name=_("room"), on_delete=models.PROTECT,
        related_name="prepayment_account",
    )  # fmt: skip
    community = models.ForeignKey(
        "accounts.Community", on_delete=models.PROTECT, related_name="prepayment_accounts"
    )
    balance = models.DecimalField(_("balance"), **MONEY, default=0)

    class Meta:
        verbose_name = _("prepaid balance")
        verbose_name_plural = _("prepaid balances")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="prepayment_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.room_id}: {self.balance}"


class PrepaymentEntry(models.Model):
    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("Prepaid")
        DEDUCTION = "deduction", _("Deducted for bills")
        REFUND = "refund", _("Refunded to the payer")
        VOID = "void", _("Reversed (receipt voided)")

    account = models.ForeignKey(PrepaymentAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    # Signed: money in is positive, money out negative.
    amount = models.DecimalField(_("amount"), **MONEY)
    balance_after = models.DecimalField(_("balance after"), **MONEY)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="prepayment_entries"
    )
    method = models.CharField(_("method"), max_length=10, choices=Payment.Method, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("prepaid balance entry")
        verbose_name_plural = _("prepaid balance entries")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.account_id}:{self.kind}:{self.amount}"


class CashierDay(models.Model):
    """A cashier's closed day (交班): after it, the day's payments are no longer theirs to void.
    `summary` keeps the figures as they were when the day was closed."""

    community = models.ForeignKey(
        "accounts.Community", on_delete=models.PROTECT, related_name="cashier_days"
    )
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("cashier"), on_delete=models.PROTECT,
        related_name="cashier_days",
    )  # fmt: skip
    day = models.DateField(_("day"))
    closed_at = models.DateTimeField(_("handed over at"), default=timezone.now)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("cashier's day")
        verbose_name_plural = _("cashier's days")
        ordering = ["-day", "cashier_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "cashier", "day"], name="one_handover_per_cashier_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.cashier_id}@{self.day}"


class BillReminder(models.Model):
    """A reminder sent for a bill: one per bill, kind and day offset, ever."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")
        DUNNING = "dunning", _("Dunning by staff")

    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=Kind)
    offset_days = models.SmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("bill reminder")
        verbose_name_plural = _("bill reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["bill", "kind", "offset_days"], name="bill_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.bill_id}:{self.kind}:{self.offset_days}"


class PaymentRefund(models.Model):
    """Money given back from a payment, whole or in part. Counter payments are refunded at
    once (cash back at the counter); online ones through the provider's refund API, which may
    answer later: the bills change only when the refund has succeeded."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being refunded")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Refund failed")

    number = models.CharField(_("refund number"), max_length=24, unique=True, editable=False)
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="refunds"
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.PENDING, db_index=True
    )
    # Per payment item: how much of the bill and of its late fee this refund gives back.
    allocation = models.JSONField(_("split over the bills"), default=list, blank=True)
    provider_refund_no = models.CharField(_("provider's refund number"), max_length=64, blank=True)
    message = models.CharField(_("provider's answer"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number


class PaymentNotification(models.Model):
    """Every notification a provider sent us, believed or not: what came, what we made of it."""

    class Outcome(models.TextChoices):
        SETTLED = "settled", _("Settled the payment")
        DUPLICATE = "duplicate", _("Already settled")
        UNAPPLIED = "unapplied", _("Paid, but the bills were already paid")
        CLOSED = "closed", _("Trade closed")
        IGNORED = "ignored", _("Nothing to do")
        REFUSED = "refused", _("Refused")

    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    method = models.CharField(_("method"), max_length=10, choices=Payment.Method)
    # notify / query
    source = models.CharField(_("source"), max_length=12, default="notify")
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="notifications",
    )  # fmt: skip
    number = models.CharField(_("provider's trade number"), max_length=64, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    remote_addr = models.GenericIPAddressField(_("sender IP"), null=True, blank=True)
    body = models.TextField(_("message body"), blank=True)

    class Meta:
        verbose_name = _("payment notification")
        verbose_name_plural = _("payment notifications")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.method}:{self.number}:{self.outcome}"


class SandboxTrade(models.Model):
    """The sandbox provider's own books (it stands in for WeChat Pay, Alipay or UnionPay when
    no merchant credentials are configured): what was paid, closed and refunded there."""

    class State(models.TextChoices):
        UNPAID = "unpaid", _("Unpaid")
        PAID = "paid", _("Paid")
        CLOSED = "closed", _("Closed")

    method = models.CharField(max_length=10, choices=Payment.Method)
    number = models.CharField(max_length=64)
    amount_fen = models.PositiveBigIntegerField()
    state = models.CharField(max_length=8, choices=State, default=State.UNPAID)
    trade_no = models.CharField(max_length=64, blank=True)
    refunds = models.JSONField(default=dict, blank=True)  # refund number → fen
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sandbox trade")
        verbose_name_plural = _("sandbox trades")
        constraints = [
            models.UniqueConstraint(fields=["method", "number"], name="sandbox_trade_once")
        ]

    def __str__(self) -> str:
        return f"{self.method}:{self.number}"

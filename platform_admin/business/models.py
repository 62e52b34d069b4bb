"""The business part's models (imported by platform_admin/models.py): the nightly roll-up of
the money and repairs figures (PSTA-2). The bills, payments and repair orders tables are large
(a 20,000-room estate has over a million bills and some 125,000 repair orders a year), so the
statistics read the closed months' bills and repairs and the closed days' payments summed
here, and only what is newer from the raw tables."""

from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 16, "decimal_places": 2, "default": 0}


class BusinessRollup(models.Model):
    """One run of the nightly roll-up, which recomputes every row below from the raw tables.
    The statistics trust the rows of the newest finished run for the months before
    `months_through` and the days before `days_through`, and read everything later raw; a run
    older than `selectors.ROLLUP_MAX_AGE` is not trusted at all (all raw: slow, never stale)."""

    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    months_through = models.DateField(_("bills rolled up before"))
    days_through = models.DateField(_("payments rolled up before"))
    # The local midnight starting days_through: the raw payments are read from it on.
    received_before = models.DateTimeField(_("payments rolled up before (moment)"))
    # The local midnight starting months_through: the raw repair orders are read from it on.
    # Empty on runs made before repairs were rolled up (their figures are then read raw).
    months_before = models.DateTimeField(
        _("repairs rolled up before (moment)"), null=True, blank=True
    )
    bill_rows = models.PositiveIntegerField(_("monthly bill rows"), default=0)
    payment_rows = models.PositiveIntegerField(_("daily payment rows"), default=0)
    repair_rows = models.PositiveIntegerField(_("monthly repair rows"), default=0)

    class Meta:
        verbose_name = _("business roll-up run")
        verbose_name_plural = _("business roll-up runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"


class MonthlyBills(models.Model):
    """The published bills of a community whose period starts in a closed month, summed as
    they stood when the roll-up ran."""

    community = models.ForeignKey(
        "accounts.Community", verbose_name=_("community"), on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    month = models.DateField(_("month"))
    bills = models.PositiveIntegerField(_("number of bills"), default=0)
    billed = models.DecimalField(_("billed"), **MONEY)
    waived = models.DecimalField(_("waived"), **MONEY)
    collected = models.DecimalField(_("collected"), **MONEY)
    arrears = models.DecimalField(_("still owed"), **MONEY)

    class Meta:
        verbose_name = _("monthly bills roll-up")
        verbose_name_plural = _("monthly bills roll-ups")
        ordering = ["-month", "community"]
        constraints = [
            models.UniqueConstraint(fields=["month", "community"], name="business_bills_month")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} · {self.community_id}"


class DailyPayments(models.Model):
    """The money a community received and kept on a closed local day by one payment method
    (refunds made before the roll-up ran taken off)."""

    community = models.ForeignKey(
        "accounts.Community", verbose_name=_("community"), on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    day = models.DateField(_("day"))
    method = models.CharField(_("method"), max_length=20)
    received = models.DecimalField(_("received"), **MONEY)
    late_fees = models.DecimalField(_("late fees"), **MONEY)

    class Meta:
        verbose_name = _("daily payments roll-up")
        verbose_name_plural = _("daily payments roll-ups")
        ordering = ["-day", "community", "method"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "community", "method"], name="business_payments_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} · {self.community_id} · {self.method}"


class MonthlyRepairs(models.Model):
    """The repair orders of a community in a closed month as they stood when the roll-up ran:
    orders reported in it (and cancelled of them), and the sums behind the figures of the
    orders completed in it (repairs.performance.ORDER_SUMS): numerators and denominators,
    never averages, so that months and communities add up exactly."""

    community = models.ForeignKey(
        "accounts.Community", verbose_name=_("community"), on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    month = models.DateField(_("month"))
    reported = models.PositiveIntegerField(_("orders reported"), default=0)
    cancelled = models.PositiveIntegerField(_("orders cancelled"), default=0)
    completed = models.PositiveIntegerField(_("orders completed"), default=0)
    timed = models.PositiveIntegerField(_("orders with a deadline"), default=0)
    on_time = models.PositiveIntegerField(_("orders finished on time"), default=0)
    ratings = models.PositiveIntegerField(_("ratings"), default=0)
    low_ratings = models.PositiveIntegerField(_("low ratings"), default=0)
    response_total = models.PositiveBigIntegerField(_("seconds to accept, summed"), default=0)
    response_count = models.PositiveIntegerField(_("orders with a time to accept"), default=0)
    finish_total = models.PositiveBigIntegerField(_("seconds to finish, summed"), default=0)
    finish_count = models.PositiveIntegerField(_("orders with a time to finish"), default=0)
    speed_total = models.PositiveIntegerField(_("speed scores, summed"), default=0)
    quality_total = models.PositiveIntegerField(_("quality scores, summed"), default=0)
    attitude_total = models.PositiveIntegerField(_("attitude scores, summed"), default=0)

    class Meta:
        verbose_name = _("monthly repairs roll-up")
        verbose_name_plural = _("monthly repairs roll-ups")
        ordering = ["-month", "community"]
        constraints = [
            models.UniqueConstraint(fields=["month", "community"], name="business_repairs_month")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} · {self.community_id}"

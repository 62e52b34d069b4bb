"""The partners part's models (imported by platform_admin/models.py): the platform's partner
institutions (payment institutions, service providers, other third parties), their contacts,
their agreements in versions, the agreements' PDF files, and the expiry alerts already sent.

Platform-wide records, kept by operators in the admin: a partner serves the whole platform
(or the communities listed on it), so no row here belongs to one community. A service
provider partner points at the services module's own `Provider` row, never a copy of it.
Secrets (payment keys, certificates) stay in the environment: `validators.refuse_secrets`
refuses anything that looks like one."""

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kit.storage import private_storage

from .validators import merchant_numbers_validator, refuse_secrets

__all__ = ["Agreement", "AgreementAlert", "AgreementAttachment", "Partner", "PartnerContact"]


class Partner(models.Model):
    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Payment institution")
        PROVIDER = "provider", _("Service provider")
        OTHER = "other", _("Other third party")

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("partner status", "Active")
        SUSPENDED = "suspended", pgettext_lazy("partner status", "Suspended")
        ENDED = "ended", pgettext_lazy("partner status", "Ended")

    class Channel(models.TextChoices):
        WECHAT = "wechat", _("WeChat Pay")
        ALIPAY = "alipay", _("Alipay")
        UNIONPAY = "unionpay", _("UnionPay")
        OTHER = "other", pgettext_lazy("payment channel", "Other")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind, db_index=True)
    name = models.CharField(_("name"), max_length=100, validators=[refuse_secrets])
    provider = models.OneToOneField(
        "services.Provider",
        verbose_name=_("service provider record"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner",
        help_text=_("The provider's own record in the services module (not a copy)."),
    )
    merchant_numbers = models.CharField(
        _("merchant numbers"),
        max_length=200,
        blank=True,
        validators=[merchant_numbers_validator],
        help_text=_(
            "Merchant numbers (商户号) and app ids, separated by commas. Never keys, "
            "certificates or passwords: those stay in the server's environment."
        ),
    )
    channels = models.JSONField(_("payment channels"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.ACTIVE, db_index=True
    )
    communities = models.ManyToManyField(
        "accounts.Community",
        verbose_name=_("communities served"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty when the partner serves the whole platform."),
    )
    notes = models.TextField(_("notes"), max_length=2000, blank=True, validators=[refuse_secrets])
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("partner institution")
        verbose_name_plural = _("partner institutions")
        ordering = ["kind", "name", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.kind == self.Kind.PROVIDER and not self.provider_id:
            errors["provider"] = _("Choose the service provider's record.")
        if self.kind != self.Kind.PROVIDER and self.provider_id:
            errors["provider"] = _("Only a service provider partner points at a provider record.")
        if self.kind != self.Kind.PAYMENT and (self.merchant_numbers or self.channels):
            errors["merchant_numbers"] = _(
                "Merchant numbers and channels belong to payment institutions only."
            )
        if self.kind == self.Kind.PAYMENT and not self.channels:
            errors["channels"] = _("Choose at least one payment channel.")
        unknown = set(self.channels or []) - set(self.Channel.values)
        if unknown:
            errors["channels"] = _("Unknown payment channel.")
        if errors:
            raise ValidationError(errors)

    def channel_labels(self) -> str:
        labels = dict(self.Channel.choices)
        return "、".join(str(labels.get(code, code)) for code in self.channels or [])


class PartnerContact(models.Model):
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=50, validators=[refuse_secrets])
    role = models.CharField(_("role"), max_length=50, blank=True, validators=[refuse_secrets])
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("partner contact")
        verbose_name_plural = _("partner contacts")
        ordering = ["partner_id", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.phone and not self.email:
            raise ValidationError({"phone": _("Give a phone number or an e-mail address.")})


class Agreement(models.Model):
    """One version of an agreement. A new version (a renewal or an amendment) points at the
    version it supersedes; all versions share their first version as `root`, and two signed
    versions of one agreement may not be in force on the same day. `end` empty: open-ended."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Payment services")
        SERVICE = "service", _("Community services")
        TECHNOLOGY = "technology", _("Technology services")
        OTHER = "other", pgettext_lazy("agreement kind", "Other")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("agreement status", "Draft")
        SIGNED = "signed", pgettext_lazy("agreement status", "Signed")
        CANCELLED = "cancelled", pgettext_lazy("agreement status", "Cancelled")

    class Revision(models.TextChoices):
        ORIGINAL = "original", _("Original agreement")
        RENEWAL = "renewal", _("Renewal")
        AMENDMENT = "amendment", _("Amendment")

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="agreements"
    )
    number = models.CharField(_("agreement number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=100, validators=[refuse_secrets])
    kind = models.CharField(_("type"), max_length=12, choices=Kind, default=Kind.SERVICE)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.SIGNED, db_index=True
    )
    signed_on = models.DateField(_("signing date"), null=True, blank=True)
    signed_after_start = models.BooleanField(
        _("signed after it took effect"),
        default=False,
        help_text=_("Tick when the agreement was signed after its start date (backdated)."),
    )
    start = models.DateField(_("start date"))
    end = models.DateField(
        _("end date"), null=True, blank=True, help_text=_("Empty: open-ended."), db_index=True
    )
    content = models.TextField(
        _("content"), max_length=10000, blank=True, validators=[refuse_secrets]
    )
    amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    fee_rate = models.DecimalField(
        _("fee rate (%)"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("In percent: 0.6 means 0.6 percent of each payment."),
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1, editable=False)
    revision = models.CharField(
        _("revision"), max_length=10, choices=Revision, default=Revision.ORIGINAL, editable=False
    )
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("supersedes"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="superseded_by",
    )
    root = models.ForeignKey(
        "self",
        verbose_name=_("first version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("partner agreement")
        verbose_name_plural = _("partner agreements")
        ordering = ["-start", "-pk"]
        indexes = [models.Index(fields=["status", "end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="agreement_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def clean(self) -> None:
        errors = {}
        if self.start and self.end and self.end < self.start:
            errors["end"] = _("The end date must be on or after the start date.")
        backdated = self.signed_on and self.start and self.signed_on > self.start
        if backdated and not self.signed_after_start:
            errors["signed_on"] = _(
                "The signing date is after the start date: correct it, or tick “signed after "
                "it took effect”."
            )
        if self.status == self.Status.SIGNED and not self.signed_on:
            errors["signed_on"] = _("A signed agreement needs its signing date.")
        if self.amount is None and self.fee_rate is None and self.kind == self.Kind.PAYMENT:
            errors["fee_rate"] = _("Give the fee rate (or an amount) of a payment agreement.")
        if errors:
            raise ValidationError(errors)
        overlapping = self.overlapping_versions()
        if overlapping:
            other = overlapping[0]
            raise ValidationError(
                _(
                    "Version %(version)s of this agreement (%(number)s) is in force on some of "
                    "the same days: two versions may not overlap. End it before this one starts."
                )
                % {"version": other.version, "number": other.number}
            )

    def overlapping_versions(self) -> list["Agreement"]:
        """Signed versions of the same agreement in force on one of this version's days."""
        if self.status != self.Status.SIGNED or not self.start or not (self.root_id or self.pk):
            return []
        root_id = self.root_id or self.pk
        others = Agreement.objects.filter(Q(pk=root_id) | Q(root_id=root_id)).filter(
            status=self.Status.SIGNED
        )
        if self.pk:
            others = others.exclude(pk=self.pk)
        others = others.filter(Q(end__isnull=True) | Q(end__gte=self.start))
        if self.end:
            others = others.filter(start__lte=self.end)
        return list(others.order_by("version"))

    def in_force_on(self, day: dt.date) -> bool:
        return (
            self.status == self.Status.SIGNED
            and self.start <= day
            and (self.end is None or self.end >= day)
        )

    def phase(self, today: dt.date | None = None) -> str:
        """Derived from the dates: "upcoming", "in_force", "ended" (or the stored status for a
        draft or a cancelled one)."""
        today = today or timezone.localdate()
        if self.status != self.Status.SIGNED:
            return self.status
        if self.start > today:
            return "upcoming"
        if self.end is not None and self.end < today:
            return "ended"
        return "in_force"


PHASE_LABELS = {
    "upcoming": _("Not yet in force"),
    "in_force": pgettext_lazy("agreement phase", "In force"),
    "ended": pgettext_lazy("agreement phase", "Ended"),
    "draft": pgettext_lazy("agreement status", "Draft"),
    "cancelled": pgettext_lazy("agreement status", "Cancelled"),
}


def attachment_upload_to(instance, filename: str) -> str:
    return f"partners/agreements/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.pdf"


class AgreementAttachment(models.Model):
    """A PDF of an agreement (checked by its bytes), in private storage, downloaded by
    operators only through platform_partners_attachment."""

    content_type = "application/pdf"  # what kit.downloads.attachment_response serves

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("PDF file"), upload_to=attachment_upload_to, storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=120, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("agreement PDF")
        verbose_name_plural = _("agreement PDFs")
        ordering = ["agreement_id", "pk"]

    def __str__(self) -> str:
        return self.original_name


class AgreementAlert(models.Model):
    """An expiry alert already sent: once per agreement, threshold (days ahead; 0 for "has
    ended") and end date, so a re-run sends nothing twice and a changed end date alerts again."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="alerts"
    )
    days = models.PositiveSmallIntegerField(_("days ahead"))
    ends_on = models.DateField(_("end date"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("agreement expiry alert")
        verbose_name_plural = _("agreement expiry alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "days", "ends_on"], name="agreement_alert_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement} −{self.days}"

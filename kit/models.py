from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """Who did what to which object, when, and in which community. Written only by
    `kit.audit.log_action`; never edited."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("by (as recorded)"), max_length=100, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.ForeignKey(
        ContentType,
        verbose_name=_("object type"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    target_label = models.CharField(_("object"), max_length=200, blank=True)
    community = models.ForeignKey(
        settings.LINLI_COMMUNITY_MODEL,
        verbose_name=_("community"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    data = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "-created_at"]),
            models.Index(fields=["community", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action_label}"

    @property
    def action_label(self) -> str:
        from .audit import action_label

        return action_label(self.action)

    @property
    def sentence(self) -> str:
        """The entry as one readable sentence (kit.audit.describe)."""
        from .audit import describe

        return describe(self)


class WorkerHeartbeat(models.Model):
    """Last time each background process proved it was alive (shown in the admin and /healthz)."""

    name = models.CharField(_("process"), max_length=100, unique=True)
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("background process")
        verbose_name_plural = _("background processes")

    def __str__(self) -> str:
        return self.name


class PendingInvalidation(models.Model):
    """A cache scope (kit.cache) whose generation could not be moved on at a write because the
    cache was unreachable: written with the write, moved on by `kit.cache.replay_pending` once
    the cache answers again (every minute), then deleted."""

    scope = models.CharField(_("cache scope"), max_length=200)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("pending cache invalidation")
        verbose_name_plural = _("pending cache invalidations")

    def __str__(self) -> str:
        return self.scope


class ParameterValue(models.Model):
    """A platform parameter's value set by operators (kit.parameters): platform-wide when
    `company` is empty, else that property company's override. A key without a row uses the
    registered default (the setting from the environment). Written only through
    `kit.parameters.parameter_set` / `parameter_clear`, which audit and drop the cache."""

    key = models.CharField(_("parameter"), max_length=80)
    company = models.ForeignKey(
        settings.LINLI_COMPANY_MODEL,
        verbose_name=_("property company"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    value = models.CharField(_("value"), max_length=200)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("platform parameter value")
        verbose_name_plural = _("platform parameter values")
        ordering = ["key", "company_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(company__isnull=True),
                name="one_platform_value_per_parameter",
            ),
            models.UniqueConstraint(
                fields=["key", "company"],
                condition=models.Q(company__isnull=False),
                name="one_value_per_parameter_and_company",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"

"""The backups part's models (imported by platform_admin/models.py): the runs of the backup job
and the per-community exports. Both are written by the platform itself: read-only in the admin."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kit.storage import private_storage

__all__ = ["BackupRun", "CommunityExport"]


class BackupRun(models.Model):
    """One backup of every database and every storage: an encrypted archive at the destination,
    its manifest (row counts and checksums per table, a hash per file) and the latest
    verification (restored into a scratch database and compared with the manifest)."""

    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        MANUAL = "manual", _("Started by an operator")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    class Verification(models.TextChoices):
        NOT_VERIFIED = "not_verified", _("Not verified yet")
        PASSED = "passed", _("Restored and matches")
        FAILED = "failed", _("Does not match")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.SCHEDULED)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.QUEUED, db_index=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    size = models.BigIntegerField(_("size (bytes)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    destination = models.CharField(_("destination"), max_length=300, blank=True)
    key = models.CharField(_("archive"), max_length=300, blank=True)
    key_fingerprint = models.CharField(_("encryption key fingerprint"), max_length=32, blank=True)
    manifest = models.JSONField(_("manifest"), default=dict, blank=True)
    verification = models.CharField(
        _("verification"),
        max_length=12,
        choices=Verification,
        default=Verification.NOT_VERIFIED,
    )
    verification_result = models.JSONField(_("verification result"), default=dict, blank=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    # Removed from the destination by the retention policy; the record stays.
    pruned_at = models.DateTimeField(_("removed by retention"), null=True, blank=True)

    class Meta:
        verbose_name = _("backup")
        verbose_name_plural = _("backups")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    @property
    def duration_seconds(self) -> float | None:
        duration = self.duration
        return round(duration.total_seconds(), 1) if duration is not None else None

    @property
    def available(self) -> bool:
        return self.status == self.Status.SUCCEEDED and not self.pruned_at


class CommunityExport(models.Model):
    """Everything of one community (its rows as JSON per model and its files) as a zip archive in
    private storage, for a company that leaves or an auditor."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    community = models.ForeignKey(
        "accounts.Community",
        verbose_name=_("community"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    file = models.FileField(_("archive"), storage=private_storage, upload_to="exports/", blank=True)
    size = models.BigIntegerField(_("size (bytes)"), null=True, blank=True)
    counts = models.JSONField(_("rows per model"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("community export")
        verbose_name_plural = _("community exports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.community} #{self.pk}"

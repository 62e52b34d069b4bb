"""The usage part's models (imported by platform_admin/models.py): one row per resident and
local day they used the residents' portal, and the daily roll-up of those rows per community."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from platform_admin.figures import FEATURES

FEATURE_LABELS = {
    "repairs": _("Repairs"),
    "payments": _("Payments"),
    "notices": _("Notices read"),
    "bookings": _("Service bookings"),
    "activities": _("Activities"),
    "complaints": _("Complaints and suggestions"),
}
assert tuple(FEATURE_LABELS) == FEATURES


class UsageDay(models.Model):
    """A resident who used the residents' portal on a local day, and which features they used.
    Written by platform_admin.usage.recording (at most one INSERT … ON CONFLICT per user, day and
    feature); the community is the one of their verified room when the day's first request came
    (None: no verified room yet)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    day = models.DateField(_("day"))
    community = models.ForeignKey(
        "accounts.Community", verbose_name=_("community"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    repairs = models.BooleanField(_("repairs"), default=False)
    payments = models.BooleanField(_("payments"), default=False)
    notices = models.BooleanField(_("notices read"), default=False)
    bookings = models.BooleanField(_("service bookings"), default=False)
    activities = models.BooleanField(_("activities"), default=False)
    complaints = models.BooleanField(_("complaints and suggestions"), default=False)

    class Meta:
        verbose_name = _("day of use")
        verbose_name_plural = _("days of use")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="usage_one_row_per_user_and_day")
        ]
        indexes = [models.Index(fields=["day", "community", "user"], name="usage_day_community")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.day}"


class UsageSummary(models.Model):
    """The roll-up of one closed day's UsageDay rows for one community (None: residents without
    a verified room), written by the nightly task; the statistics read it for closed days.
    Every rolled-up day has a row for None, even an empty one, so the last rolled-up day is
    known."""

    day = models.DateField(_("day"))
    community = models.ForeignKey(
        "accounts.Community", verbose_name=_("community"), on_delete=models.CASCADE,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    active_users = models.PositiveIntegerField(_("active users"), default=0)
    repairs = models.PositiveIntegerField(_("repairs"), default=0)
    payments = models.PositiveIntegerField(_("payments"), default=0)
    notices = models.PositiveIntegerField(_("notices read"), default=0)
    bookings = models.PositiveIntegerField(_("service bookings"), default=0)
    activities = models.PositiveIntegerField(_("activities"), default=0)
    complaints = models.PositiveIntegerField(_("complaints and suggestions"), default=0)
    rolled_up_at = models.DateTimeField(_("rolled up at"), auto_now=True)

    class Meta:
        verbose_name = _("daily usage roll-up")
        verbose_name_plural = _("daily usage roll-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "community"], name="usage_summary_one_per_day_and_community"
            )
        ]  # fmt: skip
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day} · {self.community_id}"

"""The usage part's models (imported by platform_admin/models.py): one row per resident and
local day they used the residents' portal, and the daily roll-up of those rows per community."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from platform_admin.figures import FEATURES

FEATURE_LABELS = {
    "repairs": _("Repairs"),
    "payments": pgettext_lazy("feature", "Payments"),
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
    repairs = models.BooleanField(_("used repairs"), default=False)
    payments = models.BooleanField(_("paid online"), default=False)
    notices = models.BooleanField(_("read notices"), default=False)
    bookings = models.BooleanField(_("booked services"), default=False)
    activities = models.BooleanField(_("took part in activities"), default=False)
    complaints = models.BooleanField(_("used complaints and suggestions"), default=False)

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
    repairs = models.PositiveIntegerField(_("people using repairs"), default=0)
    payments = models.PositiveIntegerField(_("people paying online"), default=0)
    notices = models.PositiveIntegerField(_("people reading notices"), default=0)
    bookings = models.PositiveIntegerField(_("people booking services"), default=0)
    activities = models.PositiveIntegerField(_("people in activities"), default=0)
    complaints = models.PositiveIntegerField(_("people using complaints"), default=0)
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

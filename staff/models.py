from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StaffMember(models.Model):
    """A person who works for a property company and serves one or more of its communities.

    The position is a Django group (a permission template); services keep the user's groups
    equal to it, so `user.has_perm` is the one permission check everywhere.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_member",
    )
    company = models.ForeignKey(
        "accounts.PropertyCompany",
        verbose_name=_("property company"),
        on_delete=models.PROTECT,
        related_name="staff_members",
    )
    communities = models.ManyToManyField(
        "accounts.Community",
        verbose_name=_("communities served"),
        related_name="staff_members",
    )
    position = models.ForeignKey(
        Group, verbose_name=_("position"), on_delete=models.PROTECT, related_name="staff_members"
    )
    employee_number = models.CharField(_("employee number"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateField(_("joined"), default=timezone.localdate)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        ordering = ["company_id", "position__name", "user__display_name"]

    def __str__(self) -> str:
        return f"{self.user} ({self.position.name})"


class Position(Group):
    """A staff position as platform operators see it in the admin: a Django group."""

    class Meta:
        proxy = True
        verbose_name = _("position")
        verbose_name_plural = _("positions (permission templates)")

import hashlib

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.phone import mask_mobile, validate_mobile


class StaffMember(models.Model):
    """A person who works for a property company and serves one or more of its communities.

    What they may do is held per community: a `StaffAssignment` gives their position (a Django
    group used as a permission template) in each community they serve. A position is never
    one of the account's groups, so `user.has_perm` grants no staff duty anywhere; the staff
    portal asks `staff.access.has_perm_in_community` for the community being worked on.
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
        through="StaffAssignment",
    )
    employee_number = models.CharField(_("employee number"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateField(_("joined"), default=timezone.localdate)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        ordering = ["company_id", "user__display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "employee_number"],
                condition=~models.Q(employee_number=""),
                name="unique_employee_number_per_company",
                violation_error_message=_(
                    "This employee number is already used by another staff member of the company."
                ),
            )
        ]

    def __str__(self) -> str:
        return str(self.user)


class StaffAssignment(models.Model):
    """The position a staff member holds in one community they serve."""

    member = models.ForeignKey(
        StaffMember,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    community = models.ForeignKey(
        "accounts.Community",
        verbose_name=_("community"),
        on_delete=models.CASCADE,
        related_name="staff_assignments",
    )
    position = models.ForeignKey(
        Group,
        verbose_name=_("position"),
        on_delete=models.PROTECT,
        related_name="staff_assignments",
    )

    class Meta:
        verbose_name = _("position in a community")
        verbose_name_plural = _("positions in communities")
        ordering = ["community__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "community"], name="one_position_per_member_and_community"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.community} · {self.position.name}"

    def clean(self) -> None:
        # The services check this too; the admin's inline saves through here.
        if (
            self.community_id
            and self.member_id
            and (self.community.company_id != self.member.company_id)
        ):
            raise ValidationError(
                {
                    "community": _("%(names)s does not belong to %(company)s.")
                    % {"names": self.community.name, "company": self.member.company}
                }
            )


class Position(Group):
    """A staff position as platform operators see it in the admin: a Django group."""

    class Meta:
        proxy = True
        verbose_name = _("position")
        verbose_name_plural = _("positions (permission templates)")


class PositionTemplate(models.Model):
    """A named set of duties (staff.duties) operators keep, e.g. 客服 or 维修主管: a new
    position starts from one. Changing a template later changes no position made from it."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    duties = models.JSONField(_("duties"), default=list, blank=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("position template")
        verbose_name_plural = _("position templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StaffInvitation(models.Model):
    """A manager asks the owner of a mobile number to join the company's staff.

    Nothing about the account behind the number is looked at when it is sent: every number
    gets the same invitation and the manager the same answer. The owner of the number, logged
    in with it, accepts with an SMS code; only then is the staff membership created (and only
    for an account that may take it: not a platform operator, not anyone's staff already).
    The link carries a token of which only a hash is stored; a resend makes a new one.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    company = models.ForeignKey(
        "accounts.PropertyCompany",
        verbose_name=_("property company"),
        on_delete=models.CASCADE,
        related_name="staff_invitations",
    )
    communities = models.ManyToManyField(
        "accounts.Community",
        verbose_name=_("communities served"),
        related_name="staff_invitations",
    )
    position = models.ForeignKey(
        Group,
        verbose_name=_("position"),
        on_delete=models.PROTECT,
        related_name="staff_invitations",
    )
    mobile = models.CharField(_("mobile number"), max_length=11, validators=[validate_mobile])
    # What the manager typed; given to an account that has no name when it accepts.
    display_name = models.CharField(_("name"), max_length=50, blank=True)
    employee_number = models.CharField(_("employee number"), max_length=30, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    token_hash = models.CharField(
        _("link token (hashed)"), max_length=64, unique=True, editable=False
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.PENDING, db_index=True
    )
    member = models.OneToOneField(
        StaffMember,
        verbose_name=_("resulting staff member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation",
    )
    created_at = models.DateTimeField(_("invited at"), default=timezone.now)
    sent_at = models.DateTimeField(_("last sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "mobile"],
                condition=models.Q(status="pending"),
                name="one_pending_staff_invitation_per_company_and_number",
            )
        ]

    def __str__(self) -> str:
        return mask_mobile(self.mobile)

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

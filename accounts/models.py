import contextlib
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from kit.storage import private_storage

from .phone import mask_mobile, normalize_mobile, validate_mobile


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, mobile: str, password: str | None, **extra_fields):
        user = self.model(mobile=normalize_mobile(mobile), **extra_fields)
        if user.email:
            user.email = self.normalize_email(user.email)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, mobile: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(mobile, password, **extra_fields)

    def create_superuser(self, mobile: str, password: str | None = None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(mobile, password, **extra_fields)

    def get_by_natural_key(self, mobile: str):
        # An invalid number is looked up as typed and simply matches nobody.
        with contextlib.suppress(ValidationError):
            mobile = normalize_mobile(mobile)
        return self.get(mobile=mobile)


class SignupChannel(models.TextChoices):
    PHONE = "phone", _("Mobile number")
    WECHAT = "wechat", _("WeChat")
    QQ = "qq", _("QQ")


# allauth provider ids -> the channel a sign-up through them counts under.
CHANNEL_OF_PROVIDER = {"weixin": SignupChannel.WECHAT, "weixin_mp": SignupChannel.WECHAT,
                       "qq": SignupChannel.QQ}  # fmt: skip


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who logs in: residents, property staff and platform operators.

    `is_staff` keeps Django's meaning (may use the platform admin at /admin/); property staff
    are users with a `staff.StaffMember` record.
    """

    mobile = models.CharField(
        _("mobile number"),
        max_length=11,
        unique=True,
        validators=[validate_mobile],
        help_text=_("Mainland China mobile number, 11 digits."),
    )
    mobile_verified = models.BooleanField(_("mobile number verified"), default=False)
    email = models.EmailField(_("e-mail"), blank=True)
    display_name = models.CharField(_("full name"), max_length=50, blank=True)
    avatar = models.ImageField(
        _("avatar"), upload_to="avatars/%Y/%m/", storage=private_storage, blank=True
    )
    backup_phone = models.CharField(
        _("backup phone"),
        max_length=30,
        blank=True,
        help_text=_("Another number to reach this person, e.g. a landline."),
    )
    # Bumped to end every session of this user at once (staff deactivated, forced logout).
    auth_epoch = models.PositiveIntegerField(_("session generation"), default=0, editable=False)
    is_staff = models.BooleanField(
        _("platform operator"),
        default=False,
        help_text=_("May log into the platform administration."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # How the account was opened (the platform's user statistics, PSTA-1): a linked WeChat or
    # QQ account later does not change it.
    signup_channel = models.CharField(
        _("signed up with"),
        max_length=10,
        choices=SignupChannel,
        default=SignupChannel.PHONE,
        editable=False,
    )

    # 长辈模式: larger text and touch targets on the resident pages (issue 20); a cookie carries
    # it to the pages before login (accounts.middleware.LargeTextCookieMiddleware).
    large_text = models.BooleanField(
        _("large text"),
        default=False,
        help_text=_("Larger text and buttons on the resident pages, for older residents."),
    )

    objects = UserManager()

    USERNAME_FIELD = "mobile"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=~Q(email=""), name="user_email_unique_when_set"
            )
        ]

    def __str__(self) -> str:
        return self.display_name or mask_mobile(self.mobile)

    def clean(self) -> None:
        super().clean()
        if self.mobile:
            self.mobile = normalize_mobile(self.mobile)
        self.email = self.__class__.objects.normalize_email(self.email)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    def get_full_name(self) -> str:
        return self.display_name or self.mobile

    def _get_session_auth_hash(self, secret=None):
        # Django ends sessions whose stored hash no longer matches: a new password or a new
        # epoch both log the user out everywhere.
        key_salt = "accounts.User.get_session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}:{self.auth_epoch}", secret=secret, algorithm="sha256"
        ).hexdigest()

    def get_short_name(self) -> str:
        return self.display_name or self.masked_mobile


class PropertyCompany(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    service_phone = models.CharField(_("service phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("property company")
        verbose_name_plural = _("property companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class Community(models.Model):
    """小区: the unit of tenancy. Staff see and change only the communities they serve."""

    company = models.ForeignKey(
        PropertyCompany,
        verbose_name=_("property company"),
        on_delete=models.PROTECT,
        related_name="communities",
    )
    name = models.CharField(_("name"), max_length=100)
    city = models.CharField(_("city"), max_length=50, blank=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    service_phone = models.CharField(_("service desk phone"), max_length=30, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["company__name", "name"]
        # Duties that platform operators can grant for one community only (django-guardian,
        # "Object permissions" in the admin). "local_X" stands for the staff-portal permission
        # whose codename is X; `staff.access.staff_has_perm` checks both.
        permissions = [
            ("local_view_room", _("May see the rooms of this community")),
            ("local_view_residency", _("May see the residents of this community")),
            ("local_verify_residency", _("May verify the residents of this community")),
            ("local_view_staffmember", _("May see the staff of this community")),
            ("local_view_auditentry", _("May read the audit log of this community")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="community_name_per_company")
        ]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="buildings"
    )
    name = models.CharField(_("name"), max_length=50, help_text=_("For example 3栋 or A座."))
    floors = models.PositiveSmallIntegerField(_("floors above ground"), null=True, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["community_id", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"], name="building_name_per_community"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """单元: an entrance of a building. Optional: many buildings number rooms directly."""

    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.CASCADE, related_name="units"
    )
    name = models.CharField(_("name"), max_length=50)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["building_id", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["building", "name"], name="unit_name_per_building")
        ]

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    class Use(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential")
        COMMERCIAL = "commercial", _("Shop")
        OFFICE = "office", _("Office")
        STORAGE = "storage", _("Storage room")
        PARKING = "parking", _("Parking space")

    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.CASCADE, related_name="rooms"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="rooms",
        null=True,
        blank=True,
    )
    number = models.CharField(_("room number"), max_length=20)
    floor = models.SmallIntegerField(_("floor"))
    area = models.DecimalField(
        _("floor area (m²)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    use = models.CharField(_("use"), max_length=20, choices=Use, default=Use.RESIDENTIAL)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["building_id", "unit_id", "floor", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "unit", "number"],
                condition=Q(unit__isnull=False),
                name="room_number_per_unit",
            ),
            models.UniqueConstraint(
                fields=["building", "number"],
                condition=Q(unit__isnull=True),
                name="room_number_per_building",
            ),
        ]
        indexes = [models.Index(fields=["building", "floor"])]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """Building, unit and number as people say it: 3栋2单元1201."""
        unit = self.unit.name if self.unit_id else ""
        return f"{self.building.name}{unit}{self.number}"

    @property
    def community(self) -> Community:
        return self.building.community


class Residency(models.Model):
    """A person's tie to a room. The verified residencies of one room are its household."""

    class Relation(models.TextChoices):
        OWNER = "owner", _("Owner")
        TENANT = "tenant", _("Tenant")
        FAMILY = "family", _("Family member")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting verification")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")
        ENDED = "ended", _("Ended")

    ACTIVE_STATUSES = (Status.PENDING, Status.VERIFIED)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="residencies",
    )
    room = models.ForeignKey(
        Room, verbose_name=_("room"), on_delete=models.CASCADE, related_name="residencies"
    )
    relation = models.CharField(_("relation"), max_length=10, choices=Relation)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.PENDING, db_index=True
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    rejection_reason = models.CharField(_("reason for rejection"), max_length=200, blank=True)
    proof = models.ImageField(
        _("proof of residence"),
        upload_to="residency-proofs/%Y/%m/",
        storage=private_storage,
        blank=True,
        help_text=_("A photo of the deed or lease. Only staff of the community can see it."),
    )
    head = models.ForeignKey(
        "self",
        verbose_name=_("head of household"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="family_members",
        help_text=_("For family members: the owner's or tenant's residency they belong to."),
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("residency")
        verbose_name_plural = _("residencies")
        permissions = [("verify_residency", _("Can verify or reject room bindings"))]
        ordering = ["room_id", "relation", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "room"],
                condition=Q(status__in=["pending", "verified"]),
                name="one_active_residency_per_user_and_room",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.room.label} · {self.get_relation_display()}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class FamilyInvitation(models.Model):
    """An owner or tenant asks someone, by mobile number, to join their household."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        REVOKED = "revoked", _("Withdrawn")

    head = models.ForeignKey(
        Residency,
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    mobile = models.CharField(_("mobile number"), max_length=11, validators=[validate_mobile])
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.PENDING, db_index=True
    )
    residency = models.OneToOneField(
        Residency,
        verbose_name=_("resulting residency"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation",
    )
    created_at = models.DateTimeField(_("invited at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("family invitation")
        verbose_name_plural = _("family invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["head", "mobile"],
                condition=Q(status="pending"),
                name="one_pending_invitation_per_household_and_number",
            )
        ]
        indexes = [models.Index(fields=["mobile", "status"])]

    def __str__(self) -> str:
        return f"{mask_mobile(self.mobile)} → {self.head.room.label}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PENDING and self.expires_at > timezone.now()


class RateCounter(models.Model):
    """One fixed window of one limit (accounts.limits): how often something happened in it.

    In the database so that limits hold while Redis is down; changed only by one atomic
    upsert, so two requests at once cannot both take the last allowed hit."""

    key = models.CharField(_("key"), max_length=200, unique=True)
    count = models.PositiveIntegerField(_("count"), default=0)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("rate counter")
        verbose_name_plural = _("rate counters")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"

"""Community services and activities (便民服务与社区活动).

- **Providers** (服务商) are platform-wide: one company may serve communities of several
  property companies. Each community's staff decide for their own community through a
  `ProviderListing` (pending → approved / rejected, suspended, reinstated); residents only see
  providers whose listing in their community is approved. A provider's own people
  (`ProviderMember`) use the provider pages under /provider/ and see nothing of a resident
  beyond their own bookings.
- **Bookings** (预约) belong to a household (the head's residency, as repair orders do) and to
  one community; a `BookingSlot` row per provider, day and start counts what a slot has taken,
  and a check constraint keeps it within the slot's capacity.
- **Parcels** (快递代收) are logged by the front desk for a room and handed over by pickup code.
- **Activities** (社区活动) are published by staff of one community; households sign up
  (`ActivitySignup`), each person who comes is an `ActivityParticipant` with their own
  attendance. `Activity.places_taken` counts the people holding a place (a check constraint
  keeps it within `capacity`).
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kit.storage import private_storage


def _random_name(folder: str, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"services/{folder}/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.{suffix}"


def licence_upload_to(instance, filename: str) -> str:
    return _random_name("licences", filename)


def review_photo_upload_to(instance, filename: str) -> str:
    return _random_name("reviews", filename)


def poster_upload_to(instance, filename: str) -> str:
    return _random_name("posters", filename)


# --- Providers ------------------------------------------------------------------------------------


class ServiceCategory(models.Model):
    """A kind of service (家政, 家电维修, 开锁, …): platform-wide, kept by operators in the admin."""

    name = models.CharField(_("name"), max_length=30, unique=True)
    icon = models.CharField(
        _("icon"), max_length=30, default="grid", help_text=_("A Bootstrap Icons name.")
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        return self.name


class Provider(models.Model):
    """A service company (platform-wide: it may serve communities of several property
    companies; each community decides through its `ProviderListing`)."""

    name = models.CharField(_("company name"), max_length=100)
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=30)
    description = models.TextField(_("introduction"), max_length=2000, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    categories = models.ManyToManyField(
        ServiceCategory, verbose_name=_("categories"), related_name="providers"
    )
    licence_number = models.CharField(_("business licence number"), max_length=30)
    licence_image = models.ImageField(
        _("business licence"), upload_to=licence_upload_to, storage=private_storage
    )
    licence_expires_on = models.DateField(_("licence valid until"))
    # The day the 30-day expiry warning went out, so it goes out once per licence.
    licence_warned_on = models.DateField(_("expiry warning sent"), null=True, blank=True)
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"),
        default=120,
        validators=[MinValueValidator(30), MaxValueValidator(8 * 60)],
    )
    slot_capacity = models.PositiveSmallIntegerField(
        _("bookings per slot"), default=2, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    cancel_cutoff_hours = models.PositiveSmallIntegerField(
        _("residents may cancel until (hours before)"),
        default=2,
        validators=[MaxValueValidator(72)],
    )
    # Kept by the review service (hidden reviews do not count), so lists sort by rating
    # without aggregating every review.
    rating_count = models.PositiveIntegerField(_("ratings"), default=0, editable=False)
    rating_sum = models.PositiveIntegerField(_("sum of ratings"), default=0, editable=False)
    # Operators may take a provider off the whole platform (PPAR: partners); communities
    # decide through their listings.
    is_active = models.BooleanField(_("active on the platform"), default=True)
    # Why the platform holds the provider's listings while no agreement with it is in force
    # (set and cleared by the partners' daily expiry check; blank: no hold).
    agreement_hold = models.CharField(
        _("held for the platform agreement"), max_length=200, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def rating_average(self):
        from decimal import Decimal

        if not self.rating_count:
            return None
        return (Decimal(self.rating_sum) / self.rating_count).quantize(Decimal("0.1"))


class ProviderMember(models.Model):
    """A person who works for a provider and uses the provider pages."""

    class Role(models.TextChoices):
        OWNER = "owner", pgettext_lazy("provider member", "Owner")
        WORKER = "worker", pgettext_lazy("provider member", "Worker")

    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="provider_memberships",
    )
    role = models.CharField(_("role"), max_length=10, choices=Role, default=Role.WORKER)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("provider member")
        verbose_name_plural = _("provider members")
        constraints = [
            models.UniqueConstraint(fields=["provider", "user"], name="provider_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider} · {self.user}"


class ProviderHours(models.Model):
    """When a provider works on a weekday (0 = Monday); slots are cut from these hours."""

    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="hours"
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), validators=[MaxValueValidator(6)], help_text=_("0 is Monday, 6 is Sunday.")
    )
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["provider_id", "weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="provider_hours_end_later"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="provider_hours_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start:%H:%M}–{self.end:%H:%M}"


class ServiceItem(models.Model):
    """Something a provider offers, with its price (none when it is 面议)."""

    class Unit(models.TextChoices):
        HOUR = "hour", pgettext_lazy("price unit", "per hour")
        VISIT = "visit", pgettext_lazy("price unit", "per visit")
        SQUARE_METRE = "sqm", pgettext_lazy("price unit", "per m²")
        PIECE = "piece", pgettext_lazy("price unit", "per piece")
        NEGOTIABLE = "negotiable", pgettext_lazy("price unit", "price on request")

    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="items"
    )
    category = models.ForeignKey(
        ServiceCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="items"
    )
    name = models.CharField(_("name"), max_length=60)
    description = models.CharField(_("description"), max_length=300, blank=True)
    price = models.DecimalField(
        _("price"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    unit = models.CharField(_("unit"), max_length=12, choices=Unit, default=Unit.VISIT)
    is_active = models.BooleanField(_("offered"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["provider_id", "sort_order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit="negotiable", price__isnull=True)
                | (~Q(unit="negotiable") & Q(price__isnull=False, price__gte=0)),
                name="service_item_price_matches_unit",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProviderListing(models.Model):
    """One community's decision about one provider: only approved listings are shown to the
    community's residents. Every decision is audited and told to the provider."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("provider listing", "Awaiting review")
        APPROVED = "approved", pgettext_lazy("provider listing", "Approved")
        REJECTED = "rejected", pgettext_lazy("provider listing", "Rejected")
        SUSPENDED = "suspended", pgettext_lazy("provider listing", "Suspended")

    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="listings"
    )
    community = models.ForeignKey(
        "accounts.Community",
        verbose_name=_("community"),
        on_delete=models.CASCADE,
        related_name="provider_listings",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.PENDING, db_index=True
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # Suspended because the licence expired (lifted when a valid licence is approved again).
    suspended_for_licence = models.BooleanField(
        _("suspended for an expired licence"), default=False
    )
    # Suspended because the platform's agreement with the provider ended (lifted when a new
    # agreement is in force).
    suspended_for_agreement = models.BooleanField(
        _("suspended for an ended agreement"), default=False
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Finished bookings from this community ("used by N neighbours"), kept by the booking
    # service so the resident list sorts without counting bookings.
    bookings_done = models.PositiveIntegerField(_("finished bookings"), default=0, editable=False)
    created_at = models.DateTimeField(_("applied"), default=timezone.now)

    class Meta:
        verbose_name = _("provider listing")
        verbose_name_plural = _("provider listings")
        permissions = [("review_providerlisting", _("Can review service providers"))]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "community"], name="provider_listing_once_per_community"
            )
        ]
        indexes = [models.Index(fields=["community", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.provider} @ {self.community}"


# --- Bookings -------------------------------------------------------------------------------------


class BookingSlot(models.Model):
    """What one slot of a provider has taken: created on the first booking, counted up and down
    by the booking service with a conditional update, never past its capacity."""

    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="slots"
    )
    date = models.DateField(_("date"))
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)

    class Meta:
        verbose_name = _("booking slot")
        verbose_name_plural = _("booking slots")
        constraints = [
            models.UniqueConstraint(fields=["provider", "date", "start"], name="booking_slot_once"),
            models.CheckConstraint(
                condition=Q(booked__lte=F("capacity")), name="booking_slot_within_capacity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.date} {self.start:%H:%M}"


class Booking(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("booking status", "Awaiting confirmation")
        CONFIRMED = "confirmed", pgettext_lazy("booking status", "Confirmed")
        IN_SERVICE = "in_service", pgettext_lazy("booking status", "In service")
        DONE = "done", pgettext_lazy("booking status", "Done")
        CANCELLED = "cancelled", pgettext_lazy("booking status", "Cancelled")
        NO_SHOW = "no_show", pgettext_lazy("booking status", "No-show")

    OPEN_STATUSES = (Status.REQUESTED, Status.CONFIRMED, Status.IN_SERVICE)

    class CancelledBy(models.TextChoices):
        RESIDENT = "resident", pgettext_lazy("booking cancelled by", "Resident")
        PROVIDER = "provider", pgettext_lazy("booking cancelled by", "Provider")
        STAFF = "staff", pgettext_lazy("booking cancelled by", "Property staff")

    number = models.CharField(_("booking number"), max_length=20, unique=True, editable=False)
    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="bookings"
    )
    item = models.ForeignKey(
        ServiceItem, verbose_name=_("service"), on_delete=models.PROTECT, related_name="bookings"
    )
    slot = models.ForeignKey(
        BookingSlot, verbose_name=_("slot"), on_delete=models.PROTECT, related_name="bookings"
    )
    community = models.ForeignKey(
        "accounts.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="service_bookings",
    )
    household = models.ForeignKey(
        "accounts.Residency",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="service_bookings",
        help_text=_("The head of household's residency: the household may follow the booking."),
    )
    room = models.ForeignKey(
        "accounts.Room", verbose_name=_("room"), on_delete=models.PROTECT, related_name="+"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        on_delete=models.PROTECT,
        related_name="service_bookings",
    )
    address = models.CharField(_("address"), max_length=200)
    contact_phone = models.CharField(_("contact phone"), max_length=30)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # What the item cost when it was booked (None: 面议).
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=12, choices=ServiceItem.Unit)
    status = models.CharField(
        _("status"), max_length=12, choices=Status, default=Status.REQUESTED, db_index=True
    )
    cancelled_by = models.CharField(
        _("cancelled by"), max_length=10, choices=CancelledBy, blank=True
    )
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("booked at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("cancelled or missed at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service booking")
        verbose_name_plural = _("service bookings")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "status", "created_at"]),
            models.Index(fields=["household", "created_at"]),
            models.Index(fields=["provider", "status", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.number


class ServiceReview(models.Model):
    """A resident's review of a finished booking: one per booking, never edited by staff
    (they may hide an abusive one, with a reason, audited)."""

    booking = models.OneToOneField(
        Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="review"
    )
    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="reviews"
    )
    community = models.ForeignKey(
        "accounts.Community",
        verbose_name=_("community"),
        on_delete=models.CASCADE,
        related_name="service_reviews",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="service_reviews",
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    text = models.TextField(_("review"), max_length=1000, blank=True)
    reply = models.TextField(_("provider's reply"), max_length=1000, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replied by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=200, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hidden by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    created_at = models.DateTimeField(_("reviewed at"), default=timezone.now)

    class Meta:
        verbose_name = _("service review")
        verbose_name_plural = _("service reviews")
        ordering = ["-created_at", "-pk"]
        permissions = [("hide_servicereview", _("Can hide service reviews"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="service_review_rating_1_to_5"
            )
        ]
        indexes = [
            models.Index(fields=["provider", "is_hidden", "created_at"]),
            models.Index(fields=["community", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.booking} · {self.rating}"


class ServiceReviewPhoto(models.Model):
    review = models.ForeignKey(
        ServiceReview, verbose_name=_("review"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("photo"), upload_to=review_photo_upload_to, storage=private_storage)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("review photo")
        verbose_name_plural = _("review photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.review_id} · {self.pk}"


# --- The parcel desk ------------------------------------------------------------------------------


class Parcel(models.Model):
    """A parcel the front desk took in for a room (快递代收), handed over by pickup code."""

    class Status(models.TextChoices):
        WAITING = "waiting", pgettext_lazy("parcel status", "Waiting for pickup")
        PICKED_UP = "picked_up", pgettext_lazy("parcel status", "Picked up")
        RETURNED = "returned", pgettext_lazy("parcel status", "Returned to the carrier")

    community = models.ForeignKey(
        "accounts.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="parcels",
    )
    room = models.ForeignKey(
        "accounts.Room", verbose_name=_("room"), on_delete=models.PROTECT, related_name="parcels"
    )
    # The household living in the room when the parcel came (None: nobody verified lives there).
    household = models.ForeignKey(
        "accounts.Residency",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parcels",
    )
    recipient_name = models.CharField(_("recipient"), max_length=50, blank=True)
    recipient_mobile = models.CharField(_("recipient's mobile"), max_length=11, blank=True)
    carrier = models.CharField(_("carrier"), max_length=20)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    shelf = models.CharField(_("shelf"), max_length=20)
    pickup_code = models.CharField(_("pickup code"), max_length=8)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.WAITING, db_index=True
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    logged_at = models.DateTimeField(_("arrived"), default=timezone.now)
    picked_up_at = models.DateTimeField(_("picked up at"), null=True, blank=True)
    picked_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("picked up by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    picked_up_name = models.CharField(_("collected by"), max_length=50, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed over by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(_("reminders sent"), default=0)

    class Meta:
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")
        ordering = ["-logged_at", "-pk"]
        permissions = [("hand_over_parcel", _("Can hand over parcels"))]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "pickup_code"],
                condition=Q(status="waiting"),
                name="parcel_pickup_code_unique_while_waiting",
            )
        ]
        indexes = [
            models.Index(fields=["community", "status", "logged_at"]),
            models.Index(fields=["household", "status"]),
            models.Index(fields=["room", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number or self.pickup_code}"


# --- Activities -----------------------------------------------------------------------------------


class Activity(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("activity status", "Draft")
        PUBLISHED = "published", pgettext_lazy("activity status", "Published")
        CANCELLED = "cancelled", pgettext_lazy("activity status", "Cancelled")

    community = models.ForeignKey(
        "accounts.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    title = models.CharField(_("title"), max_length=80)
    poster = models.ImageField(
        _("poster"), upload_to=poster_upload_to, storage=private_storage, blank=True
    )
    # A small square cut of the poster for the lists (services.activities.services.poster_set).
    poster_thumbnail = models.ImageField(
        _("poster thumbnail"),
        upload_to=poster_upload_to,
        storage=private_storage,
        blank=True,
        editable=False,
    )
    description = models.TextField(_("description"), max_length=5000)
    place = models.CharField(_("place"), max_length=100)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    signup_opens_at = models.DateTimeField(_("sign-up opens"))
    signup_closes_at = models.DateTimeField(_("sign-up closes"))
    # Sign-ups may be cancelled until then (the cancel policy); None: until sign-up closes.
    cancel_closes_at = models.DateTimeField(_("cancel until"), null=True, blank=True)
    capacity = models.PositiveIntegerField(
        _("places"), validators=[MinValueValidator(1), MaxValueValidator(10000)]
    )
    places_taken = models.PositiveIntegerField(_("places taken"), default=0, editable=False)
    per_household_limit = models.PositiveSmallIntegerField(
        _("people per household"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    # Empty: the whole community may sign up.
    buildings = models.ManyToManyField(
        "accounts.Building", verbose_name=_("buildings"), blank=True, related_name="activities"
    )
    # What to ask each household, e.g. [{"label": "孩子年龄", "required": true}].
    fields = models.JSONField(_("questions"), default=list, blank=True)
    needs_approval = models.BooleanField(_("sign-ups need approval"), default=False)
    self_checkin = models.BooleanField(_("residents may check in themselves"), default=False)
    claim_hours = models.PositiveSmallIntegerField(
        _("hours to claim a freed place"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.DRAFT, db_index=True
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_at", "-pk"]
        permissions = [
            ("publish_activity", _("Can publish activities")),
            ("check_in_activity", _("Can check in activity participants")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="activity_ends_later"
            ),
            models.CheckConstraint(
                condition=Q(signup_closes_at__gt=F("signup_opens_at")),
                name="activity_signup_closes_later",
            ),
            models.CheckConstraint(
                condition=Q(places_taken__lte=F("capacity")), name="activity_within_capacity"
            ),
        ]
        indexes = [models.Index(fields=["community", "status", "starts_at"])]

    def __str__(self) -> str:
        return self.title


def new_signup_code() -> str:
    return secrets.token_urlsafe(12)


class ActivitySignup(models.Model):
    """A household's sign-up: the people coming are its `ActivityParticipant` rows."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("signup status", "Awaiting approval")
        CONFIRMED = "confirmed", pgettext_lazy("signup status", "Signed up")
        WAITLISTED = "waitlisted", pgettext_lazy("signup status", "On the waiting list")
        OFFERED = "offered", pgettext_lazy("signup status", "Place offered")
        CANCELLED = "cancelled", pgettext_lazy("signup status", "Cancelled")
        REFUSED = "refused", pgettext_lazy("signup status", "Not accepted")
        EXPIRED = "expired", pgettext_lazy("signup status", "Offer expired")

    # Statuses that hold places (counted in Activity.places_taken).
    HOLDING = (Status.PENDING, Status.CONFIRMED, Status.OFFERED)
    LIVE = (Status.PENDING, Status.CONFIRMED, Status.WAITLISTED, Status.OFFERED)

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="signups"
    )
    household = models.ForeignKey(
        "accounts.Residency",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="activity_signups",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed up by"),
        on_delete=models.PROTECT,
        related_name="activity_signups",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, db_index=True)
    people = models.PositiveSmallIntegerField(_("people"), validators=[MinValueValidator(1)])
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    # The check-in code behind the sign-up's QR code.
    code = models.CharField(_("check-in code"), max_length=20, unique=True, default=new_signup_code)
    offered_at = models.DateTimeField(_("place offered at"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offer expires"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    refuse_reason = models.CharField(_("reason"), max_length=200, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("signed up at"), default=timezone.now)

    class Meta:
        verbose_name = _("activity sign-up")
        verbose_name_plural = _("activity sign-ups")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "household"],
                condition=Q(status__in=["pending", "confirmed", "waitlisted", "offered"]),
                name="activity_signup_once_per_household",
            )
        ]
        indexes = [
            models.Index(fields=["activity", "status", "created_at"]),
            models.Index(fields=["household", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.household_id}"


class ActivityParticipant(models.Model):
    """One person coming with a sign-up; attendance is recorded once per person."""

    class CheckinMethod(models.TextChoices):
        SCAN = "scan", pgettext_lazy("check-in method", "QR code scanned by staff")
        CODE = "code", pgettext_lazy("check-in method", "Code typed by staff")
        SELF = "self", pgettext_lazy("check-in method", "Self check-in")

    signup = models.ForeignKey(
        ActivitySignup,
        verbose_name=_("sign-up"),
        on_delete=models.CASCADE,
        related_name="participants",
    )
    name = models.CharField(_("name"), max_length=50)
    # The household member this is, when it is one with an account.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked in by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    checkin_method = models.CharField(
        _("check-in"), max_length=6, choices=CheckinMethod, blank=True
    )

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["signup_id", "pk"]

    def __str__(self) -> str:
        return self.name

"""Repair orders (报修单): what a household reports, who fixes it, how it went.

An order belongs to a household (the head's residency) and so to one community; it moves
through `RepairOrder.Status` only by `repairs.services` (see `workflow.TRANSITIONS`), and each
move leaves a `RepairEvent` on the resident's timeline and an entry in the audit log.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kit.storage import private_storage

# The icons a category may show (Bootstrap Icons names), with what they stand for.
CATEGORY_ICONS = [
    ("droplet", _("Water")),
    ("lightning-charge", _("Electricity")),
    ("door-open", _("Doors and windows")),
    ("building-up", _("Lift")),
    ("tree", _("Public facilities")),
    ("fire", _("Gas and heating")),
    ("wifi", _("Network and intercom")),
    ("bricks", _("Walls and floors")),
    ("bug", _("Pests")),
    ("tools", _("Other")),
]


class RepairCategory(models.Model):
    """A fault category of one community, with the service levels staff promise for it."""

    community = models.ForeignKey(
        "accounts.Community",
        verbose_name=_("community"),
        on_delete=models.CASCADE,
        related_name="repair_categories",
    )
    name = models.CharField(_("name"), max_length=30)
    icon = models.CharField(_("icon"), max_length=30, choices=CATEGORY_ICONS, default="tools")
    hint = models.CharField(
        _("examples"),
        max_length=80,
        blank=True,
        help_text=_("Shown under the name, e.g. 漏水、停电、跳闸."),
    )
    accept_within_minutes = models.PositiveIntegerField(
        _("accept within (minutes)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)],
    )
    finish_within_hours = models.PositiveIntegerField(
        _("finish within (hours)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(30 * 24)],
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("repair category")
        verbose_name_plural = _("repair categories")
        ordering = ["community_id", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"], name="repair_category_name_per_community"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TimeSlot(models.Model):
    """A window of the day residents may ask for (e.g. 09:00–12:00), per community."""

    community = models.ForeignKey(
        "accounts.Community",
        verbose_name=_("community"),
        on_delete=models.CASCADE,
        related_name="repair_time_slots",
    )
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))
    capacity = models.PositiveIntegerField(
        _("orders per day"),
        null=True,
        blank=True,
        help_text=_("Leave empty for no limit."),
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("repair time slot")
        verbose_name_plural = _("repair time slots")
        ordering = ["community_id", "start", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="slot_ends_later"),
            models.UniqueConstraint(
                fields=["community", "start", "end"], name="repair_slot_once_per_community"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


class RepairOrder(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("repair status", "Awaiting acceptance")
        ACCEPTED = "accepted", pgettext_lazy("repair status", "Accepted")
        ASSIGNED = "assigned", pgettext_lazy("repair status", "Dispatched")
        IN_PROGRESS = "in_progress", pgettext_lazy("repair status", "Being repaired")
        COMPLETED = "completed", pgettext_lazy("repair status", "Completed")
        CANCELLED = "cancelled", pgettext_lazy("repair status", "Cancelled")

    class Channel(models.TextChoices):
        APP = "app", _("Resident app / WeChat")
        PHONE = "phone", pgettext_lazy("repair channel", "Phone call")
        VISIT = "visit", _("Walk-in at the desk")
        PATROL = "patrol", _("Property patrol")
        OTHER = "other", pgettext_lazy("repair channel", "Other")

    # How the service desk may take an order for a resident (代客报修).
    STAFF_CHANNELS = (Channel.PHONE, Channel.VISIT, Channel.PATROL, Channel.OTHER)

    OPEN_STATUSES = (Status.PENDING, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS)
    CLOSED_STATUSES = (Status.COMPLETED, Status.CANCELLED)
    # The resident may cancel until work starts.
    CANCELLABLE_STATUSES = (Status.PENDING, Status.ACCEPTED, Status.ASSIGNED)

    number = models.CharField(_("order number"), max_length=20, unique=True, editable=False)
    community = models.ForeignKey(
        "accounts.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="repair_orders",
    )
    household = models.ForeignKey(
        "accounts.Residency",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="repair_orders",
        help_text=_("The head of household's residency: the household may follow the order."),
    )
    room = models.ForeignKey(
        "accounts.Room",
        verbose_name=_("room"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repair_orders",
    )
    public_area = models.CharField(
        _("public area"),
        max_length=60,
        blank=True,
        help_text=_("Where in the community, when the fault is not in a room."),
    )
    category = models.ForeignKey(
        RepairCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    description = models.TextField(_("description"), max_length=1000)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="repair_orders",
    )
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    appointment_start = models.DateTimeField(_("preferred from"))
    appointment_end = models.DateTimeField(_("preferred until"))
    # Taken by the desk without a slot: "as soon as possible", the window runs until the
    # service level's finish time.
    appointment_flexible = models.BooleanField(_("no appointment (as soon as possible)"),
                                               default=False)  # fmt: skip
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel, default=Channel.APP, db_index=True
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The staff member who took the order for the resident."),
    )

    status = models.CharField(
        _("status"), max_length=12, choices=Status, default=Status.PENDING, db_index=True
    )
    technician = models.ForeignKey(
        "staff.StaffMember",
        verbose_name=_("technician"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repair_orders",
    )
    created_at = models.DateTimeField(_("reported at"), default=timezone.now, db_index=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    technician_accepted_at = models.DateTimeField(
        _("taken by the technician at"), null=True, blank=True
    )
    started_at = models.DateTimeField(_("work started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    result_note = models.TextField(_("repair result"), max_length=1000, blank=True)

    # Service levels, fixed from the category when the order is reported.
    accept_due_at = models.DateTimeField(_("to be accepted by"))
    finish_due_at = models.DateTimeField(_("to be finished by"))
    # Durations in seconds, written when the step happens, so performance figures are plain
    # averages in the database on every backend.
    technician_response_seconds = models.PositiveIntegerField(
        _("seconds until the technician accepted"), null=True, blank=True
    )
    technician_finish_seconds = models.PositiveIntegerField(
        _("seconds until the technician finished"), null=True, blank=True
    )
    finished_on_time = models.BooleanField(_("finished on time"), null=True, blank=True)

    share_location = models.BooleanField(
        _("technician shares location"),
        default=False,
        help_text=_("The technician agreed to show their position while repairing."),
    )

    class Meta:
        verbose_name = _("repair order")
        verbose_name_plural = _("repair orders")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("dispatch_repairorder", _("Can accept, dispatch and cancel repair orders")),
            ("work_repairorder", _("Can take and carry out repair orders (technician)")),
            ("view_repair_performance", _("Can see repair ratings and technician performance")),
        ]
        indexes = [
            models.Index(fields=["community", "status", "created_at"], name="repair_queue_idx"),
            models.Index(fields=["technician", "status"], name="repair_technician_idx"),
            models.Index(fields=["technician", "completed_at"], name="repair_performance_idx"),
            models.Index(fields=["room", "category", "created_at"], name="repair_repeat_idx"),
            # The orders completed on a community's day (repairs.rollup).
            models.Index(fields=["community", "completed_at"], name="repair_completed_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(room__isnull=False) | ~Q(public_area=""),
                name="repair_order_has_a_place",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        if self.number:
            return super().save(*args, **kwargs)
        # The random part clashes about once a day among 6,000 orders of one day: another is
        # drawn (in a savepoint, so that the caller's transaction goes on).
        for attempt in range(NUMBER_ATTEMPTS):
            self.number = new_order_number(self.created_at)
            try:
                with transaction.atomic():
                    return super().save(*args, **kwargs)
            except IntegrityError:
                taken = RepairOrder.objects.filter(number=self.number).exists()
                if attempt == NUMBER_ATTEMPTS - 1 or not taken:
                    self.number = ""
                    raise

    @property
    def place(self) -> str:
        return self.room.label if self.room_id else self.public_area

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


NUMBER_ATTEMPTS = 5


def new_order_number(when) -> str:
    """BX + date + 6 random hex digits: sortable by day, not guessable, unique by constraint."""
    return f"BX{timezone.localtime(when):%y%m%d}{uuid.uuid4().hex[:6].upper()}"


class RepairEvent(models.Model):
    """One line of the order's timeline, as the household sees it."""

    class Kind(models.TextChoices):
        REPORTED = "reported", pgettext_lazy("repair event", "Reported")
        ACCEPTED = "accepted", pgettext_lazy("repair event", "Accepted")
        ASSIGNED = "assigned", pgettext_lazy("repair event", "Dispatched")
        REASSIGNED = "reassigned", pgettext_lazy("repair event", "Dispatched to another technician")
        GRABBED = "grabbed", pgettext_lazy("repair event", "Taken by a technician")
        TECHNICIAN_ACCEPTED = (
            "technician_accepted",
            pgettext_lazy("repair event", "Technician confirmed"),
        )
        STARTED = "started", pgettext_lazy("repair event", "Repair started")
        NOTE = "note", pgettext_lazy("repair event", "Progress note")
        COMPLETED = "completed", pgettext_lazy("repair event", "Completed")
        CANCELLED = "cancelled", pgettext_lazy("repair event", "Cancelled")
        RATED = "rated", pgettext_lazy("repair event", "Rated")
        ESCALATED = "escalated", pgettext_lazy("repair event", "Escalated to the manager")
        DECLINED = "declined", pgettext_lazy("repair event", "Declined by the technician")
        CHARGE_PROPOSED = "charge_proposed", pgettext_lazy("repair event", "Charges proposed")
        CHARGE_AGREED = "charge_agreed", pgettext_lazy("repair event", "Charges agreed and billed")
        CALLBACK = "callback", pgettext_lazy("repair event", "Call-back")

    order = models.ForeignKey(
        RepairOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    status = models.CharField(_("status after"), max_length=12, choices=RepairOrder.Status)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    # Escalations are visible to staff only.
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id}:{self.kind}"


def repair_file_path(instance: "RepairAttachment", filename: str) -> str:
    # The name passed in is already random (see repairs.uploads); the folder groups by month.
    return f"repairs/{timezone.now():%Y/%m}/{filename}"


class RepairAttachment(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", _("Photo")
        VIDEO = "video", _("Video")

    class Stage(models.TextChoices):
        REPORT = "report", _("With the report")
        PROGRESS = "progress", _("During the repair")
        RESULT = "result", _("After the repair")

    order = models.ForeignKey(
        RepairOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="attachments"
    )
    stage = models.CharField(_("stage"), max_length=10, choices=Stage, default=Stage.REPORT)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    file = models.FileField(_("file"), upload_to=repair_file_path, storage=private_storage)
    thumbnail = models.FileField(
        _("thumbnail"), upload_to=repair_file_path, storage=private_storage, blank=True
    )
    content_type = models.CharField(_("content type"), max_length=40)
    original_name = models.CharField(_("file name"), max_length=120)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    event = models.ForeignKey(
        RepairEvent,
        verbose_name=_("timeline entry"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachments",
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("repair photo or video")
        verbose_name_plural = _("repair photos and videos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class TechnicianPosition(models.Model):
    """The technician's last reported position for an order in repair. One row per order,
    overwritten on each report and deleted when the order leaves 维修中."""

    order = models.OneToOneField(
        RepairOrder, on_delete=models.CASCADE, related_name="technician_position"
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)
    accuracy_m = models.PositiveIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("technician position")
        verbose_name_plural = _("technician positions")

    def __str__(self) -> str:
        return f"{self.order_id}@{self.recorded_at:%H:%M:%S}"


class RepairRating(models.Model):
    SCORE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]
    LOW_SCORE = 2  # any score at or below this reaches the manager

    order = models.OneToOneField(
        RepairOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="rating"
    )
    speed = models.PositiveSmallIntegerField(_("speed"), validators=SCORE_VALIDATORS)
    quality = models.PositiveSmallIntegerField(_("quality"), validators=SCORE_VALIDATORS)
    attitude = models.PositiveSmallIntegerField(_("attitude"), validators=SCORE_VALIDATORS)
    comment = models.TextField(_("comment"), max_length=500, blank=True)
    reply = models.TextField(_("reply from the property"), max_length=500, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replied by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("rated at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("repair rating")
        verbose_name_plural = _("repair ratings")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(speed__gte=1, speed__lte=5)
                & Q(quality__gte=1, quality__lte=5)
                & Q(attitude__gte=1, attitude__lte=5),
                name="repair_rating_scores_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.speed}/{self.quality}/{self.attitude}"

    @property
    def is_low(self) -> bool:
        return min(self.speed, self.quality, self.attitude) <= self.LOW_SCORE

    @property
    def average(self) -> float:
        return round((self.speed + self.quality + self.attitude) / 3, 1)


class RepairEscalation(models.Model):
    """An overdue order raised to the community manager, once per level."""

    class Level(models.TextChoices):
        ACCEPT = "accept", _("Not accepted in time")
        FINISH = "finish", _("Not finished in time")

    order = models.ForeignKey(
        RepairOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="escalations"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level)
    created_at = models.DateTimeField(_("escalated at"), default=timezone.now)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(fields=["order", "level"], name="repair_escalation_once")
        ]

    def __str__(self) -> str:
        return f"{self.order_id}:{self.level}"


class RepairCharge(models.Model):
    """What a paid repair costs (materials and labour), proposed by the technician or the desk
    and agreed by the household; on agreement billing raises a bill (kit.charges) and the
    charge can no longer change."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", pgettext_lazy("repair charge", "Awaiting the resident's agreement")
        AGREED = "agreed", pgettext_lazy("repair charge", "Agreed and billed")

    class Agreement(models.TextChoices):
        APP = "app", _("On the resident's phone")
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", pgettext_lazy("repair charge agreement", "By phone")

    STAFF_AGREEMENTS = (Agreement.IN_PERSON, Agreement.PHONE)

    order = models.OneToOneField(
        RepairOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="charge"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PROPOSED)
    total = models.DecimalField(_("total"), max_digits=10, decimal_places=2, default=Decimal(0))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.SET_NULL,
        null=True, related_name="+",
    )  # fmt: skip
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    agreed_via = models.CharField(_("agreed"), max_length=10, choices=Agreement, blank=True)
    agreed_by_name = models.CharField(_("agreed by"), max_length=50, blank=True)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resident account"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    agreement_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agreement recorded by"),
        on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
    )  # fmt: skip
    agreed_at = models.DateTimeField(_("agreed at"), null=True, blank=True)
    # The bill billing raised (billing is a sibling module: its id and number, not a key).
    bill_id = models.PositiveBigIntegerField(_("bill"), null=True, blank=True)
    bill_number = models.CharField(_("bill number"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("repair charge")
        verbose_name_plural = _("repair charges")

    def __str__(self) -> str:
        return f"{self.order_id}: {self.total}"

    @property
    def is_agreed(self) -> bool:
        return self.status == self.Status.AGREED


class RepairChargeLine(models.Model):
    class Kind(models.TextChoices):
        MATERIAL = "material", _("Materials")
        LABOUR = "labour", _("Labour")

    charge = models.ForeignKey(
        RepairCharge, verbose_name=_("charge"), on_delete=models.CASCADE, related_name="lines"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.MATERIAL)
    item = models.CharField(_("item"), max_length=60)
    quantity = models.DecimalField(_("quantity"), max_digits=8, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("charge line")
        verbose_name_plural = _("charge lines")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.item


class RepairCallback(models.Model):
    """The desk's call to the household after a completed repair (回访)."""

    class Satisfaction(models.TextChoices):
        VERY_SATISFIED = "very", _("Very satisfied")
        SATISFIED = "satisfied", _("Satisfied")
        NEUTRAL = "neutral", _("Neither satisfied nor dissatisfied")
        DISSATISFIED = "dissatisfied", _("Dissatisfied")

    order = models.ForeignKey(
        RepairOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="callbacks"
    )
    reached = models.BooleanField(_("reached the resident"))
    satisfaction = models.CharField(
        _("satisfaction"), max_length=12, choices=Satisfaction, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("called by"), on_delete=models.SET_NULL,
        null=True, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("called at"), default=timezone.now)

    class Meta:
        verbose_name = _("call-back")
        verbose_name_plural = _("call-backs")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id}@{self.created_at:%Y-%m-%d}"


class RepairDayFigures(models.Model):
    """A community's repair figures of one local day, per technician: the sums behind the
    performance page (`repairs.performance`), so that a year is a few thousand rows, not every
    order. Rows with no technician hold the orders reported (and cancelled of them) that day;
    rows with a technician the figures of the orders they completed that day (an order counts on
    the day it was completed, its rating and repeat with it).

    Kept exact by `repairs.rollup`: each service that changes what an order adds to a day
    recomputes that community's day from the orders, in the same transaction."""

    community = models.ForeignKey("accounts.Community", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    technician = models.ForeignKey(
        "staff.StaffMember", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reported = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    timed = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    ratings = models.PositiveIntegerField(default=0)
    low_ratings = models.PositiveIntegerField(default=0)
    repeated = models.PositiveIntegerField(default=0)
    response_total = models.PositiveBigIntegerField(default=0)
    response_count = models.PositiveIntegerField(default=0)
    finish_total = models.PositiveBigIntegerField(default=0)
    finish_count = models.PositiveIntegerField(default=0)
    speed_total = models.PositiveIntegerField(default=0)
    quality_total = models.PositiveIntegerField(default=0)
    attitude_total = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("repair figures of a day")
        verbose_name_plural = _("repair figures of days")
        indexes = [models.Index(fields=["community", "day"], name="repair_day_figures_idx")]

    def __str__(self) -> str:
        return f"{self.community_id}@{self.day}/{self.technician_id}"

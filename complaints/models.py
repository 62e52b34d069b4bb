"""Complaints and suggestions (投诉建议).

- **Complaints** (投诉) belong to a household (the head's residency, as repair orders do) and so
  to one community. They move through `Complaint.Status` only by the app's services (see
  `complaints.workflow.TRANSITIONS`); each move leaves a `ComplaintEvent` on the timeline and
  an entry in the audit log. Staff route a complaint to a `Department` (保洁, 安保, 工程, 客服…)
  and/or a person; the category gives the first route and the service levels. The
  conversation is `ComplaintMessage` rows; `internal` ones are staff notes that never reach a
  resident. A complaint about a neighbour (`about_neighbour`) names the neighbour's room for
  staff only. Duplicates are merged into one surviving complaint (`merged_into`): every
  merged household follows the survivor and hears its outcome.
- **Suggestions** (建议) belong to a household too. Staff evaluate them (internal notes),
  adopt or decline with a reason, plan the work in `SuggestionStep`s and report progress;
  public ones may be supported once per household (`SuggestionSupport`).
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kit.storage import private_storage


class Department(models.Model):
    """A team of one community that complaints are routed to (保洁, 安保, 工程, 客服…)."""

    community = models.ForeignKey(
        "accounts.Community",
        verbose_name=_("community"),
        on_delete=models.CASCADE,
        related_name="complaint_departments",
    )
    name = models.CharField(_("name"), max_length=30)
    members = models.ManyToManyField(
        "staff.StaffMember",
        verbose_name=_("members"),
        blank=True,
        related_name="complaint_departments",
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["community_id", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"], name="complaint_department_name_per_community"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ComplaintCategory(models.Model):
    """A complaint category of one community: its service levels and where it goes first."""

    community = models.ForeignKey(
        "accounts.Community",
        verbose_name=_("community"),
        on_delete=models.CASCADE,
        related_name="complaint_categories",
    )
    name = models.CharField(_("name"), max_length=30)
    hint = models.CharField(_("examples"), max_length=80, blank=True)
    # Complaints of this category are about a neighbour: the form asks for their room.
    about_neighbours = models.BooleanField(_("about neighbours"), default=False)
    accept_within_hours = models.PositiveIntegerField(
        _("accept within (hours)"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24)],
    )
    reply_within_hours = models.PositiveIntegerField(
        _("reply within (hours)"),
        default=72,
        validators=[MinValueValidator(1), MaxValueValidator(60 * 24)],
    )
    # The routing rule: a new complaint of this category goes to this department / person.
    department = models.ForeignKey(
        Department,
        verbose_name=_("routed to department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="categories",
    )
    handler = models.ForeignKey(
        "staff.StaffMember",
        verbose_name=_("routed to person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("complaint category")
        verbose_name_plural = _("complaint categories")
        ordering = ["community_id", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"], name="complaint_category_name_per_community"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Complaint(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("complaint status", "Submitted")
        ACCEPTED = "accepted", pgettext_lazy("complaint status", "Accepted")
        IN_PROGRESS = "in_progress", pgettext_lazy("complaint status", "Being handled")
        REPLIED = "replied", pgettext_lazy("complaint status", "Replied")
        RETURNED = "returned", pgettext_lazy("complaint status", "Returned by the resident")
        CLOSED = "closed", pgettext_lazy("complaint status", "Closed")
        MERGED = "merged", pgettext_lazy("complaint status", "Merged")
        WITHDRAWN = "withdrawn", pgettext_lazy("complaint status", "Withdrawn")

    # Staff still owe the resident something.
    OPEN_STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS, Status.RETURNED)
    # The resident may accept or return the reply.
    AWAITING_RESIDENT = (Status.REPLIED,)
    FINAL_STATUSES = (Status.CLOSED, Status.MERGED, Status.WITHDRAWN)

    class Channel(models.TextChoices):
        APP = "app", _("Resident app")
        PHONE = "phone", _("Phone")
        DESK = "desk", _("Front desk")
        OTHER = "other", pgettext_lazy("complaint channel", "Other")

    class ClosedBy(models.TextChoices):
        RESIDENT = "resident", _("Accepted by the resident")
        AUTO = "auto", _("Closed automatically")
        STAFF = "staff", _("Closed by staff")

    number = models.CharField(_("complaint number"), max_length=20, unique=True, editable=False)
    community = models.ForeignKey(
        "accounts.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    household = models.ForeignKey(
        "accounts.Residency",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="complaints",
        help_text=_("The head of household's residency: the household may follow the complaint."),
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel, default=Channel.APP)
    # Staff who logged a complaint made by phone or at the desk, on the resident's behalf.
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    category = models.ForeignKey(
        ComplaintCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    room = models.ForeignKey(
        "accounts.Room",
        verbose_name=_("room"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        help_text=_("The complainant's room, when it is about their home."),
    )
    place = models.CharField(
        _("place"),
        max_length=60,
        blank=True,
        help_text=_("Where in the community, when it is not about a room."),
    )
    about_neighbour = models.BooleanField(_("about a neighbour"), default=False)
    # Staff only: never shown on any resident page, message or export a resident receives.
    neighbour_room = models.ForeignKey(
        "accounts.Room",
        verbose_name=_("neighbour's room"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_about",
    )
    details = models.TextField(_("what happened"), max_length=2000)
    wanted_outcome = models.TextField(_("outcome wanted"), max_length=1000, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=20)

    status = models.CharField(
        _("status"), max_length=12, choices=Status, default=Status.SUBMITTED, db_index=True
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    handler = models.ForeignKey(
        "staff.StaffMember",
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged",
    )
    reply = models.TextField(_("result"), max_length=2000, blank=True)
    return_count = models.PositiveSmallIntegerField(_("times returned"), default=0)
    closed_by = models.CharField(_("closed how"), max_length=10, choices=ClosedBy, blank=True)

    created_at = models.DateTimeField(_("filed at"), default=timezone.now, db_index=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    routed_at = models.DateTimeField(_("routed at"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Service levels, fixed from the category when the complaint is filed; a return sets a new
    # reply deadline.
    accept_due_at = models.DateTimeField(_("to be accepted by"))
    reply_due_at = models.DateTimeField(_("to be replied by"))
    # Durations in seconds, written when the step happens, so figures are plain averages in
    # the database on every backend.
    accept_seconds = models.PositiveIntegerField(null=True, blank=True)
    close_seconds = models.PositiveIntegerField(null=True, blank=True)

    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    satisfaction_comment = models.TextField(
        _("comment on the handling"), max_length=500, blank=True
    )
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("handle_complaint", _("Can accept, route, answer and close complaints")),
            ("log_complaint", _("Can log complaints made by phone or at the desk")),
            ("merge_complaint", _("Can merge duplicate complaints")),
            ("view_complaint_figures", _("Can see complaint and suggestion figures")),
            ("manage_complaint_settings", _("Can edit complaint categories and departments")),
        ]
        indexes = [
            models.Index(fields=["community", "status", "created_at"], name="complaint_queue_idx"),
            models.Index(fields=["community", "closed_at"], name="complaint_closed_idx"),
            models.Index(fields=["handler", "status"], name="complaint_handler_idx"),
            # The queue's handler filter lists everyone who has had one of the community's.
            models.Index(fields=["community", "handler"], name="complaint_handlers_idx"),
            models.Index(fields=["household", "created_at"], name="complaint_household_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="complaint_satisfaction_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        if not self.number:
            self.number = new_number("TS", self.created_at)
        super().save(*args, **kwargs)

    @property
    def place_label(self) -> str:
        return self.room.label if self.room_id else self.place

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


def new_number(prefix: str, when) -> str:
    """Prefix + date + 6 random hex digits: sortable by day, not guessable, unique by
    constraint."""
    return f"{prefix}{timezone.localtime(when):%y%m%d}{uuid.uuid4().hex[:6].upper()}"


class ComplaintEvent(models.Model):
    """One line of the complaint's timeline. `internal` lines (escalations, evaluation) are for
    staff only."""

    class Kind(models.TextChoices):
        FILED = "filed", pgettext_lazy("complaint event", "Filed")
        LOGGED = "logged", pgettext_lazy("complaint event", "Logged by staff")
        ACCEPTED = "accepted", pgettext_lazy("complaint event", "Accepted")
        ROUTED = "routed", pgettext_lazy("complaint event", "Passed to a department")
        REROUTED = "rerouted", pgettext_lazy("complaint event", "Passed to another department")
        REPLIED = "replied", pgettext_lazy("complaint event", "Replied")
        RETURNED = "returned", pgettext_lazy("complaint event", "Returned by the resident")
        CLOSED = "closed", pgettext_lazy("complaint event", "Closed")
        RATED = "rated", pgettext_lazy("complaint event", "Rated")
        MERGED = "merged", pgettext_lazy("complaint event", "Merged with a duplicate")
        WITHDRAWN = "withdrawn", pgettext_lazy("complaint event", "Withdrawn")
        ESCALATED = "escalated", pgettext_lazy("complaint event", "Escalated to the manager")

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    status = models.CharField(_("status after"), max_length=12, choices=Complaint.Status)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=2000, blank=True)
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint_id}:{self.kind}"


class ComplaintMessage(models.Model):
    """The conversation between the household and staff. An `internal` message is a staff
    note: it never reaches a resident page, notification or export."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_staff = models.BooleanField(_("from staff"), default=False)
    internal = models.BooleanField(_("internal note"), default=False)
    body = models.TextField(_("message"), max_length=2000)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("complaint message")
        verbose_name_plural = _("complaint messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["complaint", "created_at"], name="complaint_message_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(internal=False) | Q(from_staff=True),
                name="complaint_internal_notes_are_staff",
            )
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}:{self.pk}"


def complaint_file_path(instance, filename: str) -> str:
    # The name passed in is already random (see the upload helpers); the folder groups by month.
    return f"complaints/{timezone.now():%Y/%m}/{filename}"


class ComplaintAttachment(models.Model):
    """A photo (or video) of the complaint, or of a message in its conversation."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("Photo")
        VIDEO = "video", _("Video")

    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    message = models.ForeignKey(
        ComplaintMessage,
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.IMAGE)
    file = models.FileField(_("file"), upload_to=complaint_file_path, storage=private_storage)
    thumbnail = models.FileField(
        _("thumbnail"), upload_to=complaint_file_path, storage=private_storage, blank=True
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
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("complaint photo")
        verbose_name_plural = _("complaint photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class ComplaintRead(models.Model):
    """How far a person has read a complaint's conversation (the read markers)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("conversation read marker")
        verbose_name_plural = _("conversation read markers")
        constraints = [
            models.UniqueConstraint(fields=["complaint", "user"], name="complaint_read_once")
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}:{self.user_id}"


class ComplaintEscalation(models.Model):
    """An overdue complaint raised to the community's managers, once per level."""

    class Level(models.TextChoices):
        ACCEPT = "accept", _("Not accepted in time")
        REPLY = "reply", _("Not replied in time")

    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        related_name="escalations",
    )
    level = models.CharField(_("level"), max_length=10, choices=Level)
    created_at = models.DateTimeField(_("escalated at"), default=timezone.now)

    class Meta:
        verbose_name = _("complaint escalation")
        verbose_name_plural = _("complaint escalations")
        constraints = [
            models.UniqueConstraint(fields=["complaint", "level"], name="complaint_escalation_once")
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}:{self.level}"


# --- Suggestions -----------------------------------------------------------------------------------


class Suggestion(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("suggestion status", "Submitted")
        EVALUATING = "evaluating", pgettext_lazy("suggestion status", "Being evaluated")
        ADOPTED = "adopted", pgettext_lazy("suggestion status", "Adopted")
        IN_PROGRESS = "in_progress", pgettext_lazy("suggestion status", "Being carried out")
        COMPLETED = "completed", pgettext_lazy("suggestion status", "Done")
        DECLINED = "declined", pgettext_lazy("suggestion status", "Not adopted")
        MERGED = "merged", pgettext_lazy("suggestion status", "Merged")

    OPEN_STATUSES = (Status.SUBMITTED, Status.EVALUATING)
    ADOPTED_STATUSES = (Status.ADOPTED, Status.IN_PROGRESS, Status.COMPLETED)
    FINAL_STATUSES = (Status.COMPLETED, Status.DECLINED, Status.MERGED)

    number = models.CharField(_("suggestion number"), max_length=20, unique=True, editable=False)
    community = models.ForeignKey(
        "accounts.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    household = models.ForeignKey(
        "accounts.Residency",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    title = models.CharField(_("title"), max_length=60)
    body = models.TextField(_("suggestion"), max_length=2000)
    # Neighbours may see (and support) it; the proposer's name and room are never shown to them.
    is_public = models.BooleanField(_("neighbours may see it"), default=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status, default=Status.SUBMITTED, db_index=True
    )
    handler = models.ForeignKey(
        "staff.StaffMember",
        verbose_name=_("handled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
    )
    # Internal evaluation: never shown to residents.
    feasibility_note = models.TextField(_("feasibility (internal)"), max_length=2000, blank=True)
    estimated_cost = models.DecimalField(
        _("estimated cost (yuan, internal)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    # What the residents are told: why it was (not) adopted, and what was done.
    decision_reason = models.TextField(_("reason given to residents"), max_length=1000, blank=True)
    outcome = models.TextField(_("what was done"), max_length=2000, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged",
    )
    # The notice that announced the completion, when staff chose to publish one.
    completion_notice = models.ForeignKey(
        "notices.Notice",
        verbose_name=_("completion notice"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    support_count = models.PositiveIntegerField(_("supporters"), default=0)

    created_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("evaluate_suggestion", _("Can evaluate, adopt and carry out suggestions")),
        ]
        indexes = [
            models.Index(fields=["community", "status", "created_at"], name="suggestion_queue_idx"),
            models.Index(fields=["household", "created_at"], name="suggestion_household_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def save(self, *args, **kwargs):
        if not self.number:
            self.number = new_number("JY", self.created_at)
        super().save(*args, **kwargs)


class SuggestionSupport(models.Model):
    """One household's support of a public suggestion (one per household)."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.CASCADE, related_name="supports"
    )
    household = models.ForeignKey(
        "accounts.Residency",
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="suggestion_supports",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supported by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("supported at"), default=timezone.now)

    class Meta:
        verbose_name = _("suggestion support")
        verbose_name_plural = _("suggestion supports")
        constraints = [
            models.UniqueConstraint(
                fields=["suggestion", "household"], name="suggestion_support_once_per_household"
            )
        ]

    def __str__(self) -> str:
        return f"{self.suggestion_id}:{self.household_id}"


class SuggestionStep(models.Model):
    """A step of an adopted suggestion's implementation plan."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.CASCADE, related_name="steps"
    )
    title = models.CharField(_("step"), max_length=100)
    owner = models.ForeignKey(
        "staff.StaffMember",
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestion_steps",
    )
    owner_name = models.CharField(
        _("owner (other)"),
        max_length=50,
        blank=True,
        help_text=_("A contractor or a team outside the staff list."),
    )
    target_date = models.DateField(_("target date"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("plan step")
        verbose_name_plural = _("plan steps")
        ordering = ["suggestion_id", "sort_order", "target_date", "pk"]

    def __str__(self) -> str:
        return self.title


class SuggestionEvent(models.Model):
    """One line of the suggestion's timeline: decisions and progress reported to the proposer
    and the supporters; `internal` lines (evaluation notes) are for staff only."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("suggestion event", "Submitted")
        EVALUATING = "evaluating", pgettext_lazy("suggestion event", "Evaluation started")
        NOTE = "note", pgettext_lazy("suggestion event", "Evaluation note")
        ADOPTED = "adopted", pgettext_lazy("suggestion event", "Adopted")
        DECLINED = "declined", pgettext_lazy("suggestion event", "Not adopted")
        PLANNED = "planned", pgettext_lazy("suggestion event", "Plan made")
        PROGRESS = "progress", pgettext_lazy("suggestion event", "Progress")
        STEP_DONE = "step_done", pgettext_lazy("suggestion event", "Step done")
        COMPLETED = "completed", pgettext_lazy("suggestion event", "Done")
        MERGED = "merged", pgettext_lazy("suggestion event", "Merged with a duplicate")

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    status = models.CharField(_("status after"), max_length=12, choices=Suggestion.Status)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("suggestion event")
        verbose_name_plural = _("suggestion events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.suggestion_id}:{self.kind}"

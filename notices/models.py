"""Community notices, and the notification spine every module sends through: the resident's
inbox (Message), one Delivery per message and outside channel, push rules and preferences."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kit.storage import private_storage


class Importance(models.TextChoices):
    NORMAL = "normal", _("Normal")
    IMPORTANT = "important", _("Important")
    URGENT = "urgent", _("Urgent")


class Channel(models.TextChoices):
    WECHAT = "wechat", _("WeChat message")
    WEBPUSH = "webpush", _("Web Push")
    SMS = "sms", _("SMS")


# --- Community notices ------------------------------------------------------------------------


class NoticeQuerySet(models.QuerySet):
    def live(self, now=None):
        """Published, not withdrawn, not expired: what residents may see."""
        now = now or timezone.now()
        return self.filter(
            status=Notice.Status.PUBLISHED, published_at__lte=now, withdrawn_at__isnull=True
        ).filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class Notice(models.Model):
    class Category(models.TextChoices):
        OUTAGE = "outage", _("Water and power cuts")
        ACTIVITY = "activity", _("Community activities")
        SAFETY = "safety", _("Safety warnings")
        PROPERTY = "property", _("Property notices")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        # An urgent notice to everybody by SMS, waiting for a colleague's approval.
        PENDING = "pending", _("Awaiting approval")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    community = models.ForeignKey(
        "accounts.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="notices",
    )
    title = models.CharField(_("title"), max_length=80)
    body = models.TextField(_("body"), help_text=_("Formatted text; sanitised when saved."))
    # Chosen by the writer every time: no default.
    category = models.CharField(_("category"), max_length=20, choices=Category)
    importance = models.CharField(
        _("importance"), max_length=10, choices=Importance, default=Importance.NORMAL
    )
    # Empty: the whole community.
    buildings = models.ManyToManyField(
        "accounts.Building", verbose_name=_("buildings"), blank=True, related_name="notices"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    pinned = models.BooleanField(_("pinned"), default=False)
    # Approval (NoticeSettings.urgent_sms_approval): who asked, who decided, and why not.
    approval_requested_at = models.DateTimeField(_("approval requested"), null=True, blank=True)
    approval_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approval requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    rejection_reason = models.CharField(_("reason for rejection"), max_length=200, blank=True)
    # Set when every recipient has a message; until then the sweep task finishes the fan-out.
    fanned_out_at = models.DateTimeField(_("fanned out at"), null=True, blank=True)
    audience_size = models.PositiveIntegerField(_("audience size"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        # Pinned first, then the newest (a draft by when it was written).
        ordering = ["-pinned", models.F("published_at").desc(nulls_first=True), "-created_at"]
        indexes = [models.Index(fields=["community", "status", "published_at"])]
        permissions = [("approve_notice", _("Approve urgent notices sent to everybody by SMS"))]

    def __str__(self) -> str:
        return self.title


class NoticeSettings(models.Model):
    """A community's notice rules: whether an urgent notice that goes to every resident by SMS
    needs a second staff member's approval (需要审批) before it is sent."""

    community = models.OneToOneField(
        "accounts.Community",
        verbose_name=_("community"),
        on_delete=models.CASCADE,
        related_name="notice_settings",
    )
    urgent_sms_approval = models.BooleanField(
        _("urgent notices by SMS need approval"),
        default=False,
        help_text=_(
            "An urgent notice to the whole community, sent by SMS, waits until a colleague "
            "with the approval duty approves it."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notice settings")
        verbose_name_plural = _("notice settings")

    def __str__(self) -> str:
        return str(self.community)


def notice_file_path(instance: "NoticeAttachment", filename: str) -> str:
    import secrets

    return f"notices/{instance.notice_id}/{secrets.token_hex(16)}.{instance.extension}"


class NoticeAttachment(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        PDF = "pdf", _("PDF document")

    notice = models.ForeignKey(
        Notice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    file = models.FileField(_("file"), upload_to=notice_file_path, storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=120)
    size = models.PositiveIntegerField(_("size in bytes"))
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return "jpg" if self.kind == self.Kind.IMAGE else "pdf"


class NoticeRead(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("notice read")
        verbose_name_plural = _("notice reads")
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="notice_read_once"),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id}:{self.user_id}"


# --- The notification spine --------------------------------------------------------------------


class Message(models.Model):
    """One event for one person: the inbox (消息中心) entry, always written. Unique per
    (recipient, event, object, key), so a repeated notify() adds nothing."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    event = models.CharField(_("event"), max_length=50)
    category = models.CharField(_("category"), max_length=20)
    importance = models.CharField(_("importance"), max_length=10, choices=Importance)
    object_type = models.ForeignKey(
        ContentType, verbose_name=_("about (type)"), on_delete=models.CASCADE, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    object_id = models.CharField(_("about (number)"), max_length=40, blank=True)
    # Tells two messages of one event and object apart (e.g. the 7- and 3-day reminders).
    key = models.CharField(_("distinguishing key"), max_length=40, blank=True)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event", "object_type", "object_id", "key"],
                name="message_once_per_event_object",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["object_type", "object_id", "event"]),
        ]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """A message through one outside channel. Unique per (message, channel): never twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.QUEUED, db_index=True
    )
    # Not before this time (quiet hours defer; retries back off).
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    dispatched_at = models.DateTimeField(_("handed to the queue"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["message", "channel"], name="delivery_once"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.message}"


class FanOut(models.Model):
    """The outbox of one event for many people (a bill run's residents, a day's reminders):
    written in the transaction that causes it, finished by its task or, if the broker or the
    worker lost that, by the sweep. `plan` names the function that says who and what
    (notices.fanout); the messages are unique per person, so finishing twice adds nothing."""

    event = models.CharField(_("event"), max_length=50)
    object_type = models.ForeignKey(
        ContentType, verbose_name=_("about (type)"), on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.CharField(_("about (number)"), max_length=40)
    key = models.CharField(_("distinguishing key"), max_length=40, blank=True)
    plan = models.CharField(_("recipient plan"), max_length=200)
    audience_size = models.PositiveIntegerField(_("recipients"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # When its task was last handed to the broker (None: the broker refused it).
    kicked_at = models.DateTimeField(_("handed to the queue"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("fan-out")
        verbose_name_plural = _("fan-outs")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "object_type", "object_id", "key"], name="fan_out_once"
            ),
        ]
        indexes = [models.Index(fields=["finished_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.event} {self.object_id}"


class PushRule(models.Model):
    """Which outside channels an event uses at an importance (PSET-1): operators edit these in
    the admin. The inbox is always written and is not a rule."""

    class SmsUse(models.TextChoices):
        NEVER = "never", _("Never")
        FALLBACK = "fallback", _("Only when no WeChat or Web Push reaches the person")
        ALWAYS = "always", _("Always")

    event = models.CharField(_("event"), max_length=50)
    importance = models.CharField(_("importance"), max_length=10, choices=Importance)
    wechat = models.BooleanField(_("WeChat message"), default=True)
    webpush = models.BooleanField(_("Web Push"), default=True)
    sms = models.CharField(_("SMS"), max_length=10, choices=SmsUse, default=SmsUse.NEVER)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("push rule")
        verbose_name_plural = _("push rules")
        ordering = ["event", "importance"]
        constraints = [
            models.UniqueConstraint(fields=["event", "importance"], name="push_rule_once"),
        ]

    def __str__(self) -> str:
        from . import events  # events reads the models' choices

        return f"{events.display_name(self.event)} · {self.get_importance_display()}"


class PushSettings(models.Model):
    """Platform-wide push parameters (one row): quiet hours in which non-urgent pushes wait."""

    quiet_hours_enabled = models.BooleanField(_("quiet hours"), default=True)
    quiet_start = models.TimeField(_("quiet hours start"), default="22:00")
    quiet_end = models.TimeField(_("quiet hours end"), default="08:00")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("push settings")
        verbose_name_plural = _("push settings")

    def __str__(self) -> str:
        return str(_("Push settings"))

    @classmethod
    def load(cls) -> "PushSettings":
        return cls.objects.get_or_create(pk=1)[0]


class MutedCategory(models.Model):
    """A resident's choice: no pushes for non-urgent messages of this category."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="muted_categories"
    )
    category = models.CharField(_("category"), max_length=20)

    class Meta:
        verbose_name = _("muted category")
        verbose_name_plural = _("muted categories")
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="mute_once"),
        ]

    def __str__(self) -> str:
        return self.category


class PushSubscription(models.Model):
    """A browser's Web Push subscription (PushSubscription.toJSON())."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(_("endpoint"), max_length=500, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_success_at = models.DateTimeField(_("last delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return self.user_agent or self.endpoint[:60]

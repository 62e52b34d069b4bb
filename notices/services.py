"""Writes for community notices. Publishing fans the notice out through the notification spine
(`notice.published`) to every person with a verified residency in its audience."""

import logging
from typing import Any

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kit.audit import log_action
from kit.cache import invalidate
from kit.iterables import batched

from . import notify, selectors
from .models import Message, Notice, NoticeRead, PushSubscription

logger = logging.getLogger(__name__)

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "h2", "h3", "h4", "ul", "ol", "li",
    "blockquote", "a", "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href"}}
# Classes by exact value, never the whole attribute: a clerk's own class (Bootstrap's
# position-fixed, stretched-link, modal-backdrop…) could lay an overlay or a full-screen link
# over residents' screens. The toolbar in static/staff/notice-editor.js writes tags, not
# classes; the one class Quill's getSemanticHTML() puts on a span is its caret placeholder.
ALLOWED_CLASSES = {"span": {"ql-cursor"}}
# Quill opens links in a new tab; any other target (a named frame) goes. `rel` is always
# replaced by link_rel below, and `style` is never kept.
ALLOWED_ATTRIBUTE_VALUES = {"a": {"target": {"_blank"}}}


def sanitize_body(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        tag_attribute_values=ALLOWED_ATTRIBUTE_VALUES,
        url_schemes={"http", "https", "tel", "mailto"},
        link_rel="noopener noreferrer nofollow",
    ).strip()


def _snapshot(notice: Notice) -> dict[str, Any]:
    return {
        "title": notice.title,
        "body": notice.body,
        "category": notice.category,
        "importance": notice.importance,
        "buildings": sorted(notice.buildings.values_list("pk", flat=True)),
        "publish_at": notice.publish_at.isoformat() if notice.publish_at else None,
        "expires_at": notice.expires_at.isoformat() if notice.expires_at else None,
    }


@transaction.atomic
def notice_save(
    *,
    notice: Notice,
    actor,
    buildings,
    publish: str = "draft",
    request=None,
) -> Notice:
    """Create or edit a notice. `publish`: "draft" keeps it unpublished, "now" publishes it,
    "scheduled" publishes it at `notice.publish_at` (the sweep task does it). Editing a
    published notice keeps the previous text in the audit log and sends nothing again."""
    creating = notice.pk is None
    before = None if creating else _snapshot(Notice.objects.get(pk=notice.pk))
    notice.body = sanitize_body(notice.body)
    if not notice.body:
        raise ValidationError({"body": _("Please write the notice.")})
    now = timezone.now()
    if notice.expires_at and notice.expires_at <= (notice.publish_at or now):
        raise ValidationError({"expires_at": _("The expiry must be after the publishing time.")})
    foreign = [b for b in buildings if b.community_id != notice.community_id]
    if foreign:
        raise ValidationError({"buildings": _("Choose buildings of this community only.")})
    waiting = False
    if notice.status in (Notice.Status.DRAFT, Notice.Status.SCHEDULED, Notice.Status.PENDING):
        waiting = _apply_publish_mode(notice, publish, buildings, now)
    if creating:
        notice.created_by = actor
    notice.save()
    notice.buildings.set(buildings)
    _notice_changed(notice)
    log_action(
        actor=actor,
        action="notice.created" if creating else "notice.changed",
        target=notice,
        community=notice.community,
        data={"before": before, "after": _snapshot(notice)} if before else _snapshot(notice),
        request=request,
    )
    if waiting:
        _approval_requested(notice, actor=actor, request=request)
    if notice.status == Notice.Status.PUBLISHED and notice.fanned_out_at is None:
        _published(notice, actor=actor, request=request)
    return notice


def _apply_publish_mode(notice: Notice, publish: str, buildings, now) -> bool:
    """The status an unpublished notice takes; True when it starts waiting for approval."""
    if publish == "scheduled" and (not notice.publish_at or notice.publish_at <= now):
        raise ValidationError({"publish_at": _("Choose a publishing time in the future.")})
    if publish in ("now", "scheduled") and needs_approval(notice, buildings):
        waiting = notice.status != Notice.Status.PENDING
        notice.status = Notice.Status.PENDING
        if publish == "now":
            notice.publish_at = None
        return waiting
    if publish == "now":
        notice.status = Notice.Status.PUBLISHED
        notice.published_at = now
        notice.publish_at = now
    elif publish == "scheduled":
        notice.status = Notice.Status.SCHEDULED
    else:
        notice.status = Notice.Status.DRAFT
    return False


# --- Approval of urgent notices to everybody by SMS ---------------------------------------------


def needs_approval(notice: Notice, buildings=None) -> bool:
    """An urgent notice to the whole community whose push rule sends SMS, in a community that
    asks for approval (NoticeSettings.urgent_sms_approval)."""
    from . import events
    from .models import Importance, NoticeSettings, PushRule

    if notice.importance != Importance.URGENT:
        return False
    if buildings is None:
        buildings = list(notice.buildings.all()) if notice.pk else []
    if buildings:
        return False
    if not NoticeSettings.objects.filter(
        community_id=notice.community_id, urgent_sms_approval=True
    ).exists():
        return False
    rule = notify.rule_for(events.get("notice.published"), Importance.URGENT)
    return rule.sms != PushRule.SmsUse.NEVER


def _approval_requested(notice: Notice, *, actor, request=None) -> None:
    from staff.selectors import staff_with_permission

    notice.approval_requested_at = timezone.now()
    notice.approval_requested_by = actor if getattr(actor, "is_authenticated", False) else None
    notice.rejection_reason = ""
    notice.save(
        update_fields=[
            "approval_requested_at", "approval_requested_by", "rejection_reason", "updated_at",
        ]
    )  # fmt: skip
    log_action(
        actor=actor,
        action="notice.approval_requested",
        target=notice,
        community=notice.community,
        request=request,
    )
    approvers = staff_with_permission(notice.community, "notices.approve_notice").exclude(
        pk__in=[pk for pk in (notice.created_by_id, getattr(actor, "pk", None)) if pk]
    )
    notify.notify(
        "notice.approval_requested",
        approvers,
        obj=notice,
        key=f"{notice.approval_requested_at:%Y%m%d%H%M%S}",
        context={"notice": notice, "author": actor},
        importance=notice.importance,
        url=reverse("notices_staff:detail", args=[notice.pk]),
    )


def _check_decider(notice: Notice, actor) -> None:
    if notice.status != Notice.Status.PENDING:
        raise ValidationError(_("This notice is not waiting for approval."))
    if actor.pk in (notice.created_by_id, notice.approval_requested_by_id):
        raise ValidationError(
            _("A colleague must approve this notice: not the person who wrote or submitted it.")
        )


def _author_of(notice: Notice) -> str:
    author = notice.approval_requested_by or notice.created_by
    return str(author) if author else ""


@transaction.atomic
def notice_approve(*, notice: Notice, actor, request=None) -> Notice:
    """A colleague with the approval duty lets the urgent notice go: published now (the SMS
    fan-out starts after commit) or at its set time."""
    notice = (
        Notice.objects.select_for_update(of=("self",))
        .select_related("community", "created_by", "approval_requested_by")
        .get(pk=notice.pk)
    )
    _check_decider(notice, actor)
    now = timezone.now()
    notice.approved_by = actor
    notice.approved_at = now
    if notice.publish_at and notice.publish_at > now:
        notice.status = Notice.Status.SCHEDULED
    else:
        notice.status = Notice.Status.PUBLISHED
        notice.published_at = now
        notice.publish_at = now
    notice.save(
        update_fields=["approved_by", "approved_at", "status", "published_at", "publish_at", "updated_at"]
    )  # fmt: skip
    _notice_changed(notice)
    log_action(
        actor=actor,
        action="notice.approved",
        target=notice,
        community=notice.community,
        data={"author": _author_of(notice)},
        request=request,
    )
    _tell_author(notice, "approved")
    if notice.status == Notice.Status.PUBLISHED:
        _published(notice, actor=actor, request=request)
    return notice


@transaction.atomic
def notice_reject(*, notice: Notice, actor, reason: str, request=None) -> Notice:
    """Back to a draft with the reason; nothing is sent."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please give a reason for rejecting the notice.")})
    notice = (
        Notice.objects.select_for_update(of=("self",))
        .select_related("community", "created_by", "approval_requested_by")
        .get(pk=notice.pk)
    )
    _check_decider(notice, actor)
    notice.status = Notice.Status.DRAFT
    notice.rejection_reason = reason[:200]
    notice.save(update_fields=["status", "rejection_reason", "updated_at"])
    _notice_changed(notice)
    log_action(
        actor=actor,
        action="notice.rejected",
        target=notice,
        community=notice.community,
        data={"author": _author_of(notice), "reason": reason[:200]},
        request=request,
    )
    _tell_author(notice, "rejected")
    return notice


def _tell_author(notice: Notice, outcome: str) -> None:
    author_id = notice.approval_requested_by_id or notice.created_by_id
    if author_id:
        notify.notify(
            "notice.approval_decided",
            [author_id],
            obj=notice,
            key=f"{outcome}-{timezone.now():%Y%m%d%H%M%S}",
            context={"notice": notice, "outcome": outcome},
            url=reverse("notices_staff:detail", args=[notice.pk]),
        )


@transaction.atomic
def notice_settings_save(*, community, urgent_sms_approval: bool, actor, request=None):
    from .models import NoticeSettings

    settings_row, _created = NoticeSettings.objects.get_or_create(community=community)
    if settings_row.urgent_sms_approval != urgent_sms_approval:
        settings_row.urgent_sms_approval = urgent_sms_approval
        settings_row.save(update_fields=["urgent_sms_approval", "updated_at"])
        log_action(
            actor=actor,
            action="notice.settings_changed",
            target=community,
            community=community,
            data={"approval": urgent_sms_approval},
            request=request,
        )
    return settings_row


# --- Publishing a draft, publishing again, deleting ---------------------------------------------


@transaction.atomic
def notice_publish(*, notice: Notice, actor, request=None) -> Notice:
    """Publish a draft now, or a withdrawn notice again (its readers' messages come back, the
    newcomers get theirs; nobody is sent the same notice twice). An urgent notice to everybody
    by SMS waits for approval where the community asks for it."""
    notice = Notice.objects.select_for_update().select_related("community").get(pk=notice.pk)
    if notice.status not in (Notice.Status.DRAFT, Notice.Status.WITHDRAWN):
        raise ValidationError(_("Only a draft or a withdrawn notice can be published here."))
    now = timezone.now()
    if notice.expires_at and notice.expires_at <= now:
        raise ValidationError(_("The notice has expired: change its expiry before publishing."))
    if needs_approval(notice):
        notice.status = Notice.Status.PENDING
        notice.publish_at = None
        notice.withdrawn_at = None
        notice.save(update_fields=["status", "publish_at", "withdrawn_at", "updated_at"])
        _notice_changed(notice)
        _approval_requested(notice, actor=actor, request=request)
        return notice
    notice.status = Notice.Status.PUBLISHED
    notice.published_at = now
    notice.publish_at = now
    notice.withdrawn_at = None
    notice.fanned_out_at = None  # the fan-out adds only the missing messages
    notice.save(
        update_fields=["status", "published_at", "publish_at", "withdrawn_at", "fanned_out_at", "updated_at"]
    )  # fmt: skip
    _notice_changed(notice)
    _published(notice, actor=actor, request=request)
    return notice


DELETABLE = (Notice.Status.DRAFT, Notice.Status.PENDING, Notice.Status.WITHDRAWN)


@transaction.atomic
def notice_delete(*, notice: Notice, actor, request=None) -> None:
    """SNOT-2: a draft, a notice waiting for approval or a withdrawn one is deleted with its
    inbox messages, reads and files (removed from storage once committed). A published or
    scheduled notice is withdrawn first, so that deleting never surprises a reader."""
    notice = Notice.objects.select_for_update().select_related("community").get(pk=notice.pk)
    if notice.status not in DELETABLE:
        raise ValidationError(_("Withdraw the notice before deleting it."))
    files = [a.file.name for a in notice.attachments.all()]
    log_action(
        actor=actor,
        action="notice.deleted",
        target=notice,
        community=notice.community,
        data={"title": notice.title, "status": notice.status, "files": len(files)},
        request=request,
    )
    selectors.notice_messages(notice).delete()  # their deliveries go with them
    invalidate(selectors.EVERY_INBOX)
    notice.delete()  # attachments and reads cascade
    invalidate(f"community:{notice.community_id}")
    transaction.on_commit(lambda: _remove_files(files))


def _remove_files(names: list[str]) -> None:
    from kit.storage import private_storage

    for name in names:
        try:
            private_storage().delete(name)
        except OSError:  # already gone: nothing left to reach
            logger.warning("Could not remove notice file %s", name)


def _published(notice: Notice, *, actor, request=None) -> None:
    from .tasks import notice_fan_out_task

    log_action(
        actor=actor,
        action="notice.published",
        target=notice,
        community=notice.community,
        data={"importance": notice.importance},
        request=request,
    )
    transaction.on_commit(lambda: _queue_fan_out(notice_fan_out_task, notice.pk))


def _queue_fan_out(task, notice_id: int) -> None:
    try:
        task.delay(notice_id)
    except Exception:  # broker down: the sweep finishes every unfinished fan-out
        logger.warning("Broker unavailable: notice %s waits for the sweep", notice_id)


def notices_publish_due(now=None) -> int:
    """Publish scheduled notices whose time has come, each exactly once: the conditional
    UPDATE lets one caller only move a notice from scheduled to published."""
    now = now or timezone.now()
    published = 0
    for notice_id in Notice.objects.filter(
        status=Notice.Status.SCHEDULED, publish_at__lte=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            moved = Notice.objects.filter(pk=notice_id, status=Notice.Status.SCHEDULED).update(
                status=Notice.Status.PUBLISHED, published_at=now
            )
            if moved:
                notice = Notice.objects.select_related("community").get(pk=notice_id)
                _notice_changed(notice)
                _published(notice, actor=None)
                published += 1
    return published


def notices_finish_fan_out(now=None) -> int:
    """Fan out again the published notices whose fan-out never finished (a lost task, a
    worker that died half-way). Re-running writes only the missing messages."""
    now = now or timezone.now()
    unfinished = list(
        Notice.objects.filter(
            status=Notice.Status.PUBLISHED,
            fanned_out_at__isnull=True,
            published_at__lte=now
            - timezone.timedelta(seconds=settings.NOTIFY_FAN_OUT_RETRY_SECONDS),
        ).values_list("pk", flat=True)
    )
    for notice_id in unfinished:
        notice_fan_out(notice_id=notice_id)
    return len(unfinished)


def notice_fan_out(*, notice_id: int) -> int:
    """One inbox message (and its pushes) per person in the audience, in chunks of their own
    transactions, so that a large community does not hold one long transaction."""
    notice = Notice.objects.select_related("community").get(pk=notice_id)
    if notice.status != Notice.Status.PUBLISHED or notice.fanned_out_at is not None:
        return 0
    rendered = notify.render(
        "notice.published",
        {"notice": notice, "object": notice},
        url=reverse("notices:detail", args=[notice.pk]),
    )
    user_ids = list(selectors.notice_audience_user_ids(notice))
    created = 0
    for chunk in batched(user_ids, notify.CHUNK):
        with transaction.atomic():
            created += notify.notify(
                "notice.published",
                chunk,
                obj=notice,
                importance=notice.importance,
                rendered=rendered,
            )
    Notice.objects.filter(pk=notice.pk, fanned_out_at__isnull=True).update(
        fanned_out_at=timezone.now(), audience_size=len(user_ids)
    )
    return created


@transaction.atomic
def notice_withdraw(*, notice: Notice, actor, request=None) -> Notice:
    """Gone for residents at once (the notice and its inbox messages); kept for the record.
    Pushes not yet sent are cancelled."""
    from .models import Delivery

    if notice.status == Notice.Status.WITHDRAWN:
        return notice
    notice.status = Notice.Status.WITHDRAWN
    notice.withdrawn_at = timezone.now()
    notice.pinned = False
    notice.save(update_fields=["status", "withdrawn_at", "pinned", "updated_at"])
    _notice_changed(notice)
    # The notice's messages leave every inbox (selectors.messages_for_user), unread ones too.
    invalidate(selectors.EVERY_INBOX)
    messages = selectors.notice_messages(notice)
    Delivery.objects.filter(message__in=messages, status=Delivery.Status.QUEUED).update(
        status=Delivery.Status.SKIPPED, last_error="notice withdrawn"
    )
    log_action(
        actor=actor,
        action="notice.withdrawn",
        target=notice,
        community=notice.community,
        request=request,
    )
    return notice


@transaction.atomic
def notice_set_pinned(*, notice: Notice, pinned: bool, actor, request=None) -> Notice:
    if notice.status == Notice.Status.WITHDRAWN:
        raise ValidationError(_("A withdrawn notice cannot be pinned."))
    notice.pinned = pinned
    notice.save(update_fields=["pinned", "updated_at"])
    _notice_changed(notice)
    log_action(
        actor=actor,
        action="notice.pinned" if pinned else "notice.unpinned",
        target=notice,
        community=notice.community,
        request=request,
    )
    return notice


def _notice_changed(notice: Notice) -> None:
    """What the community's residents see of its notices is recomputed (the home page's
    notices, selectors.home_notices). A notice published (again: after a withdrawal its old
    messages come back to the inboxes) moves every unread badge on too."""
    if notice.status == Notice.Status.PUBLISHED:
        invalidate(f"community:{notice.community_id}", selectors.EVERY_INBOX)
    else:
        invalidate(f"community:{notice.community_id}")


def notice_mark_read(*, notice: Notice, user) -> None:
    """Opening a notice reads it, and its inbox message with it."""
    now = timezone.now()
    _read, first_time = NoticeRead.objects.get_or_create(
        notice=notice, user=user, defaults={"read_at": now}
    )
    messages_read = (
        selectors.notice_messages(notice)
        .filter(recipient=user, read_at__isnull=True)
        .update(read_at=now)
    )
    if first_time or messages_read:
        invalidate(f"user:{user.pk}")


def message_mark_read(*, message: Message) -> None:
    if message.read_at is None and (
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=timezone.now())
    ):
        invalidate(f"user:{message.recipient_id}")


def messages_mark_all_read(*, user) -> int:
    read = Message.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if read:
        invalidate(f"user:{user.pk}")
    return read


@transaction.atomic
def notification_mutes_set(user, muted_categories) -> None:
    """消息设置: no pushes of these categories (the urgent ones still come; the inbox has
    everything). Categories not named are received again."""
    from . import events
    from .models import MutedCategory

    muted = set(muted_categories) & set(events.Category.labels)
    MutedCategory.objects.filter(user=user).exclude(category__in=muted).delete()
    existing = set(
        MutedCategory.objects.filter(user=user, category__in=muted).values_list(
            "category", flat=True
        )
    )
    MutedCategory.objects.bulk_create(
        [MutedCategory(user=user, category=c) for c in sorted(muted - existing)],
        ignore_conflicts=True,
    )


# --- Attachments --------------------------------------------------------------------------------

MAX_ATTACHMENTS = 9
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
NOTICE_IMAGE_MAX_SIDE = 2000


def notice_image_from_upload(upload):
    """A notice photo re-encoded as a plain JPEG, at most NOTICE_IMAGE_MAX_SIDE on its long
    side: nothing but the pixels of the upload is stored (see kit.images)."""
    from kit.images import photo_from_upload

    return photo_from_upload(upload, max_side=NOTICE_IMAGE_MAX_SIDE, quality=85)


def _looks_like_pdf(upload) -> bool:
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    return head == b"%PDF-"


def _claims_pdf(upload) -> bool:
    name = (upload.name or "").lower()
    return name.endswith(".pdf") or getattr(upload, "content_type", "") == "application/pdf"


@transaction.atomic
def notice_attachments_add(*, notice: Notice, files, actor, request=None) -> list:
    """Store images (re-encoded) and PDF documents (checked by their first bytes) with the
    notice: at most MAX_ATTACHMENTS files per notice, MAX_ATTACHMENT_BYTES each. Nothing is
    stored when one file is refused (ValidationError on "attachments", one line per file)."""
    from django.core.files.base import ContentFile

    from .models import NoticeAttachment

    files = [f for f in files if f]
    if not files:
        return []
    if notice.attachments.count() + len(files) > MAX_ATTACHMENTS:
        raise ValidationError(
            {
                "attachments": _("A notice may have at most %(count)d files.")
                % {"count": MAX_ATTACHMENTS}
            }
        )
    from kit.images import charge_upload

    try:
        charge_upload()  # PDFs too (kit.images checks the same for every image)
    except ValidationError as refusal:
        raise ValidationError({"attachments": refusal.messages}) from None
    prepared, errors = [], []
    for upload in files:
        name = (upload.name or "").rsplit("/", 1)[-1][:120] or "file"
        if upload.size is not None and upload.size > MAX_ATTACHMENT_BYTES:
            errors.append(
                _("%(name)s is larger than %(size)d MB.")
                % {"name": name, "size": MAX_ATTACHMENT_BYTES // 2**20}
            )
            continue
        if _looks_like_pdf(upload):
            prepared.append((NoticeAttachment.Kind.PDF, name, ContentFile(upload.read())))
            continue
        if _claims_pdf(upload):
            errors.append(_("%(name)s is not a PDF document.") % {"name": name})
            continue
        try:
            prepared.append((NoticeAttachment.Kind.IMAGE, name, notice_image_from_upload(upload)))
        except ValidationError as refusal:
            if refusal.code == "not_an_image":
                errors.append(
                    _("%(name)s is neither an image (JPG, PNG, WebP) nor a PDF document.")
                    % {"name": name}
                )
            else:  # an image, but too many pixels (alone or with the others)
                errors.append(f"{name}: {refusal.messages[0]}")
    if errors:
        raise ValidationError({"attachments": errors})
    stored = []
    for kind, name, content in prepared:
        attachment = NoticeAttachment(
            notice=notice, kind=kind, original_name=name, size=content.size
        )
        attachment.file.save(f"upload.{attachment.extension}", content, save=False)
        attachment.save()
        stored.append(attachment)
    return stored


# --- Web Push subscriptions ----------------------------------------------------------------------


class PushEndpointRefused(ValidationError):
    """The endpoint is not at one of the known push services (WEBPUSH_ALLOWED_SERVICES)."""


@transaction.atomic
def push_subscription_save(
    *, user, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> tuple[PushSubscription, bool]:
    """This device's subscription for `user` (a device passed on to someone else moves to
    them). Only the known push services are accepted; a person keeps at most
    WEBPUSH_MAX_SUBSCRIPTIONS, the oldest making way for a new one."""
    from accounts.models import User

    from .vapid import push_service_allowed

    if not push_service_allowed(endpoint, settings.WEBPUSH_ALLOWED_SERVICES):
        raise PushEndpointRefused(
            _("This push service is not supported: please use the browser's own push."),
            code="push_service",
        )
    # One subscribe at a time per person, so that two at once cannot both keep a sixth.
    User.objects.select_for_update().filter(pk=user.pk).first()
    subscription, created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"user": user, "p256dh": p256dh, "auth": auth, "user_agent": user_agent[:200]},
    )
    keep = PushSubscription.objects.filter(user=user).order_by("-created_at", "-pk")
    keep_ids = list(keep.values_list("pk", flat=True)[: settings.WEBPUSH_MAX_SUBSCRIPTIONS])
    if subscription.pk not in keep_ids:  # a device moved over from someone else, long ago
        keep_ids = [subscription.pk, *keep_ids[:-1]]
    PushSubscription.objects.filter(user=user).exclude(pk__in=keep_ids).delete()
    return subscription, created

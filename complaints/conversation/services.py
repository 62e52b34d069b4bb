"""Writes of the conversation part: a message or an internal note on a complaint, the read
markers, and merging duplicate complaints into one survivor.

Who is told what: a staff message reaches the filing household only (the conversation is
private: households merged into it hear the survivor's moves, never its talk); a resident's
message reaches the handler, else the department's members who handle complaints, else the
community's staff who do; an internal note reaches no resident, ever."""

import math
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.limits import count_action
from accounts.models import Residency, User
from kit import uploads
from kit.audit import log_action
from notices.notify import notify
from staff.selectors import staff_with_permission

from .. import workflow
from ..models import Complaint, ComplaintAttachment, ComplaintEvent, ComplaintMessage, ComplaintRead
from ..setup import HANDLE

MAX_BODY = 2000
MAX_PHOTOS = 9
# Residents: enough for a lively conversation, not for a flood of pushes to the staff.
RESIDENT_RATES = ["10/10m", "60/d"]
PREVIEW_CHARS = 60

Status = Complaint.Status


def _check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Please write a message.")}, code="required")
    if len(body) > MAX_BODY:
        raise ValidationError(
            {"body": _("At most %(count)d characters, please.") % {"count": MAX_BODY}},
            code="too_long",
        )
    return body


def _throttle_resident(request: HttpRequest | None, user: User) -> None:
    wait = count_action(request, group="complaint_message", key=str(user.pk), rates=RESIDENT_RATES)
    if wait is not None:
        minutes = max(1, math.ceil(wait / 60))
        raise ValidationError(
            ngettext(
                "You have sent many messages just now. Please try again in %(count)d minute; "
                "what you wrote is kept.",
                "You have sent many messages just now. Please try again in %(count)d minutes; "
                "what you wrote is kept.",
                minutes,
            )
            % {"count": minutes},
            code="throttled",
        )


def _store(complaint: Complaint, message: ComplaintMessage, media, user: User) -> None:
    for item in media:
        attachment = ComplaintAttachment(
            complaint=complaint, message=message, kind=item.kind, content_type=item.content_type,
            original_name=item.original_name, size=item.size, uploaded_by=user,
        )  # fmt: skip
        attachment.file.save(item.file.name, item.file, save=False)
        if item.thumbnail is not None:
            attachment.thumbnail.save(item.thumbnail.name, item.thumbnail, save=False)
        attachment.save()


def _preview(body: str) -> str:
    return Truncator(" ".join(body.split())).chars(PREVIEW_CHARS)


@transaction.atomic
def resident_message_send(
    *,
    complaint: Complaint,
    author: User,
    body: str,
    photos: Iterable[UploadedFile] = (),
    request: HttpRequest | None = None,
) -> ComplaintMessage:
    """A message of the household (the caller has checked that `author` belongs to it)."""
    body = _check_body(body)
    complaint = workflow.locked(complaint)
    if complaint.status in Complaint.FINAL_STATUSES:
        raise ValidationError(_refusal(complaint), code="closed")
    _throttle_resident(request, author)
    media = uploads.media_from_uploads(list(photos), [], max_photos=MAX_PHOTOS)
    message = ComplaintMessage.objects.create(complaint=complaint, author=author, body=body)
    _store(complaint, message, media, author)
    mark_read(complaint=complaint, user=author, at=message.created_at)
    log_action(
        actor=author, action="complaint.message", target=complaint,
        community=complaint.community, data={"message": message.pk, "photos": len(media)},
        request=request,
    )  # fmt: skip
    notify(
        "complaint.resident_message",
        staff_to_tell(complaint),
        obj=complaint,
        key=f"message-{message.pk}",
        context={"complaint": complaint, "preview": _preview(body)},
        url=reverse("complaints_staff:detail", args=[complaint.pk]),
    )
    return message


def _refusal(complaint: Complaint) -> str:
    if complaint.status == Status.MERGED:
        return _(
            "This complaint was merged with the same matter raised by others; the conversation "
            "is closed. You will hear its result."
        )
    if complaint.status == Status.WITHDRAWN:
        return _("This complaint was withdrawn; no more messages can be sent.")
    return _("This complaint is closed; no more messages can be sent.")


@transaction.atomic
def staff_message_send(
    *,
    complaint: Complaint,
    author: User,
    body: str,
    internal: bool = False,
    photos: Iterable[UploadedFile] = (),
    request: HttpRequest | None = None,
) -> ComplaintMessage:
    """A staff message to the household, or (`internal`) a note only staff ever see. A note may
    be added to a closed complaint; a message to the household only while it is not final."""
    body = _check_body(body)
    complaint = workflow.locked(complaint)
    if not internal and complaint.status in Complaint.FINAL_STATUSES:
        raise ValidationError(
            _("This complaint is “%(status)s”: write an internal note instead.")
            % {"status": complaint.get_status_display()},
            code="closed",
        )
    media = uploads.media_from_uploads(list(photos), [], max_photos=MAX_PHOTOS)
    message = ComplaintMessage.objects.create(
        complaint=complaint, author=author, body=body, from_staff=True, internal=internal
    )
    _store(complaint, message, media, author)
    mark_read(complaint=complaint, user=author, at=message.created_at)
    log_action(
        actor=author, action="complaint.internal_note" if internal else "complaint.message",
        target=complaint, community=complaint.community,
        data={"message": message.pk, "photos": len(media)}, request=request,
    )  # fmt: skip
    if not internal:
        notify(
            "complaint.message",
            household_user_ids(complaint),
            obj=complaint,
            key=f"message-{message.pk}",
            context={"complaint": complaint, "preview": _preview(body)},
            url=reverse("complaints:detail", args=[complaint.pk]),
        )
    return message


def household_user_ids(complaint: Complaint) -> list[int]:
    """The filing household only (head and verified members): not the merged followers."""
    return list(
        Residency.objects.filter(status=Residency.Status.VERIFIED)
        .filter(Q(pk=complaint.household_id) | Q(head_id=complaint.household_id))
        .values_list("user_id", flat=True)
        .distinct()
    )


def staff_to_tell(complaint: Complaint) -> list[int]:
    """The handler; else the department's members who handle complaints; else the community's
    staff who do."""
    handlers = staff_with_permission(complaint.community, HANDLE)
    if complaint.handler_id and complaint.handler.is_active and complaint.handler.user.is_active:
        return [complaint.handler.user_id]
    if complaint.department_id:
        members = list(
            handlers.filter(
                staff_member__complaint_departments=complaint.department_id
            ).values_list("pk", flat=True)
        )
        if members:
            return members
    return list(handlers.values_list("pk", flat=True))


def mark_read(*, complaint: Complaint, user: User, at=None) -> None:
    """The person has read the conversation up to now (a page view, or their own message)."""
    at = at or timezone.now()
    updated = ComplaintRead.objects.filter(complaint=complaint, user=user, read_at__lt=at).update(
        read_at=at
    )
    if not updated:
        ComplaintRead.objects.get_or_create(
            complaint=complaint, user=user, defaults={"read_at": at}
        )


# --- Merging duplicates ----------------------------------------------------------------------------


@transaction.atomic
def merge_complaints(
    *,
    survivor: Complaint,
    duplicates: Iterable[Complaint],
    actor: User,
    request: HttpRequest | None = None,
) -> list[Complaint]:
    """Merge each duplicate into `survivor`: it becomes MERGED (its household told), and the
    complaints once merged into it now point at the survivor, so every one of those households
    follows the survivor and hears its outcome. Another community's complaint: Http404 (the
    caller's scoping), here a refusal all the same."""
    # Every row locked first, in one order (by id) for every merge: two staff merging crosswise
    # (A into B, B into A) wait for each other rather than deadlock; the second then finds its
    # survivor merged and is refused.
    ids = sorted({d.pk for d in duplicates})
    if not ids:
        raise ValidationError(_("Choose at least one complaint to merge."), code="empty")
    if survivor.pk in ids:
        raise ValidationError(_("A complaint cannot be merged into itself."), code="itself")
    rows = {pk: workflow.locked(Complaint(pk=pk)) for pk in sorted([survivor.pk, *ids])}
    survivor = rows[survivor.pk]
    if survivor.status in Complaint.FINAL_STATUSES:
        raise ValidationError(
            _("Complaint %(number)s is “%(status)s”: nothing can be merged into it.")
            % {"number": survivor.number, "status": survivor.get_status_display()},
            code="final_survivor",
        )
    merged = []
    for pk in ids:
        duplicate = rows[pk]
        if duplicate.community_id != survivor.community_id:
            raise ValidationError(_("That complaint is not of this community."), code="community")
        if duplicate.status in Complaint.FINAL_STATUSES:
            raise ValidationError(
                _("Complaint %(number)s is “%(status)s” and cannot be merged.")
                % {"number": duplicate.number, "status": duplicate.get_status_display()},
                code="final_duplicate",
            )
        # The ones already merged into this duplicate follow the survivor from now on.
        Complaint.objects.filter(merged_into=duplicate).update(merged_into=survivor)
        workflow.move(
            duplicate, Status.MERGED, ComplaintEvent.Kind.MERGED, actor, request,
            merged_into=survivor,
        )  # fmt: skip
        merged.append(duplicate)
    workflow.record(
        survivor, ComplaintEvent.Kind.MERGED, actor,
        note=", ".join(d.number for d in merged), internal=True,
    )  # fmt: skip
    log_action(
        actor=actor, action="complaint.merge", target=survivor, community=survivor.community,
        data={"merged": [d.number for d in merged]}, request=request,
    )  # fmt: skip
    return merged

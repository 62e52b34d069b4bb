"""The filing part's writes: a resident files a complaint (or staff log one made by phone or at
the desk), the household accepts the reply, returns it, withdraws the complaint or rates how it
was handled; replies nobody answered close by themselves. Each status change goes through
`complaints.workflow` (locked + move): timeline, audit log and the households told."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts import limits
from accounts.models import Community, Residency, Room, User
from accounts.selectors import household_ids_of_user
from kit import parameters, uploads
from kit.audit import log_action
from notices.notify import notify
from staff.selectors import staff_with_permission

from .. import workflow
from ..models import Complaint, ComplaintAttachment, ComplaintCategory, ComplaintEvent
from ..setup import HANDLE
from . import selectors

Status = Complaint.Status
Kind = ComplaintEvent.Kind
LOW_RATING = 2
STAFF_CHANNELS = (Complaint.Channel.PHONE, Complaint.Channel.DESK, Complaint.Channel.OTHER)


# --- Filing ----------------------------------------------------------------------------------------


def _check_filing(
    *,
    community: Community,
    category: ComplaintCategory,
    details: str,
    in_room: bool,
    place: str,
    about_neighbour: bool,
    neighbour_room: Room | None,
    own_rooms: set[int],
) -> None:
    """The rules a new complaint must meet, each refusal at its field."""
    errors: dict[str, str] = {}
    if category.community_id != community.pk or not category.is_active:
        errors["category"] = pgettext("complaint", "Please choose one of the categories offered.")
    if not in_room and not place.strip():
        errors["place"] = _("Please say where in the community it is.")
    if not details.strip():
        errors["details"] = _("Please describe what happened.")
    if about_neighbour:
        if neighbour_room is None:
            errors["neighbour_room"] = _("Please give the building and room of the neighbour.")
        elif neighbour_room.building.community_id != community.pk:
            errors["neighbour_room"] = _("This room is not in your community.")
        elif neighbour_room.pk in own_rooms:
            errors["neighbour_room"] = _("This is your own room: please give the neighbour's.")
    if errors:
        raise ValidationError(errors)


def routed_recipients(complaint: Complaint) -> list[int]:
    """Who hears of a new complaint: the person its category routes to, else the members of
    the routed department who may handle complaints, else every staff member of the community
    who may."""
    handlers = staff_with_permission(complaint.community, HANDLE)
    if complaint.handler_id is not None:
        routed = list(
            handlers.filter(staff_member=complaint.handler_id).values_list("pk", flat=True)
        )
        if routed:
            return routed
    if complaint.department_id is not None:
        members = list(
            handlers.filter(
                staff_member__complaint_departments=complaint.department_id
            ).values_list("pk", flat=True)
        )
        if members:
            return members
    return list(handlers.values_list("pk", flat=True))


def _create(
    *,
    household: Residency,
    reporter: User,
    category: ComplaintCategory,
    room: Room | None,
    place: str,
    details: str,
    wanted_outcome: str,
    contact_name: str,
    contact_phone: str,
    about_neighbour: bool,
    neighbour_room: Room | None,
    media: list[uploads.StoredMedia],
    channel: str = Complaint.Channel.APP,
    logged_by: User | None = None,
) -> Complaint:
    now = timezone.now()
    complaint = Complaint.objects.create(
        community=category.community,
        household=household,
        reporter=reporter,
        channel=channel,
        logged_by=logged_by,
        category=category,
        room=room,
        place="" if room is not None else place.strip()[:60],
        about_neighbour=about_neighbour,
        neighbour_room=neighbour_room if about_neighbour else None,
        details=details.strip(),
        wanted_outcome=wanted_outcome.strip(),
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        # The routing rule: the category's department and person (accepting is handling's).
        department=category.department if category.department_id else None,
        handler=category.handler if category.handler_id else None,
        created_at=now,
        accept_due_at=now + dt.timedelta(hours=category.accept_within_hours),
        reply_due_at=now + dt.timedelta(hours=category.reply_within_hours),
    )
    for item in media:
        attachment = ComplaintAttachment(
            complaint=complaint, kind=item.kind, content_type=item.content_type,
            original_name=item.original_name, size=item.size, uploaded_by=logged_by or reporter,
        )  # fmt: skip
        attachment.file.save(item.file.name, item.file, save=False)
        if item.thumbnail is not None:
            attachment.thumbnail.save(item.thumbnail.name, item.thumbnail, save=False)
        attachment.save()
    return complaint


def _tell_staff_filed(complaint: Complaint) -> None:
    notify(
        "complaint.filed",
        routed_recipients(complaint),
        obj=complaint,
        context={"complaint": complaint},
        url=reverse("complaints_staff:detail", args=[complaint.pk]),
    )


@transaction.atomic
def complaint_file(
    *,
    reporter: User,
    residency: Residency,
    category: ComplaintCategory,
    details: str,
    contact_name: str,
    contact_phone: str,
    wanted_outcome: str = "",
    in_room: bool = True,
    place: str = "",
    about_neighbour: bool = False,
    neighbour_room: Room | None = None,
    photos: Iterable[UploadedFile] = (),
    request: HttpRequest | None = None,
) -> Complaint:
    """File a complaint of `residency`'s household, about its room or (in_room=False) a place
    of its community. A category about neighbours (or `about_neighbour`) needs the neighbour's
    room, which only staff ever see."""
    if residency.user_id != reporter.pk or residency.status != Residency.Status.VERIFIED:
        raise PermissionDenied
    community = residency.room.building.community
    about_neighbour = about_neighbour or category.about_neighbours
    own_rooms = set(
        Residency.objects.filter(user=reporter, status=Residency.Status.VERIFIED).values_list(
            "room_id", flat=True
        )
    )
    _check_filing(
        community=community, category=category, details=details, in_room=in_room, place=place,
        about_neighbour=about_neighbour, neighbour_room=neighbour_room, own_rooms=own_rooms,
    )  # fmt: skip
    if request is not None:
        # Before any photo is decoded: a refused complaint costs no CPU.
        limits.throttle_request("complaint_file", request, user=reporter)
    media = uploads.media_from_uploads(list(photos), [])
    complaint = _create(
        household=residency.head or residency, reporter=reporter, category=category,
        room=residency.room if in_room else None, place=place, details=details,
        wanted_outcome=wanted_outcome, contact_name=contact_name, contact_phone=contact_phone,
        about_neighbour=about_neighbour, neighbour_room=neighbour_room, media=media,
    )  # fmt: skip
    workflow.record(complaint, Kind.FILED, reporter)
    log_action(
        actor=reporter, action="complaint.filed", target=complaint, community=community,
        data={"category": category.name, "about_neighbour": about_neighbour}, request=request,
    )  # fmt: skip
    _tell_staff_filed(complaint)
    return complaint


@transaction.atomic
def complaint_log(
    *,
    actor: User,
    community: Community,
    room: Room,
    reporter: User,
    channel: str,
    category: ComplaintCategory,
    details: str,
    contact_name: str,
    contact_phone: str,
    wanted_outcome: str = "",
    in_room: bool = True,
    place: str = "",
    photos: Iterable[UploadedFile] = (),
    request: HttpRequest | None = None,
) -> Complaint:
    """Staff log a complaint a resident made by phone or at the desk: the resident's household
    owns it and is told it was logged."""
    if room.building.community_id != community.pk:
        raise PermissionDenied
    residency = (
        Residency.objects.filter(room=room, user=reporter, status=Residency.Status.VERIFIED)
        .select_related("head")
        .first()
    )
    if residency is None:
        raise ValidationError({"reporter": _("Please choose who complained from the list.")})
    if channel not in STAFF_CHANNELS:
        raise ValidationError({"channel": _("Please choose how the complaint came in.")})
    _check_filing(
        community=community, category=category, details=details, in_room=in_room, place=place,
        about_neighbour=False, neighbour_room=None, own_rooms=set(),
    )  # fmt: skip
    media = uploads.media_from_uploads(list(photos), [])
    complaint = _create(
        household=residency.head or residency, reporter=reporter, category=category,
        room=room if in_room else None, place=place, details=details,
        wanted_outcome=wanted_outcome, contact_name=contact_name, contact_phone=contact_phone,
        about_neighbour=False, neighbour_room=None, media=media, channel=channel,
        logged_by=actor,
    )  # fmt: skip
    event = workflow.record(
        complaint, Kind.LOGGED, actor,
        note=_("Logged for you by the service desk (%(channel)s).")
        % {"channel": complaint.get_channel_display()},
    )  # fmt: skip
    log_action(
        actor=actor, action="complaint.logged", target=complaint, community=community,
        data={"category": category.name, "channel": channel, "reporter": reporter.pk},
        request=request,
    )  # fmt: skip
    workflow.tell(complaint, event)
    _tell_staff_filed(complaint)
    return complaint


# --- The household's answers -------------------------------------------------------------------


def _check_household(user: User, complaint: Complaint) -> None:
    if not household_ids_of_user(user).filter(pk=complaint.household_id).exists():
        raise PermissionDenied


def _tell_own_household(complaint: Complaint, event: ComplaintEvent) -> None:
    """Tell only the household that filed it: the note is its own words, which the households
    merged into this complaint (other households) must not receive."""
    household = complaint.household_id
    notify(
        "complaint.status_changed",
        list(
            Residency.objects.filter(status=Residency.Status.VERIFIED)
            .filter(Q(pk=household) | Q(head_id=household))
            .values_list("user_id", flat=True)
        ),
        obj=complaint,
        key=f"{event.kind}-{event.pk}",
        context={"complaint": complaint, "event": event},
        url=reverse("complaints:detail", args=[complaint.pk]),
    )


def _close(
    complaint: Complaint, closed_by: str, actor: User | None, request: HttpRequest | None,
    note: str = "", now: dt.datetime | None = None,
) -> ComplaintEvent:  # fmt: skip
    now = now or timezone.now()
    return workflow.move(
        complaint, Status.CLOSED, Kind.CLOSED, actor, request, note=note,
        closed_at=now, closed_by=closed_by,
        close_seconds=workflow.seconds_between(complaint.created_at, now),
    )  # fmt: skip


@transaction.atomic
def complaint_accept_reply(
    *, complaint: Complaint, user: User, request: HttpRequest | None = None
) -> Complaint:
    """问题已解决: the household accepts the reply and the complaint closes."""
    _check_household(user, complaint)
    complaint = workflow.locked(complaint)
    if complaint.status != Status.REPLIED:
        raise ValidationError(_("Only a replied complaint can be closed."))
    _close(complaint, Complaint.ClosedBy.RESIDENT, user, request)
    return complaint


@transaction.atomic
def complaint_return(
    *, complaint: Complaint, user: User, reason: str, request: HttpRequest | None = None
) -> Complaint:
    """不满意，退回: reopened with a new reply deadline, and the managers are told."""
    _check_household(user, complaint)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Please say what is still not right.")})
    complaint = workflow.locked(complaint)
    if complaint.status != Status.REPLIED:
        raise ValidationError(_("Only a replied complaint can be returned."))
    now = timezone.now()
    event = workflow.move(
        complaint, Status.RETURNED, Kind.RETURNED, user, request, note=reason[:2000],
        return_count=complaint.return_count + 1, returned_at=now,
        reply_due_at=now + dt.timedelta(hours=complaint.category.reply_within_hours),
        tell_households=False,
    )  # fmt: skip
    _tell_own_household(complaint, event)
    notify(
        "complaint.returned",
        staff_with_permission(complaint.community, workflow.ALERT_PERMISSION),
        obj=complaint,
        key=f"returned-{complaint.return_count}",
        context={"complaint": complaint, "reason": reason, "count": complaint.return_count},
        url=reverse("complaints_staff:detail", args=[complaint.pk]),
    )
    return complaint


@transaction.atomic
def complaint_withdraw(
    *, complaint: Complaint, user: User, reason: str, request: HttpRequest | None = None
) -> Complaint:
    _check_household(user, complaint)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Please give a reason for withdrawing.")})
    complaint = workflow.locked(complaint)
    if complaint.status not in Complaint.OPEN_STATUSES:
        raise ValidationError(_("Only an open complaint can be withdrawn."))
    event = workflow.move(
        complaint, Status.WITHDRAWN, Kind.WITHDRAWN, user, request, note=reason[:2000],
        tell_households=False,
    )  # fmt: skip
    _tell_own_household(complaint, event)
    return complaint


def may_rate(complaint: Complaint) -> bool:
    """A closed complaint, once; a complaint merged into another once the survivor is closed
    (the household rates the outcome it got, on its own row)."""
    if complaint.rated_at is not None:
        return False
    if complaint.status == Status.CLOSED:
        return True
    survivor = complaint.merged_into
    return (
        complaint.status == Status.MERGED
        and survivor is not None
        and (survivor.status == Status.CLOSED)
    )


@transaction.atomic
def complaint_rate(
    *,
    complaint: Complaint,
    user: User,
    satisfaction: int,
    comment: str = "",
    request: HttpRequest | None = None,
) -> Complaint:
    """Satisfaction 1–5 and a comment, once. A low score reaches the managers."""
    _check_household(user, complaint)
    if satisfaction not in range(1, 6):
        raise ValidationError({"satisfaction": _("Please give 1 to 5 stars.")})
    complaint = workflow.locked(complaint)
    if complaint.rated_at is not None:
        raise ValidationError(_("This complaint has already been rated."))
    if not may_rate(complaint):
        raise ValidationError(_("A complaint can be rated once it is closed."))
    comment = comment.strip()[:500]
    complaint.satisfaction = satisfaction
    complaint.satisfaction_comment = comment
    complaint.rated_at = timezone.now()
    complaint.save(update_fields=["satisfaction", "satisfaction_comment", "rated_at"])
    workflow.record(complaint, Kind.RATED, user, note=comment)
    log_action(
        actor=user, action="complaint.rated", target=complaint, community=complaint.community,
        data={"satisfaction": satisfaction}, request=request,
    )  # fmt: skip
    if satisfaction <= LOW_RATING:
        notify(
            "complaint.low_rating",
            staff_with_permission(complaint.community, workflow.ALERT_PERMISSION),
            obj=complaint,
            context={"complaint": complaint, "satisfaction": satisfaction, "comment": comment},
            url=reverse("complaints_staff:detail", args=[complaint.pk]),
        )
    return complaint


# --- Replies nobody answered ---------------------------------------------------------------------


def auto_close_unanswered(now: dt.datetime | None = None) -> int:
    """Close the replied complaints whose household did not answer within
    the platform parameter complaints.auto_close_days (default LINLI_COMPLAINT_AUTO_CLOSE_DAYS);
    the households are told. One transaction per complaint, each re-checked under its lock (the
    household may be answering right now)."""
    now = now or timezone.now()
    wait = parameters.get("complaints.auto_close_days")
    cutoff = now - wait
    closed = 0
    for complaint in selectors.replied_unanswered(cutoff).only("pk"):
        with transaction.atomic():
            complaint = workflow.locked(complaint)
            if complaint.status != Status.REPLIED or complaint.replied_at > cutoff:
                continue
            _close(
                complaint, Complaint.ClosedBy.AUTO, None, None,
                note=_("Closed automatically: no answer within %(days)d days of the reply.")
                % {"days": wait.days},
                now=now,
            )  # fmt: skip
            closed += 1
    return closed

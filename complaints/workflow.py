"""The complaint's life, shared by the app's parts: which moves are allowed, the one function
that makes a move (timeline, audit log, the households told), and who follows a complaint.

Every part that changes a complaint's status locks the row (`locked`) and calls `move`;
nothing else writes `Complaint.status`."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Residency, User
from kit.audit import log_action
from kit.cache import invalidate
from notices.notify import notify

from .models import Complaint, ComplaintEvent

Status = Complaint.Status
Kind = ComplaintEvent.Kind

TRANSITIONS: set[tuple[str, str]] = {
    (Status.SUBMITTED, Status.ACCEPTED),
    (Status.SUBMITTED, Status.IN_PROGRESS),  # accepted and routed at once
    (Status.ACCEPTED, Status.IN_PROGRESS),
    (Status.IN_PROGRESS, Status.IN_PROGRESS),  # routed to another department or person
    (Status.ACCEPTED, Status.REPLIED),  # answered at the desk without routing
    (Status.IN_PROGRESS, Status.REPLIED),
    (Status.RETURNED, Status.IN_PROGRESS),
    (Status.RETURNED, Status.REPLIED),
    (Status.REPLIED, Status.CLOSED),  # the resident accepts, or nobody answered in time
    (Status.REPLIED, Status.RETURNED),  # the resident is not satisfied: reopened, escalated
    (Status.SUBMITTED, Status.MERGED),
    (Status.ACCEPTED, Status.MERGED),
    (Status.IN_PROGRESS, Status.MERGED),
    (Status.RETURNED, Status.MERGED),
    (Status.SUBMITTED, Status.WITHDRAWN),
    (Status.ACCEPTED, Status.WITHDRAWN),
    (Status.IN_PROGRESS, Status.WITHDRAWN),
    (Status.RETURNED, Status.WITHDRAWN),
}

# Who hears of an overdue or returned complaint: the staff who oversee complaints (the
# manager's position by default). By permission: operators may rename positions.
ALERT_PERMISSION = "complaints.view_complaint_figures"


def locked(complaint: Complaint) -> Complaint:
    """The complaint, locked for the rest of the transaction, with what `move` needs."""
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("community", "category", "department", "handler__user", "room__building")
        .get(pk=complaint.pk)
    )


def refuse(complaint: Complaint, to: str) -> None:
    raise ValidationError(
        _("A complaint that is “%(current)s” cannot become “%(target)s”.")
        % {"current": complaint.get_status_display(), "target": Status(to).label},
        code="illegal_transition",
    )


def move(
    complaint: Complaint,
    to: str,
    kind: str,
    actor: User | None,
    request: HttpRequest | None = None,
    *,
    note: str = "",
    internal_note: bool = False,
    tell_households: bool = True,
    **fields,
) -> ComplaintEvent:
    """Move a locked complaint to `to`, setting `fields` with it; write the timeline, the audit
    log, and tell every household that follows it (`complaint.status_changed`)."""
    if (complaint.status, to) not in TRANSITIONS:
        refuse(complaint, to)
    before = complaint.status
    complaint.status = to
    for name, value in fields.items():
        setattr(complaint, name, value)
    complaint.save(update_fields=["status", *fields])
    # The household's badge of replies waiting for its answer (complaints.filing.setup).
    invalidate(f"household:{complaint.household.room_id}")
    event = record(complaint, kind, actor, note=note, internal=internal_note)
    log_action(
        actor=actor, action=f"complaint.{kind}", target=complaint, community=complaint.community,
        data={"from": before, "to": to, "note": note}, request=request,
    )  # fmt: skip
    if tell_households:
        tell(complaint, event)
    return event


def record(
    complaint: Complaint, kind: str, actor: User | None, *, note: str = "", internal: bool = False
) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        complaint=complaint, kind=kind, status=complaint.status, actor=actor, note=note,
        internal=internal,
    )  # fmt: skip


def tell(complaint: Complaint, event: ComplaintEvent) -> None:
    """Tell the households following the complaint what happened (never an internal line)."""
    if event.internal:
        return
    notify(
        "complaint.status_changed",
        follower_user_ids(complaint),
        obj=complaint,
        key=f"{event.kind}-{event.pk}",
        context={"complaint": complaint, "event": event},
        url=reverse("complaints:detail", args=[complaint.pk]),
    )


def follower_households(complaint: Complaint) -> list[int]:
    """The households that follow the complaint: its own and those of the complaints merged
    into it (ids of the heads' residencies)."""
    merged = Complaint.objects.filter(merged_into=complaint).values_list("household_id", flat=True)
    return list({complaint.household_id, *merged})


def follower_user_ids(complaint: Complaint) -> list[int]:
    """The people told of a complaint's progress: the head and the verified members of every
    household that follows it."""
    households = follower_households(complaint)
    return list(
        Residency.objects.filter(status=Residency.Status.VERIFIED)
        .filter(Q(pk__in=households) | Q(head_id__in=households))
        .values_list("user_id", flat=True)
        .distinct()
    )


def seconds_between(start: dt.datetime | None, end: dt.datetime) -> int | None:
    if start is None:
        return None
    return max(0, int((end - start).total_seconds()))

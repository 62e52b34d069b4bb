"""What the complaint desk changes: accept a complaint, pass it to a department and/or a person
(again, when it went to the wrong one), reply with the result; and the service-level check that
escalates overdue complaints to the managers once per level (kit.service_levels, the engine
repairs use too). Every move goes through `workflow.locked()` and `workflow.move()`."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from kit import service_levels
from kit.audit import log_action
from notices.notify import notify
from staff.models import StaffMember
from staff.selectors import staff_with_permission

from .. import workflow
from ..models import Complaint, ComplaintEscalation, ComplaintEvent, Department
from . import selectors

Status = Complaint.Status
Kind = ComplaintEvent.Kind
# States a complaint may be passed to a department or person from, and answered from.
ROUTABLE = (Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS, Status.RETURNED)
REPLIABLE = (Status.ACCEPTED, Status.IN_PROGRESS, Status.RETURNED)


def _accepted_fields(complaint: Complaint, now: dt.datetime) -> dict:
    return {
        "accepted_at": now,
        "accept_seconds": workflow.seconds_between(complaint.created_at, now),
    }


@transaction.atomic
def complaint_accept(
    *, complaint: Complaint, actor: User, request: HttpRequest | None = None
) -> Complaint:
    """Take a newly filed complaint on: the household hears it was accepted."""
    complaint = workflow.locked(complaint)
    if complaint.status != Status.SUBMITTED:
        raise ValidationError(
            _("Only a newly filed complaint can be accepted; this one is “%(status)s”.")
            % {"status": complaint.get_status_display()},
            code="illegal_transition",
        )
    now = timezone.now()
    workflow.move(
        complaint, Status.ACCEPTED, Kind.ACCEPTED, actor, request,
        **_accepted_fields(complaint, now),
    )  # fmt: skip
    return complaint


def _check_route(
    complaint: Complaint, department: Department | None, handler: StaffMember | None
) -> None:
    if department is None and handler is None:
        raise ValidationError(_("Choose a department or a person to pass the complaint to."))
    if department is not None and (
        department.community_id != complaint.community_id or not department.is_active
    ):
        raise ValidationError({"department": _("Choose a department of this community.")})
    if handler is None:
        return
    if not selectors.handlers_for(complaint.community).filter(pk=handler.pk).exists():
        raise ValidationError(
            {"handler": _("Choose a staff member of this community who handles complaints.")}
        )
    # A department with a member list takes its complaints through its members.
    if (
        department is not None
        and department.members.exists()
        and not department.members.filter(pk=handler.pk).exists()
    ):
        raise ValidationError(
            {
                "handler": _("%(name)s is not a member of %(department)s.")
                % {"name": handler.user.get_full_name(), "department": department.name}
            }
        )


@transaction.atomic
def complaint_route(
    *,
    complaint: Complaint,
    actor: User,
    department: Department | None = None,
    handler: StaffMember | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> Complaint:
    """Pass the complaint to a department and/or a person (a new complaint is accepted with
    it); again to another one while it is being handled. The person, or else the department's
    members, are told; the household sees where it went."""
    complaint = workflow.locked(complaint)
    if complaint.status not in ROUTABLE:
        workflow.refuse(complaint, Status.IN_PROGRESS)
    _check_route(complaint, department, handler)
    same = complaint.department_id == (department and department.pk) and (
        complaint.handler_id == (handler and handler.pk)
    )
    if complaint.status == Status.IN_PROGRESS and same:
        raise ValidationError(_("The complaint is already with this department and person."))
    now = timezone.now()
    fields = {"department": department, "handler": handler, "routed_at": now}
    if complaint.accepted_at is None:
        fields.update(_accepted_fields(complaint, now))
    rerouting = complaint.status == Status.IN_PROGRESS
    target = " · ".join(
        name for name in (department and department.name, handler and handler.user.get_full_name())
        if name
    )  # fmt: skip
    event = workflow.move(
        complaint, Status.IN_PROGRESS, Kind.REROUTED if rerouting else Kind.ROUTED, actor,
        request, note=target, **fields,
    )  # fmt: skip
    recipients = (
        [handler.user_id]
        if handler is not None
        else selectors.department_member_user_ids(department)
    )
    notify(
        "complaint.routed",
        [user_id for user_id in recipients if user_id != actor.pk],
        obj=complaint,
        key=f"routed-{event.pk}",
        context={"complaint": complaint, "target": target, "note": note.strip()},
        url=reverse("complaints_staff:detail", args=[complaint.pk]),
    )
    if note.strip():
        log_action(
            actor=actor, action="complaint.route_note", target=complaint,
            community=complaint.community, data={"note": note.strip()[:500]}, request=request,
        )  # fmt: skip
    return complaint


@transaction.atomic
def complaint_reply(
    *, complaint: Complaint, actor: User, reply: str, request: HttpRequest | None = None
) -> Complaint:
    """Answer the household with the result: it may accept it (closed) or return it."""
    complaint = workflow.locked(complaint)
    reply = reply.strip()
    if complaint.status == Status.SUBMITTED:
        raise ValidationError(_("Accept the complaint before replying to it."))
    if complaint.status == Status.REPLIED:
        raise ValidationError(
            _("The complaint has been answered; wait for the resident to accept or return it.")
        )
    if complaint.status not in REPLIABLE:
        workflow.refuse(complaint, Status.REPLIED)
    if not reply:
        raise ValidationError({"reply": _("Please write the result for the resident.")})
    now = timezone.now()
    fields = {"reply": reply, "replied_at": now}
    workflow.move(complaint, Status.REPLIED, Kind.REPLIED, actor, request, note=reply, **fields)
    return complaint


# --- Service levels ------------------------------------------------------------------------------


def escalate_overdue(now: dt.datetime | None = None) -> int:
    """Raise complaints past their service level to the community's managers, once per
    complaint and level. Safe to run from several workers at once (the unique escalation row
    decides: kit.service_levels)."""
    now = now or timezone.now()
    return service_levels.escalate(
        selectors.overdue_without_escalation(now),
        escalation_model=ComplaintEscalation,
        owner_field="complaint",
        now=now,
        on_escalated=_escalated,
    )


def _escalated(complaint: Complaint, level: str) -> None:
    label = ComplaintEscalation.Level(level).label
    workflow.record(complaint, Kind.ESCALATED, None, note=str(label), internal=True)
    log_action(
        actor=None, action="complaint.escalated", target=complaint,
        community=complaint.community, data={"level": level},
    )  # fmt: skip
    notify(
        "complaint.overdue",
        staff_with_permission(complaint.community, workflow.ALERT_PERMISSION),
        obj=complaint,
        key=level,
        context={"complaint": complaint, "level": label},
        url=reverse("complaints_staff:detail", args=[complaint.pk]),
    )

"""Writes of suggestions (建议): a household submits one and neighbours support it; staff evaluate
it (internal notes), adopt or decline it with a reason the residents see, merge duplicates,
plan the work in steps, report progress and announce the result ("你提我改").

Every status move locks the row (`_locked`), goes through `_move` (the allowed moves are
`TRANSITIONS`), writes a `SuggestionEvent` and an audit entry; the households that follow a
suggestion (its own, every supporter's, the proposers of the duplicates merged into it) hear
decisions, progress and the result. Internal lines (evaluation notes, costs) reach no resident."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts import limits
from accounts.models import Residency, User
from kit.audit import log_action
from notices.models import Notice
from notices.notify import notify
from notices.services import notice_save
from staff.models import StaffMember
from staff.selectors import staff_with_permission

from ..models import Suggestion, SuggestionEvent, SuggestionStep, SuggestionSupport
from ..setup import EVALUATE

Status = Suggestion.Status
Kind = SuggestionEvent.Kind

TRANSITIONS: set[tuple[str, str]] = {
    (Status.SUBMITTED, Status.EVALUATING),
    (Status.EVALUATING, Status.ADOPTED),
    (Status.EVALUATING, Status.DECLINED),
    (Status.ADOPTED, Status.IN_PROGRESS),  # the first step done, or the first progress report
    (Status.ADOPTED, Status.COMPLETED),
    (Status.IN_PROGRESS, Status.COMPLETED),
    (Status.SUBMITTED, Status.MERGED),
    (Status.EVALUATING, Status.MERGED),
}
# Neighbours may support (and withdraw their support) while the suggestion is still alive.
SUPPORTABLE = (Status.SUBMITTED, Status.EVALUATING, Status.ADOPTED, Status.IN_PROGRESS)
# The plan may be made and changed once the suggestion is adopted, until it is done.
PLANNABLE = (Status.ADOPTED, Status.IN_PROGRESS)
# A duplicate may be merged into a suggestion that is still alive.
MERGE_TARGETS = (Status.SUBMITTED, Status.EVALUATING, Status.ADOPTED, Status.IN_PROGRESS)


# --- The workflow --------------------------------------------------------------------------------


def _locked(suggestion: Suggestion) -> Suggestion:
    return (
        Suggestion.objects.select_for_update(of=("self",))
        .select_related("community")
        .get(pk=suggestion.pk)
    )


def _refuse(suggestion: Suggestion, to: str) -> None:
    raise ValidationError(
        _("A suggestion that is “%(current)s” cannot become “%(target)s”.")
        % {"current": suggestion.get_status_display(), "target": Status(to).label},
        code="illegal_transition",
    )


def _move(
    suggestion: Suggestion, to: str, kind: str, actor: User | None,
    request: HttpRequest | None = None, *, note: str = "", **fields,
) -> SuggestionEvent:  # fmt: skip
    """Move a locked suggestion to `to` with `fields`: the timeline line and the audit entry."""
    if (suggestion.status, to) not in TRANSITIONS:
        _refuse(suggestion, to)
    before = suggestion.status
    suggestion.status = to
    for name, value in fields.items():
        setattr(suggestion, name, value)
    suggestion.save(update_fields=["status", *fields])
    event = _record(suggestion, kind, actor, note=note)
    _audit(suggestion, f"suggestion.{kind}", actor, request, {"from": before, "to": to})
    return event


def _record(
    suggestion: Suggestion, kind: str, actor: User | None, *, note: str = "",
    internal: bool = False,
) -> SuggestionEvent:  # fmt: skip
    return SuggestionEvent.objects.create(
        suggestion=suggestion, kind=kind, status=suggestion.status, actor=actor, note=note,
        internal=internal,
    )  # fmt: skip


def _audit(suggestion: Suggestion, action: str, actor, request, data: dict) -> None:
    log_action(
        actor=actor, action=action, target=suggestion, community=suggestion.community,
        data=data, request=request,
    )  # fmt: skip


def follower_households(suggestion: Suggestion) -> list[int]:
    """The households told of a suggestion's decision, progress and result: the proposer's,
    every supporter's, and the proposers of the duplicates merged into it."""
    merged = Suggestion.objects.filter(merged_into=suggestion).values_list(
        "household_id", flat=True
    )
    supporters = SuggestionSupport.objects.filter(suggestion=suggestion).values_list(
        "household_id", flat=True
    )
    return list({suggestion.household_id, *merged, *supporters})


def follower_user_ids(suggestion: Suggestion) -> list[int]:
    """The heads and verified members of every following household."""
    households = follower_households(suggestion)
    return list(
        Residency.objects.filter(status=Residency.Status.VERIFIED)
        .filter(Q(pk__in=households) | Q(head_id__in=households))
        .values_list("user_id", flat=True)
        .distinct()
    )


def _tell(event_name: str, suggestion: Suggestion, event: SuggestionEvent) -> None:
    """Tell the following households (never of an internal line)."""
    if event.internal:
        return
    notify(
        event_name,
        follower_user_ids(suggestion),
        obj=suggestion,
        key=f"{event.kind}-{event.pk}",
        context={"suggestion": suggestion, "event": event},
        url=reverse("complaints:suggestion_detail", args=[suggestion.pk]),
    )


# --- Residents -----------------------------------------------------------------------------------


def household_in_community(user: User, community_id: int) -> Residency | None:
    """The user's household (the head's verified residency) in the community, if any."""
    from accounts.selectors import household_ids_of_user

    return (
        Residency.objects.filter(
            pk__in=household_ids_of_user(user), room__building__community_id=community_id
        )
        .order_by("pk")
        .first()
    )


@transaction.atomic
def suggestion_submit(
    *, household: Residency, proposer: User, title: str, body: str, is_public: bool,
    request: HttpRequest | None = None,
) -> Suggestion:  # fmt: skip
    """A verified household's suggestion to its community; the staff who evaluate are told."""
    if household.status != Residency.Status.VERIFIED or household.head_id is not None:
        raise ValidationError(_("Only verified residents may send suggestions."))
    limits.throttle_request("suggestion_submit", request, user=proposer)
    community = household.room.building.community
    suggestion = Suggestion.objects.create(
        community=community, household=household, proposer=proposer, title=title.strip(),
        body=body.strip(), is_public=is_public,
    )  # fmt: skip
    _record(suggestion, Kind.SUBMITTED, proposer)
    _audit(suggestion, "suggestion.submitted", proposer, request, {"public": is_public})
    notify(
        "suggestion.submitted",
        staff_with_permission(community, EVALUATE),
        obj=suggestion,
        context={"suggestion": suggestion},
        url=reverse("complaints_staff:suggestion_detail", args=[suggestion.pk]),
    )
    return suggestion


def _supporting_household(suggestion: Suggestion, user: User) -> Residency:
    household = household_in_community(user, suggestion.community_id)
    if household is None:
        raise ValidationError(_("Only verified residents of this community may support it."))
    if household.pk == suggestion.household_id:
        raise ValidationError(_("This is your household's own suggestion."))
    return household


@transaction.atomic
def support_add(
    *, suggestion: Suggestion, user: User, request: HttpRequest | None = None
) -> SuggestionSupport:
    """One support per household (the unique constraint decides between two at once); the
    count moves with an F() expression, never from a value read before."""
    household = _supporting_household(suggestion, user)
    suggestion = _locked(suggestion)
    if not suggestion.is_public or suggestion.status not in SUPPORTABLE:
        raise ValidationError(_("This suggestion cannot be supported any more."))
    try:
        with transaction.atomic():
            support = SuggestionSupport.objects.create(
                suggestion=suggestion, household=household, user=user
            )
    except IntegrityError:
        raise ValidationError(_("Your household already supports this suggestion.")) from None
    Suggestion.objects.filter(pk=suggestion.pk).update(support_count=F("support_count") + 1)
    _audit(suggestion, "suggestion.supported", user, request, {"household": household.pk})
    return support


@transaction.atomic
def support_withdraw(
    *, suggestion: Suggestion, user: User, request: HttpRequest | None = None
) -> None:
    household = _supporting_household(suggestion, user)
    suggestion = _locked(suggestion)
    if suggestion.status not in SUPPORTABLE:
        raise ValidationError(_("This suggestion cannot be supported any more."))
    deleted, _rows = SuggestionSupport.objects.filter(
        suggestion=suggestion, household=household
    ).delete()
    if not deleted:
        raise ValidationError(_("Your household does not support this suggestion."))
    Suggestion.objects.filter(pk=suggestion.pk).update(support_count=F("support_count") - 1)
    _audit(suggestion, "suggestion.support_withdrawn", user, request, {"household": household.pk})


# --- Staff: evaluation and decision -------------------------------------------------------------


def _handler(actor: User) -> StaffMember | None:
    return StaffMember.objects.filter(user=actor).first()


@transaction.atomic
def evaluation_start(
    *, suggestion: Suggestion, actor: User, request: HttpRequest | None = None
) -> Suggestion:
    suggestion = _locked(suggestion)
    _move(suggestion, Status.EVALUATING, Kind.EVALUATING, actor, request,
          handler=_handler(actor))  # fmt: skip
    return suggestion


@transaction.atomic
def evaluation_note(
    *, suggestion: Suggestion, feasibility: str, estimated_cost: Decimal | None, actor: User,
    request: HttpRequest | None = None,
) -> Suggestion:  # fmt: skip
    """The internal evaluation: feasibility and estimated cost. Staff only, ever."""
    suggestion = _locked(suggestion)
    if suggestion.status not in (Status.SUBMITTED, Status.EVALUATING):
        raise ValidationError(_("Only a suggestion being evaluated takes evaluation notes."))
    suggestion.feasibility_note = feasibility.strip()
    suggestion.estimated_cost = estimated_cost
    suggestion.save(update_fields=["feasibility_note", "estimated_cost"])
    cost = (
        "" if estimated_cost is None else _("Estimated cost: ¥%(cost)s") % {"cost": estimated_cost}
    )
    _record(suggestion, Kind.NOTE, actor, note="\n".join(filter(None, [feasibility, cost])),
            internal=True)  # fmt: skip
    _audit(suggestion, "suggestion.evaluated", actor, request,
           {"cost": None if estimated_cost is None else str(estimated_cost)})  # fmt: skip
    return suggestion


@transaction.atomic
def suggestion_decide(
    *, suggestion: Suggestion, adopt: bool, reason: str, actor: User,
    request: HttpRequest | None = None,
) -> Suggestion:  # fmt: skip
    """Adopt or decline, with the reason the residents read."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Please tell the residents why.")})
    suggestion = _locked(suggestion)
    to, kind = (Status.ADOPTED, Kind.ADOPTED) if adopt else (Status.DECLINED, Kind.DECLINED)
    event = _move(suggestion, to, kind, actor, request, note=reason, decision_reason=reason,
                  decided_at=timezone.now())  # fmt: skip
    _tell("suggestion.decided", suggestion, event)
    return suggestion


@transaction.atomic
def suggestions_merge(
    *, survivor: Suggestion, duplicates: list[Suggestion], actor: User,
    request: HttpRequest | None = None,
) -> Suggestion:  # fmt: skip
    """Merge duplicates into `survivor`: their supporters move over (a household that already
    supports the survivor, or proposed it, is not counted twice) and their proposers follow
    the survivor from now on."""
    ids = sorted({survivor.pk, *(d.pk for d in duplicates)})
    if len(ids) < 2:
        raise ValidationError(_("Choose at least one other suggestion to merge."))
    # Locked in one order (by pk), so two merges at once cannot deadlock.
    rows = {
        s.pk: s
        for s in Suggestion.objects.select_for_update(of=("self",))
        .select_related("community")
        .filter(pk__in=ids)
        .order_by("pk")
    }
    survivor = rows[survivor.pk]
    if survivor.status not in MERGE_TARGETS:
        raise ValidationError(_("Duplicates can only be merged into a suggestion still alive."))
    for pk in ids:
        if pk == survivor.pk:
            continue
        duplicate = rows.get(pk)
        if duplicate is None or duplicate.community_id != survivor.community_id:
            raise ValidationError(_("Choose suggestions of this community only."))
        _merge_one(survivor, duplicate, actor, request)
    survivor.support_count = SuggestionSupport.objects.filter(suggestion=survivor).count()
    survivor.save(update_fields=["support_count"])
    return survivor


def _merge_one(survivor: Suggestion, duplicate: Suggestion, actor, request) -> None:
    taken = set(
        SuggestionSupport.objects.filter(suggestion=survivor).values_list("household_id", flat=True)
    ) | {survivor.household_id}
    # Told before the supports move: the duplicate's proposer and its supporters hear of it.
    told = follower_user_ids(duplicate)
    moving = SuggestionSupport.objects.filter(suggestion=duplicate).exclude(household__in=taken)
    moving.update(suggestion=survivor)
    SuggestionSupport.objects.filter(suggestion=duplicate).delete()
    event = _move(duplicate, Status.MERGED, Kind.MERGED, actor, request,
                  note=survivor.title, merged_into=survivor, support_count=0)  # fmt: skip
    _record(survivor, Kind.MERGED, actor, note=duplicate.title)
    _audit(survivor, "suggestion.merged_in", actor, request, {"duplicate": duplicate.pk})
    notify(
        "suggestion.decided",
        told,
        obj=duplicate,
        key=f"{event.kind}-{event.pk}",
        context={"suggestion": duplicate, "event": event, "survivor": survivor},
        url=reverse("complaints:suggestion_detail", args=[survivor.pk]),
    )


# --- Staff: the plan and its progress -----------------------------------------------------------


def _plannable(suggestion: Suggestion) -> Suggestion:
    suggestion = _locked(suggestion)
    if suggestion.status not in PLANNABLE:
        raise ValidationError(_("Only an adopted suggestion has an implementation plan."))
    return suggestion


def _check_owner(suggestion: Suggestion, owner: StaffMember | None, owner_name: str) -> None:
    if owner is None and not owner_name.strip():
        raise ValidationError({"owner": _("Choose a staff member or write who is in charge.")})
    if owner is not None and not owner.communities.filter(pk=suggestion.community_id).exists():
        raise ValidationError({"owner": _("Choose a staff member of this community.")})


@transaction.atomic
def step_save(
    *, suggestion: Suggestion, title: str, owner: StaffMember | None, owner_name: str,
    target_date: dt.date, actor: User, step: SuggestionStep | None = None,
    request: HttpRequest | None = None,
) -> SuggestionStep:  # fmt: skip
    """Add a step to the plan (or change one)."""
    suggestion = _plannable(suggestion)
    _check_owner(suggestion, owner, owner_name)
    creating = step is None
    if creating:
        last = suggestion.steps.order_by("-sort_order").values_list("sort_order", flat=True)
        step = SuggestionStep(suggestion=suggestion, sort_order=(last.first() or 0) + 1)
    elif step.suggestion_id != suggestion.pk:
        raise ValidationError(_("This step belongs to another suggestion."))
    step.title = title.strip()
    step.owner = owner
    step.owner_name = "" if owner is not None else owner_name.strip()
    step.target_date = target_date
    step.save()
    if creating and not suggestion.steps.exclude(pk=step.pk).exists():
        _record(suggestion, Kind.PLANNED, actor, note=step.title)
    _audit(suggestion, "suggestion.step_added" if creating else "suggestion.step_changed",
           actor, request, {"step": step.pk, "title": step.title,
                            "target_date": target_date.isoformat()})  # fmt: skip
    return step


@transaction.atomic
def step_remove(*, step: SuggestionStep, actor: User, request: HttpRequest | None = None) -> None:
    suggestion = _plannable(step.suggestion)
    step = SuggestionStep.objects.select_for_update().get(pk=step.pk)
    if step.done_at is not None:
        raise ValidationError(_("A step that is done stays in the plan."))
    _audit(suggestion, "suggestion.step_removed", actor, request,
           {"step": step.pk, "title": step.title})  # fmt: skip
    step.delete()


@transaction.atomic
def step_done(*, step: SuggestionStep, actor: User, request: HttpRequest | None = None) -> None:
    """Mark a step done; the first one starts the implementation. The followers are told."""
    suggestion = _plannable(step.suggestion)
    step = SuggestionStep.objects.select_for_update().get(pk=step.pk)
    if step.done_at is not None:
        raise ValidationError(_("This step is already done."))
    step.done_at = timezone.now()
    step.save(update_fields=["done_at"])
    if suggestion.status == Status.ADOPTED:
        event = _move(suggestion, Status.IN_PROGRESS, Kind.STEP_DONE, actor, request,
                      note=step.title)  # fmt: skip
    else:
        event = _record(suggestion, Kind.STEP_DONE, actor, note=step.title)
        _audit(suggestion, "suggestion.step_done", actor, request, {"step": step.pk})
    _tell("suggestion.progress", suggestion, event)


@transaction.atomic
def progress_post(
    *, suggestion: Suggestion, note: str, actor: User, request: HttpRequest | None = None
) -> SuggestionEvent:
    """A progress update for the proposer and every supporter."""
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Please write what has been done.")})
    suggestion = _plannable(suggestion)
    if suggestion.status == Status.ADOPTED:
        event = _move(suggestion, Status.IN_PROGRESS, Kind.PROGRESS, actor, request, note=note)
    else:
        event = _record(suggestion, Kind.PROGRESS, actor, note=note)
        _audit(suggestion, "suggestion.progress", actor, request, {"note": note})
    _tell("suggestion.progress", suggestion, event)
    return event


@transaction.atomic
def suggestion_complete(
    *, suggestion: Suggestion, outcome: str, actor: User, publish_notice: bool = False,
    request: HttpRequest | None = None,
) -> Suggestion:  # fmt: skip
    """Done: what was done is shown on the suggestion ("你提我改"), every follower is told,
    and, when staff choose, a community notice announces it."""
    outcome = outcome.strip()
    if not outcome:
        raise ValidationError({"outcome": _("Please write what was done.")})
    suggestion = _locked(suggestion)
    notice = None
    if publish_notice and suggestion.status in PLANNABLE:
        notice = notice_save(
            notice=Notice(
                community=suggestion.community,
                title=(_("You suggested, we did: %(title)s") % {"title": suggestion.title})[:80],
                body=_completion_notice_body(suggestion, outcome),
                category=Notice.Category.PROPERTY,
            ),
            actor=actor, buildings=[], publish="now", request=request,
        )  # fmt: skip
    event = _move(suggestion, Status.COMPLETED, Kind.COMPLETED, actor, request, note=outcome,
                  outcome=outcome, completed_at=timezone.now(),
                  completion_notice=notice)  # fmt: skip
    _tell("suggestion.completed", suggestion, event)
    return suggestion


def _completion_notice_body(suggestion: Suggestion, outcome: str) -> str:
    from django.utils.html import escape

    done = escape(outcome).replace("\n", "<br>")
    # Outside the f-string, so that makemessages finds the strings.
    heading = escape(_("The suggestion"))
    done_heading = escape(pgettext("suggestion", "What was done"))
    thanks = escape(_("Thank you to the neighbours who proposed and supported it."))
    return (
        f"<p><strong>{heading}</strong>: {escape(suggestion.title)}</p>"
        f"<p><strong>{done_heading}</strong>:<br>{done}</p>"
        f"<p>{thanks}</p>"
    )

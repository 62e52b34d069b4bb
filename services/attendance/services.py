"""Writes of the attendance part: checking people in, at the staff desk (scan or typed code) or
by the household itself where staff allow it. Attendance is recorded once per person: the
update only touches rows whose `checked_in_at` is still empty, so a second scan, or two
phones scanning the same code at once, changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from kit.audit import log_action

from ..models import Activity, ActivityParticipant, ActivitySignup
from . import selectors

Method = ActivityParticipant.CheckinMethod


@dataclass
class CheckinResult:
    checked_in: list[ActivityParticipant] = field(default_factory=list)  # just now
    already: list[ActivityParticipant] = field(default_factory=list)  # earlier (time kept)


@transaction.atomic
def checkin_participants(
    *,
    signup: ActivitySignup,
    participant_ids: Iterable[int] | None,
    actor: User,
    method: str,
    request: HttpRequest | None = None,
) -> CheckinResult:
    """Check in the chosen people of a confirmed sign-up (all of them with None). People
    already in keep their first time; the result says who was checked in now and who was
    in already."""
    if method not in Method.values:
        raise ValueError(f"unknown check-in method {method!r}")
    # One desk at a time per sign-up: the second waits, then finds everyone already in.
    locked = (
        ActivitySignup.objects.select_for_update()
        .select_related("activity__community")
        .get(pk=signup.pk)
    )
    if locked.status != ActivitySignup.Status.CONFIRMED:
        raise ValidationError(_("This sign-up is not confirmed, so it cannot be checked in."))
    if locked.activity.status != Activity.Status.PUBLISHED:
        raise ValidationError(_("This activity has been cancelled."))
    chosen = locked.participants.order_by("pk")
    if participant_ids is not None:
        chosen = chosen.filter(pk__in=list(participant_ids))
    chosen = list(chosen)
    if not chosen:
        raise ValidationError(_("Choose at least one person to check in."))
    now = timezone.now()
    waiting = [person.pk for person in chosen if person.checked_in_at is None]
    # Conditional: only rows still empty are written, even if the lock were bypassed.
    ActivityParticipant.objects.filter(pk__in=waiting, checked_in_at__isnull=True).update(
        checked_in_at=now, checked_in_by=actor, checkin_method=method
    )
    result = CheckinResult()
    for person in chosen:
        if person.pk in waiting:
            person.checked_in_at, person.checked_in_by, person.checkin_method = now, actor, method
            result.checked_in.append(person)
        else:
            result.already.append(person)
    if result.checked_in:
        log_action(
            actor=actor,
            action="activity.checked_in",
            target=locked,
            community=locked.activity.community,
            data={
                "activity": locked.activity_id,
                "method": method,
                "people": [person.name for person in result.checked_in],
            },
            request=request,
        )
    return result


def checkin_self(
    *,
    signup: ActivitySignup,
    user: User,
    participant_ids: Iterable[int] | None = None,
    request: HttpRequest | None = None,
) -> CheckinResult:
    """The household checks itself in on the day, where staff allow it (`self_checkin`),
    from an hour before the start until the end."""
    activity = signup.activity
    if not activity.self_checkin:
        raise ValidationError(_("This activity has no self check-in: show your code to the staff."))
    if not selectors.self_checkin_open(activity):
        raise ValidationError(
            _("Self check-in opens one hour before the activity starts and closes when it ends.")
        )
    return checkin_participants(
        signup=signup,
        participant_ids=participant_ids,
        actor=user,
        method=Method.SELF,
        request=request,
    )

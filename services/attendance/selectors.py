"""Reads of the attendance part: a household's sign-up pass, a code at the check-in desk, the
running count, the export rows, an activity's figures and the platform's participation
figures (PSTA-2). Every figure is an aggregate query: a bounded number whatever the size."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import Community, User
from accounts.selectors import household_ids_of_user

from ..models import Activity, ActivityParticipant, ActivitySignup

Status = ActivitySignup.Status

# Self check-in opens this long before the activity starts and closes when it ends.
SELF_CHECKIN_LEAD = dt.timedelta(hours=1)


def rate(part: int, whole: int) -> Decimal | None:
    """part / whole as a fraction with four places (None when there is nothing to divide)."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


# --- Residents -------------------------------------------------------------------------------


def get_signup_for_household(user: User, signup_id: int) -> ActivitySignup | None:
    """A sign-up of one of the user's households (None for anyone else's, and for a draft
    activity's): the head and the verified family members see it; a move-out ends it."""
    return (
        ActivitySignup.objects.select_related("activity")
        .filter(
            pk=signup_id,
            household__in=household_ids_of_user(user),
            activity__status__in=[Activity.Status.PUBLISHED, Activity.Status.CANCELLED],
        )
        .first()
    )


def self_checkin_window(activity: Activity) -> tuple[dt.datetime, dt.datetime]:
    return activity.starts_at - SELF_CHECKIN_LEAD, activity.ends_at


def self_checkin_open(activity: Activity, now: dt.datetime | None = None) -> bool:
    """Whether residents may check themselves in now: staff allowed it for the activity, the
    activity goes ahead, and it is between an hour before the start and the end."""
    if not activity.self_checkin or activity.status != Activity.Status.PUBLISHED:
        return False
    opens, closes = self_checkin_window(activity)
    return opens <= (now or timezone.now()) <= closes


# --- The check-in desk -----------------------------------------------------------------------


def normalize_code(code: str) -> str:
    return "".join((code or "").split())


def confirmed_signup_by_code(activity: Activity, code: str) -> ActivitySignup | None:
    """The confirmed sign-up of this activity with this code. Any other (another activity's,
    another community's, a cancelled or waiting one) is simply not found: the desk learns
    nothing about codes that are not for it."""
    code = normalize_code(code)
    if not code:
        return None
    return (
        ActivitySignup.objects.select_related(
            "household__room__building", "household__room__unit", "user"
        )
        .filter(activity=activity, code=code, status=Status.CONFIRMED)
        .first()
    )


def participants_of(signup: ActivitySignup) -> list[ActivityParticipant]:
    return list(signup.participants.select_related("checked_in_by").order_by("pk"))


def confirmed_participants(activity: Activity) -> QuerySet[ActivityParticipant]:
    return ActivityParticipant.objects.filter(
        signup__activity=activity, signup__status=Status.CONFIRMED
    )


def checkin_count(activity: Activity) -> dict[str, int]:
    """已签到 N / 应到 M: people of confirmed sign-ups, and how many of them are in."""
    figures = confirmed_participants(activity).aggregate(
        expected=Count("pk"), checked_in=Count("pk", filter=Q(checked_in_at__isnull=False))
    )
    return {"expected": figures["expected"], "checked_in": figures["checked_in"]}


# --- Export ----------------------------------------------------------------------------------


def export_participants(activity: Activity) -> QuerySet[ActivityParticipant]:
    """One row per person of the live sign-ups (pending, confirmed, waiting, offered), in the
    estate's room order, with everything the sheet shows (one query)."""
    return (
        ActivityParticipant.objects.filter(
            signup__activity=activity, signup__status__in=ActivitySignup.LIVE
        )
        .select_related(
            "signup__household__room__building",
            "signup__household__room__unit",
            "signup__user",
        )
        .order_by(
            "signup__household__room__building__sort_order",
            "signup__household__room__building__name",
            "signup__household__room__unit__sort_order",
            "signup__household__room__floor",
            "signup__household__room__number",
            "signup_id",
            "pk",
        )
    )


def question_labels(activity: Activity) -> list[str]:
    """The labels of the activity's questions, in order (each is a column of the export)."""
    labels = []
    for field in activity.fields or []:
        label = field.get("label") if isinstance(field, dict) else field
        if label and str(label) not in labels:
            labels.append(str(label))
    return labels


# --- An activity's figures -------------------------------------------------------------------


@dataclass(frozen=True)
class BuildingTurnout:
    building_id: int
    name: str
    households: int
    people: int
    checked_in: int

    @property
    def rate(self) -> Decimal | None:
        return rate(self.checked_in, self.people)


@dataclass(frozen=True)
class ActivityFigures:
    households: int  # confirmed sign-ups
    people: int  # their participants
    pending_households: int
    waiting_households: int
    waiting_people: int
    checked_in: int
    buildings: list[BuildingTurnout]

    @property
    def attendance_rate(self) -> Decimal | None:
        return rate(self.checked_in, self.people)


def activity_figures(activity: Activity) -> ActivityFigures:
    """Sign-ups, the waiting list, attendance and turnout by building: three queries."""
    signups = ActivitySignup.objects.filter(activity=activity).aggregate(
        households=Count("pk", filter=Q(status=Status.CONFIRMED)),
        pending=Count("pk", filter=Q(status=Status.PENDING)),
        waiting=Count("pk", filter=Q(status__in=[Status.WAITLISTED, Status.OFFERED])),
        waiting_people=Sum("people", filter=Q(status__in=[Status.WAITLISTED, Status.OFFERED])),
    )
    counts = checkin_count(activity)
    by_building = (
        confirmed_participants(activity)
        .values(
            "signup__household__room__building_id",
            "signup__household__room__building__name",
            "signup__household__room__building__sort_order",
        )
        .annotate(
            households=Count("signup_id", distinct=True),
            people=Count("pk"),
            checked_in=Count("pk", filter=Q(checked_in_at__isnull=False)),
        )
        .order_by(
            "signup__household__room__building__sort_order",
            "signup__household__room__building__name",
        )
    )
    buildings = [
        BuildingTurnout(
            building_id=row["signup__household__room__building_id"],
            name=row["signup__household__room__building__name"],
            households=row["households"],
            people=row["people"],
            checked_in=row["checked_in"],
        )
        for row in by_building
    ]
    return ActivityFigures(
        households=signups["households"],
        people=counts["expected"],
        pending_households=signups["pending"],
        waiting_households=signups["waiting"],
        waiting_people=signups["waiting_people"] or 0,
        checked_in=counts["checked_in"],
        buildings=buildings,
    )


# --- The platform's participation figures (PSTA-2) --------------------------------------------


@dataclass(frozen=True)
class Participation:
    community_id: int
    activities: int  # held: published (not cancelled) and started within the period
    signups: int  # confirmed sign-ups of those activities
    participants: int  # the people of those sign-ups
    checked_in: int  # of them, checked in

    @property
    def attendance_rate(self) -> Decimal | None:
        return rate(self.checked_in, self.participants)


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in the site's time zone, and never later than
    now: an activity is held once it has started."""
    zone = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return since, min(until, timezone.now())


def participation_figures(
    communities: Iterable[Community | int], start: dt.date, end: dt.date
) -> dict[int, Participation]:
    """Per community (by id, every community asked for, zeros included): activities held
    between `start` and `end` (dates, both included), their confirmed sign-ups, the people
    of those sign-ups and how many were checked in. Three aggregate queries, whatever the
    number of communities, activities or people. What the platform statistics (PSTA-2) read."""
    ids = [getattr(community, "pk", community) for community in communities]
    if not ids:
        return {}
    since, until = _bounds(start, end)
    held = Q(status=Activity.Status.PUBLISHED, starts_at__gte=since, starts_at__lt=until)
    activities = dict(
        Activity.objects.filter(held, community_id__in=ids)
        .values("community_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("community_id", "n")
    )
    held_signups = ActivitySignup.objects.filter(
        activity__in=Activity.objects.filter(held, community_id__in=ids), status=Status.CONFIRMED
    )
    signups = dict(
        held_signups.values("activity__community_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("activity__community_id", "n")
    )
    people = {
        row["signup__activity__community_id"]: row
        for row in ActivityParticipant.objects.filter(signup__in=held_signups)
        .values("signup__activity__community_id")
        .annotate(n=Count("pk"), checked_in=Count("pk", filter=Q(checked_in_at__isnull=False)))
        .order_by()
    }
    return {
        pk: Participation(
            community_id=pk,
            activities=activities.get(pk, 0),
            signups=signups.get(pk, 0),
            participants=people.get(pk, {}).get("n", 0),
            checked_in=people.get(pk, {}).get("checked_in", 0),
        )
        for pk in ids
    }


def participation_by_month(
    communities: Iterable[Community | int], start: dt.date, end: dt.date
) -> dict[dt.date, dict[str, int]]:
    """{first day of a month: {"participants": n, "checked_in": n}} over the communities: the
    people of confirmed sign-ups of the activities held in each month of the period (counted
    as `participation_figures` counts them) and how many were checked in. One query."""
    ids = [getattr(community, "pk", community) for community in communities]
    since, until = _bounds(start, end)
    rows = (
        ActivityParticipant.objects.filter(
            signup__status=Status.CONFIRMED,
            signup__activity__community_id__in=ids,
            signup__activity__status=Activity.Status.PUBLISHED,
            signup__activity__starts_at__gte=since,
            signup__activity__starts_at__lt=until,
        )
        .annotate(month=TruncMonth("signup__activity__starts_at"))
        .values("month")
        .annotate(n=Count("pk"), checked_in=Count("pk", filter=Q(checked_in_at__isnull=False)))
        .order_by()
    )
    return {
        timezone.localtime(row["month"]).date(): {
            "participants": row["n"],
            "checked_in": row["checked_in"],
        }
        for row in rows
    }

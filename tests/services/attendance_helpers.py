"""Activities, sign-ups and participants for the attendance tests, made as plain model rows
(the activities part owns the sign-up rules; these tests only need their results)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import F
from django.utils import timezone

from services.models import Activity, ActivityParticipant, ActivitySignup


def make_activity(
    community,
    *,
    title: str = "亲子手工课",
    starts_at: dt.datetime | None = None,
    hours: int = 2,
    capacity: int = 200,
    self_checkin: bool = False,
    fields: list | None = None,
    status: str = Activity.Status.PUBLISHED,
) -> Activity:
    starts_at = starts_at or timezone.now() + dt.timedelta(days=2)
    return Activity.objects.create(
        community=community,
        title=title,
        description="一起动手做灯笼。",
        place="会所二楼",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=hours),
        signup_opens_at=starts_at - dt.timedelta(days=7),
        signup_closes_at=starts_at - dt.timedelta(hours=1),
        capacity=capacity,
        per_household_limit=5,
        self_checkin=self_checkin,
        fields=fields if fields is not None else [{"label": "孩子年龄", "required": True}],
        status=status,
        published_at=timezone.now() if status != Activity.Status.DRAFT else None,
    )


def make_signup(
    activity: Activity,
    household,
    *,
    names: Sequence[str] = ("张伟", "张小宝"),
    status: str = ActivitySignup.Status.CONFIRMED,
    answers: dict | None = None,
    user=None,
) -> ActivitySignup:
    """A sign-up of `household` (the head's Residency) with one participant per name."""
    signup = ActivitySignup.objects.create(
        activity=activity,
        household=household,
        user=user or household.user,
        status=status,
        people=len(names),
        answers=answers if answers is not None else {"孩子年龄": "6"},
    )
    ActivityParticipant.objects.bulk_create(
        ActivityParticipant(signup=signup, name=name) for name in names
    )
    if status in ActivitySignup.HOLDING:
        Activity.objects.filter(pk=activity.pk).update(places_taken=F("places_taken") + len(names))
    return signup

"""Who sees which activities and sign-ups, and the querysets the pages are built on.

A household is the head's residency (as repairs'): the head and the verified family members
see and act on its sign-ups; a move-out ends access. A resident sees the published activities
of the communities they live in whose audience (the whole community, or chosen buildings)
includes their household's building; anything else is None here and a 404 in the view."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import Community, Residency, User
from accounts.selectors import household_ids_of_user, room_order

from ..models import Activity, ActivityParticipant, ActivitySignup

Status = Activity.Status
SignupStatus = ActivitySignup.Status

# How many finished activities the resident list still shows under the coming ones.
PAST_SHOWN = 10


# --- Households -----------------------------------------------------------------------------


def households_of(user: User) -> QuerySet[Residency]:
    """The user's households (head residencies), with room, building and community."""
    return (
        Residency.objects.filter(pk__in=household_ids_of_user(user))
        .select_related("room__building__community", "room__unit", "user")
        .order_by("pk")
    )


def household_in(user: User, community_id: int) -> Residency | None:
    """The user's household in a community (the first, when they have several)."""
    return households_of(user).filter(room__building__community_id=community_id).first()


def household_user_ids(household_id: int) -> list[int]:
    """The people who follow a household's sign-ups: the head and the verified members."""
    return list(
        Residency.objects.filter(status=Residency.Status.VERIFIED)
        .filter(Q(pk=household_id) | Q(head_id=household_id))
        .values_list("user_id", flat=True)
        .distinct()
    )


def households_user_ids(household_ids: list[int]) -> list[int]:
    """The people of several households at once (one query)."""
    if not household_ids:
        return []
    return list(
        Residency.objects.filter(status=Residency.Status.VERIFIED)
        .filter(Q(pk__in=household_ids) | Q(head_id__in=household_ids))
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )


def household_people(household: Residency) -> list[User]:
    """Who may come from the household with an account: the head, then the verified family."""
    members = (
        Residency.objects.filter(head=household, status=Residency.Status.VERIFIED)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    return [household.user, *(member.user for member in members)]


def in_audience(activity: Activity, household: Residency) -> bool:
    building_ids = [b.pk for b in activity.buildings.all()]
    return not building_ids or household.room.building_id in building_ids


# --- Residents --------------------------------------------------------------------------------


def _visible_to(households: list[Residency]) -> QuerySet[Activity]:
    """Published or cancelled activities whose audience includes one of the households."""
    audience = Q()
    for household in households:
        building = household.room.building
        audience |= Q(community_id=building.community_id) & (
            Q(buildings__isnull=True) | Q(buildings=building.pk)
        )
    return Activity.objects.filter(audience, status__in=[Status.PUBLISHED, Status.CANCELLED])


def activities_for_user(user: User, now: dt.datetime | None = None) -> dict:
    """社区活动: the coming activities (soonest first), then the latest finished ones, each
    with the household's live sign-up (`my_signup`), in a bounded number of queries."""
    now = now or timezone.now()
    households = list(households_of(user))
    if not households:
        return {"households": [], "upcoming": [], "past": []}
    visible = _visible_to(households).values("pk")
    base = Activity.objects.filter(pk__in=visible).select_related("community")
    upcoming = list(
        base.filter(ends_at__gte=now, status=Status.PUBLISHED).order_by("starts_at", "pk")
    )
    past = list(base.filter(ends_at__lt=now).order_by("-starts_at", "-pk")[:PAST_SHOWN])
    shown = upcoming + past
    mine = {
        signup.activity_id: signup
        for signup in ActivitySignup.objects.filter(
            activity__in=[a.pk for a in shown],
            household__in=[h.pk for h in households],
            status__in=ActivitySignup.LIVE,
        )
    }
    for activity in shown:
        activity.my_signup = mine.get(activity.pk)
    return {"households": households, "upcoming": upcoming, "past": past}


def get_activity_for_user(user: User, activity_id: int) -> tuple[Activity, Residency] | None:
    """The activity and the household the user sees it through, or None (another community,
    outside the audience, a draft)."""
    activity = (
        Activity.objects.filter(pk=activity_id, status__in=[Status.PUBLISHED, Status.CANCELLED])
        .select_related("community")
        .prefetch_related("buildings")
        .first()
    )
    if activity is None:
        return None
    for household in households_of(user).filter(room__building__community=activity.community_id):
        if in_audience(activity, household):
            return activity, household
    return None


def live_signup(activity: Activity, household: Residency) -> ActivitySignup | None:
    return (
        ActivitySignup.objects.filter(
            activity=activity, household=household, status__in=ActivitySignup.LIVE
        )
        .prefetch_related("participants")
        .first()
    )


def get_signup_for_user(user: User, signup_id: int) -> ActivitySignup | None:
    """A sign-up of one of the user's households, or None."""
    return (
        ActivitySignup.objects.filter(pk=signup_id, household__in=household_ids_of_user(user))
        .select_related("activity__community")
        .first()
    )


def waiting_position(signup: ActivitySignup) -> int:
    """1 for the first household on the waiting list."""
    return (
        ActivitySignup.objects.filter(
            activity_id=signup.activity_id,
            status=SignupStatus.WAITLISTED,
        )
        .filter(
            Q(created_at__lt=signup.created_at) | Q(created_at=signup.created_at, pk__lt=signup.pk)
        )
        .count()
        + 1
    )


# --- Staff ------------------------------------------------------------------------------------


def activities_for_community(community: Community) -> QuerySet[Activity]:
    return Activity.objects.filter(community=community)


@dataclass(frozen=True)
class Figures:
    places_taken: int
    capacity: int
    confirmed: int
    pending: int
    offered: int
    waiting_households: int
    waiting_people: int
    households: int

    @property
    def places_label(self) -> str:
        return f"{self.places_taken} / {self.capacity}"

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.places_taken, 0)


def activity_figures(activity: Activity) -> Figures:
    """The sign-up figures of the staff page, in one aggregate query."""

    def people(status: str) -> Sum:
        return Sum("people", filter=Q(status=status), default=0)

    figures = ActivitySignup.objects.filter(activity=activity).aggregate(
        confirmed=people(SignupStatus.CONFIRMED),
        pending=people(SignupStatus.PENDING),
        offered=people(SignupStatus.OFFERED),
        waiting_people=people(SignupStatus.WAITLISTED),
        waiting_households=Count("pk", filter=Q(status=SignupStatus.WAITLISTED)),
        households=Count("pk", filter=Q(status__in=ActivitySignup.HOLDING)),
    )
    return Figures(places_taken=activity.places_taken, capacity=activity.capacity, **figures)


def signups_for_activity(activity: Activity) -> QuerySet[ActivitySignup]:
    """The staff sign-up list: each row with its room, the person who signed up and the
    people coming, fetched for the page's rows only (three queries whatever its length).
    Joined into the list's own query instead, PostgreSQL joined all 2,000 sign-ups of a big
    activity to the estate's residencies and users before keeping the 25 of the page."""
    return ActivitySignup.objects.filter(activity=activity).prefetch_related(
        Prefetch(
            "household",
            queryset=Residency.objects.select_related("room__building", "room__unit"),
        ),
        "user",
        "participants",
    )


def signup_status_counts(activity: Activity) -> dict[str, int]:
    rows = (
        ActivitySignup.objects.filter(activity=activity)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
    )
    counts = {row["status"]: row["n"] for row in rows}
    counts["all"] = sum(counts.values())
    return counts


def signups_by_room_order():
    return room_order("household__room__")


def participants_of(signup: ActivitySignup) -> QuerySet[ActivityParticipant]:
    return signup.participants.order_by("pk")

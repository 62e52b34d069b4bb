"""Demo data of the attendance part, called from services.demo.seed_services after the
activities part has seeded its activities: the people of confirmed sign-ups of activities
that have already started are checked in, most of them (every fifth stays away), so the
figures pages have something to show. Idempotent: only activities nobody was checked in at
are touched, and the same people every time."""

from django.utils import timezone

from accounts.models import Community

from ..models import Activity, ActivityParticipant, ActivitySignup


def seed(community: Community) -> None:
    started = Activity.objects.filter(
        community=community, status=Activity.Status.PUBLISHED, starts_at__lte=timezone.now()
    ).exclude(signups__participants__checked_in_at__isnull=False)
    for activity in started:
        people = ActivityParticipant.objects.filter(
            signup__activity=activity, signup__status=ActivitySignup.Status.CONFIRMED
        ).order_by("pk")
        coming = [person.pk for index, person in enumerate(people) if index % 5 != 4]
        ActivityParticipant.objects.filter(pk__in=coming).update(
            checked_in_at=activity.starts_at,
            checkin_method=ActivityParticipant.CheckinMethod.CODE,
        )

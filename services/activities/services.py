"""Activities: publishing, signing up with the family, approval, cancelling, and the waiting
list with a time-limited claim of a freed place.

Places are counted in `Activity.places_taken` (the people of the sign-ups that hold places:
pending, confirmed and offered) and never pass `capacity` (a check constraint). A sign-up
takes its places with ONE conditional UPDATE of the activity's row, so that fifty households
asking for the last places at once get exactly what is there: PostgreSQL re-reads the row
after each writer commits and the condition decides again. Whoever finds no room waits, in
order of sign-up. A freed place goes to the first waiting household whose people fit, as an
offer that holds the places for `claim_hours`; unclaimed, it expires and passes on.

Lock order, everywhere: the activity's row, then the sign-up's, so that two changes of one
activity never wait for each other in a circle."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Residency, User
from kit.audit import log_action
from kit.images import thumbnail_from_photo
from notices import fanout
from notices.fanout import Plan
from notices.notify import notify
from staff.selectors import staff_with_permission

from ..models import Activity, ActivityParticipant, ActivitySignup
from . import selectors

Status = Activity.Status
SignupStatus = ActivitySignup.Status
PUBLISHED_PLAN = "services.activities.services.activity_published_plan"


# --- Staff: the activity ----------------------------------------------------------------------

# The lists show the poster at 72×72 CSS pixels: twice that for phones' screens.
POSTER_THUMBNAIL_SIDE = 144


def poster_set(activity: Activity, photo: ContentFile) -> None:
    """Give the activity a poster (a JPEG already re-encoded by kit.images) and its thumbnail
    for the lists; not saved (the caller saves the activity). The staff form and the demo data
    both come here."""
    activity.poster.save("poster.jpg", photo, save=False)
    with activity.poster.open("rb") as stored:
        thumbnail = thumbnail_from_photo(stored, side=POSTER_THUMBNAIL_SIDE, crop=True)
    activity.poster_thumbnail.save("poster-thumbnail.jpg", thumbnail, save=False)


@transaction.atomic
def activity_save(
    *,
    activity: Activity,
    buildings: list,
    actor: User,
    request: HttpRequest | None = None,
) -> Activity:
    """Create or change an activity (its fields already set by the form). Raising the capacity
    of a published activity offers the new places to the waiting list."""
    created = activity.pk is None
    if not created:
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        if activity.capacity < locked.places_taken:
            raise ValidationError(
                {
                    "capacity": _(
                        "%(count)d places are already taken: the capacity cannot be lower."
                    )
                    % {"count": locked.places_taken}
                }
            )
        activity.places_taken = locked.places_taken
        activity.status = locked.status
    else:
        activity.created_by = actor
    activity.save()
    activity.buildings.set(buildings)
    log_action(
        actor=actor,
        action="activity.created" if created else "activity.changed",
        target=activity,
        community=activity.community,
        data={"title": activity.title, "capacity": activity.capacity},
        request=request,
    )
    if activity.status == Status.PUBLISHED:
        _offer_freed_places(activity)
    return activity


def activity_published_plan(activity: Activity) -> Plan:
    """The audience: the verified residents of the community, or of the chosen buildings."""
    residents = User.objects.filter(
        residencies__status=Residency.Status.VERIFIED,
        residencies__room__building__community_id=activity.community_id,
        is_active=True,
    )
    building_ids = list(activity.buildings.values_list("pk", flat=True))
    if building_ids:
        residents = residents.filter(residencies__room__building__in=building_ids)
    return Plan(
        recipients=residents.distinct(),
        context={"activity": activity},
        url=reverse("services:activity_detail", args=[activity.pk]),
    )


@transaction.atomic
def activity_publish(
    *, activity: Activity, actor: User, request: HttpRequest | None = None
) -> Activity:
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.status != Status.DRAFT:
        raise ValidationError(_("Only a draft can be published."))
    if activity.ends_at <= timezone.now():
        raise ValidationError(_("The activity is over: it cannot be published."))
    activity.status = Status.PUBLISHED
    activity.published_at = timezone.now()
    activity.save(update_fields=["status", "published_at"])
    log_action(
        actor=actor,
        action="activity.published",
        target=activity,
        community=activity.community,
        request=request,
    )
    fanout.schedule("activity.published", obj=activity, plan=PUBLISHED_PLAN)
    return activity


@transaction.atomic
def activity_cancel(
    *, activity: Activity, reason: str, actor: User, request: HttpRequest | None = None
) -> Activity:
    """Call the activity off: every live sign-up ends and its household is told why."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.status == Status.CANCELLED:
        raise ValidationError(_("The activity is already cancelled."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Please say why the activity is cancelled.")})
    now = timezone.now()
    live = list(
        ActivitySignup.objects.select_for_update().filter(
            activity=activity, status__in=ActivitySignup.LIVE
        )
    )
    ActivitySignup.objects.filter(pk__in=[s.pk for s in live]).update(
        status=SignupStatus.CANCELLED, cancelled_at=now, offer_expires_at=None
    )
    activity.status = Status.CANCELLED
    activity.cancel_reason = reason
    activity.places_taken = 0
    activity.save(update_fields=["status", "cancel_reason", "places_taken"])
    log_action(
        actor=actor,
        action="activity.cancelled",
        target=activity,
        community=activity.community,
        data={"reason": reason, "signups": len(live)},
        request=request,
    )
    recipients = selectors.households_user_ids([s.household_id for s in live])
    if recipients:
        notify(
            "activity.cancelled",
            recipients,
            obj=activity,
            context={"activity": activity},
            url=reverse("services:activity_detail", args=[activity.pk]),
        )
    return activity


# --- Residents: signing up ----------------------------------------------------------------------


def _check_can_sign_up(
    activity: Activity, household: Residency, people: int, answers: dict, now: dt.datetime
) -> None:
    if activity.status != Status.PUBLISHED:
        raise ValidationError(_("This activity is not open for sign-up."))
    if now < activity.signup_opens_at:
        raise ValidationError(_("Sign-up has not opened yet."))
    if now >= activity.signup_closes_at or now >= activity.starts_at:
        raise ValidationError(_("Sign-up has closed."))
    if not selectors.in_audience(activity, household):
        raise ValidationError(_("This activity is not for your building."))
    if people < 1:
        raise ValidationError({"people": _("Please choose who comes.")})
    if people > activity.per_household_limit:
        raise ValidationError(
            {
                "people": _("At most %(count)d people per household may sign up.")
                % {"count": activity.per_household_limit}
            }
        )
    for index, question in enumerate(activity.fields):
        if question.get("required") and not str(answers.get(str(index), "")).strip():
            raise ValidationError(
                {"answers": _("Please answer: %(label)s") % {"label": question.get("label", "")}}
            )


def _take_places(activity_id: int, people: int) -> bool:
    """Take `people` places if they are free: one conditional UPDATE, safe under concurrency."""
    return bool(
        Activity.objects.filter(
            pk=activity_id,
            status=Status.PUBLISHED,
            places_taken__lte=F("capacity") - people,
        ).update(places_taken=F("places_taken") + people)
    )


def _free_places(activity_id: int, people: int) -> None:
    Activity.objects.filter(pk=activity_id).update(places_taken=F("places_taken") - people)


@transaction.atomic
def signup_create(
    *,
    activity: Activity,
    household: Residency,
    user: User,
    member_ids: list[int],
    other_names: list[str],
    answers: dict,
    request: HttpRequest | None = None,
) -> ActivitySignup:
    """Sign the household up with the chosen members and other people (children without an
    account …): confirmed (or awaiting approval) when the places are free, else waiting."""
    now = timezone.now()
    members = {u.pk: u for u in selectors.household_people(household)}
    chosen = [members[pk] for pk in dict.fromkeys(member_ids) if pk in members]
    names = [name.strip()[:50] for name in other_names if name.strip()]
    people = len(chosen) + len(names)
    _check_can_sign_up(activity, household, people, answers, now)
    if ActivitySignup.objects.filter(
        activity=activity, household=household, status__in=ActivitySignup.LIVE
    ).exists():
        raise ValidationError(_("Your household has already signed up."))
    if _take_places(activity.pk, people):
        status = SignupStatus.PENDING if activity.needs_approval else SignupStatus.CONFIRMED
    else:
        status = SignupStatus.WAITLISTED
    try:
        with transaction.atomic():
            signup = ActivitySignup.objects.create(
                activity=activity,
                household=household,
                user=user,
                status=status,
                people=people,
                answers={k: str(v)[:200] for k, v in answers.items()},
                created_at=now,
            )
    except IntegrityError as error:  # the same household, a moment earlier
        raise ValidationError(_("Your household has already signed up.")) from error
    ActivityParticipant.objects.bulk_create(
        [ActivityParticipant(signup=signup, name=u.get_full_name(), user=u) for u in chosen]
        + [ActivityParticipant(signup=signup, name=name) for name in names]
    )
    log_action(
        actor=user,
        action="activity.signed_up",
        target=signup,
        community=activity.community,
        data={"people": people, "status": status},
        request=request,
    )
    _tell_household(signup)
    _tell_reviewers(signup)
    return signup


APPROVE_PERMISSION = "services.change_activitysignup"


def _tell_reviewers(signup: ActivitySignup) -> None:
    """The staff who may approve hear of a sign-up that waits for them (a new one, or a freed
    place claimed); nothing when the activity needs no approval."""
    if signup.status != SignupStatus.PENDING:
        return
    activity = signup.activity
    notify(
        "activity.signup_pending",
        staff_with_permission(activity.community, APPROVE_PERMISSION),
        obj=signup,
        key=f"pending-{timezone.now().timestamp():.0f}",
        context={"signup": signup, "activity": activity},
        url=reverse("services_staff:activity_signups", args=[activity.pk]) + "?status=pending",
    )


def _tell_household(signup: ActivitySignup, *, event: str = "activity.signup_changed") -> None:
    notify(
        event,
        selectors.household_user_ids(signup.household_id),
        obj=signup,
        key=f"{signup.status}",
        context={"signup": signup, "activity": signup.activity},
        url=reverse("services:activity_detail", args=[signup.activity_id]),
    )


def _locked(signup: ActivitySignup) -> tuple[Activity, ActivitySignup]:
    """The activity's row, then the sign-up's (the lock order of this module)."""
    activity = Activity.objects.select_for_update().get(pk=signup.activity_id)
    signup = ActivitySignup.objects.select_for_update().get(pk=signup.pk)
    signup.activity = activity
    return activity, signup


def cancel_deadline(activity: Activity) -> dt.datetime:
    return min(activity.cancel_closes_at or activity.signup_closes_at, activity.starts_at)


def may_cancel(signup: ActivitySignup, now: dt.datetime | None = None) -> bool:
    """Holding a place: until the cancel deadline; waiting: until the activity starts."""
    now = now or timezone.now()
    if signup.status not in ActivitySignup.LIVE:
        return False
    if signup.status == SignupStatus.WAITLISTED:
        return now < signup.activity.starts_at
    return now < cancel_deadline(signup.activity)


@transaction.atomic
def signup_cancel(
    *, signup: ActivitySignup, user: User, request: HttpRequest | None = None
) -> ActivitySignup:
    activity, signup = _locked(signup)
    if signup.status not in ActivitySignup.LIVE:
        raise ValidationError(_("This sign-up is no longer active."))
    if not may_cancel(signup):
        raise ValidationError(_("The deadline for cancelling has passed."))
    held = signup.status in ActivitySignup.HOLDING
    _end(signup, SignupStatus.CANCELLED, cancelled_at=timezone.now())
    log_action(
        actor=user,
        action="activity.signup_cancelled",
        target=signup,
        community=activity.community,
        data={"people": signup.people},
        request=request,
    )
    _tell_household(signup)
    if held:
        _free_places(activity.pk, signup.people)
        _offer_freed_places(activity)
    return signup


def _end(signup: ActivitySignup, status: str, **fields) -> None:
    signup.status = status
    signup.offer_expires_at = None
    for name, value in fields.items():
        setattr(signup, name, value)
    signup.save(update_fields=["status", "offer_expires_at", *fields])


# --- Staff: approval ------------------------------------------------------------------------------


@transaction.atomic
def signup_approve(
    *, signup: ActivitySignup, actor: User, request: HttpRequest | None = None
) -> ActivitySignup:
    activity, signup = _locked(signup)
    if signup.status != SignupStatus.PENDING:
        raise ValidationError(_("Only a sign-up awaiting approval can be approved."))
    signup.status = SignupStatus.CONFIRMED
    signup.decided_by = actor
    signup.decided_at = timezone.now()
    signup.save(update_fields=["status", "decided_by", "decided_at"])
    log_action(
        actor=actor,
        action="activity.signup_approved",
        target=signup,
        community=activity.community,
        request=request,
    )
    _tell_household(signup)
    return signup


@transaction.atomic
def signup_refuse(
    *, signup: ActivitySignup, reason: str, actor: User, request: HttpRequest | None = None
) -> ActivitySignup:
    """Refuse a sign-up awaiting approval or waiting for a place; its places pass on."""
    activity, signup = _locked(signup)
    if signup.status not in (SignupStatus.PENDING, SignupStatus.WAITLISTED):
        raise ValidationError(_("Only a sign-up awaiting approval or waiting can be refused."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Please give a reason.")})
    held = signup.status in ActivitySignup.HOLDING
    _end(
        signup,
        SignupStatus.REFUSED,
        refuse_reason=reason[:200],
        decided_by=actor,
        decided_at=timezone.now(),
    )
    log_action(
        actor=actor,
        action="activity.signup_refused",
        target=signup,
        community=activity.community,
        data={"reason": reason},
        request=request,
    )
    _tell_household(signup)
    if held:
        _free_places(activity.pk, signup.people)
        _offer_freed_places(activity)
    return signup


# --- The waiting list ----------------------------------------------------------------------------


def _offer_freed_places(activity: Activity, now: dt.datetime | None = None) -> int:
    """Offer the free places to the waiting households in order of sign-up, each whose people
    fit; the offer holds the places until it is claimed, declined or expires. The caller holds
    the activity's row lock. Returns how many households got an offer."""
    now = now or timezone.now()
    activity.refresh_from_db(fields=["places_taken", "capacity", "status", "starts_at"])
    if activity.status != Status.PUBLISHED or activity.starts_at <= now:
        return 0
    free = activity.capacity - activity.places_taken
    offered = 0
    waiting = ActivitySignup.objects.filter(
        activity=activity, status=SignupStatus.WAITLISTED, people__lte=free
    ).order_by("created_at", "pk")
    for signup in waiting.select_for_update():
        if free <= 0:
            break
        if signup.people > free or not _take_places(activity.pk, signup.people):
            continue
        free -= signup.people
        signup.status = SignupStatus.OFFERED
        signup.offered_at = now
        signup.offer_expires_at = min(
            now + dt.timedelta(hours=activity.claim_hours), activity.starts_at
        )
        signup.save(update_fields=["status", "offered_at", "offer_expires_at"])
        signup.activity = activity
        log_action(
            actor=None,
            action="activity.place_offered",
            target=signup,
            community=activity.community,
            data={"people": signup.people, "expires": signup.offer_expires_at.isoformat()},
        )
        _tell_household(signup, event="activity.place_offered")
        offered += 1
    return offered


@transaction.atomic
def offer_claim(
    *, signup: ActivitySignup, user: User, request: HttpRequest | None = None
) -> ActivitySignup:
    activity, signup = _locked(signup)
    if signup.status != SignupStatus.OFFERED:
        raise ValidationError(_("There is no place offered to you now."))
    if signup.offer_expires_at is None or signup.offer_expires_at <= timezone.now():
        raise ValidationError(_("The offer has expired."))
    signup.status = SignupStatus.PENDING if activity.needs_approval else SignupStatus.CONFIRMED
    signup.offer_expires_at = None
    signup.save(update_fields=["status", "offer_expires_at"])
    log_action(
        actor=user,
        action="activity.place_claimed",
        target=signup,
        community=activity.community,
        request=request,
    )
    _tell_household(signup)
    _tell_reviewers(signup)
    return signup


@transaction.atomic
def offer_decline(
    *, signup: ActivitySignup, user: User, request: HttpRequest | None = None
) -> ActivitySignup:
    activity, signup = _locked(signup)
    if signup.status != SignupStatus.OFFERED:
        raise ValidationError(_("There is no place offered to you now."))
    _end(signup, SignupStatus.CANCELLED, cancelled_at=timezone.now())
    log_action(
        actor=user,
        action="activity.place_declined",
        target=signup,
        community=activity.community,
        request=request,
    )
    _free_places(activity.pk, signup.people)
    _offer_freed_places(activity)
    return signup


def offers_expire(now: dt.datetime | None = None) -> int:
    """Periodic: end the offers nobody claimed in time and pass their places on; also offer
    places that are free while households wait (a waiting sign-up that committed just after a
    place was freed). Returns how many offers expired."""
    now = now or timezone.now()
    expired = 0
    due = ActivitySignup.objects.filter(
        status=SignupStatus.OFFERED, offer_expires_at__lte=now
    ).values_list("pk", flat=True)
    for signup_id in list(due[:1000]):
        expired += _expire_one(signup_id, now)
    waiting_with_room = (
        Activity.objects.filter(
            status=Status.PUBLISHED,
            starts_at__gt=now,
            places_taken__lt=F("capacity"),
            signups__status=SignupStatus.WAITLISTED,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    for activity_id in list(waiting_with_room[:1000]):
        with transaction.atomic():
            _offer_freed_places(Activity.objects.select_for_update().get(pk=activity_id), now)
    return expired


@transaction.atomic
def _expire_one(signup_id: int, now: dt.datetime) -> int:
    signup = ActivitySignup.objects.get(pk=signup_id)
    activity, signup = _locked(signup)
    if signup.status != SignupStatus.OFFERED or signup.offer_expires_at > now:
        return 0  # claimed or declined meanwhile
    _end(signup, SignupStatus.EXPIRED)
    log_action(actor=None, action="activity.offer_expired", target=signup,
               community=activity.community)  # fmt: skip
    _tell_household(signup)
    _free_places(activity.pk, signup.people)
    _offer_freed_places(activity, now)
    return 1


# --- Reminders ---------------------------------------------------------------------------------


def reminders_send(now: dt.datetime | None = None) -> int:
    """Periodic: the day before an activity, remind once each household holding places."""
    now = now or timezone.now()
    due = Activity.objects.filter(
        status=Status.PUBLISHED,
        reminded_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + dt.timedelta(hours=24),
    ).values_list("pk", flat=True)
    sent = 0
    for activity_id in list(due[:200]):
        sent += _remind(activity_id, now)
    return sent


@transaction.atomic
def _remind(activity_id: int, now: dt.datetime) -> int:
    activity = Activity.objects.select_for_update().get(pk=activity_id)
    if activity.reminded_at is not None:
        return 0
    activity.reminded_at = now
    activity.save(update_fields=["reminded_at"])
    holders = ActivitySignup.objects.filter(
        activity=activity, status__in=[SignupStatus.CONFIRMED, SignupStatus.PENDING]
    ).values_list("household_id", flat=True)
    recipients = selectors.households_user_ids(list(holders))
    if recipients:
        notify(
            "activity.reminder",
            recipients,
            obj=activity,
            context={"activity": activity},
            url=reverse("services:activity_detail", args=[activity.pk]),
        )
    return 1

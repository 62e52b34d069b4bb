"""The parcel desk's writes: log a parcel with a pickup code, hand it over, return it to the
carrier, remind the households of parcels that wait too long."""

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Room, User
from kit import parameters
from kit.audit import log_action
from kit.cache import invalidate
from notices.notify import notify

from ..models import Parcel
from . import selectors

Status = Parcel.Status
CODE_ATTEMPTS = 20


def new_pickup_code() -> str:
    """Six digits: easy to say at the desk and to type on a phone's number pad."""
    return f"{secrets.randbelow(10**6):06d}"


def free_pickup_code(community_id: int) -> str:
    """A code no waiting parcel of the community carries now (a race is left to the constraint)."""
    for _attempt in range(CODE_ATTEMPTS):
        code = new_pickup_code()
        if not Parcel.objects.filter(
            community_id=community_id, status=Status.WAITING, pickup_code=code
        ).exists():
            return code
    raise ValidationError(_("No free pickup code was found; please try again."))


@transaction.atomic
def parcel_log(
    *,
    room: Room,
    actor: User,
    carrier: str,
    shelf: str,
    recipient_name: str = "",
    recipient_mobile: str = "",
    tracking_number: str = "",
    resident: User | None = None,
    request: HttpRequest | None = None,
) -> Parcel:
    """Take a parcel in for `room`: a pickup code unique among the community's waiting parcels
    (drawn again on a collision; the partial unique constraint is the backstop against two
    desks drawing the same code at once) and the household told."""
    community = room.building.community
    household = selectors.household_for_room(room, resident)
    invalidate(f"household:{room.pk}")  # the household's waiting badge
    parcel = None
    for _attempt in range(CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                parcel = Parcel.objects.create(
                    community=community,
                    room=room,
                    household=household,
                    recipient_name=recipient_name,
                    recipient_mobile=recipient_mobile,
                    carrier=carrier,
                    tracking_number=tracking_number,
                    shelf=shelf,
                    pickup_code=free_pickup_code(community.pk),
                    logged_by=actor,
                )
            break
        except IntegrityError:
            continue
    if parcel is None:
        raise ValidationError(_("No free pickup code was found; please try again."))
    log_action(
        actor=actor,
        action="parcel.logged",
        target=parcel,
        community=community,
        data={"room": room.label, "code": parcel.pickup_code, "shelf": shelf, "carrier": carrier},
        request=request,
    )
    notify(
        "parcel.arrived",
        selectors.household_user_ids(parcel),
        obj=parcel,
        context={"parcel": parcel, "carrier": selectors.carrier_label(carrier)},
        url=reverse("services:parcel_list"),
    )
    return parcel


def _already_gone(parcel: Parcel) -> ValidationError:
    when = date_format(
        timezone.localtime(parcel.picked_up_at or parcel.logged_at), "SHORT_DATETIME_FORMAT"
    )
    if parcel.status == Status.RETURNED:
        return ValidationError(
            _("This parcel was already returned to the carrier (%(when)s).") % {"when": when}
        )
    who = parcel.picked_up_name or (str(parcel.picked_up_by) if parcel.picked_up_by else "")
    return ValidationError(
        _("This parcel was already picked up on %(when)s by %(who)s.") % {"when": when, "who": who}
    )


@transaction.atomic
def parcel_hand_over(
    *,
    parcel: Parcel,
    actor: User,
    collector: User | None = None,
    collector_name: str = "",
    request: HttpRequest | None = None,
) -> Parcel:
    """Record who collected the parcel, when and from whom; the household is told."""
    parcel = (
        Parcel.objects.select_for_update(of=("self",))
        .select_related("picked_up_by")
        .get(pk=parcel.pk)
    )
    if parcel.status != Status.WAITING:
        raise _already_gone(parcel)
    name = collector_name.strip() or (collector.get_full_name() if collector else "")
    if not name:
        raise ValidationError(_("Choose who collects the parcel or type their name."))
    parcel.status = Status.PICKED_UP
    parcel.picked_up_at = timezone.now()
    parcel.picked_up_by = collector
    parcel.picked_up_name = name[:50]
    parcel.handed_over_by = actor
    invalidate(f"household:{parcel.room_id}")  # the household's waiting badge
    parcel.save(
        update_fields=[
            "status", "picked_up_at", "picked_up_by", "picked_up_name", "handed_over_by"
        ]
    )  # fmt: skip
    log_action(
        actor=actor,
        action="parcel.picked_up",
        target=parcel,
        community=parcel.community,
        data={"code": parcel.pickup_code, "collected_by": parcel.picked_up_name},
        request=request,
    )
    notify(
        "parcel.picked_up",
        selectors.household_user_ids(parcel),
        obj=parcel,
        context={"parcel": parcel, "carrier": selectors.carrier_label(parcel.carrier)},
        url=reverse("services:parcel_list"),
    )
    return parcel


@transaction.atomic
def parcel_return(
    *, parcel: Parcel, actor: User, reason: str, request: HttpRequest | None = None
) -> Parcel:
    """Give a waiting parcel back to the carrier (refused, wrong address, too long on the
    shelf); the reason is kept in the audit log."""
    parcel = (
        Parcel.objects.select_for_update(of=("self",))
        .select_related("picked_up_by")
        .get(pk=parcel.pk)
    )
    if parcel.status != Status.WAITING:
        raise _already_gone(parcel)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the parcel goes back to the carrier.")})
    parcel.status = Status.RETURNED
    parcel.picked_up_at = timezone.now()
    parcel.handed_over_by = actor
    parcel.save(update_fields=["status", "picked_up_at", "handed_over_by"])
    invalidate(f"household:{parcel.room_id}")
    log_action(
        actor=actor,
        action="parcel.returned",
        target=parcel,
        community=parcel.community,
        data={"code": parcel.pickup_code, "reason": reason},
        request=request,
    )
    notify(
        "parcel.returned",
        selectors.household_user_ids(parcel),
        obj=parcel,
        context={
            "parcel": parcel,
            "carrier": selectors.carrier_label(parcel.carrier),
            "reason": reason,
        },
        url=reverse("services:parcel_list"),
    )
    return parcel


def remind_waiting_parcels(now: dt.datetime | None = None) -> int:
    """The daily reminder: households of parcels waiting longer than
    the platform parameter parcels.remind_after_days (default LINLI_PARCEL_REMIND_AFTER_DAYS), at
    most once a day per parcel. Returns parcels reminded."""
    now = now or timezone.now()
    after_days = parameters.get("parcels.remind_after_days")
    today = timezone.localdate(now)
    reminded = 0
    for parcel in selectors.due_for_reminder(now, after_days).select_related("room__building"):
        with transaction.atomic():
            # The guard of the update keeps a second run the same day from reminding again.
            claimed = (
                selectors.due_for_reminder(now, after_days)
                .filter(pk=parcel.pk)
                .update(reminded_at=now, reminder_count=F("reminder_count") + 1)
            )
            if not claimed:
                continue
            notify(
                "parcel.reminder",
                selectors.household_user_ids(parcel),
                obj=parcel,
                key=f"reminder-{today.isoformat()}",
                context={
                    "parcel": parcel,
                    "carrier": selectors.carrier_label(parcel.carrier),
                    "days": (now - parcel.logged_at).days,
                },
                url=reverse("services:parcel_list"),
            )
            reminded += 1
    return reminded

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_admin.audit import log_action

from .models import Residency, Room, User


@transaction.atomic
def residency_request(*, user: User, room: Room, relation: str) -> Residency:
    if Residency.objects.filter(
        user=user, room=room, status__in=Residency.ACTIVE_STATUSES
    ).exists():
        raise ValidationError(_("You have already bound this room or are waiting for review."))
    residency = Residency.objects.create(user=user, room=room, relation=relation)
    log_action(
        actor=user,
        action="residency.requested",
        target=residency,
        community=room.building.community,
        data={"relation": relation},
    )
    return residency


def _locked_pending(residency: Residency) -> Residency:
    residency = (
        Residency.objects.select_for_update()
        .select_related("room__building__community")
        .get(pk=residency.pk)
    )
    if residency.status != Residency.Status.PENDING:
        raise ValidationError(
            _("This request has already been handled (%(status)s).")
            % {"status": residency.get_status_display()}
        )
    return residency


@transaction.atomic
def residency_verify(
    *, residency: Residency, actor: User, request: HttpRequest | None = None
) -> Residency:
    residency = _locked_pending(residency)
    residency.status = Residency.Status.VERIFIED
    residency.verified_by = actor
    residency.verified_at = timezone.now()
    residency.rejection_reason = ""
    residency.save(update_fields=["status", "verified_by", "verified_at", "rejection_reason"])
    log_action(
        actor=actor,
        action="residency.verified",
        target=residency,
        community=residency.room.building.community,
        request=request,
    )
    return residency


@transaction.atomic
def residency_reject(
    *, residency: Residency, actor: User, reason: str, request: HttpRequest | None = None
) -> Residency:
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Please give the resident a reason for the rejection."))
    residency = _locked_pending(residency)
    residency.status = Residency.Status.REJECTED
    residency.verified_by = actor
    residency.verified_at = timezone.now()
    residency.rejection_reason = reason
    residency.save(update_fields=["status", "verified_by", "verified_at", "rejection_reason"])
    log_action(
        actor=actor,
        action="residency.rejected",
        target=residency,
        community=residency.room.building.community,
        data={"reason": reason},
        request=request,
    )
    return residency

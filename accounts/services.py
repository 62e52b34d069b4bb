from datetime import timedelta

from allauth.socialaccount.models import SocialLogin
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kit.audit import log_action
from kit.cache import invalidate

from . import limits
from .models import Community, FamilyInvitation, Residency, Room, User
from .phone import mask_mobile, normalize_mobile
from .sms import send_sms


def _residency_changed(residency: Residency) -> None:
    """What a resident sees of the room depends on the residency (selectors.resident_cache_scopes):
    the person's cached values and the household's are recomputed."""
    invalidate(f"user:{residency.user_id}", f"household:{residency.room_id}")


INVITATION_VALID_FOR = timedelta(days=7)
# Each invitation is an SMS to a number the head typed: bound it so a household cannot be
# used to message strangers.
INVITATIONS_PER_HOUSEHOLD_PER_DAY = 10


@transaction.atomic
def set_large_text(*, user: User, on: bool) -> User:
    """长辈模式 on or off for this person's resident pages (their own preference, ACC-4)."""
    if user.large_text != on:
        user.large_text = on
        user.save(update_fields=["large_text"])
    return user


def profile_update(
    *,
    user: User,
    display_name: str,
    backup_phone: str,
    avatar: ContentFile | None = None,
    remove_avatar: bool = False,
    request: HttpRequest | None = None,
) -> User:
    """Name and contact details; `avatar` is an already re-encoded image (kit.images)."""
    changed = []
    if user.display_name != display_name:
        user.display_name = display_name
        changed.append("display_name")
    if user.backup_phone != backup_phone:
        user.backup_phone = backup_phone
        changed.append("backup_phone")
    old_avatar = user.avatar.name if user.avatar else ""
    if avatar is not None:
        user.avatar.save(avatar.name, avatar, save=False)
        changed.append("avatar")
    elif remove_avatar and old_avatar:
        user.avatar = ""
        changed.append("avatar")
    if not changed:
        return user
    user.save(update_fields=changed)
    if "avatar" in changed and old_avatar:
        storage = user.avatar.storage
        transaction.on_commit(lambda: storage.delete(old_avatar))
    log_action(
        actor=user, action="profile.updated", target=user, data={"fields": changed}, request=request
    )
    return user


@transaction.atomic
def residency_request(
    *,
    user: User,
    room: Room,
    relation: str,
    proof: ContentFile | None = None,
    real_name: str = "",
    request: HttpRequest | None = None,
) -> Residency:
    """A resident asks to be registered as owner or tenant of a room; staff verify it.
    `proof` is an already re-encoded image (kit.images.proof_from_upload); `real_name`,
    when given, becomes the person's name, the one staff compare with the deed or lease."""
    if relation not in (Residency.Relation.OWNER, Residency.Relation.TENANT):
        raise ValidationError(
            _("Family members join through an invitation from the owner or tenant.")
        )
    if Residency.objects.filter(
        user=user, room=room, status__in=Residency.ACTIVE_STATUSES
    ).exists():
        raise ValidationError(_("You have already bound this room or are waiting for review."))
    if request is not None:
        limits.throttle_request("residency_request", request, user=user)
    try:
        with transaction.atomic():
            residency = Residency.objects.create(user=user, room=room, relation=relation)
    except IntegrityError:  # the same request sent twice at once
        raise ValidationError(
            _("You have already bound this room or are waiting for review.")
        ) from None
    _residency_changed(residency)
    if proof is not None:
        residency.proof.save(proof.name, proof, save=True)
    if real_name and real_name != user.display_name:
        user.display_name = real_name
        user.save(update_fields=["display_name"])
    log_action(
        actor=user,
        action="residency.requested",
        target=residency,
        community=room.building.community,
        data={"relation": relation, "proof": bool(proof)},
        request=request,
    )
    return residency


@transaction.atomic
def residency_withdraw(
    *, residency: Residency, actor: User, request: HttpRequest | None = None
) -> Residency:
    """The resident takes back a request that staff have not answered yet."""
    residency = _locked_pending(residency)
    if residency.user_id != actor.pk:
        raise ValidationError(_("Only the person who asked can withdraw this request."))
    residency.status = Residency.Status.ENDED
    residency.ended_at = timezone.now()
    residency.save(update_fields=["status", "ended_at"])
    _residency_changed(residency)
    log_action(
        actor=actor,
        action="residency.withdrawn",
        target=residency,
        community=residency.room.building.community,
        request=request,
    )
    return residency


@transaction.atomic
def residency_end(
    *,
    residency: Residency,
    actor: User,
    request: HttpRequest | None = None,
    reason: str = "",
    recorded: dict | None = None,
) -> Residency:
    """A verified residency ends (move-out, or a family member removed): access to the
    room's bills, repairs and notices stops at once. When an owner or tenant leaves, their
    family members leave with them and the household's open invitations are withdrawn.
    `recorded` goes into the audit entry of the residency itself (what staff decided about
    the room's unpaid bills)."""
    residency = (
        Residency.objects.select_for_update(of=("self",))
        .select_related("room__building__community")
        .get(pk=residency.pk)
    )
    if residency.status != Residency.Status.VERIFIED:
        raise ValidationError(
            _("Only a verified residency can end (this one is: %(status)s).")
            % {"status": residency.get_status_display()}
        )
    community = residency.room.building.community
    now = timezone.now()
    reason = reason.strip()
    ended = [residency]
    if residency.relation != Residency.Relation.FAMILY:
        ended += list(
            Residency.objects.select_for_update(of=("self",)).filter(
                head=residency, status=Residency.Status.VERIFIED
            )
        )
        FamilyInvitation.objects.filter(
            head=residency, status=FamilyInvitation.Status.PENDING
        ).update(status=FamilyInvitation.Status.REVOKED, responded_at=now)
    for each in ended:
        each.status = Residency.Status.ENDED
        each.ended_at = now
        each.save(update_fields=["status", "ended_at"])
        _residency_changed(each)
        data = {"reason": reason}
        if each is not residency:
            data["with_head"] = residency.pk
        elif recorded:
            data |= recorded
        log_action(
            actor=actor,
            action="residency.ended",
            target=each,
            community=community,
            data=data,
            request=request,
        )
    return residency


@transaction.atomic
def family_invite(
    *, head: Residency, actor: User, mobile: str, request: HttpRequest | None = None
) -> FamilyInvitation:
    """The owner or tenant of a room invites someone by mobile number; they get an SMS and
    answer after logging in with that number."""
    head = (
        Residency.objects.select_for_update(of=("self",))
        .select_related("room__building__community", "room__unit", "user")
        .get(pk=head.pk)
    )
    _check_head(head, actor)
    mobile = normalize_mobile(mobile)
    if mobile == actor.mobile:
        raise ValidationError(_("You cannot invite yourself."))
    if Residency.objects.filter(
        room=head.room, status__in=Residency.ACTIVE_STATUSES, user__mobile=mobile
    ).exists():
        raise ValidationError(_("This number already belongs to this room."))
    now = timezone.now()
    sent_today = FamilyInvitation.objects.filter(
        head=head, created_at__gte=now - timedelta(days=1)
    ).count()
    if sent_today >= INVITATIONS_PER_HOUSEHOLD_PER_DAY:
        raise ValidationError(_("Too many invitations today. Please try again tomorrow."))
    invitation = FamilyInvitation.objects.filter(
        head=head, mobile=mobile, status=FamilyInvitation.Status.PENDING
    ).first()
    if invitation is not None and invitation.expires_at > now:
        raise ValidationError(_("This number has already been invited and has not answered yet."))
    # The invitation text counts against the same hourly/daily limits per number and per IP
    # as codes, but leaves the one-minute interval free for the invitee's sign-up code.
    try:
        limits.count_sms(request, mobile, interval=False)
    except limits.SmsLimitExceeded as refusal:
        raise ValidationError(refusal.message, code="sms_rate_limited") from None
    if invitation is None:
        invitation = FamilyInvitation(head=head, mobile=mobile)
    # An expired invitation to the same number is renewed rather than kept as a second row.
    invitation.invited_by = actor
    invitation.created_at = now
    invitation.expires_at = now + INVITATION_VALID_FOR
    invitation.save()
    log_action(
        actor=actor,
        action="family.invited",
        target=invitation,
        community=head.room.building.community,
        data={"mobile": mask_mobile(mobile), "room": head.room.label},
        request=request,
    )
    send_sms(
        mobile,
        "family_invitation",
        {
            "inviter": (actor.display_name or mask_mobile(actor.mobile))[:20],
            "room": head.room.label,
        },
    )
    return invitation


@transaction.atomic
def family_invitation_revoke(
    *, invitation: FamilyInvitation, actor: User, request: HttpRequest | None = None
) -> FamilyInvitation:
    invitation = _locked_invitation(invitation)
    _check_head(invitation.head, actor)
    if invitation.status != FamilyInvitation.Status.PENDING:
        raise ValidationError(_("This invitation has already been answered or withdrawn."))
    invitation.status = FamilyInvitation.Status.REVOKED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    log_action(
        actor=actor,
        action="family.invitation_withdrawn",
        target=invitation,
        community=invitation.head.room.building.community,
        request=request,
    )
    return invitation


@transaction.atomic
def family_invitation_accept(
    *, invitation: FamilyInvitation, user: User, request: HttpRequest | None = None
) -> Residency:
    """The invitee joins the household: a verified family residency under the inviting head.
    The invitation row is locked, so a second accept (double tap, two tabs) is refused."""
    invitation = _locked_invitation(invitation)
    _check_answerable(invitation, user)
    if not user.mobile_verified:
        raise ValidationError(_("Please verify your mobile number before joining a household."))
    head = (
        Residency.objects.select_for_update(of=("self",))
        .select_related("room")
        .get(pk=invitation.head_id)
    )
    if head.status != Residency.Status.VERIFIED:
        raise ValidationError(_("This household no longer lives in the room."))
    if Residency.objects.filter(
        user=user, room=head.room, status__in=Residency.ACTIVE_STATUSES
    ).exists():
        raise ValidationError(_("You already belong to this room."))
    now = timezone.now()
    try:
        with transaction.atomic():
            residency = Residency.objects.create(
                user=user,
                room=head.room,
                relation=Residency.Relation.FAMILY,
                status=Residency.Status.VERIFIED,
                head=head,
                verified_by=invitation.invited_by,
                verified_at=now,
            )
    except IntegrityError:  # bound to the room at the same moment (another household's invitation)
        raise ValidationError(_("You already belong to this room.")) from None
    _residency_changed(residency)
    invitation.status = FamilyInvitation.Status.ACCEPTED
    invitation.responded_at = now
    invitation.residency = residency
    invitation.save(update_fields=["status", "responded_at", "residency"])
    log_action(
        actor=user,
        action="family.joined",
        target=residency,
        community=invitation.head.room.building.community,
        data={"invitation": invitation.pk, "head": head.pk},
        request=request,
    )
    return residency


@transaction.atomic
def family_invitation_decline(
    *, invitation: FamilyInvitation, user: User, request: HttpRequest | None = None
) -> FamilyInvitation:
    invitation = _locked_invitation(invitation)
    _check_answerable(invitation, user)
    invitation.status = FamilyInvitation.Status.DECLINED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    log_action(
        actor=user,
        action="family.declined",
        target=invitation,
        community=invitation.head.room.building.community,
        request=request,
    )
    return invitation


@transaction.atomic
def family_member_remove(
    *, member: Residency, actor: User, request: HttpRequest | None = None
) -> Residency:
    """The head removes a family member: their residency ends now, and with it their access."""
    member = (
        Residency.objects.select_for_update(of=("self",))
        .select_related("head__user", "room")
        .get(pk=member.pk)
    )
    if member.relation != Residency.Relation.FAMILY or member.head is None:
        raise ValidationError(_("Only family members can be removed here."))
    _check_head(member.head, actor)
    return residency_end(
        residency=member, actor=actor, request=request, reason="removed by the head of household"
    )


def _check_head(head: Residency, actor: User) -> None:
    if head.relation == Residency.Relation.FAMILY or head.user_id != actor.pk:
        raise ValidationError(
            _("Only the owner or tenant of the room can invite or remove family members.")
        )
    if head.status != Residency.Status.VERIFIED:
        raise ValidationError(_("Your binding of this room is not verified."))


def _locked_invitation(invitation: FamilyInvitation) -> FamilyInvitation:
    return (
        FamilyInvitation.objects.select_for_update()
        .select_related("head__room__building__community", "head__user")
        .get(pk=invitation.pk)
    )


def _check_answerable(invitation: FamilyInvitation, user: User) -> None:
    if invitation.mobile != user.mobile:
        raise ValidationError(_("This invitation was sent to another mobile number."))
    if invitation.status == FamilyInvitation.Status.REVOKED:
        raise ValidationError(_("This invitation has been withdrawn."))
    if invitation.status != FamilyInvitation.Status.PENDING:
        raise ValidationError(_("This invitation has already been answered."))
    if invitation.expires_at <= timezone.now():
        raise ValidationError(_("This invitation has expired. Please ask for a new one."))


def _locked_pending(residency: Residency) -> Residency:
    residency = (
        Residency.objects.select_for_update(of=("self",))
        .select_related("room__building__community")
        .get(pk=residency.pk)
    )
    if residency.status != Residency.Status.PENDING:
        raise ValidationError(
            _("This request has already been handled (%(status)s).")
            % {"status": residency.get_status_display()}
        )
    return residency


def _check_not_a_party(residency: Residency, actor: User) -> None:
    """Nobody decides on a binding they are a party to: their own, or any binding of a room
    where they live or have asked to live (a verified binding lets its holder invite anyone
    into the flat, so a self-verified one would open the flat to whomever they like)."""
    if (
        residency.user_id == actor.pk
        or Residency.objects.filter(
            room_id=residency.room_id, user=actor, status__in=Residency.ACTIVE_STATUSES
        ).exists()
    ):
        raise ValidationError(
            _(
                "You cannot review a room binding that concerns yourself or your own household; "
                "ask a colleague."
            )
        )


@transaction.atomic
def residency_verify(
    *, residency: Residency, actor: User, request: HttpRequest | None = None
) -> Residency:
    residency = _locked_pending(residency)
    _check_not_a_party(residency, actor)
    residency.status = Residency.Status.VERIFIED
    residency.verified_by = actor
    residency.verified_at = timezone.now()
    residency.rejection_reason = ""
    residency.save(update_fields=["status", "verified_by", "verified_at", "rejection_reason"])
    _residency_changed(residency)
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
    _check_not_a_party(residency, actor)
    residency.status = Residency.Status.REJECTED
    residency.verified_by = actor
    residency.verified_at = timezone.now()
    residency.rejection_reason = reason
    residency.save(update_fields=["status", "verified_by", "verified_at", "rejection_reason"])
    _residency_changed(residency)
    log_action(
        actor=actor,
        action="residency.rejected",
        target=residency,
        community=residency.room.building.community,
        data={"reason": reason},
        request=request,
    )
    return residency


# --- Staff portal ---------------------------------------------------------------------------


@transaction.atomic
def resident_contacts_update(
    *,
    user: User,
    actor: User,
    community: Community,
    display_name: str,
    backup_phone: str,
    email: str,
    request: HttpRequest | None = None,
) -> User:
    """Staff correct a resident's name and contact details. An e-mail address set by staff is
    recorded unverified (allauth's EmailAddress), so it cannot recover the account until
    the resident confirms it themselves; a verified address is the resident's recovery
    channel, so staff can neither change nor remove it."""
    from allauth.account.models import EmailAddress

    from . import selectors

    if selectors.accounts_beyond_staff_reach([user.pk], community):
        raise ValidationError(_("This account's details cannot be changed in the staff portal."))
    email = User.objects.normalize_email(email.strip())
    if email != user.email and selectors.has_verified_email(user):
        raise ValidationError(
            {"email": _("This e-mail address is verified; only the resident can change it.")}
        )
    if email and User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise ValidationError({"email": _("Another account already uses this e-mail address.")})
    wanted = {
        "display_name": display_name.strip(),
        "backup_phone": backup_phone.strip(),
        "email": email,
    }
    changed = [name for name, value in wanted.items() if getattr(user, name) != value]
    if not changed:
        return user
    for name in changed:
        setattr(user, name, wanted[name])
    user.save(update_fields=changed)
    if "email" in changed:
        # Only unverified addresses can be here (see the check above).
        EmailAddress.objects.filter(user=user, verified=False).exclude(email__iexact=email).delete()
        if email:
            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"verified": False, "primary": True}
            )
    log_action(
        actor=actor,
        action="resident.contacts_changed",
        target=user,
        community=community,
        data={"fields": changed},
        request=request,
    )
    return user


@transaction.atomic
def social_account_link(*, sociallogin: SocialLogin, user: User, request: HttpRequest) -> User:
    """Connect the WeChat or QQ identity of a login to the existing account of the number the
    person has just proven with an SMS code (accounts.providers.forms.BindPhoneForm; the code
    proves the number as well as a password proves the account). Whether the account may be
    linked at all is accounts.selectors.social_link_refusal's to say, before this is called.

    The number counts as verified from now on (imported accounts start unverified). allauth's
    `connect` saves the social account and announces it (audit entry "social.connected", and a
    notice to a verified e-mail address if there is one)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.mobile_verified:
        user.mobile_verified = True
        user.save(update_fields=["mobile_verified"])
    sociallogin.connect(request, user)
    return user


# --- Rooms -----------------------------------------------------------------------------------------

ROOM_FIELDS = ("building", "unit", "number", "floor", "area", "use")


def _room_values(room: Room) -> dict[str, str]:
    """A room's fields as the audit log keeps them: names, not ids."""
    return {
        "building": room.building.name,
        "unit": room.unit.name if room.unit_id else "",
        "number": room.number,
        "floor": str(room.floor),
        "area": "" if room.area is None else f"{room.area:.2f}",
        "use": str(room.get_use_display()),
    }


@transaction.atomic
def room_save(
    *,
    room: Room | None,
    community: Community,
    actor: User,
    request: HttpRequest | None = None,
    building,
    unit,
    number: str,
    floor: int,
    area,
    use: str,
) -> Room:
    """Add a room to `community` (room=None) or change one of its rooms, audited as
    room.added / room.changed with each changed field's value before and after. The room
    number is refused when the building (and unit) already has it."""
    if building.community_id != community.pk or (
        unit is not None and unit.building_id != building.pk
    ):
        raise ValidationError(_("Please choose a building and unit of this community."))
    taken = Room.objects.filter(building=building, unit=unit, number=number)
    if room is not None:
        taken = taken.exclude(pk=room.pk)
    if taken.exists():
        raise ValidationError(
            _("%(building)s%(unit)s already has a room %(number)s.")
            % {"building": building.name, "unit": unit.name if unit else "", "number": number}
        )
    before = _room_values(room) if room is not None else None
    if room is None:
        room = Room(building=building)
    else:
        room = Room.objects.select_for_update().get(pk=room.pk)
    room.building, room.unit, room.number, room.floor, room.area, room.use = (
        building, unit, number, floor, area, use
    )  # fmt: skip
    try:
        with transaction.atomic():
            room.save()
    except IntegrityError:
        raise ValidationError(
            _("%(building)s%(unit)s already has a room %(number)s.")
            % {"building": building.name, "unit": unit.name if unit else "", "number": number}
        ) from None
    after = _room_values(room)
    if before is None:
        log_action(actor=actor, action="room.added", target=room, community=community,
                   data={"values": after}, request=request)  # fmt: skip
    else:
        changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
        if changes:
            log_action(actor=actor, action="room.changed", target=room, community=community,
                       data={"changes": changes}, request=request)  # fmt: skip
    return room

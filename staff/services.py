import math
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import limits, otp
from accounts.models import Community, PropertyCompany, User
from accounts.phone import mask_mobile, normalize_mobile
from accounts.sms import send_sms
from kit.audit import log_action

from . import duties as duty_registry
from . import selectors
from .access import CommunityDuties, positions_grantable
from .models import PositionTemplate, StaffAssignment, StaffInvitation, StaffMember


def _check_communities(company: PropertyCompany, communities: Iterable[Community]) -> list:
    communities = list(communities)
    if not communities:
        raise ValidationError(_("A staff member must serve at least one community."))
    foreign = [c for c in communities if c.company_id != company.pk]
    if foreign:
        raise ValidationError(
            _("%(names)s does not belong to %(company)s.")
            % {"names": "、".join(c.name for c in foreign), "company": company}
        )
    return communities


def _assignments_set(member: StaffMember, positions: Mapping[Community, Group]) -> dict:
    """Make the member hold exactly `positions` (community -> position). Returns what changed,
    by community name: [before, after], None where not served."""
    current = {a.community_id: a for a in selectors.assignments_of(member)}
    changes = {}
    for community, position in positions.items():
        assignment = current.pop(community.pk, None)
        if assignment is None:
            StaffAssignment.objects.create(member=member, community=community, position=position)
            changes[community.name] = [None, position.name]
        elif assignment.position_id != position.pk:
            changes[community.name] = [assignment.position.name, position.name]
            assignment.position = position
            assignment.save(update_fields=["position"])
    for assignment in current.values():
        assignment.delete()
        changes[assignment.community.name] = [assignment.position.name, None]
    return changes


def _check_employee_number(
    company: PropertyCompany,
    number: str,
    *,
    member: StaffMember | None = None,
    invitation: StaffInvitation | None = None,
    invitations: bool = True,
) -> None:
    """Employee numbers are unique within a company, among its staff and its open invitations
    (an empty number is no number). `invitations=False` while an invitation is being accepted
    (it still holds its own number)."""
    if not number:
        return
    members = StaffMember.objects.filter(company=company, employee_number=number)
    if member is not None and member.pk:
        members = members.exclude(pk=member.pk)
    open_invitations = StaffInvitation.objects.filter(
        company=company, employee_number=number, status=StaffInvitation.Status.PENDING
    )
    if invitation is not None and invitation.pk:
        open_invitations = open_invitations.exclude(pk=invitation.pk)
    if members.exists() or (invitations and open_invitations.exists()):
        raise ValidationError(
            {
                "employee_number": _(
                    "Employee number %(number)s is already used by a colleague in your company "
                    "(or by an open invitation); please enter another one."
                )
                % {"number": number}
            }
        )


@transaction.atomic
def staff_member_create(
    *,
    user: User,
    company: PropertyCompany,
    communities: Iterable[Community],
    position: Group,
    employee_number: str = "",
    actor: User | None = None,
    community: Community | None = None,
    request: HttpRequest | None = None,
) -> StaffMember:
    """A new staff member holding `position` in each of `communities`."""
    communities = _check_communities(company, communities)
    _check_employee_number(company, employee_number, invitations=False)
    member = StaffMember.objects.create(user=user, company=company, employee_number=employee_number)
    StaffAssignment.objects.bulk_create(
        StaffAssignment(member=member, community=c, position=position) for c in communities
    )
    log_action(
        actor=actor,
        action="staff.member_created",
        target=member,
        community=community,
        data={"position": position.name, "communities": [c.pk for c in communities]},
        request=request,
    )
    return member


@transaction.atomic
def staff_member_update(
    *,
    member: StaffMember,
    is_active: bool,
    positions: Mapping[Community, Group] | None = None,
    employee_number: str | None = None,
    actor: User | None = None,
    community: Community | None = None,
    request: HttpRequest | None = None,
) -> StaffMember:
    """The member holds exactly `positions` (community -> position) from now on, or keeps
    theirs (None). Checks only that the communities are the company's: `staff_member_change`
    is a manager's door."""
    if positions is not None:
        _check_communities(member.company, positions)
    changes = {}
    if member.is_active != is_active:
        changes["is_active"] = [member.is_active, is_active]
    if employee_number is not None and member.employee_number != employee_number:
        _check_employee_number(member.company, employee_number, member=member)
        changes["employee_number"] = [member.employee_number, employee_number]
        member.employee_number = employee_number
    was_active = member.is_active
    member.is_active = is_active
    member.save(update_fields=["is_active", "employee_number"])
    position_changes = _assignments_set(member, positions) if positions is not None else {}
    if position_changes:
        changes["positions"] = position_changes
    if was_active and not is_active:
        end_sessions(member.user)
    log_action(
        actor=actor,
        action="staff.member_changed",
        target=member,
        community=community,
        data=changes,
        request=request,
    )
    return member


def end_sessions(user: User) -> None:
    # The session auth hash includes the epoch: every session of this user ends at once.
    User.objects.filter(pk=user.pk).update(auth_epoch=F("auth_epoch") + 1)
    user.refresh_from_db(fields=["auth_epoch"])


# --- A manager's changes in the staff portal ---------------------------------------------------
# Per community: a manager changes a colleague only in the communities where they hold the
# duty themselves (staff.add_staffmember to add, staff.change_staffmember to change), hands
# out there only positions whose permissions they hold there, and leaves the colleague's
# positions in every other community as they are.


def managed_communities(actor: User, perm: str) -> list[CommunityDuties]:
    """The actor's duties in each community they serve where they hold `perm`."""
    member = selectors.active_staff_member(actor)
    if member is None:
        return []
    duties = [
        CommunityDuties(actor, a.community, position=a.position)
        for a in selectors.assignments_of(member)
    ]
    return [d for d in duties if d.has(perm)]


@dataclass
class MemberScope:
    """What an actor may change of a colleague."""

    # The communities where the actor may set the colleague's position, with the positions
    # they may give there.
    editable: list[tuple[Community, list[Group]]]
    # The colleague's positions the actor may not change: held in communities the actor does
    # not manage (`elsewhere`), or above the actor's own in one they do (`above`).
    elsewhere: list[StaffAssignment]
    above: list[StaffAssignment]
    held: dict[int, StaffAssignment]
    refusal: str = ""

    @property
    def untouchable(self) -> list[StaffAssignment]:
        return sorted(self.elsewhere + self.above, key=lambda a: a.community.name)


def staff_member_scope(member: StaffMember, actor: User) -> MemberScope:
    held = {a.community_id: a for a in selectors.assignments_of(member)}
    editable, above = [], []
    managed = set()
    positions = selectors.positions_with_permissions()
    for duties in managed_communities(actor, "staff.change_staffmember"):
        managed.add(duties.community.pk)
        grantable = positions_grantable(duties, positions)
        current = held.get(duties.community.pk)
        if current is not None and current.position not in grantable:
            above.append(current)
        else:
            editable.append((duties.community, grantable))
    scope = MemberScope(
        editable=editable,
        elsewhere=[a for a in held.values() if a.community_id not in managed],
        above=above,
        held=held,
    )
    if member.user_id == actor.pk:
        scope.refusal = _(
            "You cannot change your own position, communities or status; ask another "
            "manager or a platform operator."
        )
    elif not any(community.pk in held for community, _grantable in editable):
        scope.refusal = _(
            "%(name)s holds a position with permissions you do not have; ask a platform operator."
        ) % {"name": member.user}
    return scope


def _lock(member: StaffMember) -> None:
    """Hold the member's row until the change commits: two managers changing the same
    colleague at once are checked one after the other, each against what the other saved."""
    locked = StaffMember.objects.select_for_update().only("is_active").get(pk=member.pk)
    member.is_active = locked.is_active


def check_manageable(member: StaffMember, actor: User) -> MemberScope:
    """Raise ValidationError when the actor may not change this member at all."""
    scope = staff_member_scope(member, actor)
    if scope.refusal:
        raise ValidationError(scope.refusal)
    return scope


def _check_assignable(actor: User, position: Group, communities: Iterable[Community]) -> list:
    communities = list(communities)
    managed = {d.community.pk: d for d in managed_communities(actor, "staff.add_staffmember")}
    foreign = [c for c in communities if c.pk not in managed]
    if foreign:
        raise ValidationError(
            {
                "communities": _("You do not manage the staff of %(names)s.")
                % {"names": "、".join(c.name for c in foreign)}
            }
        )
    if not communities:
        raise ValidationError(
            {"communities": _("A staff member must serve at least one community.")}
        )
    positions = selectors.positions_with_permissions()
    if any(position not in positions_grantable(managed[c.pk], positions) for c in communities):
        raise ValidationError(
            {"position": _("You cannot give a position with permissions you do not have.")}
        )
    return communities


# --- Invitations: "add staff" with the consent of the number's owner ---------------------------
# A manager types a mobile number; whoever owns it (nobody yet, a resident of any company,
# another company's staff, a platform operator, a colleague) gets the same invitation by SMS and
# the manager the same answer, so the form tells nothing about the accounts on the platform.
# Only the owner of the number, logged in with it, accepts, by an SMS code; an account that may
# not become our staff gets an invitation that simply cannot be accepted.

INVITATION_VALID_FOR = timedelta(days=7)
# Between two texts of one invitation (the "resend" button).
INVITATION_RESEND_INTERVAL = timedelta(minutes=10)
# Each invitation or resend is an SMS to a number the manager typed.
INVITATIONS_PER_MANAGER_PER_HOUR = 10
INVITATIONS_PER_MANAGER_PER_DAY = 30


def _new_token(invitation: StaffInvitation) -> str:
    token = secrets.token_urlsafe(24)
    invitation.token_hash = StaffInvitation.hash_token(token)
    return token


def _count_invitation_text(request: HttpRequest | None, actor: User, mobile: str) -> None:
    """The manager's own limit, then the SMS limits per number and per network (without the
    one-minute interval, which would make the invitee wait for their acceptance code)."""
    wait = limits.count_action(
        request,
        group="linli.staff_invitation.manager",
        key=str(actor.pk),
        rates=[
            f"{INVITATIONS_PER_MANAGER_PER_HOUR}/h",
            f"{INVITATIONS_PER_MANAGER_PER_DAY}/d",
        ],
    )
    if wait is not None:
        minutes = max(1, math.ceil(wait / 60))
        raise ValidationError(
            ngettext(
                "You have sent too many invitations. Please try again in %(count)d minute.",
                "You have sent too many invitations. Please try again in %(count)d minutes.",
                minutes,
            )
            % {"count": minutes},
            code="invitations_rate_limited",
        )
    try:
        limits.count_sms(request, mobile, interval=False)
    except limits.SmsLimitExceeded as refusal:
        raise ValidationError(refusal.message, code="sms_rate_limited") from None


def _text_invitation(invitation: StaffInvitation, token: str) -> None:
    link = settings.LINLI_SITE_URL + reverse("staff_invitation:answer", kwargs={"token": token})
    send_sms(
        invitation.mobile,
        "staff_invitation",
        {
            "company": (invitation.company.short_name or invitation.company.name)[:20],
            "link": link,
            "days": str(INVITATION_VALID_FOR.days),
        },
    )


@transaction.atomic
def staff_invitation_send(
    *,
    actor: User,
    mobile: str,
    display_name: str,
    position: Group,
    communities: Iterable[Community],
    employee_number: str = "",
    community: Community | None = None,
    request: HttpRequest | None = None,
) -> StaffInvitation:
    """A manager invites the owner of `mobile` to the company's staff. No account is looked up,
    created or changed here (see staff_invitation_accept)."""
    communities = _check_assignable(actor, position, communities)
    company = selectors.active_staff_member(actor).company
    mobile = normalize_mobile(mobile)
    now = timezone.now()
    invitation = (
        StaffInvitation.objects.select_for_update()
        .filter(company=company, mobile=mobile, status=StaffInvitation.Status.PENDING)
        .first()
    )
    if invitation is not None and not invitation.is_expired:
        raise ValidationError(
            {
                "mobile": _(
                    "This number already has an open invitation from your company; you can "
                    "resend it from the team page."
                )
            }
        )
    _count_invitation_text(request, actor, mobile)
    # An expired invitation to the same number is renewed rather than kept as a second row.
    invitation = invitation or StaffInvitation(company=company, mobile=mobile)
    _check_employee_number(company, employee_number.strip(), invitation=invitation)
    invitation.position = position
    invitation.display_name = display_name.strip()
    invitation.employee_number = employee_number.strip()
    invitation.invited_by = actor
    invitation.created_at = invitation.sent_at = now
    invitation.expires_at = now + INVITATION_VALID_FOR
    token = _new_token(invitation)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:  # the same number invited twice at the same moment
        raise ValidationError(
            {"mobile": _("This number already has an open invitation from your company.")}
        ) from None
    invitation.communities.set(communities)
    log_action(
        actor=actor,
        action="staff.invitation_sent",
        target=invitation,
        community=community,
        data={
            "mobile": mask_mobile(mobile),
            "position": position.name,
            "communities": [c.pk for c in communities],
        },
        request=request,
    )
    _text_invitation(invitation, token)
    return invitation


def _locked_invitation(invitation: StaffInvitation) -> StaffInvitation:
    return (
        StaffInvitation.objects.select_for_update(of=("self",))
        .select_related("company", "position", "invited_by")
        .get(pk=invitation.pk)
    )


def _check_open_for(invitation: StaffInvitation, actor: User) -> None:
    """The inviting company's managers handle its pending invitations (the views reach them
    only through the communities the manager works on)."""
    member = selectors.active_staff_member(actor)
    if member is None or member.company_id != invitation.company_id:
        raise ValidationError(_("This invitation belongs to another company."))
    if invitation.status != StaffInvitation.Status.PENDING:
        raise ValidationError(_("This invitation has already been accepted or withdrawn."))


@transaction.atomic
def staff_invitation_resend(
    *,
    invitation: StaffInvitation,
    actor: User,
    community: Community | None = None,
    request: HttpRequest | None = None,
) -> StaffInvitation:
    """Text the invitation again with a new link (the old one stops working) and a new
    expiry; at most once per INVITATION_RESEND_INTERVAL, and within the manager's limits."""
    invitation = _locked_invitation(invitation)
    _check_open_for(invitation, actor)
    now = timezone.now()
    wait = invitation.sent_at + INVITATION_RESEND_INTERVAL - now
    if wait.total_seconds() > 0:
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        raise ValidationError(
            ngettext(
                "The invitation was sent just now; you can resend it in %(count)d minute.",
                "The invitation was sent just now; you can resend it in %(count)d minutes.",
                minutes,
            )
            % {"count": minutes}
        )
    _count_invitation_text(request, actor, invitation.mobile)
    token = _new_token(invitation)
    invitation.sent_at = now
    invitation.expires_at = now + INVITATION_VALID_FOR
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    log_action(
        actor=actor,
        action="staff.invitation_resent",
        target=invitation,
        community=community,
        request=request,
    )
    _text_invitation(invitation, token)
    return invitation


@transaction.atomic
def staff_invitation_withdraw(
    *,
    invitation: StaffInvitation,
    actor: User,
    community: Community | None = None,
    request: HttpRequest | None = None,
) -> StaffInvitation:
    invitation = _locked_invitation(invitation)
    _check_open_for(invitation, actor)
    invitation.status = StaffInvitation.Status.WITHDRAWN
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    log_action(
        actor=actor,
        action="staff.invitation_withdrawn",
        target=invitation,
        community=community,
        request=request,
    )
    return invitation


def staff_invitation_refusal(invitation: StaffInvitation, user: User) -> str:
    """Why `user` (logged in with the invited number) cannot accept, in words for them only,
    or "" when they can. The manager is never told."""
    if invitation.status == StaffInvitation.Status.WITHDRAWN:
        return _("This invitation has been withdrawn.")
    if invitation.status == StaffInvitation.Status.ACCEPTED:
        return _("This invitation has already been accepted.")
    if invitation.is_expired:
        return _("This invitation has expired. Please ask for a new one.")
    if (
        user.is_staff
        or user.is_superuser
        or not user.is_active
        or StaffMember.objects.filter(user=user).exists()
    ):
        # Staff membership replaces the account's groups and deactivation ends its sessions:
        # an operator's account, or another company's staff, is not a manager's to take.
        return _(
            "Your account cannot accept this invitation. If you have questions, please "
            "contact the property company that invited you."
        )
    # The invitation gives what its sender may still give: a deactivated manager, or one
    # who no longer serves those communities, brings nobody in.
    no_longer_valid = _("This invitation is no longer valid. Please ask for a new one.")
    inviter = selectors.active_staff_member(invitation.invited_by)
    if inviter is None or inviter.company_id != invitation.company_id:
        return no_longer_valid
    try:
        _check_assignable(invitation.invited_by, invitation.position, invitation.communities.all())
    except ValidationError:
        return no_longer_valid
    return ""


def staff_invitation_send_code(
    *, invitation: StaffInvitation, user: User, request: HttpRequest
) -> None:
    """Text the acceptance code to the invitee's (the logged-in user's) number."""
    refusal = staff_invitation_refusal(invitation, user)
    if refusal:
        raise ValidationError(refusal)
    try:
        limits.count_sms(request, user.mobile)
    except limits.SmsLimitExceeded as refusal:
        raise ValidationError(refusal.message, code="sms_rate_limited") from None
    code = otp.issue(request, purpose=otp.Purpose.STAFF_INVITATION, phone=user.mobile)
    send_sms(
        user.mobile,
        "staff_invitation_code",
        {
            "company": (invitation.company.short_name or invitation.company.name)[:20],
            "code": code,
            "minutes": str(max(1, settings.LINLI_SMS_CODE_TTL // 60)),
        },
    )


@transaction.atomic
def staff_invitation_accept(
    *, invitation: StaffInvitation, user: User, request: HttpRequest | None = None
) -> StaffMember:
    """The invitee joins the staff. Called once their SMS code has been checked (the view's
    form, accounts.otp), which also proves the number. The invitation row is locked, so a
    second accept (double tap, two tabs) is refused."""
    invitation = _locked_invitation(invitation)
    if invitation.mobile != user.mobile:
        raise ValidationError(_("This invitation was sent to another mobile number."))
    refusal = staff_invitation_refusal(invitation, user)
    if refusal:
        raise ValidationError(refusal)
    user = User.objects.select_for_update().get(pk=user.pk)
    changed = []
    if not user.mobile_verified:
        user.mobile_verified = True
        changed.append("mobile_verified")
    if not user.display_name and invitation.display_name:
        user.display_name = invitation.display_name
        changed.append("display_name")
    if changed:
        user.save(update_fields=changed)
    communities = list(invitation.communities.order_by("name"))
    number = invitation.employee_number
    if StaffMember.objects.filter(company=invitation.company, employee_number=number).exists():
        number = ""  # taken since the invitation (e.g. in the admin): the manager gives another
    try:
        with transaction.atomic():
            member = staff_member_create(user=user, company=invitation.company, communities=communities, position=invitation.position, employee_number=number, actor=user, community=communities[0], request=request)  # fmt: skip
    except IntegrityError:  # another company's invitation accepted at the same moment
        raise ValidationError(
            _(
                "Your account cannot accept this invitation. If you have questions, please "
                "contact the property company that invited you."
            )
        ) from None
    invitation.status = StaffInvitation.Status.ACCEPTED
    invitation.member = member
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "member", "responded_at"])
    log_action(
        actor=user,
        action="staff.invitation_accepted",
        target=invitation,
        community=communities[0],
        data={"invited_by": invitation.invited_by_id, "member": member.pk},
        request=request,
    )
    return member


@transaction.atomic
def staff_member_change(
    *,
    member: StaffMember,
    actor: User,
    positions: Mapping[Community, Group | None],
    employee_number: str,
    community: Community | None = None,
    request: HttpRequest | None = None,
) -> StaffMember:
    """A manager sets the colleague's position in communities they manage (None: no longer
    serves there); the colleague's other positions stay as they are."""
    _lock(member)
    scope = check_manageable(member, actor)
    allowed = {c.pk: grantable for c, grantable in scope.editable}
    foreign = [c for c in positions if c.pk not in allowed]
    if foreign:
        raise ValidationError(
            _("You do not manage the staff of %(names)s.")
            % {"names": "、".join(c.name for c in foreign)}
        )
    result = {a.community: a.position for a in scope.held.values()}
    for place, position in positions.items():
        if position is None:
            result.pop(place, None)
        elif position not in allowed[place.pk]:
            raise ValidationError(
                {
                    f"position_{place.pk}": _(
                        "You cannot give a position with permissions you do not have."
                    )
                }
            )
        else:
            result[place] = position
    if not result:
        raise ValidationError(
            _(
                "A staff member must serve at least one community; deactivate them instead "
                "if they leave."
            )
        )
    return staff_member_update(
        member=member,
        positions=result,
        is_active=member.is_active,
        employee_number=employee_number.strip(),
        actor=actor,
        community=community,
        request=request,
    )


def _check_status_change(member: StaffMember, actor: User) -> None:
    """Deactivating or reactivating changes what the member may do everywhere: only for an
    actor who manages every community the member serves, above none of their positions."""
    scope = check_manageable(member, actor)
    if scope.above:
        raise ValidationError(
            _(
                "%(name)s holds a position with permissions you do not have; ask a platform "
                "operator."
            )
            % {"name": member.user}
        )
    if scope.elsewhere:
        raise ValidationError(
            _(
                "%(name)s also serves %(communities)s, which you do not manage: take this "
                "community off their list instead, or ask a platform operator."
            )
            % {
                "name": member.user,
                "communities": "、".join(a.community.name for a in scope.elsewhere),
            }
        )


@transaction.atomic
def staff_member_deactivate(
    *,
    member: StaffMember,
    actor: User,
    community: Community | None = None,
    request: HttpRequest | None = None,
) -> StaffMember:
    """The member loses every staff permission and is logged out everywhere at once; the
    record stays for the history."""
    _lock(member)
    _check_status_change(member, actor)
    if not member.is_active:
        raise ValidationError(_("%(name)s is already deactivated.") % {"name": member.user})
    member.is_active = False
    member.save(update_fields=["is_active"])
    end_sessions(member.user)
    log_action(
        actor=actor,
        action="staff.member_deactivated",
        target=member,
        community=community,
        request=request,
    )
    return member


@transaction.atomic
def staff_member_reactivate(
    *,
    member: StaffMember,
    actor: User,
    community: Community | None = None,
    request: HttpRequest | None = None,
) -> StaffMember:
    _lock(member)
    _check_status_change(member, actor)
    if member.is_active:
        raise ValidationError(_("%(name)s is already active.") % {"name": member.user})
    member.is_active = True
    member.save(update_fields=["is_active"])
    log_action(
        actor=actor,
        action="staff.member_reactivated",
        target=member,
        community=community,
        request=request,
    )
    return member


# --- Positions and their duties (the operators' 岗位 editor) ---------------------------------------


def _permission_objects(names: Iterable[str]) -> list[Permission]:
    wanted = {tuple(name.split(".", 1)) for name in names}
    return [
        p
        for p in Permission.objects.select_related("content_type").filter(
            codename__in=[codename for _app, codename in wanted]
        )
        if (p.content_type.app_label, p.codename) in wanted
    ]


@transaction.atomic
def position_set_duties(
    *, position: Group, duty_codes: Iterable[str], kept_permissions: Iterable[Permission],
    actor: User, request: HttpRequest | None = None,
) -> None:  # fmt: skip
    """Give the position exactly the permissions of `duty_codes` plus `kept_permissions` (those
    it held outside every duty and the operator left ticked); audited with the duties before
    and after."""
    before = {
        duty_registry.permission_name(p)
        for p in position.permissions.select_related("content_type")
    }
    wanted = duty_registry.permissions_of(duty_codes)
    permissions = _permission_objects(wanted) + list(kept_permissions)
    position.permissions.set(permissions)
    after = {duty_registry.permission_name(p) for p in permissions}
    log_action(
        actor=actor,
        action="staff.position_changed",
        target=position,
        data={
            "permissions": sorted(name.split(".", 1)[1] for name in after),
            "duties_before": [str(d.label) for d in duty_registry.duties_held(before)],
            "duties_after": [str(d.label) for d in duty_registry.duties_held(after)],
            "added": sorted(after - before),
            "removed": sorted(before - after),
        },
        request=request,
    )


@transaction.atomic
def position_template_save(
    *, template: PositionTemplate, duty_codes: Iterable[str], actor: User,
    request: HttpRequest | None = None,
) -> PositionTemplate:  # fmt: skip
    before = list(template.duties) if template.pk else []
    known = {d.code for d in duty_registry.all_duties()}
    template.duties = [code for code in duty_codes if code in known]
    template.save()
    log_action(
        actor=actor,
        action="staff.position_template_changed",
        target=template,
        data={
            "before": [str(duty_registry.duty(c).label) for c in before if c in known],
            "after": [str(duty_registry.duty(c).label) for c in template.duties],
        },
        request=request,
    )
    return template

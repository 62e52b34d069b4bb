from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import Community, PropertyCompany, User
from accounts.phone import normalize_mobile
from platform_admin.audit import log_action

from . import selectors
from .access import CommunityDuties, positions_grantable
from .models import StaffAssignment, StaffMember


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


@transaction.atomic
def staff_member_add(
    *,
    actor: User,
    mobile: str,
    display_name: str,
    position: Group,
    communities: Iterable[Community],
    employee_number: str = "",
    community: Community | None = None,
    request: HttpRequest | None = None,
) -> StaffMember:
    """A manager adds someone to their company's staff: an existing account (a resident, or a
    former staff member of no company) or a new one, who then logs in with an SMS code."""
    communities = _check_assignable(actor, position, communities)
    company = selectors.active_staff_member(actor).company
    mobile = normalize_mobile(mobile)
    display_name = display_name.strip()
    user = User.objects.filter(mobile=mobile).first()
    if user is None:
        if not display_name:
            raise ValidationError({"display_name": _("Enter the name of the new staff member.")})
        user = User.objects.create_user(mobile=mobile, password=None, display_name=display_name)
    elif user.is_staff or user.is_superuser:
        # Staff membership replaces the account's groups and deactivation ends its sessions:
        # a platform operator's account is the operators' business, not a manager's.
        raise ValidationError(
            {"mobile": _("This number cannot be added to the staff here; ask the platform team.")}
        )
    else:
        existing = StaffMember.objects.filter(user=user).first()
        if existing is not None and existing.company_id != company.pk:
            raise ValidationError(
                {"mobile": _("This number belongs to a staff member of another property company.")}
            )
        if existing is not None:
            raise ValidationError(
                {
                    "mobile": _(
                        "%(name)s is already on the staff; change or reactivate them from the "
                        "team list."
                    )
                    % {"name": user}
                }
            )
        if not user.display_name and display_name:
            user.display_name = display_name
            user.save(update_fields=["display_name"])
    return staff_member_create(
        user=user,
        company=company,
        communities=communities,
        position=position,
        employee_number=employee_number.strip(),
        actor=actor,
        community=community,
        request=request,
    )


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

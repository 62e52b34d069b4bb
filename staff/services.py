from collections.abc import Iterable

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
from .models import StaffMember


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
    communities = _check_communities(company, communities)
    member = StaffMember.objects.create(
        user=user, company=company, position=position, employee_number=employee_number
    )
    member.communities.set(communities)
    staff_member_sync_groups(member=member)
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
    communities: Iterable[Community],
    position: Group,
    is_active: bool,
    employee_number: str | None = None,
    actor: User | None = None,
    community: Community | None = None,
    request: HttpRequest | None = None,
) -> StaffMember:
    communities = _check_communities(member.company, communities)
    changes = {}
    if member.position_id != position.pk:
        changes["position"] = [member.position.name, position.name]
    if member.is_active != is_active:
        changes["is_active"] = [member.is_active, is_active]
    if employee_number is not None and member.employee_number != employee_number:
        changes["employee_number"] = [member.employee_number, employee_number]
        member.employee_number = employee_number
    was_active = member.is_active
    member.position = position
    member.is_active = is_active
    member.save(update_fields=["position", "is_active", "employee_number"])
    member.communities.set(communities)
    staff_member_sync_groups(member=member)
    if was_active and not is_active:
        end_sessions(member.user)
    changes["communities"] = [c.pk for c in communities]
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


def staff_member_sync_groups(*, member: StaffMember) -> None:
    """The user's groups are exactly the position; an inactive member keeps the record
    (history) but loses every permission at once."""
    member.user.groups.set([member.position] if member.is_active else [])


# --- A manager's changes in the staff portal ---------------------------------------------------
# A manager hands out only what they hold: positions whose permissions they have themselves,
# and communities they serve. A member who also serves other communities keeps those.


def _served_by(actor: User) -> list[Community]:
    member = selectors.active_staff_member(actor)
    return selectors.communities_served(member) if member else []


def _check_assignable(actor: User, position: Group, communities: Iterable[Community]) -> list:
    communities = list(communities)
    if position not in selectors.positions_grantable_by(actor):
        raise ValidationError(
            {"position": _("You cannot give a position with permissions you do not have.")}
        )
    served = {c.pk for c in _served_by(actor)}
    foreign = [c for c in communities if c.pk not in served]
    if foreign:
        raise ValidationError(
            {
                "communities": _("You do not serve %(names)s.")
                % {"names": "、".join(c.name for c in foreign)}
            }
        )
    if not communities:
        raise ValidationError(
            {"communities": _("A staff member must serve at least one community.")}
        )
    return communities


def check_manageable(member: StaffMember, actor: User) -> None:
    """Raise ValidationError when the actor may not change this member at all."""
    if member.user_id == actor.pk:
        raise ValidationError(
            _(
                "You cannot change your own position, communities or status; ask another "
                "manager or a platform operator."
            )
        )
    if member.position not in selectors.positions_grantable_by(actor):
        raise ValidationError(
            _(
                "%(name)s holds a position with permissions you do not have; ask a platform "
                "operator."
            )
            % {"name": member.user}
        )


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
    position: Group,
    communities: Iterable[Community],
    employee_number: str,
    community: Community | None = None,
    request: HttpRequest | None = None,
) -> StaffMember:
    check_manageable(member, actor)
    chosen = _check_assignable(actor, position, communities)
    served = {c.pk for c in _served_by(actor)}
    kept = [c for c in member.communities.all() if c.pk not in served]
    return staff_member_update(
        member=member,
        communities=kept + chosen,
        position=position,
        is_active=member.is_active,
        employee_number=employee_number.strip(),
        actor=actor,
        community=community,
        request=request,
    )


def _check_serves_all(member: StaffMember, actor: User) -> None:
    served = {c.pk for c in _served_by(actor)}
    others = [c for c in member.communities.all() if c.pk not in served]
    if others:
        raise ValidationError(
            _(
                "%(name)s also serves %(communities)s, which you do not serve: take this "
                "community off their list instead, or ask a platform operator."
            )
            % {"name": member.user, "communities": "、".join(c.name for c in others)}
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
    check_manageable(member, actor)
    _check_serves_all(member, actor)
    if not member.is_active:
        raise ValidationError(_("%(name)s is already deactivated.") % {"name": member.user})
    member.is_active = False
    member.save(update_fields=["is_active"])
    staff_member_sync_groups(member=member)
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
    check_manageable(member, actor)
    _check_serves_all(member, actor)
    if member.is_active:
        raise ValidationError(_("%(name)s is already active.") % {"name": member.user})
    member.is_active = True
    member.save(update_fields=["is_active"])
    staff_member_sync_groups(member=member)
    log_action(
        actor=actor,
        action="staff.member_reactivated",
        target=member,
        community=community,
        request=request,
    )
    return member

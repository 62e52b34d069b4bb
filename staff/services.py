from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Community, PropertyCompany, User
from platform_admin.audit import log_action

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
        data={"position": position.name, "communities": [c.pk for c in communities]},
    )
    return member


@transaction.atomic
def staff_member_update(
    *,
    member: StaffMember,
    communities: Iterable[Community],
    position: Group,
    is_active: bool,
    actor: User | None = None,
) -> StaffMember:
    communities = _check_communities(member.company, communities)
    changes = {}
    if member.position_id != position.pk:
        changes["position"] = [member.position.name, position.name]
    if member.is_active != is_active:
        changes["is_active"] = [member.is_active, is_active]
    member.position = position
    member.is_active = is_active
    member.save(update_fields=["position", "is_active"])
    member.communities.set(communities)
    staff_member_sync_groups(member=member)
    changes["communities"] = [c.pk for c in communities]
    log_action(actor=actor, action="staff.member_changed", target=member, data=changes)
    return member


def staff_member_sync_groups(*, member: StaffMember) -> None:
    """The user's groups are exactly the position; an inactive member keeps the record
    (history) but loses every permission at once."""
    member.user.groups.set([member.position] if member.is_active else [])

"""Writes of the figures part: the community's complaint categories (service levels and the
routing rule) and departments. Both are switched off, never deleted: complaints keep pointing
at theirs."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from kit.audit import log_action
from staff.models import StaffMember

from ..handling.selectors import handlers_for
from ..models import ComplaintCategory, Department
from . import selectors


@transaction.atomic
def category_save(
    *, category: ComplaintCategory, actor: User, request: HttpRequest | None = None
) -> ComplaintCategory:
    """Create or change a category of `category.community`. The routing rule may name one of
    the community's departments and/or one of its staff who handle complaints."""
    community = category.community
    category.name = category.name.strip()
    if not category.name:
        raise ValidationError({"name": _("Please give the category a name.")})
    same_name = ComplaintCategory.objects.filter(community=community, name=category.name)
    if same_name.exclude(pk=category.pk).exists():
        raise ValidationError({"name": _("This community already has a category of that name.")})
    if category.department_id and category.department.community_id != community.pk:
        raise ValidationError({"department": _("Please choose a department of this community.")})
    if category.handler_id and not handlers_for(community).filter(pk=category.handler_id).exists():
        raise ValidationError(
            {"handler": _("Please choose a staff member of this community who handles complaints.")}
        )
    creating = category.pk is None
    category.save()
    log_action(
        actor=actor, action="complaint.category_saved", target=category, community=community,
        request=request,
        data={
            "created": creating, "active": category.is_active, "name": category.name,
            "accept_within_hours": category.accept_within_hours,
            "reply_within_hours": category.reply_within_hours,
            "department": category.department_id, "handler": category.handler_id,
        },
    )  # fmt: skip
    return category


@transaction.atomic
def department_save(
    *,
    department: Department,
    members: list[StaffMember],
    actor: User,
    request: HttpRequest | None = None,
) -> Department:
    """Create or change a department of `department.community` and set its members (staff
    serving this community only)."""
    community = department.community
    department.name = department.name.strip()
    if not department.name:
        raise ValidationError({"name": _("Please give the department a name.")})
    same_name = Department.objects.filter(community=community, name=department.name)
    if same_name.exclude(pk=department.pk).exists():
        raise ValidationError({"name": _("This community already has a department of that name.")})
    wanted = {member.pk for member in members}
    allowed = set(selectors.staff_of(community).filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - allowed:
        raise ValidationError({"members": _("Please choose staff of this community.")})
    creating = department.pk is None
    department.save()
    department.members.set(sorted(wanted))
    log_action(
        actor=actor, action="complaint.department_saved", target=department, community=community,
        request=request,
        data={
            "created": creating, "active": department.is_active, "name": department.name,
            "members": sorted(wanted),
        },
    )  # fmt: skip
    return department
